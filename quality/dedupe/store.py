"""Warehouse I/O of dedupe: customers in, golden IDs, pair evidence and history out.

Reads stream in chunks and writes are set-based (PostgreSQL: COPY into a temporary
table and one ``UPDATE ... FROM``; SQLite: one ``executemany``), and only customers
whose golden ID changed are written, so a rerun over a large, stable table writes
almost nothing. Every function works on the caller's connection and transaction: a run
commits all of it or none.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    RowMapping,
    Table,
    Text,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    select,
    update,
)

from orderhub import jsonutil
from orderhub.warehouse.schema import (
    customers,
    dedupe_decisions,
    dedupe_pairs,
    dedupe_runs,
    golden_id_events,
)
from quality.dedupe.columns import no_cycle_collection
from quality.dedupe.golden import EventKind, GoldenEvent
from quality.dedupe.pairs import CustomerRecord, NaturalKey

PairKey = tuple[NaturalKey, NaturalKey]
CHUNK = 50_000
# Per statement: Connection.execution_options would change the connection for good.
_STREAM = {"stream_results": True, "yield_per": CHUNK}


def customer_record(row: Mapping[str, Any] | RowMapping) -> CustomerRecord:
    """A CustomerRecord from a customers row, whichever source filled which columns.

    A source gives a full name or first and last (Chinese ERPs family first; the
    name tokens dedupe compares are order-free, so either order serves). The phone is
    the standardised one when the mapping could standardise it, else as the source
    wrote it (masked numbers stay masked and never become a key).
    """
    name = row.get("full_name") or " ".join(
        part for part in (row.get("first_name"), row.get("last_name")) if part
    )
    address = row.get("default_address") or {}
    if not isinstance(address, Mapping):
        address = {}
    line = " ".join(str(address[k]) for k in ("line1", "line2") if address.get(k))
    return CustomerRecord(
        source_system=row["source_system"],
        source_id=row["source_id"],
        name=name or None,
        phone=row.get("phone") or row.get("phone_raw") or address.get("phone"),
        email=row.get("email"),
        city=address.get("city"),
        address=line or None,
    )


@dataclass
class History:
    """What the golden ID events say: which IDs are alive, how old, and all ever used."""

    live: set[uuid.UUID] = field(default_factory=set)
    age: dict[uuid.UUID, int] = field(default_factory=dict)
    used: set[uuid.UUID] = field(default_factory=set)
    retired: set[uuid.UUID] = field(default_factory=set)


def read_history(connection: Connection) -> History:
    """What assignment needs of the events, one row per golden ID ever issued.

    The events of a million-customer warehouse are a million rows and more; a run needs
    only each ID's first creation, whether it was retired, and every ID ever named
    (IDs named only in ``other_ids`` come from the few events that have any).
    """
    e = golden_id_events.c
    created = func.min(case((e.kind == str(EventKind.CREATED), e.id)))
    retired = func.max(case((e.kind == str(EventKind.RETIRED), 1), else_=0))
    history = History()
    query = select(e.golden_customer_id, created, retired).group_by(e.golden_customer_id)
    result = connection.execute(query, execution_options=_STREAM)
    for chunk in result.partitions(CHUNK):
        for gid, first_created, was_retired in chunk:
            history.used.add(gid)
            if was_retired:
                history.retired.add(gid)
            if first_created is not None:
                history.age[gid] = first_created
                if not was_retired:
                    history.live.add(gid)
    named = select(e.other_ids).where(func.length(cast(e.other_ids, Text)) > 2)
    for (other_ids,) in connection.execute(named, execution_options=_STREAM):
        history.used.update(uuid.UUID(other) for other in other_ids or {})
    return history


def pair_key(row: Any, prefix: str = "") -> PairKey:
    """The natural keys of a row with left_/right_ key columns (``prefix`` before them)."""
    values = row if isinstance(row, Mapping) else row._mapping
    return (
        (values[f"{prefix}left_source_system"], values[f"{prefix}left_source_id"]),
        (values[f"{prefix}right_source_system"], values[f"{prefix}right_source_id"]),
    )


_PAIR_KEYS = [
    dedupe_pairs.c[name]
    for name in ("left_source_system", "left_source_id", "right_source_system", "right_source_id")
]


def key_columns(pair: PairKey) -> dict[str, str]:
    (left_system, left_id), (right_system, right_id) = pair
    return {
        "left_source_system": left_system,
        "left_source_id": left_id,
        "right_source_system": right_system,
        "right_source_id": right_id,
    }


def read_decisions(connection: Connection) -> dict[PairKey, str]:
    """Each decided pair's decision (``accept`` or ``reject``)."""
    query = select(dedupe_decisions)
    return {pair_key(row): row.decision for row in connection.execute(query)}


def write_golden_ids(connection: Connection, changes: Sequence[tuple[str, str, uuid.UUID]]) -> None:
    """Set ``golden_customer_id`` of the customers ``(source_system, source_id,
    golden_id)`` name.

    PostgreSQL: COPY into a temporary table without indexes (nothing to maintain while
    it fills), analysed so the planner sees its size, then one ``UPDATE ... FROM``
    joining on the customers' unique natural key.
    """
    if not changes:
        return
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "CREATE TEMPORARY TABLE IF NOT EXISTS _golden_ids (source_system text NOT NULL, "
            "source_id text NOT NULL, golden_customer_id uuid NOT NULL) ON COMMIT DELETE ROWS"
        )
        connection.exec_driver_sql("TRUNCATE _golden_ids")
        raw = connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy("COPY _golden_ids FROM STDIN") as copy:
            for row in changes:
                copy.write_row(row)
        connection.exec_driver_sql("ANALYZE _golden_ids")
        connection.exec_driver_sql(_UPDATE_GOLDEN)
        return
    statement = (
        update(customers)
        .where(
            customers.c.source_system == bindparam("system"),
            customers.c.source_id == bindparam("id"),
        )
        .values(golden_customer_id=bindparam("gid"))
    )
    connection.execute(
        statement, [{"system": system, "id": key, "gid": gid} for system, key, gid in changes]
    )


_UPDATE_GOLDEN = (
    "UPDATE customers AS c SET golden_customer_id = g.golden_customer_id FROM _golden_ids AS g "
    "WHERE c.source_system = g.source_system AND c.source_id = g.source_id"
)


@dataclass(frozen=True)
class PairRow:
    """One pair's evidence as a run records it."""

    pair: PairKey
    score: float | None
    band: str | None
    evidence: Mapping[str, Any]
    merged: bool
    golden_id: uuid.UUID | None


def replace_pairs(connection: Connection, run_id: str, rows: Iterable[PairRow]) -> None:
    """Make ``dedupe_pairs`` the latest run's pairs, each keeping the id it had.

    A steward types a pair id from a listing: the same two customers keep one id across
    runs, and an id is never given to another pair (rows go, ids are not reused). Only
    differences are written (``run_id`` is the run that last wrote a row), so a rerun
    over a stable warehouse writes nothing. Stored evidence is read as JSON text and
    parsed with floats (the warehouse's own reader gives Decimals, which never equal
    the floats a run computes); changed rows go back, on PostgreSQL, by COPY and one
    ``UPDATE ... FROM``: a run after new customers arrive changes most pairs' evidence.
    """
    c = dedupe_pairs.c
    held: dict[PairKey, tuple[Any, tuple[Any, ...]]] = {}
    query = select(
        c.pair_id,
        *_PAIR_KEYS,
        c.score,
        c.band,
        cast(c.evidence, Text),
        c.merged,
        c.golden_customer_id,
    )
    result = connection.execute(query, execution_options=_STREAM)
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    with no_cycle_collection():
        for chunk in result.partitions(CHUNK):
            for pair_id, ls, li, rs, ri, score, band, evidence, merged, gid in chunk:
                stored = (score, band, json.loads(evidence), bool(merged), gid)
                held[((ls, li), (rs, ri))] = (pair_id, stored)
        for row in rows:
            evidence = dict(row.evidence)
            was = held.pop(row.pair, None)
            now = (row.score, row.band, evidence, row.merged, row.golden_id)
            if was is not None and was[1] == now:
                continue
            values = {
                "run_id": run_id,
                "score": row.score,
                "band": row.band,
                "evidence": evidence,
                "merged": row.merged,
                "golden_customer_id": row.golden_id,
            }
            if was is None:
                new.append({**key_columns(row.pair), **values})
            else:
                changed.append({"pair_id": was[0], **values})
    gone = [pair_id for pair_id, _ in held.values()]
    for start in range(0, len(gone), 10_000):
        connection.execute(delete(dedupe_pairs).where(c.pair_id.in_(gone[start : start + 10_000])))
    _update_pairs(connection, changed)
    insert_rows(connection, dedupe_pairs, new)


_PAIR_VALUES = ("run_id", "score", "band", "evidence", "merged", "golden_customer_id")


def _update_pairs(connection: Connection, changed: Sequence[dict[str, Any]]) -> None:
    if not changed:
        return
    if connection.dialect.name != "postgresql":
        c = dedupe_pairs.c
        statement = (
            update(dedupe_pairs)
            .where(c.pair_id == bindparam("id"))
            .values({name: bindparam(name) for name in _PAIR_VALUES})
        )
        rows = [{"id": row["pair_id"], **{n: row[n] for n in _PAIR_VALUES}} for row in changed]
        for start in range(0, len(rows), CHUNK):
            connection.execute(statement, rows[start : start + CHUNK])
        return
    connection.exec_driver_sql(
        "CREATE TEMPORARY TABLE IF NOT EXISTS _pair_changes (pair_id bigint NOT NULL, "
        "run_id text NOT NULL, score double precision, band text, evidence jsonb NOT NULL, "
        "merged boolean NOT NULL, golden_customer_id uuid) ON COMMIT DELETE ROWS"
    )
    connection.exec_driver_sql("TRUNCATE _pair_changes")
    _copy(connection, "_pair_changes", ["pair_id", *_PAIR_VALUES], changed, {"evidence"})
    connection.exec_driver_sql("ANALYZE _pair_changes")
    assignments = ", ".join(f"{name} = t.{name}" for name in _PAIR_VALUES)
    connection.exec_driver_sql(
        f"UPDATE dedupe_pairs AS p SET {assignments} FROM _pair_changes AS t "
        "WHERE p.pair_id = t.pair_id"
    )


def add_events(
    connection: Connection, run_id: str, events: Sequence[GoldenEvent], when: datetime
) -> None:
    rows = [
        {
            "run_id": run_id,
            "kind": str(event.kind),
            "golden_customer_id": event.golden_id,
            "other_ids": {str(other): count for other, count in event.other_ids.items()},
            "members": event.members,
            "occurred_at": when,
        }
        for event in events
    ]
    insert_rows(connection, golden_id_events, rows)


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (all with the same keys): COPY on PostgreSQL, whose executemany
    of an INSERT is a round trip per row; one executemany on SQLite."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        for start in range(0, len(rows), CHUNK):
            connection.execute(insert(table), rows[start : start + CHUNK])
        return
    names = list(rows[0])
    json_columns = {name for name in names if isinstance(table.c[name].type, JSON)}
    _copy(connection, table.name, names, rows, json_columns)


def _copy(
    connection: Connection,
    table: str,
    names: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
    json_columns: Collection[str],
) -> None:
    """COPY ``rows`` into ``table``; JSON values go as their text, which the server
    parses (an adapter object per value cost more than the COPY itself)."""
    raw = connection.connection.driver_connection
    assert raw is not None
    columns = ", ".join(f'"{name}"' for name in names)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([_json_text(row[n]) if n in json_columns else row[n] for n in names])


def _json_text(value: Any) -> str:
    """JSON text by the C encoder (evidence and event maps are plain strings and
    numbers); the warehouse's encoder for anything else (Decimal, dates)."""
    try:
        return json.dumps(value)
    except TypeError:
        return jsonutil.dumps(value)


def add_run(connection: Connection, values: Mapping[str, Any]) -> None:
    connection.execute(insert(dedupe_runs), [dict(values)])


def iter_golden_ids(connection: Connection) -> Iterator[tuple[str, str, uuid.UUID | None]]:
    """(source_system, source_id, golden_customer_id) of every customer, deleted too."""
    query = select(
        customers.c.source_system, customers.c.source_id, customers.c.golden_customer_id
    ).order_by(customers.c.source_system, customers.c.source_id)
    result = connection.execute(query, execution_options=_STREAM)
    for row in result:
        yield row.source_system, row.source_id, row.golden_customer_id
