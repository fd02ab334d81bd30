"""The EBS tables the tap reads, with their real (upper-case) names and columns.

Oracle stores unquoted identifiers in upper case, so the names here are upper case and
SQLAlchemy quotes them: the same metadata reads Oracle (``"OE_ORDER_HEADERS_ALL"`` is
what ``OE_ORDER_HEADERS_ALL`` means there), and creates an identical schema in PostgreSQL
and SQLite for the simulator and the demo. ``DATE`` columns are naive ``DateTime`` (EBS
``DATE`` has no time zone and no fractional seconds); ``NUMBER`` columns are ``Numeric``.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()


def _id(name: str, **kwargs: object) -> sa.Column:
    return sa.Column(name, sa.BigInteger, **kwargs)  # type: ignore[arg-type]


def _date(name: str, **kwargs: object) -> sa.Column:
    return sa.Column(name, sa.DateTime(), **kwargs)  # type: ignore[arg-type]


def _text(name: str, length: int = 240, **kwargs: object) -> sa.Column:
    return sa.Column(name, sa.String(length), **kwargs)  # type: ignore[arg-type]


def _number(name: str) -> sa.Column:
    return sa.Column(name, sa.Numeric(asdecimal=True))


def _who() -> list[sa.Column]:
    """EBS "who" columns every table has."""
    return [
        _date("CREATION_DATE", nullable=False),
        _id("CREATED_BY"),
        _date("LAST_UPDATE_DATE", nullable=False),
        _id("LAST_UPDATED_BY"),
    ]


OE_ORDER_HEADERS_ALL = sa.Table(
    "OE_ORDER_HEADERS_ALL",
    metadata,
    _id("HEADER_ID", primary_key=True, autoincrement=False),
    _id("ORG_ID"),
    _id("ORDER_NUMBER", nullable=False),
    _id("ORDER_TYPE_ID"),
    _text("ORDER_CATEGORY_CODE", 30),
    _id("ORDER_SOURCE_ID"),
    _text("CUST_PO_NUMBER", 50),
    _id("SOLD_TO_ORG_ID"),
    _id("SHIP_TO_ORG_ID"),
    _id("INVOICE_TO_ORG_ID"),
    _text("TRANSACTIONAL_CURR_CODE", 15),
    _text("FLOW_STATUS_CODE", 30),
    _text("OPEN_FLAG", 1),
    _text("BOOKED_FLAG", 1),
    _text("CANCELLED_FLAG", 1),
    _date("ORDERED_DATE"),
    _date("BOOKED_DATE"),
    _date("REQUEST_DATE"),
    *_who(),
    sa.Index("OE_ORDER_HEADERS_LUD", "LAST_UPDATE_DATE"),
)

OE_ORDER_LINES_ALL = sa.Table(
    "OE_ORDER_LINES_ALL",
    metadata,
    _id("LINE_ID", primary_key=True, autoincrement=False),
    _id("HEADER_ID", nullable=False),
    _id("ORG_ID"),
    _number("LINE_NUMBER"),
    _number("SHIPMENT_NUMBER"),
    _text("LINE_CATEGORY_CODE", 30),
    _id("INVENTORY_ITEM_ID"),
    _text("ORDERED_ITEM", 2000),
    _text("ORDER_QUANTITY_UOM", 3),
    _number("ORDERED_QUANTITY"),
    _number("SHIPPED_QUANTITY"),
    _number("FULFILLED_QUANTITY"),
    _number("INVOICED_QUANTITY"),
    _number("CANCELLED_QUANTITY"),
    _number("UNIT_LIST_PRICE"),
    _number("UNIT_SELLING_PRICE"),
    _text("FLOW_STATUS_CODE", 30),
    _text("OPEN_FLAG", 1),
    _text("CANCELLED_FLAG", 1),
    _id("REFERENCE_HEADER_ID"),
    _id("REFERENCE_LINE_ID"),
    _date("SCHEDULE_SHIP_DATE"),
    _date("ACTUAL_SHIPMENT_DATE"),
    *_who(),
    sa.Index("OE_ORDER_LINES_N1", "HEADER_ID"),
    sa.Index("OE_ORDER_LINES_LUD", "LAST_UPDATE_DATE"),
)

OE_ORDER_HOLDS_ALL = sa.Table(
    "OE_ORDER_HOLDS_ALL",
    metadata,
    _id("ORDER_HOLD_ID", primary_key=True, autoincrement=False),
    _id("HEADER_ID", nullable=False),
    _id("LINE_ID"),
    _id("HOLD_SOURCE_ID"),
    _id("HOLD_RELEASE_ID"),
    _text("RELEASED_FLAG", 1),
    _id("ORG_ID"),
    *_who(),
    sa.Index("OE_ORDER_HOLDS_N1", "HEADER_ID"),
    sa.Index("OE_ORDER_HOLDS_LUD", "LAST_UPDATE_DATE"),
)

HZ_PARTIES = sa.Table(
    "HZ_PARTIES",
    metadata,
    _id("PARTY_ID", primary_key=True, autoincrement=False),
    _text("PARTY_NUMBER", 30),
    _text("PARTY_NAME", 360),
    _text("PARTY_TYPE", 30),
    _text("PERSON_FIRST_NAME", 150),
    _text("PERSON_LAST_NAME", 150),
    _text("EMAIL_ADDRESS", 2000),
    _text("STATUS", 1),
    *_who(),
    sa.Index("HZ_PARTIES_LUD", "LAST_UPDATE_DATE"),
)

HZ_CUST_ACCOUNTS = sa.Table(
    "HZ_CUST_ACCOUNTS",
    metadata,
    _id("CUST_ACCOUNT_ID", primary_key=True, autoincrement=False),
    _id("PARTY_ID", nullable=False),
    _text("ACCOUNT_NUMBER", 30),
    _text("ACCOUNT_NAME", 240),
    _text("STATUS", 1),
    _text("CUSTOMER_TYPE", 30),
    _text("CUSTOMER_CLASS_CODE", 30),
    *_who(),
    sa.Index("HZ_CUST_ACCOUNTS_N1", "PARTY_ID"),
    sa.Index("HZ_CUST_ACCOUNTS_LUD", "LAST_UPDATE_DATE"),
)

HZ_CONTACT_POINTS = sa.Table(
    "HZ_CONTACT_POINTS",
    metadata,
    _id("CONTACT_POINT_ID", primary_key=True, autoincrement=False),
    _text("CONTACT_POINT_TYPE", 30),
    _text("OWNER_TABLE_NAME", 30),
    _id("OWNER_TABLE_ID"),
    _text("STATUS", 30),
    _text("PRIMARY_FLAG", 1),
    _text("PHONE_LINE_TYPE", 30),
    _text("PHONE_COUNTRY_CODE", 10),
    _text("PHONE_AREA_CODE", 10),
    _text("PHONE_NUMBER", 40),
    _text("EMAIL_ADDRESS", 2000),
    *_who(),
    sa.Index("HZ_CONTACT_POINTS_N6", "OWNER_TABLE_NAME", "OWNER_TABLE_ID"),
    sa.Index("HZ_CONTACT_POINTS_LUD", "LAST_UPDATE_DATE"),
)

HZ_LOCATIONS = sa.Table(
    "HZ_LOCATIONS",
    metadata,
    _id("LOCATION_ID", primary_key=True, autoincrement=False),
    _text("ADDRESS1"),
    _text("ADDRESS2"),
    _text("ADDRESS3"),
    _text("ADDRESS4"),
    _text("CITY", 60),
    _text("STATE", 60),
    _text("PROVINCE", 60),
    _text("POSTAL_CODE", 60),
    _text("COUNTRY", 60),
    *_who(),
    sa.Index("HZ_LOCATIONS_LUD", "LAST_UPDATE_DATE"),
)

HZ_PARTY_SITES = sa.Table(
    "HZ_PARTY_SITES",
    metadata,
    _id("PARTY_SITE_ID", primary_key=True, autoincrement=False),
    _id("PARTY_ID", nullable=False),
    _id("LOCATION_ID", nullable=False),
    _text("PARTY_SITE_NUMBER", 30),
    _text("STATUS", 1),
    *_who(),
    sa.Index("HZ_PARTY_SITES_N2", "LOCATION_ID"),
    sa.Index("HZ_PARTY_SITES_LUD", "LAST_UPDATE_DATE"),
)

HZ_CUST_ACCT_SITES_ALL = sa.Table(
    "HZ_CUST_ACCT_SITES_ALL",
    metadata,
    _id("CUST_ACCT_SITE_ID", primary_key=True, autoincrement=False),
    _id("CUST_ACCOUNT_ID", nullable=False),
    _id("PARTY_SITE_ID", nullable=False),
    _id("ORG_ID"),
    _text("STATUS", 1),
    *_who(),
    sa.Index("HZ_CUST_ACCT_SITES_N1", "CUST_ACCOUNT_ID"),
    sa.Index("HZ_CUST_ACCT_SITES_LUD", "LAST_UPDATE_DATE"),
)

HZ_CUST_SITE_USES_ALL = sa.Table(
    "HZ_CUST_SITE_USES_ALL",
    metadata,
    _id("SITE_USE_ID", primary_key=True, autoincrement=False),
    _id("CUST_ACCT_SITE_ID", nullable=False),
    _text("SITE_USE_CODE", 30),
    _text("PRIMARY_FLAG", 1),
    _text("STATUS", 1),
    _text("LOCATION", 40),
    _id("ORG_ID"),
    *_who(),
    sa.Index("HZ_CUST_SITE_USES_N1", "CUST_ACCT_SITE_ID"),
    sa.Index("HZ_CUST_SITE_USES_LUD", "LAST_UPDATE_DATE"),
)

WSH_DELIVERY_DETAILS = sa.Table(
    "WSH_DELIVERY_DETAILS",
    metadata,
    _id("DELIVERY_DETAIL_ID", primary_key=True, autoincrement=False),
    _text("SOURCE_CODE", 30),
    _id("SOURCE_HEADER_ID"),
    _id("SOURCE_LINE_ID"),
    _id("ORG_ID"),
    _id("ORGANIZATION_ID"),
    _id("INVENTORY_ITEM_ID"),
    _number("REQUESTED_QUANTITY"),
    _number("SHIPPED_QUANTITY"),
    _text("REQUESTED_QUANTITY_UOM", 3),
    _text("RELEASED_STATUS", 1),
    _text("SHIP_METHOD_CODE", 30),
    _id("CARRIER_ID"),
    _text("TRACKING_NUMBER", 30),
    *_who(),
    sa.Index("WSH_DELIVERY_DETAILS_N3", "SOURCE_HEADER_ID"),
    sa.Index("WSH_DELIVERY_DETAILS_LUD", "LAST_UPDATE_DATE"),
)

WSH_DELIVERY_ASSIGNMENTS = sa.Table(
    "WSH_DELIVERY_ASSIGNMENTS",
    metadata,
    _id("DELIVERY_ASSIGNMENT_ID", primary_key=True, autoincrement=False),
    _id("DELIVERY_ID"),
    _id("PARENT_DELIVERY_DETAIL_ID"),
    _id("DELIVERY_DETAIL_ID"),
    *_who(),
    sa.Index("WSH_DELIVERY_ASSIGNMENTS_N3", "DELIVERY_DETAIL_ID"),
    sa.Index("WSH_DELIVERY_ASSIGNMENTS_N1", "DELIVERY_ID"),
    sa.Index("WSH_DELIVERY_ASSIGNMENTS_LUD", "LAST_UPDATE_DATE"),
)

WSH_NEW_DELIVERIES = sa.Table(
    "WSH_NEW_DELIVERIES",
    metadata,
    _id("DELIVERY_ID", primary_key=True, autoincrement=False),
    _text("NAME", 30),
    _text("STATUS_CODE", 2),
    _text("WAYBILL", 30),
    _text("SHIP_METHOD_CODE", 30),
    _id("CARRIER_ID"),
    _id("ORGANIZATION_ID"),
    _date("INITIAL_PICKUP_DATE"),
    _date("ULTIMATE_DROPOFF_DATE"),
    _date("CONFIRM_DATE"),
    *_who(),
    sa.Index("WSH_NEW_DELIVERIES_LUD", "LAST_UPDATE_DATE"),
)

#: Column collections of the tables, as the tap's and the simulator's queries name them.
H, L, HOLD = OE_ORDER_HEADERS_ALL.c, OE_ORDER_LINES_ALL.c, OE_ORDER_HOLDS_ALL.c
ACCT, PARTY, CP = HZ_CUST_ACCOUNTS.c, HZ_PARTIES.c, HZ_CONTACT_POINTS.c
SITE, USE, PSITE, LOC = (
    HZ_CUST_ACCT_SITES_ALL.c,
    HZ_CUST_SITE_USES_ALL.c,
    HZ_PARTY_SITES.c,
    HZ_LOCATIONS.c,
)
DD, DA, DEL = WSH_DELIVERY_DETAILS.c, WSH_DELIVERY_ASSIGNMENTS.c, WSH_NEW_DELIVERIES.c
