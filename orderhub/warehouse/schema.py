"""The warehouse schema (SQLAlchemy Core), derived from the unified model.

Entity tables take their business columns from the pydantic models, so the model and
the tables cannot drift; every entity table adds the same lineage columns: which source
record (stream and key) and which mapping version produced the row, and when.
Alembic migrations in ``migrations/`` create this schema; a test checks they agree.
"""

from __future__ import annotations

import types
import typing
import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import AwareDatetime, BaseModel
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeEngine

from orderhub.model.entities import ENTITY_TYPES, UnifiedEntity
from orderhub.model.types import NumericColumn
from orderhub.warehouse.types import ExactDecimal, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)
Json = JSON().with_variant(JSONB(), "postgresql")

#: Unified table name of each entity kind.
ENTITY_TABLE_NAMES = {
    "customer": "customers",
    "order": "orders",
    "order_line": "order_lines",
    "payment": "payments",
    "shipment": "shipments",
    "tracking_event": "tracking_events",
}


def _numeric_column(metadata: Iterable[Any]) -> ExactDecimal | None:
    """The NUMERIC a field's ``NumericColumn`` marker asks for, if it carries one."""
    for item in metadata:
        if isinstance(item, NumericColumn):
            return ExactDecimal(item.precision, item.scale)
    return None


def _column_type(annotation: Any) -> TypeEngine[Any]:
    """The column type of a model field's annotation (Optional unwrapped)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        return _column_type(args[0])
    if typing.get_origin(annotation) is typing.Annotated:
        return _numeric_column(annotation.__metadata__) or _column_type(args[0])
    if isinstance(annotation, type):
        if issubclass(annotation, Enum):
            return String(32)
        if issubclass(annotation, bool):
            return Boolean()
        if issubclass(annotation, int):
            return Integer()
        if issubclass(annotation, Decimal):
            return ExactDecimal()
        if issubclass(annotation, datetime) or annotation is AwareDatetime:
            return UTCDateTime()
        if issubclass(annotation, uuid.UUID):
            return Uuid()
        if issubclass(annotation, BaseModel):
            return Json
        if issubclass(annotation, str):
            return Text()
    raise TypeError(f"no column type for {annotation!r}")


def _business_columns(model: type[UnifiedEntity]) -> list[Column[Any]]:
    columns: list[Column[Any]] = []
    for name, info in model.model_fields.items():
        if info.exclude or name in ("source_system", "source_id", "source_updated_at"):
            continue
        # pydantic moves a required field's Annotated extras into ``info.metadata``.
        column_type = _numeric_column(info.metadata) or _column_type(info.annotation)
        columns.append(Column(name, column_type, nullable=not info.is_required()))
    for name, computed in model.model_computed_fields.items():
        columns.append(Column(name, _column_type(computed.return_type), nullable=True))
    return columns


def _warehouse_columns(kind: str) -> list[Column[Any]]:
    """Columns the warehouse keeps beside what a source maps."""
    if kind == "order":
        # Who set `status` last: the order's own source, or a carrier scan that moved it
        # on (see orderhub.warehouse.order_status).
        return [Column("status_set_by", String(16), nullable=False, server_default="source")]
    if kind == "customer":
        # The person across sources this customer is (quality.dedupe writes it). Loads
        # never set it, so a re-synced customer keeps its golden ID.
        return [Column("golden_customer_id", Uuid(), nullable=True, index=True)]
    return []


def _entity_table(kind: str, model: type[UnifiedEntity]) -> Table:
    name = ENTITY_TABLE_NAMES[kind]
    table = Table(
        name,
        metadata,
        Column(model.KEY_COLUMN, Uuid(), primary_key=True),
        Column("source_system", String(64), nullable=False),
        Column("source_id", String(255), nullable=False),
        Column("source_updated_at", UTCDateTime(), nullable=False),
        *_business_columns(model),
        *_warehouse_columns(kind),
        Column("source_stream", String(128), nullable=False),
        Column("source_record_key", Text(), nullable=False),
        Column("mapping_version", String(128), nullable=False),
        Column("row_hash", String(64), nullable=False),
        Column("loaded_at", UTCDateTime(), nullable=False),
        Column("deleted_at", UTCDateTime(), nullable=True),
        UniqueConstraint("source_system", "source_id"),
    )
    for column in ("order_key", "customer_key", "shipment_key"):
        if column in table.c and column != model.KEY_COLUMN:
            Index(f"ix_{name}_{column}", table.c[column])
    return table


ENTITY_TABLES: dict[str, Table] = {
    kind: _entity_table(kind, model) for kind, model in ENTITY_TYPES.items()
}
customers = ENTITY_TABLES["customer"]
orders = ENTITY_TABLES["order"]
order_lines = ENTITY_TABLES["order_line"]
payments = ENTITY_TABLES["payment"]
shipments = ENTITY_TABLES["shipment"]
tracking_events = ENTITY_TABLES["tracking_event"]


def _source_record_columns(bounded: bool) -> list[Column[Any]]:
    """What raw_records and dead_letters both keep of a record: where from, and as sent.

    Dead letters take names of any length (``bounded=False``): a record whose stream
    name is too long for raw_records must still have a place to land.
    """
    return [
        Column(
            "id",
            BigInteger().with_variant(Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        Column("source_system", String(64) if bounded else Text(), nullable=False),
        Column("stream", String(128) if bounded else Text(), nullable=False),
        Column("record_key", Text(), nullable=False),
        Column("payload", Json, nullable=False),
        Column("payload_hash", String(64), nullable=False),
    ]


raw_records = Table(
    "raw_records",
    metadata,
    *_source_record_columns(bounded=True),
    Column("source_version", UTCDateTime(), nullable=True),
    Column("mapped_version", String(128), nullable=True),
    Column("first_seen_at", UTCDateTime(), nullable=False),
    Column("last_seen_at", UTCDateTime(), nullable=False),
    Column("last_run_id", String(36), nullable=True),
    # record_key leads: batch lookups are `record_key = ANY(...)`, which PostgreSQL can
    # only turn into an index condition on a leading column.
    UniqueConstraint("record_key", "source_system", "stream"),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    *_source_record_columns(bounded=False),
    Column("rule", String(64), nullable=False),
    Column("field", Text(), nullable=True),
    Column("reason", Text(), nullable=False),
    Column("mapping_version", String(128), nullable=True),
    Column("run_id", String(36), nullable=True),
    Column("attempts", Integer(), nullable=False, default=1),
    Column("first_seen_at", UTCDateTime(), nullable=False),
    Column("last_seen_at", UTCDateTime(), nullable=False),
    Column("resolved_at", UTCDateTime(), nullable=True),
    UniqueConstraint("record_key", "source_system", "stream", "payload_hash"),
)

order_status_history = Table(
    "order_status_history",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("order_key", Uuid(), nullable=False),
    Column("source_system", String(64), nullable=False),
    Column("source_id", String(255), nullable=False),
    Column("previous_status", String(32), nullable=True),
    Column("status", String(32), nullable=False),
    Column("status_raw", Text(), nullable=True),
    Column("occurred_at", UTCDateTime(), nullable=False),
    Column("accepted", Boolean(), nullable=False),
    Column("reason", Text(), nullable=True),
    # What moved the status: the order's own source, or a carrier scan.
    Column("origin", String(16), nullable=False, server_default="source"),
    Column("mapping_version", String(128), nullable=True),
    Column("run_id", String(36), nullable=True),
    Column("recorded_at", UTCDateTime(), nullable=False),
    # A remap re-derives an order's history; the rows it replaces are kept, superseded.
    Column("superseded_at", UTCDateTime(), nullable=True),
    # uuid5 of (order, occurred_at, previous, status, accepted, origin): a replay of the
    # same sighting is one row, and a refusal never collides with an accepted step.
    Column("event_key", Uuid(), nullable=False),
    UniqueConstraint("event_key"),
    Index("ix_order_status_history_order_key", "order_key"),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("pipeline", String(128), primary_key=True),
    Column("state", Json, nullable=False),
    Column("run_id", String(36), nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
)

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("pipeline", String(128), nullable=False),
    Column("source_system", String(64), nullable=False),
    # running, succeeded, succeeded_with_errors, failed, cancelled, abandoned
    Column("status", String(32), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime(), nullable=True),
    Column("records_in", Integer(), nullable=False, default=0),
    Column("upserted", Integer(), nullable=False, default=0),
    Column("unchanged", Integer(), nullable=False, default=0),
    Column("dead_lettered", Integer(), nullable=False, default=0),
    Column("rejected_transitions", Integer(), nullable=False, default=0),
    # Records of streams no spec maps yet: landed raw only (records_in = upserted +
    # unchanged + dead_lettered + unmapped).
    Column("unmapped", Integer(), nullable=False, default=0, server_default="0"),
    # Input lines that were not Singer messages (recorded in dead_letters, rule
    # not_singer_message); any makes the run end succeeded_with_errors.
    Column("invalid_messages", Integer(), nullable=False, default=0, server_default="0"),
    Column("stream_counts", Json, nullable=True),
    Column("message", Text(), nullable=True),
    # The process that owns the run: a run left `running` by a dead process is abandoned.
    Column("host", String(255), nullable=True),
    Column("pid", Integer(), nullable=True),
    Index("ix_sync_runs_pipeline_started_at", "pipeline", "started_at"),
)

#: One row per pipeline being synced: a second `orderhub sync` of it waits or refuses.
pipeline_locks = Table(
    "pipeline_locks",
    metadata,
    Column("pipeline", String(128), primary_key=True),
    Column("run_id", String(36), nullable=False),
    Column("host", String(255), nullable=False),
    Column("pid", Integer(), nullable=False),
    # Owner-only folder holding the run's secrets; removed by whoever takes a dead lock.
    Column("private_dir", Text(), nullable=True),
    Column("acquired_at", UTCDateTime(), nullable=False),
    Column("heartbeat_at", UTCDateTime(), nullable=False),
)


# Dedupe (quality.dedupe): golden customer IDs, their evidence, decisions and history. ----


def _pair_key_columns() -> list[Column[Any]]:
    """Both customers of a pair by natural key, left < right as quality.dedupe orders them."""
    return [
        Column("left_source_system", String(64), nullable=False),
        Column("left_source_id", String(255), nullable=False),
        Column("right_source_system", String(64), nullable=False),
        Column("right_source_id", String(255), nullable=False),
    ]


#: One row per `orderhub dedupe run`, with what it found and changed.
dedupe_runs = Table(
    "dedupe_runs",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime(), nullable=True),
    Column("customers", Integer(), nullable=False, default=0),
    Column("golden_ids", Integer(), nullable=False, default=0),
    Column("match_pairs", Integer(), nullable=False, default=0),
    Column("review_pairs", Integer(), nullable=False, default=0),
    Column("pending_review", Integer(), nullable=False, default=0),
    Column("created", Integer(), nullable=False, default=0),
    Column("merges", Integer(), nullable=False, default=0),
    Column("splits", Integer(), nullable=False, default=0),
    Column("retired", Integer(), nullable=False, default=0),
    Column("changed", Integer(), nullable=False, default=0),
)

#: Every pair the latest run linked (MATCH or REVIEW band) or a steward's accept held
#: together, with its evidence. ``pair_id`` is what a steward types; it stays the same
#: for the same two customers across runs and is never reused (SQLite AUTOINCREMENT).
#: ``run_id`` is the run that last wrote the row: a rerun finding the same pairs writes
#: nothing.
dedupe_pairs = Table(
    "dedupe_pairs",
    metadata,
    Column(
        "pair_id",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("run_id", String(36), nullable=False),
    *_pair_key_columns(),
    # None: the linker did not propose it this run, only a steward's accept keeps it.
    Column("score", Float(), nullable=True),
    Column("band", String(16), nullable=True),
    Column("evidence", Json, nullable=False),
    # Whether the pair joined its customers this run (a match not rejected, or accepted).
    Column("merged", Boolean(), nullable=False),
    Column("golden_customer_id", Uuid(), nullable=True),
    UniqueConstraint(
        "left_source_system",
        "left_source_id",
        "right_source_system",
        "right_source_id",
        name="uq_dedupe_pairs_pair",
    ),
    sqlite_autoincrement=True,
)

#: A steward's accept or reject of a pair; it wins on every later run.
dedupe_decisions = Table(
    "dedupe_decisions",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    *_pair_key_columns(),
    Column("decision", String(8), nullable=False),  # accept | reject
    Column("decided_by", String(255), nullable=False),
    Column("decided_at", UTCDateTime(), nullable=False),
    Column("note", Text(), nullable=True),
    UniqueConstraint(
        "left_source_system",
        "left_source_id",
        "right_source_system",
        "right_source_id",
        name="uq_dedupe_decisions_pair",
    ),
)

#: The history of golden IDs: created, merged (it absorbed others), split (part of its
#: members left), retired (absorbed, or no members left). ``other_ids`` maps each other
#: ID involved to the number of members that moved between the two.
golden_id_events = Table(
    "golden_id_events",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("run_id", String(36), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("golden_customer_id", Uuid(), nullable=False),
    Column("other_ids", Json, nullable=False),
    Column("members", Integer(), nullable=False),
    Column("occurred_at", UTCDateTime(), nullable=False),
    Index("ix_golden_id_events_golden_customer_id", "golden_customer_id"),
)
