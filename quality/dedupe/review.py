"""The steward's side of dedupe: the review queue, decisions, and one golden ID's story.

Everything a steward reads passes through :func:`orderhub.reports.mask_pii` (phones
keep their last four digits, emails their first letters). Names and cities are shown:
they are what a steward compares to decide whether two records are one person.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, RowMapping, and_, cast, exists, or_, select, update
from sqlalchemy.types import Text

from orderhub.exceptions import OrderhubError
from orderhub.reports import mask_identifier, mask_pii
from orderhub.warehouse.schema import (
    customers,
    dedupe_decisions,
    dedupe_pairs,
    golden_id_events,
)
from quality.dedupe.store import PairKey, customer_record, key_columns, pair_key, read_decisions

DECISIONS = ("accept", "reject")
_DECIDED_BY_LENGTH = getattr(dedupe_decisions.c.decided_by.type, "length", None) or 255


class DedupeError(OrderhubError):
    """A steward's request names something the latest dedupe run does not have."""


@dataclass(frozen=True)
class Customer:
    """One customer as a steward sees it: masked."""

    source_system: str
    source_id: str
    name: str
    phone: str
    email: str
    city: str
    golden_id: uuid.UUID | None

    @property
    def label(self) -> str:
        return f"{self.source_system}/{self.source_id}"


@dataclass(frozen=True)
class ReviewPair:
    """A pair waiting for (or holding) a steward's decision."""

    pair_id: int
    score: float | None
    band: str | None
    evidence: Mapping[str, Any]
    merged: bool
    left: Customer
    right: Customer
    #: A steward's accept or reject of it, if any.
    decision: str | None = None


def _masked(value: Any) -> str:
    return mask_pii(str(value)) if value not in (None, "") else "-"


def _customer(row: Mapping[str, Any] | RowMapping | None, key: tuple[str, str]) -> Customer:
    if row is None:  # gone from the warehouse since the run
        return Customer(key[0], mask_identifier(key[1]), "-", "-", "-", "-", None)
    record = customer_record(row)
    return Customer(
        source_system=record.source_system,
        source_id=mask_identifier(record.source_id),
        name=_masked(record.name),
        phone=_masked(record.phone),
        email=_masked(record.email),
        city=_masked(record.city),
        golden_id=row["golden_customer_id"],
    )


def _customers(engine: Engine, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    if not keys:
        return {}
    found: dict[tuple[str, str], Any] = {}
    systems = {system for system, _ in keys}
    with engine.connect() as connection:
        for system in systems:
            ids = [source_id for s, source_id in keys if s == system]
            for start in range(0, len(ids), 1000):
                query = select(customers).where(
                    customers.c.source_system == system,
                    customers.c.source_id.in_(ids[start : start + 1000]),
                )
                for row in connection.execute(query).mappings():
                    found[(row["source_system"], row["source_id"])] = row
    return found


def _undecided() -> Any:
    d = dedupe_decisions.c
    p = dedupe_pairs.c
    return ~exists().where(
        and_(
            d.left_source_system == p.left_source_system,
            d.left_source_id == p.left_source_id,
            d.right_source_system == p.right_source_system,
            d.right_source_id == p.right_source_id,
        )
    )


def _review_pairs(engine: Engine, rows: list[Any]) -> list[ReviewPair]:
    keys = {key for row in rows for key in pair_key(row)}
    people = _customers(engine, keys)
    with engine.connect() as connection:
        decisions = read_decisions(connection) if rows else {}
    pairs = []
    for row in rows:
        left, right = pair_key(row)
        pairs.append(
            ReviewPair(
                pair_id=row.pair_id,
                score=row.score,
                band=row.band,
                evidence={k: mask_pii(str(v)) for k, v in (row.evidence or {}).items()},
                merged=row.merged,
                left=_customer(people.get(left), left),
                right=_customer(people.get(right), right),
                decision=decisions.get((left, right)),
            )
        )
    return pairs


def pending(engine: Engine, limit: int | None = None) -> tuple[list[ReviewPair], int]:
    """Pairs of the latest run in the REVIEW band that no steward decided yet, highest
    score first, and how many there are in all."""
    where = and_(dedupe_pairs.c.band == "review", _undecided())
    query = (
        select(dedupe_pairs)
        .where(where)
        .order_by(dedupe_pairs.c.score.desc(), dedupe_pairs.c.pair_id)
        .limit(limit)
    )
    with engine.connect() as connection:
        rows = list(connection.execute(query))
        total = len(connection.execute(select(dedupe_pairs.c.pair_id).where(where)).all())
    return _review_pairs(engine, rows), total


def overruled_accepts(engine: Engine) -> list[int]:
    """Ids of pairs a steward accepted that the latest run still kept apart.

    Only a steward's reject elsewhere does that (accept A-B and B-C, reject A-C): the
    decisions contradict each other and one of them must change.
    """
    d = dedupe_decisions.c
    p = dedupe_pairs.c
    query = (
        select(p.pair_id)
        .join_from(
            dedupe_pairs,
            dedupe_decisions,
            and_(
                d.left_source_system == p.left_source_system,
                d.left_source_id == p.left_source_id,
                d.right_source_system == p.right_source_system,
                d.right_source_id == p.right_source_id,
            ),
        )
        .where(d.decision == "accept", p.merged.is_(False))
        .order_by(p.pair_id)
    )
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())


@dataclass(frozen=True)
class Decided:
    """A recorded decision, and the one it replaced (a steward may change their mind)."""

    pair_id: int
    pair: PairKey
    decision: str
    replaced: str | None


def decide(
    engine: Engine, pair_id: int, decision: str, *, by: str, note: str | None = None
) -> Decided:
    """Record ``decision`` (accept or reject) on a pair of the latest run.

    Stored by the two customers' natural keys, not the pair id, so it holds on every
    later run whether or not the linker still proposes the pair.
    """
    if decision not in DECISIONS:
        raise DedupeError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    limit = _DECIDED_BY_LENGTH
    if not by.strip() or len(by) > limit:
        # PostgreSQL would refuse it with an error that blames the warehouse URL.
        raise DedupeError(
            f"--by must name who decides in 1 to {limit} characters (got {len(by)}): "
            "give a login or a short name"
        )
    with engine.begin() as connection:
        row = connection.execute(
            select(dedupe_pairs).where(dedupe_pairs.c.pair_id == pair_id)
        ).first()
        if row is None:
            raise DedupeError(
                f"no pair {pair_id} in the latest dedupe run: list the pairs waiting with "
                "`orderhub dedupe review` (ids come from the latest `orderhub dedupe run`)"
            )
        pair = pair_key(row)
        keys = key_columns(pair)
        match = and_(*[dedupe_decisions.c[name] == value for name, value in keys.items()])
        held = connection.execute(select(dedupe_decisions.c.decision).where(match)).scalar()
        values = {
            "decision": decision,
            "decided_by": by,
            "decided_at": datetime.now(UTC),
            "note": note,
        }
        if held is None:
            connection.execute(dedupe_decisions.insert(), [{**keys, **values}])
        else:
            connection.execute(update(dedupe_decisions).where(match).values(**values))
    return Decided(pair_id, pair, decision, held)


@dataclass(frozen=True)
class Event:
    kind: str
    golden_id: uuid.UUID
    other_ids: Mapping[str, int]
    members: int
    occurred_at: datetime
    run_id: str


@dataclass(frozen=True)
class GoldenStory:
    """One golden ID: its members, the pairs that joined them, and its history."""

    golden_id: uuid.UUID
    members: list[Customer]
    pairs: list[ReviewPair]
    events: list[Event]


def show(engine: Engine, golden_id: str) -> GoldenStory:
    try:
        gid = uuid.UUID(golden_id)
    except ValueError:
        raise DedupeError(
            f"{golden_id!r} is not a golden ID (a UUID): see `orderhub dedupe export`"
        ) from None
    with engine.connect() as connection:
        rows = connection.execute(
            select(customers)
            .where(customers.c.golden_customer_id == gid)
            .order_by(customers.c.source_system, customers.c.source_id)
        ).mappings()
        members = [_customer(row, (row["source_system"], row["source_id"])) for row in rows]
        pair_rows = list(
            connection.execute(
                select(dedupe_pairs)
                .where(dedupe_pairs.c.golden_customer_id == gid)
                .order_by(dedupe_pairs.c.pair_id)
            )
        )
        event_rows = connection.execute(
            select(golden_id_events)
            .where(
                or_(
                    golden_id_events.c.golden_customer_id == gid,
                    cast(golden_id_events.c.other_ids, Text).contains(str(gid)),
                )
            )
            .order_by(golden_id_events.c.id)
        )
        events = [
            Event(e.kind, e.golden_customer_id, e.other_ids, e.members, e.occurred_at, e.run_id)
            for e in event_rows
        ]
    if not members and not events:
        raise DedupeError(
            f"no customer carries golden ID {gid} and no dedupe run recorded it: "
            "see `orderhub dedupe export` for the IDs in use"
        )
    return GoldenStory(gid, members, _review_pairs(engine, pair_rows), events)
