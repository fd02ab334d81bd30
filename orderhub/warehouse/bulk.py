"""Set-based writes: one statement per batch, never a round trip per record.

PostgreSQL gets ``COPY`` into a temporary staging table and one
``INSERT ... SELECT ... ON CONFLICT DO UPDATE``; SQLite gets one ``executemany`` of the
same upsert. Both apply the version guard in SQL, so an older source version never
overwrites a newer one, whatever order batches arrive in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    Connection,
    MetaData,
    Table,
    and_,
    any_,
    bindparam,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from orderhub import jsonutil


def version_guard(table: Table, excluded: Any) -> ColumnElement[bool]:
    """Update only if the incoming row is newer, or as new but different (a remap)."""
    current, incoming = table.c.source_updated_at, excluded.source_updated_at
    return or_(
        current < incoming,
        and_(current == incoming, table.c.row_hash != excluded.row_hash),
    )


def not_older_guard(table: Table, excluded: Any) -> ColumnElement[bool]:
    """Update unless the held row is newer: a remap rewrites what it re-derives."""
    return table.c.source_updated_at <= excluded.source_updated_at


def _staging_table(table: Table) -> Table:
    columns = [Column(c.name, c.type) for c in table.columns]
    return Table(f"_stg_{table.name}", MetaData(), *columns, prefixes=["TEMPORARY"])


class BulkWriter:
    """Upserts lists of row dicts into a table on the connection's open transaction."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name
        self._staged: dict[str, Table] = {}

    def upsert(
        self,
        table: Table,
        rows: Sequence[dict[str, Any]],
        *,
        conflict: Sequence[str],
        update: Iterable[str] | None = None,
        increment: Sequence[str] = (),
        guard: Any = version_guard,
    ) -> None:
        """Insert rows, updating existing ones (by ``conflict``) where ``guard`` allows.

        ``update=()`` turns the upsert into insert-or-ignore; columns in ``increment``
        count up by one on every conflict (attempts of a dead letter).
        """
        if not rows:
            return
        names = [c.name for c in table.columns if c.name in rows[0]]
        columns = [n for n in (update if update is not None else names) if n not in conflict]
        if self.dialect == "postgresql":
            statement: Any = self._copy_to_staging(table, rows, names)
        else:
            statement = sqlite.insert(table)
        if columns or increment:
            assignments = {name: statement.excluded[name] for name in columns}
            assignments.update({name: table.c[name] + 1 for name in increment})
            statement = statement.on_conflict_do_update(
                index_elements=list(conflict),
                set_=assignments,
                where=guard(table, statement.excluded) if guard else None,
            )
        else:
            statement = statement.on_conflict_do_nothing(index_elements=list(conflict))
        if self.dialect == "postgresql":
            self.connection.execute(statement)
        else:
            self.connection.execute(statement, list(rows))

    def _stage(self, table: Table) -> Table:
        staging = self._staged.get(table.name)
        if staging is None:
            staging = _staging_table(table)
            # A pooled connection can still hold the twin an earlier writer created (two
            # remaps on one engine): temporary tables live as long as the session.
            staging.create(self.connection, checkfirst=True)
            self._staged[table.name] = staging
        self.connection.exec_driver_sql(f'TRUNCATE "{staging.name}"')
        return staging

    def _copy_to_staging(
        self, table: Table, rows: Sequence[dict[str, Any]], names: list[str]
    ) -> Any:
        """COPY the rows into the table's staging twin; return an INSERT reading them."""
        staging = self._stage(table)
        raw = self.connection.connection.driver_connection
        assert raw is not None
        column_list = ", ".join(f'"{n}"' for n in names)
        json_columns = {n for n in names if isinstance(table.c[n].type, JSON)}
        with (
            raw.cursor() as cursor,
            cursor.copy(f'COPY "{staging.name}" ({column_list}) FROM STDIN') as copy,
        ):
            for row in rows:
                copy.write_row([_as_jsonb(row[n]) if n in json_columns else row[n] for n in names])
        source = select(*[staging.c[n] for n in names])
        return postgresql.insert(table).from_select(names, source)


def _as_jsonb(value: Any) -> Any:
    return None if value is None else Jsonb(value, dumps=jsonutil.dumps)


def key_in(column: Any, values: Sequence[Any], dialect: str) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL one array parameter instead of thousands."""
    if dialect == "postgresql":
        element_type = column.type
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(element_type)))
    return column.in_(list(values))
