"""Reading U8 with SQLAlchemy: changed documents page by page, exact to the rowversion.

One client per stream sync. It fixes the read's upper bound once (SQL Server:
``MIN_ACTIVE_ROWVERSION()``), then pages through documents whose header or any line has
a rowversion above the bookmark and below that bound. A document's position is its
newest rowversion, which is also the record's replication value: the bookmark moves in
the same order the records are emitted, and a sync resumed from any STATE re-reads
nothing it already emitted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from connectors.u8 import queries, records
from connectors.u8.connection import U8Connection, connect_error, create_engine, query_error
from connectors.u8.schema import Customer

#: The fields tap-u8 derives for each document from its header and lines.
DERIVED: dict[str, Callable[[dict[str, Any], list[dict[str, Any]]], dict[str, Any]]] = {
    "orders": records.order_fields,
    "shipments": records.dispatch_fields,
}


class U8Client:
    """Pages of U8 documents and customers as Singer-ready records."""

    def __init__(
        self, connection: U8Connection, zone: ZoneInfo, page_size: int, login_timeout: int = 15
    ) -> None:
        self.connection = connection
        self.zone = zone
        self.page_size = page_size
        self.engine = create_engine(connection, login_timeout)
        self.location = connection.location

    def close(self) -> None:
        self.engine.dispose()

    def connect(self) -> sa.Connection:
        """A connection, or an error naming the setting to fix (never the password)."""
        try:
            return self.engine.connect()
        except sa.exc.DBAPIError as exc:
            raise connect_error(exc, self.connection) from None

    def run(self, connection: sa.Connection, statement: sa.Executable) -> sa.CursorResult[Any]:
        """Execute one of :mod:`queries`; a refused query becomes advice, not a traceback."""
        try:
            return connection.execute(statement)
        except sa.exc.ProgrammingError as exc:
            raise query_error(exc, self.connection) from None

    def upper_bound(self, connection: sa.Connection) -> int | None:
        """Rowversions at or above this may belong to uncommitted transactions.

        Only SQL Server has rowversions and MIN_ACTIVE_ROWVERSION(). The SQLite emulation
        needs no bound (one writer at a time, stamping inside its transaction); the
        MariaDB emulation takes SEQUENCE values outside transactions and has no safe bound
        (it is a test double, never a production U8).
        """
        if connection.dialect.name != "mssql":
            return None
        return int(self.run(connection, queries.upper_bound()).scalar_one())

    def account_databases(self) -> list[str]:
        """Every database of this account on the server (SQLite: just this one file)."""
        with self.connect() as connection:
            dialect = connection.dialect.name
            if dialect == "sqlite":
                return [self.location.database]
            query = queries.account_databases(dialect, self.location.account)
            return [str(name) for name in self.run(connection, query).scalars()]

    def _stamp(self, record: dict[str, Any], read_at: str) -> dict[str, Any]:
        record["account"] = self.location.account
        record["account_year"] = self.location.account_year
        record["database"] = self.location.database
        record["extracted_at"] = read_at
        return record

    # -- documents: orders and shipments ------------------------------------------------

    def documents(self, document: queries.Document, after: int) -> Iterator[dict[str, Any]]:
        """Every document changed after rowversion ``after``, oldest change first."""
        head = records.RowConverter(document.head.c, self.zone)
        lines = records.RowConverter([*document.lines.c, sa.column("SOID", sa.Integer)], self.zone)
        with self.connect() as connection:
            below = self.upper_bound(connection)
            while True:
                page = self.run(connection, document.changed(after, below, self.page_size)).all()
                if not page:
                    return
                versions = {int(row.doc_id): int(row.row_version) for row in page}
                ids = list(versions)
                read_at = datetime.now(UTC).isoformat()
                heads = {
                    int(row[document.key]): head.record(row)
                    for row in self.run(connection, document.heads(ids)).mappings()
                }
                details: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
                for row in self.run(connection, document.details(ids)).mappings():
                    details[int(row[document.key])].append(lines.record(row))
                # Page order is rowversion order: the bookmark only ever moves forward.
                for doc_id, newest in versions.items():
                    if doc_id not in heads:
                        continue  # lines whose header is gone: nothing to emit
                    record = self._stamp(heads[doc_id], read_at)
                    record["row_version"] = newest
                    yield self._assemble(document, record, details[doc_id])
                after = page[-1].row_version
                if len(page) < self.page_size:
                    return

    def _assemble(
        self, document: queries.Document, record: dict[str, Any], lines: list[dict[str, Any]]
    ) -> dict[str, Any]:
        record[document.lines.name] = lines
        record.update(DERIVED[document.name](record, lines))
        if "cCusCode" in record:
            record["customer_id"] = self.customer_id(record["cCusCode"])
        return record

    def customer_id(self, code: Any) -> str | None:
        """Customers are account-wide master data: keyed by account, not by year."""
        return f"{self.location.account}-{code}" if code not in (None, "") else None

    # -- customers ----------------------------------------------------------------------

    def customers(self, after: int) -> Iterator[dict[str, Any]]:
        """Every customer changed after ``pubufts`` ``after``, oldest change first."""
        converter = records.RowConverter(Customer.c, self.zone)
        with self.connect() as connection:
            below = self.upper_bound(connection)
            while True:
                rows = (
                    self.run(connection, queries.customers(after, below, self.page_size))
                    .mappings()
                    .all()
                )
                read_at = datetime.now(UTC).isoformat()
                for row in rows:
                    record = self._stamp(converter.record(row), read_at)
                    record["customer_id"] = self.customer_id(record.get("cCusCode"))
                    yield record
                if len(rows) < self.page_size:
                    return
                after = int(rows[-1]["pubufts"])
