"""Which tables make up each stream's record, and how a change in one is traced to it.

A change feed is one table whose LAST_UPDATE_DATE says a stream's record changed; the
stream's key (HEADER_ID, CUST_ACCOUNT_ID, DELIVERY_DETAIL_ID) is reached from it, through
a join where the table does not hold the key itself. Child tables have their own feed
because EBS does not touch a header when a line, hold or address changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement, FromClause

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
    WSH_DELIVERY_ASSIGNMENTS,
    WSH_DELIVERY_DETAILS,
    WSH_NEW_DELIVERIES,
    H,
    L,
)

#: A keyset position in a change feed: the last (LAST_UPDATE_DATE, key) read.
Position = tuple[datetime, int]


@dataclass(frozen=True)
class ChangeFeed:
    """One table whose LAST_UPDATE_DATE says a stream's record changed.

    ``parent`` is the stream's key (HEADER_ID, CUST_ACCOUNT_ID, DELIVERY_DETAIL_ID) as
    reached from this table, ``source`` the table joined to it if needed.
    """

    name: str
    key: ColumnElement[int]
    parent: ColumnElement[int]
    updated: ColumnElement[datetime]
    source: FromClause
    org: ColumnElement[int] | None


DETAIL_WITH_DELIVERY = WSH_DELIVERY_DETAILS.outerjoin(
    WSH_DELIVERY_ASSIGNMENTS, DA.DELIVERY_DETAIL_ID == DD.DELIVERY_DETAIL_ID
).outerjoin(WSH_NEW_DELIVERIES, DEL.DELIVERY_ID == DA.DELIVERY_ID)

#: Per stream, every table whose change re-emits the stream's record (children included:
#: a line or hold change does not touch its header's LAST_UPDATE_DATE).
FEEDS: dict[str, tuple[ChangeFeed, ...]] = {
    "orders": (
        ChangeFeed(
            "headers", H.HEADER_ID, H.HEADER_ID, H.LAST_UPDATE_DATE, OE_ORDER_HEADERS_ALL, H.ORG_ID
        ),
        ChangeFeed(
            "lines", L.LINE_ID, L.HEADER_ID, L.LAST_UPDATE_DATE, OE_ORDER_LINES_ALL, L.ORG_ID
        ),
        ChangeFeed(
            "holds",
            HOLD.ORDER_HOLD_ID,
            HOLD.HEADER_ID,
            HOLD.LAST_UPDATE_DATE,
            OE_ORDER_HOLDS_ALL,
            HOLD.ORG_ID,
        ),
    ),
    "customers": (
        ChangeFeed(
            "accounts",
            ACCT.CUST_ACCOUNT_ID,
            ACCT.CUST_ACCOUNT_ID,
            ACCT.LAST_UPDATE_DATE,
            HZ_CUST_ACCOUNTS,
            None,
        ),
        ChangeFeed(
            "parties",
            PARTY.PARTY_ID,
            ACCT.CUST_ACCOUNT_ID,
            PARTY.LAST_UPDATE_DATE,
            HZ_PARTIES.join(HZ_CUST_ACCOUNTS, ACCT.PARTY_ID == PARTY.PARTY_ID),
            None,
        ),
        ChangeFeed(
            "contact_points",
            CP.CONTACT_POINT_ID,
            ACCT.CUST_ACCOUNT_ID,
            CP.LAST_UPDATE_DATE,
            HZ_CONTACT_POINTS.join(
                HZ_CUST_ACCOUNTS,
                sa.and_(CP.OWNER_TABLE_NAME == "HZ_PARTIES", CP.OWNER_TABLE_ID == ACCT.PARTY_ID),
            ),
            None,
        ),
        ChangeFeed(
            "acct_sites",
            SITE.CUST_ACCT_SITE_ID,
            SITE.CUST_ACCOUNT_ID,
            SITE.LAST_UPDATE_DATE,
            HZ_CUST_ACCT_SITES_ALL,
            SITE.ORG_ID,
        ),
        ChangeFeed(
            "site_uses",
            USE.SITE_USE_ID,
            SITE.CUST_ACCOUNT_ID,
            USE.LAST_UPDATE_DATE,
            HZ_CUST_SITE_USES_ALL.join(
                HZ_CUST_ACCT_SITES_ALL, SITE.CUST_ACCT_SITE_ID == USE.CUST_ACCT_SITE_ID
            ),
            USE.ORG_ID,
        ),
        ChangeFeed(
            "party_sites",
            PSITE.PARTY_SITE_ID,
            SITE.CUST_ACCOUNT_ID,
            PSITE.LAST_UPDATE_DATE,
            HZ_PARTY_SITES.join(HZ_CUST_ACCT_SITES_ALL, SITE.PARTY_SITE_ID == PSITE.PARTY_SITE_ID),
            SITE.ORG_ID,
        ),
        ChangeFeed(
            "locations",
            LOC.LOCATION_ID,
            SITE.CUST_ACCOUNT_ID,
            LOC.LAST_UPDATE_DATE,
            HZ_LOCATIONS.join(HZ_PARTY_SITES, PSITE.LOCATION_ID == LOC.LOCATION_ID).join(
                HZ_CUST_ACCT_SITES_ALL, SITE.PARTY_SITE_ID == PSITE.PARTY_SITE_ID
            ),
            SITE.ORG_ID,
        ),
    ),
    "shipments": (
        ChangeFeed(
            "details",
            DD.DELIVERY_DETAIL_ID,
            DD.DELIVERY_DETAIL_ID,
            DD.LAST_UPDATE_DATE,
            WSH_DELIVERY_DETAILS,
            DD.ORG_ID,
        ),
        ChangeFeed(
            "assignments",
            DA.DELIVERY_ASSIGNMENT_ID,
            DA.DELIVERY_DETAIL_ID,
            DA.LAST_UPDATE_DATE,
            WSH_DELIVERY_ASSIGNMENTS.join(
                WSH_DELIVERY_DETAILS, DD.DELIVERY_DETAIL_ID == DA.DELIVERY_DETAIL_ID
            ),
            DD.ORG_ID,
        ),
        ChangeFeed(
            "deliveries",
            DEL.DELIVERY_ID,
            DA.DELIVERY_DETAIL_ID,
            DEL.LAST_UPDATE_DATE,
            WSH_NEW_DELIVERIES.join(
                WSH_DELIVERY_ASSIGNMENTS, DA.DELIVERY_ID == DEL.DELIVERY_ID
            ).join(WSH_DELIVERY_DETAILS, DD.DELIVERY_DETAIL_ID == DA.DELIVERY_DETAIL_ID),
            DD.ORG_ID,
        ),
    ),
}

#: Per stream: its key column and the table (and operating-unit column) that holds it.
KEYS: dict[str, tuple[ColumnElement[int], FromClause, ColumnElement[int] | None]] = {
    "orders": (H.HEADER_ID, OE_ORDER_HEADERS_ALL, H.ORG_ID),
    "customers": (ACCT.CUST_ACCOUNT_ID, HZ_CUST_ACCOUNTS, None),
    "shipments": (DD.DELIVERY_DETAIL_ID, WSH_DELIVERY_DETAILS, DD.ORG_ID),
}
