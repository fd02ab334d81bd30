"""A simulated EBS database: the real table shapes, seeded and changed like EBS.

`EbsDatabase` is the connector kit's SimulatedSource for the SQL kind: it fills a
database (a scratch PostgreSQL database in tests, a SQLite file in the demo) and makes
the changes the kit's tests ask for. Its clock is America/Los_Angeles by default, so
every test also exercises the server-local DATE handling.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from connectors.oracle_ebs.clock import ServerClock
from connectors.oracle_ebs.schema import (
    HZ_CONTACT_POINTS,
    HZ_CUST_ACCOUNTS,
    HZ_CUST_ACCT_SITES_ALL,
    HZ_CUST_SITE_USES_ALL,
    HZ_LOCATIONS,
    HZ_PARTIES,
    HZ_PARTY_SITES,
    OE_ORDER_HEADERS_ALL,
    OE_ORDER_HOLDS_ALL,
    OE_ORDER_LINES_ALL,
    WSH_DELIVERY_ASSIGNMENTS,
    WSH_DELIVERY_DETAILS,
    WSH_NEW_DELIVERIES,
    metadata,
)
from connectors.oracle_ebs.sim_changes import EbsChanges
from connectors.oracle_ebs.sim_data import EbsData
from orderhub.connector_kit.sql_source import (
    database_exists,
    database_url,
    recreate_database,
    replace_database,
    scratch_database,
)

SERVER_TIMEZONE = "America/Los_Angeles"


class EbsDatabase:
    """A seeded EBS database; the kit's SimulatedSource for this connector."""

    retry_after_seconds = 0.0

    def __init__(
        self, url: str, *, seed: int = 7, count: int = 40, timezone: str = SERVER_TIMEZONE
    ) -> None:
        self.url = url
        self.engine = sa.create_engine(url)
        self.clock = ServerClock(timezone)
        metadata.create_all(self.engine)
        self.data = EbsData(self.engine, self.clock, seed=seed)
        self.data.seed(count)
        self.changes = EbsChanges(self.data)

    # -- the connector kit's SimulatedSource ------------------------------------------------

    def tap_config(self) -> dict[str, Any]:
        return {
            "sqlalchemy_url": self.url,
            "timezone": self.clock.name,
            "lookback_minutes": 10,
            "reconcile_deletes_hours": 0,
            "page_size": 15,
        }

    def current(self, stream: str) -> dict[str, str]:
        """Every key of ``stream`` with its latest LAST_UPDATE_DATE over its tables (UTC)."""
        latest: dict[int, datetime] = {}

        def see(rows: Any) -> None:
            for key, when in rows:
                if key is not None and (key not in latest or when > latest[key]):
                    latest[key] = when

        with self.engine.connect() as c:
            if stream == "orders":
                for table in (OE_ORDER_HEADERS_ALL, OE_ORDER_LINES_ALL, OE_ORDER_HOLDS_ALL):
                    see(c.execute(sa.select(table.c.HEADER_ID, table.c.LAST_UPDATE_DATE)))
            elif stream == "shipments":
                dd, da, de = (
                    WSH_DELIVERY_DETAILS.c,
                    WSH_DELIVERY_ASSIGNMENTS.c,
                    WSH_NEW_DELIVERIES.c,
                )
                see(c.execute(sa.select(dd.DELIVERY_DETAIL_ID, dd.LAST_UPDATE_DATE)))
                see(c.execute(sa.select(da.DELIVERY_DETAIL_ID, da.LAST_UPDATE_DATE)))
                see(
                    c.execute(
                        sa.select(da.DELIVERY_DETAIL_ID, de.LAST_UPDATE_DATE).join_from(
                            WSH_DELIVERY_ASSIGNMENTS,
                            WSH_NEW_DELIVERIES,
                            de.DELIVERY_ID == da.DELIVERY_ID,
                        )
                    )
                )
            else:
                see(self._customer_dates(c))
        return {str(k): self.clock.to_utc(v).isoformat() for k, v in latest.items()}

    @staticmethod
    def _customer_dates(c: sa.Connection) -> Iterator[tuple[int, datetime]]:
        acct, site = HZ_CUST_ACCOUNTS.c, HZ_CUST_ACCT_SITES_ALL.c
        yield from c.execute(sa.select(acct.CUST_ACCOUNT_ID, acct.LAST_UPDATE_DATE))
        yield from c.execute(
            sa.select(acct.CUST_ACCOUNT_ID, HZ_PARTIES.c.LAST_UPDATE_DATE).join_from(
                HZ_CUST_ACCOUNTS, HZ_PARTIES, HZ_PARTIES.c.PARTY_ID == acct.PARTY_ID
            )
        )
        yield from c.execute(
            sa.select(acct.CUST_ACCOUNT_ID, HZ_CONTACT_POINTS.c.LAST_UPDATE_DATE).join_from(
                HZ_CUST_ACCOUNTS,
                HZ_CONTACT_POINTS,
                HZ_CONTACT_POINTS.c.OWNER_TABLE_ID == acct.PARTY_ID,
            )
        )
        yield from c.execute(sa.select(site.CUST_ACCOUNT_ID, site.LAST_UPDATE_DATE))
        yield from c.execute(
            sa.select(site.CUST_ACCOUNT_ID, HZ_CUST_SITE_USES_ALL.c.LAST_UPDATE_DATE).join_from(
                HZ_CUST_ACCT_SITES_ALL,
                HZ_CUST_SITE_USES_ALL,
                HZ_CUST_SITE_USES_ALL.c.CUST_ACCT_SITE_ID == site.CUST_ACCT_SITE_ID,
            )
        )
        yield from c.execute(
            sa.select(site.CUST_ACCOUNT_ID, HZ_PARTY_SITES.c.LAST_UPDATE_DATE).join_from(
                HZ_CUST_ACCT_SITES_ALL,
                HZ_PARTY_SITES,
                HZ_PARTY_SITES.c.PARTY_SITE_ID == site.PARTY_SITE_ID,
            )
        )
        yield from c.execute(
            sa.select(site.CUST_ACCOUNT_ID, HZ_LOCATIONS.c.LAST_UPDATE_DATE)
            .join_from(
                HZ_CUST_ACCT_SITES_ALL,
                HZ_PARTY_SITES,
                HZ_PARTY_SITES.c.PARTY_SITE_ID == site.PARTY_SITE_ID,
            )
            .join(HZ_LOCATIONS, HZ_LOCATIONS.c.LOCATION_ID == HZ_PARTY_SITES.c.LOCATION_ID)
        )

    def change(self, count: int) -> dict[str, set[str]]:
        return self.changes.change(count)

    def delete(self, count: int) -> dict[str, set[str]]:
        return self.changes.delete(count)

    def change_late(self, count: int, before: timedelta) -> dict[str, set[str]]:
        return self.changes.change_late(count, before)

    def inject(self, fault: Any, count: int) -> None:
        raise NotImplementedError("a database has no HTTP faults")


@contextmanager
def simulate(seed: int = 7, count: int = 40) -> Iterator[EbsDatabase]:
    """A fresh, seeded EBS database on the test PostgreSQL (dropped afterwards)."""
    with scratch_database("orderhub_ebs") as url:
        database = EbsDatabase(url, seed=seed, count=count)
        try:
            yield database
        finally:
            database.engine.dispose()


def main(argv: list[str] | None = None) -> None:
    """Create and seed an EBS-shaped database to sync from; prints its URL (password
    hidden: a stack's logs keep it).

    The server is $ORDERHUB_TEST_PG_URL's (an admin URL). ``--keep`` leaves a database
    that exists as it is, so a stack's seed step can run on every start without
    resetting the source its warehouse has synced from.
    """
    parser = argparse.ArgumentParser(description="Create and seed an EBS-shaped database")
    parser.add_argument("--database", default="oracle_ebs_source", help="database to (re)create")
    parser.add_argument("--orders", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--keep", action="store_true", help="leave the database as it is if it exists"
    )
    args = parser.parse_args(argv)
    if args.keep and database_exists(args.database):
        url = database_url(args.database)
    else:
        seeding = recreate_database(f"{args.database}_seeding")
        EbsDatabase(seeding, seed=args.seed, count=args.orders).engine.dispose()
        url = replace_database(args.database, f"{args.database}_seeding")
    print(sa.make_url(url).render_as_string(hide_password=True))


if __name__ == "__main__":
    main()
