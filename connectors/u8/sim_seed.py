"""Seed an emulated U8 account-year database on a MariaDB server from the command line.

The compose stack runs it once per start to give tap-u8 a source it reads through the
MariaDB ODBC driver, the same pyodbc path a real U8 on SQL Server takes::

    python -m connectors.u8.sim_seed --odbc "DRIVER={MariaDB Unicode};SERVER=u8-mariadb;..." \\
        --database UFDATA_999_2024 --orders 200 --keep

It prints the tap settings for the database, the password masked (a stack's logs keep
what it prints).
"""

from __future__ import annotations

import argparse
import json
import re

import sqlalchemy as sa

from connectors.u8.connection import DATABASE_NAME
from connectors.u8.simulator import U8Database, mariadb_odbc, odbc_url


def _exists(admin: sa.Engine, database: str) -> bool:
    with admin.connect() as connection:
        found = connection.exec_driver_sql(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = ?", (database,)
        )
        return found.first() is not None


def seed(odbc: str, database: str, *, orders: int, seed: int, keep: bool) -> dict[str, str]:
    """(Re)create ``database`` seeded with ``orders`` orders (``keep``: leave one that
    exists as it is, so a restart does not reset what the warehouse synced); its tap
    settings."""
    if not DATABASE_NAME.match(database):
        raise SystemExit(f"--database {database!r}: U8 names them UFDATA_<account>_<year>")
    admin = sa.create_engine(odbc_url(odbc), isolation_level="AUTOCOMMIT")
    try:
        if not (keep and _exists(admin, database)):
            with admin.connect() as connection:
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{database}`")
                connection.exec_driver_sql(
                    f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                )
            url = odbc_url(f"{odbc};DATABASE={database}")
            U8Database(url, seed=seed, orders=orders).engine.dispose()
    finally:
        admin.dispose()
    return {
        "odbc_connection_string": f"{odbc};DATABASE={database}",
        "odbc_dialect": "mysql",
        "database": database,
    }


def main(argv: list[str] | None = None) -> None:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description="Seed an emulated U8 database on MariaDB")
    parser.add_argument(
        "--odbc",
        default=None,
        help="ODBC connection string of the server, without DATABASE "
        "(default: $ORDERHUB_TEST_MARIADB_ODBC, else the local test MariaDB)",
    )
    parser.add_argument("--database", default="UFDATA_999_2024")
    parser.add_argument("--orders", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--keep", action="store_true", help="leave the database as it is if it exists"
    )
    args = parser.parse_args(argv)
    odbc = args.odbc or mariadb_odbc()
    try:
        settings = seed(odbc, args.database, orders=args.orders, seed=args.seed, keep=args.keep)
    except sa.exc.DBAPIError as exc:
        raise SystemExit(
            f"cannot seed {args.database} on the server of --odbc: {exc.orig}; check that "
            "the server is up and the ODBC string's UID/PWD may create databases"
        ) from None
    shown = re.sub(r"(?i)(PWD=)(\{[^}]*\}|[^;]*)", r"\1***", settings["odbc_connection_string"])
    print(json.dumps({**settings, "odbc_connection_string": shown}, indent=2), flush=True)


if __name__ == "__main__":
    main()
