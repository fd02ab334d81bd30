"""Every query the tap issues, each built by one named method.

Keeping them here (and nowhere else) makes the set enumerable: the Oracle-dialect test
compiles each one and checks what matters on a real EBS database:

* named binds (``:since``), no literals: one cursor per query shape in the shared pool;
* ``FETCH FIRST n ROWS ONLY`` keyset pages, never ``OFFSET`` on a table that changes
  while it is read, and no row-value comparison (``(a, b) > (:x, :y)``), which Oracle
  lacks: the keyset predicate is spelled out;
* ``LAST_UPDATE_DATE`` compared with a naive local ``DATE`` bind, so an index on it can
  serve the query (a ``TIMESTAMP WITH TIME ZONE`` would convert every row);
* ``IN`` lists of at most ``page_size`` (≤ 1000, Oracle's limit) binds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement, FromClause, Join, Select

from connectors.oracle_ebs.feeds import DETAIL_WITH_DELIVERY, KEYS, ChangeFeed, Position
from connectors.oracle_ebs.schema import (
    ACCT,
    CP,
    DA,
    DD,
    DEL,
    HOLD,
    HZ_CONTACT_POINTS,
    HZ_CUST_ACCOUNTS,
    HZ_CUST_ACCT_SITES_ALL,
    HZ_CUST_SITE_USES_ALL,
    HZ_LOCATIONS,
    HZ_PARTIES,
    HZ_PARTY_SITES,
    LOC,
    OE_ORDER_HEADERS_ALL,
    OE_ORDER_HOLDS_ALL,
    OE_ORDER_LINES_ALL,
    PARTY,
    PSITE,
    SITE,
    USE,
    WSH_DELIVERY_DETAILS,
    H,
    L,
)


def _ids(name: str) -> sa.BindParameter[Any]:
    """An expanding IN list of NUMBER ids (rendered as ``:name_1, :name_2 ...``)."""
    integers: Any = sa.BigInteger()
    return sa.bindparam(name, expanding=True, type_=integers)


def lenient_columns(table: sa.Table) -> list[ColumnElement[Any]]:
    """A table's columns, NUMBER ones read as the driver returns them.

    A legacy or customised instance may hold text where EBS has NUMBER; SQLAlchemy's
    Numeric result processing would then fail the whole query. Read as is, such a value
    reaches the mapping, which dead-letters that one record naming the field.
    """
    return [
        sa.type_coerce(c, sa.types.NullType()).label(c.name)
        if isinstance(c.type, sa.Numeric)
        else c
        for c in table.columns
    ]


#: The address of a location, as orders (ship-to/bill-to) and customers (sites) carry it.
ADDRESS_COLUMNS = (
    LOC.ADDRESS1,
    LOC.ADDRESS2,
    LOC.ADDRESS3,
    LOC.ADDRESS4,
    LOC.CITY,
    LOC.STATE,
    LOC.PROVINCE,
    LOC.POSTAL_CODE,
    LOC.COUNTRY,
)


def to_location(sites: FromClause) -> Join:
    """Account sites (``sites`` holds HZ_CUST_ACCT_SITES_ALL) joined on to their party
    site and location: the TCA address chain."""
    return sites.join(HZ_PARTY_SITES, PSITE.PARTY_SITE_ID == SITE.PARTY_SITE_ID).join(
        HZ_LOCATIONS, LOC.LOCATION_ID == PSITE.LOCATION_ID
    )


class EbsQueries:
    """Builds the tap's statements for one configuration (operating units, page size)."""

    def __init__(self, org_ids: Sequence[int] = (), page_size: int = 500) -> None:
        self.org_ids = tuple(org_ids)
        self.page_size = page_size

    def _in_orgs(self, column: ColumnElement[int] | None) -> list[ColumnElement[bool]]:
        if column is None or not self.org_ids:
            return []
        return [column.in_(_ids("org_ids"))]

    # -- change feeds and keys (every stream) ---------------------------------------------

    def changed_keys(self, feed: ChangeFeed, after: Position | None) -> Select:
        """One keyset page of a table's rows changed since ``:since`` (naive local DATE)."""
        since = sa.bindparam("since", type_=sa.DateTime())
        query = (
            sa.select(
                feed.key.label("ROW_ID"),
                feed.parent.label("PARENT_ID"),
                feed.updated.label("LAST_UPDATE_DATE"),
            )
            .select_from(feed.source)
            .where(feed.updated >= since, *self._in_orgs(feed.org))
        )
        if after is not None:
            after_date = sa.bindparam("after_date", type_=sa.DateTime())
            after_id = sa.bindparam("after_id", type_=sa.BigInteger())
            query = query.where(
                sa.or_(
                    feed.updated > after_date,
                    sa.and_(feed.updated == after_date, feed.key > after_id),
                )
            )
        return query.order_by(feed.updated, feed.key).limit(self.page_size)

    def key_page(self, stream: str, after: int | None) -> Select:
        """One keyset page of a stream's keys (delete reconciliation, full sync)."""
        key, table, org = KEYS[stream]
        query = sa.select(key.label("KEY")).select_from(table).where(*self._in_orgs(org))
        if after is not None:
            query = query.where(key > sa.bindparam("after_id", type_=sa.BigInteger()))
        return query.order_by(key).limit(self.page_size)

    # -- orders -----------------------------------------------------------------------------

    def order_headers(self) -> Select:
        """Headers by HEADER_ID (``:ids``), with the operating-unit filter."""
        return sa.select(OE_ORDER_HEADERS_ALL).where(
            H.HEADER_ID.in_(_ids("ids")), *self._in_orgs(H.ORG_ID)
        )

    def order_lines(self) -> Select:
        """Every line of the headers ``:ids`` (the whole order is re-emitted)."""
        return (
            sa.select(*lenient_columns(OE_ORDER_LINES_ALL))
            .where(L.HEADER_ID.in_(_ids("ids")))
            .order_by(L.HEADER_ID, L.LINE_NUMBER, L.SHIPMENT_NUMBER, L.LINE_ID)
        )

    def order_holds(self) -> Select:
        """Every hold, released or not, of the headers ``:ids``."""
        return (
            sa.select(OE_ORDER_HOLDS_ALL)
            .where(HOLD.HEADER_ID.in_(_ids("ids")))
            .order_by(HOLD.HEADER_ID, HOLD.ORDER_HOLD_ID)
        )

    def site_use_addresses(self) -> Select:
        """The address behind each SITE_USE_ID in ``:ids`` (ship-to / bill-to of orders)."""
        return (
            sa.select(
                USE.SITE_USE_ID,
                USE.SITE_USE_CODE,
                *ADDRESS_COLUMNS,
            )
            .select_from(
                to_location(
                    HZ_CUST_SITE_USES_ALL.join(
                        HZ_CUST_ACCT_SITES_ALL, SITE.CUST_ACCT_SITE_ID == USE.CUST_ACCT_SITE_ID
                    )
                )
            )
            .where(USE.SITE_USE_ID.in_(_ids("ids")))
        )

    # -- customers --------------------------------------------------------------------------

    def customer_accounts(self) -> Select:
        """Accounts ``:ids`` with their party (TCA registry: not striped by ORG_ID)."""
        return (
            sa.select(
                HZ_CUST_ACCOUNTS,
                PARTY.PARTY_NUMBER,
                PARTY.PARTY_NAME,
                PARTY.PARTY_TYPE,
                PARTY.PERSON_FIRST_NAME,
                PARTY.PERSON_LAST_NAME,
                PARTY.EMAIL_ADDRESS,
                PARTY.LAST_UPDATE_DATE.label("PARTY_LAST_UPDATE_DATE"),
            )
            .select_from(HZ_CUST_ACCOUNTS.join(HZ_PARTIES, PARTY.PARTY_ID == ACCT.PARTY_ID))
            .where(ACCT.CUST_ACCOUNT_ID.in_(_ids("ids")))
        )

    def customer_contact_points(self) -> Select:
        """Phones and e-mails owned by the parties ``:ids``."""
        return (
            sa.select(HZ_CONTACT_POINTS)
            .where(
                sa.bindparam("owner_table", "HZ_PARTIES") == CP.OWNER_TABLE_NAME,
                CP.OWNER_TABLE_ID.in_(_ids("ids")),
            )
            .order_by(CP.OWNER_TABLE_ID, CP.CONTACT_POINT_ID)
        )

    def customer_sites(self) -> Select:
        """Account sites of the accounts ``:ids`` with party site, location and site use."""
        return (
            sa.select(
                SITE.CUST_ACCOUNT_ID,
                SITE.CUST_ACCT_SITE_ID,
                SITE.ORG_ID,
                SITE.STATUS,
                SITE.LAST_UPDATE_DATE.label("SITE_LAST_UPDATE_DATE"),
                USE.SITE_USE_ID,
                USE.SITE_USE_CODE,
                USE.PRIMARY_FLAG,
                USE.LAST_UPDATE_DATE.label("USE_LAST_UPDATE_DATE"),
                PSITE.PARTY_SITE_ID,
                PSITE.LAST_UPDATE_DATE.label("PARTY_SITE_LAST_UPDATE_DATE"),
                LOC.LOCATION_ID,
                *ADDRESS_COLUMNS,
                LOC.LAST_UPDATE_DATE.label("LOCATION_LAST_UPDATE_DATE"),
            )
            .select_from(
                to_location(HZ_CUST_ACCT_SITES_ALL).outerjoin(
                    HZ_CUST_SITE_USES_ALL, USE.CUST_ACCT_SITE_ID == SITE.CUST_ACCT_SITE_ID
                )
            )
            .where(SITE.CUST_ACCOUNT_ID.in_(_ids("ids")), *self._in_orgs(SITE.ORG_ID))
            .order_by(SITE.CUST_ACCOUNT_ID, SITE.CUST_ACCT_SITE_ID, USE.SITE_USE_ID)
        )

    # -- shipments --------------------------------------------------------------------------

    def shipment_details(self) -> Select:
        """Delivery details ``:ids`` with their delivery (if assigned to one)."""
        return (
            sa.select(
                *lenient_columns(WSH_DELIVERY_DETAILS),
                DA.DELIVERY_ID,
                DA.LAST_UPDATE_DATE.label("ASSIGNMENT_LAST_UPDATE_DATE"),
                DEL.NAME.label("DELIVERY_NAME"),
                DEL.STATUS_CODE.label("DELIVERY_STATUS_CODE"),
                DEL.WAYBILL,
                DEL.SHIP_METHOD_CODE.label("DELIVERY_SHIP_METHOD_CODE"),
                DEL.INITIAL_PICKUP_DATE,
                DEL.ULTIMATE_DROPOFF_DATE,
                DEL.CONFIRM_DATE,
                DEL.LAST_UPDATE_DATE.label("DELIVERY_LAST_UPDATE_DATE"),
            )
            .select_from(DETAIL_WITH_DELIVERY)
            .where(DD.DELIVERY_DETAIL_ID.in_(_ids("ids")), *self._in_orgs(DD.ORG_ID))
            .order_by(DD.DELIVERY_DETAIL_ID)
        )


#: The names of every statement-building method (the Oracle test checks it covers all).
QUERY_METHODS: tuple[str, ...] = (
    "changed_keys",
    "key_page",
    "order_headers",
    "order_lines",
    "order_holds",
    "site_use_addresses",
    "customer_accounts",
    "customer_contact_points",
    "customer_sites",
    "shipment_details",
)
