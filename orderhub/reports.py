"""Read-side queries behind the CLI and the demo: summaries, dead letters, state, runs.

Nothing here returns a customer's email, phone or address unmasked: reports are read by
people who need to act on a record, not to contact the buyer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, func, select

from orderhub.warehouse import schema

_EMAIL = re.compile(r"([\w.+-])[\w.+-]*@([\w-])[\w.-]*\.(\w+)")
_DIGITS = re.compile(r"\d(?=(?:\D*\d){4})")
# A phone-like run of digits, not an id inside a key such as gid://shopify/Order/123456789.
_PHONE = re.compile(r"(?<![/\w])\+?\d[\d\s()-]{6,}\d")


def mask_pii(text: str) -> str:
    """Mask emails (a***@e***.com) and all but the last four digits of long numbers."""
    masked = _EMAIL.sub(lambda m: f"{m[1]}***@{m[2]}***.{m[3]}", text)
    return _PHONE.sub(lambda m: _DIGITS.sub("*", m[0]), masked)


@dataclass(frozen=True)
class WarehouseSummary:
    """Counts a person checks after a sync."""

    orders_by_status: dict[str, int]
    lines: int
    customers: int
    payments: int
    shipments: int
    tracking_events: int
    open_dead_letters: int
    rejected_transitions: int


def summary(engine: Engine, source: str | None = None) -> WarehouseSummary:
    """Counts of the unified tables (live rows only), optionally for one source."""

    def live(table: Any) -> int:
        query = select(func.count()).select_from(table).where(table.c.deleted_at.is_(None))
        if source:
            query = query.where(table.c.source_system == source)
        return int(connection.execute(query).scalar_one())

    with engine.connect() as connection:
        orders = schema.orders
        by_status = select(orders.c.status, func.count()).group_by(orders.c.status)
        letters = select(func.count()).where(schema.dead_letters.c.resolved_at.is_(None))
        history = schema.order_status_history
        refused = select(func.count()).where(
            history.c.accepted.is_(False), history.c.superseded_at.is_(None)
        )
        if source:
            by_status = by_status.where(orders.c.source_system == source)
            letters = letters.where(schema.dead_letters.c.source_system == source)
            refused = refused.where(history.c.source_system == source)
        return WarehouseSummary(
            orders_by_status=dict(sorted(map(tuple, connection.execute(by_status)))),
            lines=live(schema.order_lines),
            customers=live(schema.customers),
            payments=live(schema.payments),
            shipments=live(schema.shipments),
            tracking_events=live(schema.tracking_events),
            open_dead_letters=int(connection.execute(letters).scalar_one()),
            rejected_transitions=int(connection.execute(refused).scalar_one()),
        )


def dead_letters(
    engine: Engine,
    *,
    source: str | None = None,
    stream: str | None = None,
    include_resolved: bool = False,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Dead letters, newest first, with reasons masked for PII."""
    table = schema.dead_letters
    query = select(
        table.c.id,
        table.c.source_system,
        table.c.stream,
        table.c.record_key,
        table.c.rule,
        table.c.field,
        table.c.reason,
        table.c.attempts,
        table.c.last_seen_at,
        table.c.resolved_at,
    ).order_by(table.c.last_seen_at.desc(), table.c.id.desc())
    if source:
        query = query.where(table.c.source_system == source)
    if stream:
        query = query.where(table.c.stream == stream)
    if not include_resolved:
        query = query.where(table.c.resolved_at.is_(None))
    with engine.connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(query.limit(limit))]
    for row in rows:
        row["reason"] = mask_pii(row["reason"])
    return rows


def states(engine: Engine, pipeline: str | None = None) -> list[dict[str, Any]]:
    """Committed Singer state per pipeline."""
    table = schema.sync_state
    query = select(table).order_by(table.c.pipeline)
    if pipeline:
        query = query.where(table.c.pipeline == pipeline)
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def committed_state(engine: Engine, pipeline: str) -> dict[str, Any] | None:
    """The state last committed for a pipeline (what the next sync resumes from)."""
    with engine.connect() as connection:
        return connection.execute(
            select(schema.sync_state.c.state).where(schema.sync_state.c.pipeline == pipeline)
        ).scalar_one_or_none()


def reset_state(engine: Engine, pipeline: str, stream: str | None = None) -> bool:
    """Forget a pipeline's bookmarks (or one stream's); the next sync starts over."""
    table = schema.sync_state
    with engine.begin() as connection:
        held = connection.execute(
            select(table.c.state).where(table.c.pipeline == pipeline)
        ).scalar_one_or_none()
        if held is None:
            return False
        if stream is None:
            connection.execute(delete(table).where(table.c.pipeline == pipeline))
            return True
        bookmarks = dict(held.get("bookmarks", {}))
        if stream not in bookmarks:
            return False
        del bookmarks[stream]
        connection.execute(
            table.update()
            .where(table.c.pipeline == pipeline)
            .values(state={**held, "bookmarks": bookmarks})
        )
        return True


def recent_runs(engine: Engine, limit: int = 20) -> list[dict[str, Any]]:
    """The latest sync runs, newest first."""
    table = schema.sync_runs
    with engine.connect() as connection:
        query = select(table).order_by(table.c.started_at.desc()).limit(limit)
        return [dict(row._mapping) for row in connection.execute(query)]
