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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import (
    JSON,
    Connection,
    RowMapping,
    Table,
    Text,
    bindparam,
    delete,
    insert,
    select,
    type_coerce,
    update,
)

from orderhub import jsonutil
from orderhub.exceptions import OrderhubError
from orderhub.reports import mask_pii
from orderhub.warehouse.schema import (
    customers,
    dedupe_decisions,
    dedupe_pairs,
    dedupe_runs,
    golden_id_events,
)
from quality.dedupe.golden import EventKind, GoldenEvent
from quality.dedupe.pairs import CustomerRecord, NaturalKey

PairKey = tuple[NaturalKey, NaturalKey]
CHUNK = 50_000
# Per statement: Connection.execution_options would change the connection for good.
_STREAM = {"stream_results": True, "yield_per": CHUNK}


@dataclass
class Customers:
    """What a run reads of the customers table."""

    #: Customers not deleted: the ones linked and clustered.
    records: list[CustomerRecord] = field(default_factory=list)
    #: The golden ID each active customer carries now (None: never assigned).
    previous: dict[NaturalKey, uuid.UUID | None] = field(default_factory=dict)
    #: Primary key of each active customer, for the write-back.
    row_keys: dict[NaturalKey, uuid.UUID] = field(default_factory=dict)
    deleted: int = 0
    #: Every golden ID any customer carries, deleted ones included: never reissued.
    carried: set[uuid.UUID] = field(default_factory=set)


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


_READ = (
    "customer_key",
    "source_system",
    "source_id",
    "full_name",
    "first_name",
    "last_name",
    "phone",
    "phone_raw",
    "email",
    "default_address",
    "golden_customer_id",
    "deleted_at",
)


def read_customers(connection: Connection) -> Customers:
    """Every customer: active ones as records, deleted ones only counted.

    Deleted customers (``deleted_at`` set) are not linked and keep the golden ID they
    had: their orders still resolve to the person they were, and history says where
    that ID went if it was later merged.
    """
    found = Customers()
    # The address is decoded here, row by row: a malformed one (SQLite stores any text)
    # would otherwise fail the whole read with a decoder error naming no customer.
    columns = [
        type_coerce(customers.c[name], Text).label(name)
        if name == "default_address"
        else customers.c[name]
        for name in _READ
    ]
    query = select(*columns).order_by(customers.c.source_system, customers.c.source_id)
    encoded = connection.dialect.name == "sqlite"
    result = connection.execute(query, execution_options=_STREAM)
    for raw in result.mappings():
        row = {**raw, "default_address": _address(raw, encoded)} if encoded else raw
        gid = row["golden_customer_id"]
        if gid is not None:
            found.carried.add(gid)
        if row["deleted_at"] is not None:
            found.deleted += 1
            continue
        record = customer_record(row)
        found.records.append(record)
        found.previous[record.key] = gid
        found.row_keys[record.key] = row["customer_key"]
    return found


def _address(row: Mapping[str, Any] | RowMapping, encoded: bool) -> Any:
    value = row["default_address"]
    if not encoded or value is None:  # PostgreSQL's driver decodes JSON itself
        return value
    try:
        return jsonutil.loads(value)
    except ValueError:
        raise DedupeInputError(
            f"customer {row['source_system']}/{mask_pii(str(row['source_id']))}: "
            "default_address is not valid JSON (rule: a JSON object or NULL); fix or clear "
            "it in the customers table (or reload the customer from its source) and rerun"
        ) from None


class DedupeInputError(OrderhubError):
    """A customers row dedupe cannot read, named by its natural key."""


@dataclass
class History:
    """What the golden ID events say: which IDs are alive, how old, and all ever used."""

    live: set[uuid.UUID] = field(default_factory=set)
    age: dict[uuid.UUID, int] = field(default_factory=dict)
    used: set[uuid.UUID] = field(default_factory=set)
    retired: set[uuid.UUID] = field(default_factory=set)


def read_history(connection: Connection) -> History:
    history = History()
    retired = history.retired
    query = select(
        golden_id_events.c.id,
        golden_id_events.c.kind,
        golden_id_events.c.golden_customer_id,
        golden_id_events.c.other_ids,
    ).order_by(golden_id_events.c.id)
    for event_id, kind, gid, other_ids in connection.execute(query):
        history.used.add(gid)
        history.used.update(uuid.UUID(other) for other in other_ids or {})
        if kind == EventKind.CREATED:
            history.age.setdefault(gid, event_id)
            history.live.add(gid)
        elif kind == EventKind.RETIRED:
            retired.add(gid)
    history.live -= retired
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


def write_golden_ids(
    connection: Connection, changes: Sequence[tuple[uuid.UUID, uuid.UUID]]
) -> None:
    """Set ``golden_customer_id`` of the customers ``(customer_key, golden_id)`` name."""
    if not changes:
        return
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "CREATE TEMPORARY TABLE IF NOT EXISTS _golden_ids "
            "(customer_key uuid PRIMARY KEY, golden_customer_id uuid NOT NULL)"
        )
        connection.exec_driver_sql("TRUNCATE _golden_ids")
        raw = connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy("COPY _golden_ids FROM STDIN") as copy:
            for row in changes:
                copy.write_row(row)
        connection.exec_driver_sql(
            "UPDATE customers AS c SET golden_customer_id = g.golden_customer_id "
            "FROM _golden_ids AS g WHERE c.customer_key = g.customer_key"
        )
        return
    statement = (
        update(customers)
        .where(customers.c.customer_key == bindparam("key"))
        .values(golden_customer_id=bindparam("gid"))
    )
    connection.execute(statement, [{"key": key, "gid": gid} for key, gid in changes])


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
    over a stable warehouse writes nothing.
    """
    c = dedupe_pairs.c
    held: dict[PairKey, tuple[Any, ...]] = {}
    query = select(
        c.pair_id, *_PAIR_KEYS, c.score, c.band, c.evidence, c.merged, c.golden_customer_id
    )
    for stored in connection.execute(query, execution_options=_STREAM):
        held[pair_key(stored)] = (
            stored.pair_id,
            (
                stored.score,
                stored.band,
                _canonical(stored.evidence),
                stored.merged,
                stored.golden_customer_id,
            ),
        )
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for row in rows:
        values = {
            "run_id": run_id,
            "score": row.score,
            "band": row.band,
            "evidence": dict(row.evidence),
            "merged": row.merged,
            "golden_customer_id": row.golden_id,
        }
        was = held.pop(row.pair, None)
        if was is None:
            new.append({**key_columns(row.pair), **values})
        elif was[1] != (row.score, row.band, _canonical(row.evidence), row.merged, row.golden_id):
            changed.append({"id": was[0], **values})
    gone = [pair_id for pair_id, _ in held.values()]
    for start in range(0, len(gone), 10_000):
        connection.execute(delete(dedupe_pairs).where(c.pair_id.in_(gone[start : start + 10_000])))
    if changed:
        statement = (
            update(dedupe_pairs)
            .where(c.pair_id == bindparam("id"))
            .values({name: bindparam(name) for name in changed[0] if name != "id"})
        )
        for start in range(0, len(changed), CHUNK):
            connection.execute(statement, changed[start : start + CHUNK])
    insert_rows(connection, dedupe_pairs, new)


def _canonical(evidence: Mapping[str, Any]) -> str:
    """Evidence as comparable text: the warehouse reads JSON numbers back as Decimal."""
    return json.dumps(evidence, sort_keys=True, default=float)


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
    json = {name for name in names if isinstance(table.c[name].type, JSON)}
    raw = connection.connection.driver_connection
    assert raw is not None
    columns = ", ".join(f'"{name}"' for name in names)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(
                [Jsonb(row[n], dumps=jsonutil.dumps) if n in json else row[n] for n in names]
            )


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
