"""The SQL each standard runs on: one query per (table, source system).

A query asset per source gives GX results per source, so a steward sees which source
is at fault. The query exposes the table as the standards read it: live rows only
(``deleted_at`` unset), money cast to NUMERIC (SQLite stores exact decimals as text,
which would compare as text), and the country codes pulled out of the address JSON.
"""

from __future__ import annotations

from sqlalchemy import JSON, Engine, select

from orderhub.warehouse.schema import ENTITY_TABLE_NAMES, ENTITY_TABLES
from orderhub.warehouse.types import ExactDecimal

#: Country columns pulled out of address JSON: (alias, JSON column).
_COUNTRIES = {
    "customers": (("address_country", "default_address"),),
    "orders": (("shipping_country", "shipping_address"), ("billing_country", "billing_address")),
}
_TABLES = {name: ENTITY_TABLES[kind] for kind, name in ENTITY_TABLE_NAMES.items()}


def _json_text(dialect: str, column: str, key: str) -> str:
    if dialect == "postgresql":
        return f"({column} ->> '{key}')"
    return f"json_extract({column}, '$.{key}')"


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def table_query(table: str, dialect: str, source: str | None = None) -> str:
    """The standards' view of ``table`` (one source's rows, or all of them)."""
    columns = []
    for column in _TABLES[table].c:
        if isinstance(column.type, ExactDecimal):
            columns.append(f"CAST({column.name} AS NUMERIC) AS {column.name}")
        elif not isinstance(column.type, JSON):
            columns.append(column.name)
    for alias, json_column in _COUNTRIES.get(table, ()):
        columns.append(f"{_json_text(dialect, json_column, 'country_code')} AS {alias}")
    where = "deleted_at IS NULL"
    if source is not None:
        where += f" AND source_system = {_quoted(source)}"
    return f"SELECT {', '.join(columns)} FROM {table} WHERE {where}"


def sources_by_table(engine: Engine, only: str | None = None) -> dict[str, list[str]]:
    """The source systems with live rows in each unified table (``only``: that one)."""
    found: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for name, table in _TABLES.items():
            query = select(table.c.source_system).where(table.c.deleted_at.is_(None)).distinct()
            if only is not None:
                query = query.where(table.c.source_system == only)
            found[name] = sorted(connection.execute(query).scalars())
    return found
