"""SQL Server rowversion, emulated faithfully for the databases the tests and demo use.

A rowversion is one database-wide counter: every INSERT and UPDATE of a row that has
such a column stamps it with the next value, whoever the writer is. The emulation keeps
that property with a counter and triggers, so a change made with plain SQL (a test, an
integrator's script, a U8 trigger) bumps ``ufts`` exactly as SQL Server would:

- MariaDB: a SEQUENCE and BEFORE INSERT/UPDATE triggers (``SET NEW.ufts = NEXT VALUE``);
- SQLite: a one-row counter table and AFTER INSERT/UPDATE triggers (SQLite triggers
  cannot assign NEW), guarded so their own stamping update does not fire again.
"""

from __future__ import annotations

import sqlalchemy as sa

from connectors.u8.schema import ROWVERSION_COLUMNS

SEQUENCE = "u8_rowversion"


def _mariadb(connection: sa.Connection) -> None:
    connection.exec_driver_sql(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} START WITH 1000")
    for table, column in ROWVERSION_COLUMNS.items():
        for event in ("INSERT", "UPDATE"):
            connection.exec_driver_sql(
                f"CREATE TRIGGER `{table}_{column}_{event.lower()}` BEFORE {event} ON `{table}` "
                f"FOR EACH ROW SET NEW.`{column}` = NEXT VALUE FOR {SEQUENCE}"
            )


def _sqlite(connection: sa.Connection) -> None:
    connection.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS {SEQUENCE} (value INTEGER NOT NULL)")
    connection.exec_driver_sql(f"INSERT INTO {SEQUENCE} (value) VALUES (999)")
    for table, column in ROWVERSION_COLUMNS.items():
        stamp = (
            f"UPDATE {SEQUENCE} SET value = value + 1; "
            f'UPDATE "{table}" SET "{column}" = (SELECT value FROM {SEQUENCE}) '
            "WHERE rowid = NEW.rowid;"
        )
        connection.exec_driver_sql(
            f'CREATE TRIGGER "{table}_{column}_insert" AFTER INSERT ON "{table}" BEGIN {stamp} END'
        )
        # A writer never sets the rowversion itself, so an update that leaves it alone is
        # a real change; the stamping update above changes it and so does not re-fire.
        connection.exec_driver_sql(
            f'CREATE TRIGGER "{table}_{column}_update" AFTER UPDATE ON "{table}" '
            f'WHEN NEW."{column}" IS OLD."{column}" BEGIN {stamp} END'
        )


def install(connection: sa.Connection) -> None:
    """Create the counter and the triggers on an emulated U8 database."""
    dialect = connection.dialect.name
    if dialect in ("mysql", "mariadb"):
        _mariadb(connection)
    elif dialect == "sqlite":
        _sqlite(connection)
    else:
        raise ValueError(f"no rowversion emulation for {dialect}: SQL Server has the real one")
