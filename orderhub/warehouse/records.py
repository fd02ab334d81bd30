"""What the load transaction takes and gives: keyed records, mapped records, dead
letters, counts, and the warehouse row of a unified entity."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, get_args

from pydantic import BaseModel

from orderhub.model.entities import UnifiedEntity


@dataclass(frozen=True)
class IncomingRecord:
    """A source record as the target received it, keyed and hashed."""

    key: str
    payload: dict[str, Any]
    payload_hash: str
    version: datetime | None


@dataclass(frozen=True)
class MappedRecord:
    """A record mapped to unified entities by one mapping version.

    ``deleted_at`` is set for a source tombstone (``_sdc_deleted_at``): its entities are
    kept but soft-deleted, except a buyer carried inside an order (deleting an order does
    not delete the customer).
    """

    record: IncomingRecord
    entities: list[UnifiedEntity]
    deleted_at: datetime | None = None

    def deleted_at_of(self, entity: UnifiedEntity) -> datetime | None:
        """When ``entity`` was deleted at the source, if this record is a tombstone."""
        root = self.entities[0].KIND if self.entities else None
        if entity.KIND == "customer" and root != "customer":
            return None
        return self.deleted_at


@dataclass(frozen=True)
class DeadLetter:
    """A record that broke a rule, with the rule, the field and a readable reason."""

    key: str
    payload: dict[str, Any]
    payload_hash: str
    rule: str
    field: str | None
    reason: str


@dataclass
class LoadCounts:
    """Per-stream counts of one run, as sync_runs reports them."""

    records_in: int = 0
    upserted: int = 0
    unchanged: int = 0
    dead_lettered: int = 0
    rejected_transitions: int = 0
    unmapped: int = 0

    def add(self, other: LoadCounts) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Triage:
    """Which incoming records need mapping; the rest are unchanged or stale replays."""

    to_map: list[IncomingRecord] = field(default_factory=list)
    unchanged: int = 0
    #: Keys of records to map whose payload is the one already landed: only the mapping
    #: changed, so they are corrections to re-derive, never source transitions.
    corrections: set[str] = field(default_factory=set)


@cache
def _row_plan(
    model: type[UnifiedEntity],
) -> tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]:
    """Per entity class: fields not stored, nested-model fields, computed fields."""
    excluded = frozenset(n for n, f in model.model_fields.items() if f.exclude)
    nested = tuple(
        n
        for n, f in model.model_fields.items()
        if any(
            isinstance(a, type) and issubclass(a, BaseModel)
            for a in (f.annotation, *get_args(f.annotation))
        )
    )
    return excluded, nested, tuple(model.model_computed_fields)


def row_of(entity: UnifiedEntity) -> dict[str, Any]:
    """The entity's stored columns; what model_dump() gives, without its per-call cost."""
    excluded, nested, computed = _row_plan(type(entity))
    row = {k: v for k, v in entity.__dict__.items() if k not in excluded}
    for name in nested:
        value = row[name]
        if value is not None:
            row[name] = value.model_dump()
    for name in computed:
        row[name] = getattr(entity, name)
    return row


def new_run_id() -> str:
    """A fresh sync run id."""
    return str(uuid.uuid4())
