"""Every SQL statement tap-u8 issues, built in one place so tests can enumerate them.

The statements are SQLAlchemy Core, so each dialect renders its own SQL: on SQL Server
``CAST(ufts AS BIGINT)``, ``SELECT TOP n ... ORDER BY`` and ``MIN_ACTIVE_ROWVERSION()``;
on the MariaDB and SQLite emulations the same statements with their own syntax.

Paging is keyset paging on the rowversion: a page is the next ``page_size`` documents
whose (newest) rowversion is above the last one emitted, ``ORDER BY`` that rowversion.
Rowversions are unique database-wide, so no two documents share a position and no tie
breaker is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from connectors.u8 import schema

BIGINT = sa.BigInteger()


def raw(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """A column read as the driver returns it: no result processing that could raise on
    a value its declared type does not hold (the converter handles types itself)."""
    return sa.type_coerce(column, sa.types.NullType()).label(column.key)


def version(column: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    """``CAST(ufts AS BIGINT)``: the rowversion as a number, exact and ordered."""
    return sa.cast(column, BIGINT)


def columns_of(table: sa.Table) -> list[sa.ColumnElement[Any]]:
    """The table's captured columns, the rowversion read as BIGINT under its own name."""
    rowversion = schema.ROWVERSION_COLUMNS[table.name]
    return [
        version(column).label(rowversion) if column.key == rowversion else raw(column)
        for column in table.c
    ]


def upper_bound() -> sa.Select[Any]:
    """SQL Server only: no row at or above this rowversion is sure to be committed.

    ``MIN_ACTIVE_ROWVERSION()`` is the lowest rowversion of a still-open transaction (or
    the next one to be handed out): reading strictly below it never passes over a row an
    uncommitted transaction will commit later with a smaller rowversion than ours.
    """
    return sa.select(sa.cast(sa.func.MIN_ACTIVE_ROWVERSION(), BIGINT).label("bound"))


class _RowversionColumn(sa.ColumnElement[int]):
    """A rowversion column on the left of a comparison (see :func:`_range`)."""

    inherit_cache = True
    type = BIGINT

    def __init__(self, column: sa.ColumnElement[Any]) -> None:
        self.column = column


class _RowversionValue(sa.ColumnElement[int]):
    """A bookmark value on the right of a rowversion comparison."""

    inherit_cache = True
    type = BIGINT

    def __init__(self, value: sa.BindParameter[int]) -> None:
        self.value = value


@compiles(_RowversionColumn)
def _column_as_number(element: _RowversionColumn, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(version(element.column), **kw))


@compiles(_RowversionColumn, "mssql")
def _column_as_is(element: _RowversionColumn, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))


@compiles(_RowversionValue)
def _value_as_number(element: _RowversionValue, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.value, **kw))


@compiles(_RowversionValue, "mssql")
def _value_as_binary(element: _RowversionValue, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.value, **kw)} AS BINARY(8))"


def _range(
    query: sa.Select[Any], column: sa.ColumnElement[Any], after: int, below: int | None
) -> sa.Select[Any]:
    """Rows whose rowversion is in (``after``, ``below``): exclusive, it is exact.

    SQL Server compares the raw ``timestamp`` column with the number cast to BINARY(8)
    (big-endian, so binary order is number order), which lets it seek an index on the
    rowversion (U8 indexes ``pubufts``); the emulations compare ``CAST(.. AS BIGINT)``.
    """
    rowversion = _RowversionColumn(column)
    query = query.where(rowversion > _RowversionValue(sa.bindparam("after", after, BIGINT)))
    if below is not None:
        query = query.where(rowversion < _RowversionValue(sa.bindparam("below", below, BIGINT)))
    return query


@dataclass(frozen=True)
class Document:
    """A U8 document: a header table and its line table, each with its own rowversion.

    A change to a line moves only the line's ``ufts``, never the header's, so a
    document has changed when its header or any of its lines has.
    """

    name: str
    head: sa.Table
    key: str
    lines: sa.Table
    line_order: tuple[str, ...]

    def changed(self, after: int, below: int | None, limit: int) -> sa.Select[Any]:
        """Keys of the next ``limit`` changed documents with their newest rowversion."""
        parts = []
        for table in (self.head, self.lines):
            value = version(table.c.ufts)
            part = sa.select(table.c[self.key].label("doc_id"), value.label("row_version"))
            parts.append(_range(part, table.c.ufts, after, below))
        union = sa.union_all(*parts).subquery("changed")
        newest = sa.func.max(union.c.row_version).label("row_version")
        return (
            sa.select(union.c.doc_id, newest).group_by(union.c.doc_id).order_by(newest).limit(limit)
        )

    def heads(self, ids: list[int]) -> sa.Select[Any]:
        """The headers of one page of documents."""
        key = self.head.c[self.key]
        return sa.select(*columns_of(self.head)).where(key.in_(ids)).order_by(key)

    def details(self, ids: list[int]) -> sa.Select[Any]:
        """The lines of one page of documents, in document order."""
        order = [self.lines.c[name] for name in (self.key, *self.line_order)]
        return (
            sa.select(*columns_of(self.lines))
            .where(self.lines.c[self.key].in_(ids))
            .order_by(*order)
        )


class Shipments(Document):
    """Dispatch notes: each line also names the sales order its order line belongs to."""

    def details(self, ids: list[int]) -> sa.Select[Any]:
        lines, order_lines = schema.DispatchLists, schema.SO_SODetails
        return (
            sa.select(*columns_of(lines), raw(order_lines.c.ID).label("SOID"))
            .select_from(lines.outerjoin(order_lines, order_lines.c.iSOsID == lines.c.iSOsID))
            .where(lines.c.DLID.in_(ids))
            .order_by(lines.c.DLID, lines.c.iRowNo, lines.c.iDLsID)
        )


ORDERS = Document("orders", schema.SO_SOMain, "ID", schema.SO_SODetails, ("iRowNo", "AutoID"))
SHIPMENTS = Shipments("shipments", schema.DispatchList, "DLID", schema.DispatchLists, ())


def customers(after: int, below: int | None, limit: int) -> sa.Select[Any]:
    """The next ``limit`` customers changed after ``after``, by ``pubufts``.

    Ordered by the rowversion itself (binary order is number order), so SQL Server can
    read U8's ``pubufts`` index in order and stop after ``limit`` rows.
    """
    pubufts = schema.Customer.c.pubufts
    query = sa.select(*columns_of(schema.Customer))
    return _range(query, pubufts, after, below).order_by(_RowversionColumn(pubufts)).limit(limit)


def account_databases(dialect: str, account: str) -> sa.Select[Any]:
    """Names of the account's year databases (``UFDATA_999_%``) on the server.

    SQL Server lists databases in ``sys.databases``; the MariaDB emulation in
    ``information_schema.SCHEMATA``. ``_`` is a LIKE wildcard, hence the escapes.
    """
    if dialect == "mssql":
        names = sa.table("databases", sa.column("name"), schema="sys").c.name
    else:
        schemata = sa.table("SCHEMATA", sa.column("SCHEMA_NAME"), schema="information_schema")
        names = schemata.c.SCHEMA_NAME
    pattern = sa.bindparam("pattern", f"UFDATA\\_{account}\\_%", type_=sa.Unicode)
    return sa.select(names.label("name")).where(names.like(pattern, escape="\\")).order_by(names)


def every_statement(after: int = 0, below: int | None = 1, limit: int = 500) -> dict[str, Any]:
    """Each statement the tap can issue, by name (what the SQL Server test compiles)."""
    ids = [1, 2]
    return {
        "upper_bound": upper_bound(),
        "orders.changed": ORDERS.changed(after, below, limit),
        "orders.heads": ORDERS.heads(ids),
        "orders.details": ORDERS.details(ids),
        "shipments.changed": SHIPMENTS.changed(after, below, limit),
        "shipments.heads": SHIPMENTS.heads(ids),
        "shipments.details": SHIPMENTS.details(ids),
        "customers": customers(after, below, limit),
        "account_databases": account_databases("mssql", "999"),
    }
