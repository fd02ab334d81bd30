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

# An email in any form a person or a URL writes it: dot-atom or "quoted" local parts,
# Unicode (IDN) local parts and domains, IP-literal domains, and every way the @ is
# written out: %40 inside URLs, the full-width ＠ (U+FF20), a JSON escape kept as text
# (\u0040) and the spam-proof "(at)" / "[at]" with "(dot)" / "[dot]" in the domain.
# The local part stops at characters that delimit it in keys, JSON and prose, and at a
# URL's // (a single / is legal in a local part, so it is masked with it).
_AT = r"(?:@|＠|%40|\\u0040|\s*[(\[]\s*at\s*[)\]]\s*)"
_DOT = r"(?:\.|\s*[(\[]\s*dot\s*[)\]]\s*)"
_EMAIL = re.compile(
    r"""(?P<local>"(?:[^"\\\r\n]|\\.)*"|(?:[^\s@＠"<>()\[\],;:\\/]|/(?!/))+)"""
    + _AT
    + r"(?P<domain>\[[^\]\s]*\]|[\w-]+(?:"
    + _DOT
    + r"[\w-]+)*)",
    re.IGNORECASE,
)
# A phone: +, ( and digits in groups split by spaces, dashes or parentheses, not inside
# an id (gid://shopify/Order/123456789, a uuid's groups), a key or a date, and not an
# already masked number (138****1234).
_PHONE = re.compile(
    r"(?<![\w/*.\-])(?!\d{4}-\d{2}-\d{2}|[0-9a-f]{8}-[0-9a-f]{4}-)"
    r"(?:\+?\(?\d[\d\s()\-]{5,}\d(?![\w*\-]|\.\d)"  # not a decimal's whole part
    # dotted (415.555.0100, +1.415.555.0100) only in that shape: not an IP or a version
    r"|(?:\+\d{1,3}\.)?\(?\d{3}\)?\.\d{3}\.\d{4}(?![\w.]))",
    re.IGNORECASE,
)
_PHONE_MIN_DIGITS = 7
#: E.164 allows 15 digits (18 leaves room for a written prefix or extension): a longer
#: run is a number (an amount, a quantity), not a phone.
_PHONE_MAX_DIGITS = 18
_DOT_WORD = re.compile(_DOT, re.IGNORECASE)


def mask_pii(text: str) -> str:
    """Mask emails (a***@e***.com) and all but the last four digits of phone numbers.

    Reports are read by people who must act on a record, never contact its buyer, so
    this errs towards masking: an id that looks like a phone loses digits, an email
    never survives.
    """
    return _PHONE.sub(_mask_phone, _EMAIL.sub(_mask_email, text))


def mask_identifier(text: str) -> str:
    """An id a person finds a record by: shown whole, unless it is itself PII.

    Source ids are mostly numbers (Shopify's 13 digits, SAP's 10) that :func:`mask_pii`
    would take for phones, leaving nothing to search for; but a source that keys its
    customers by email or phone number holds PII in the id, and that is masked.
    """
    compact = _ID_SEPARATORS.sub("", text)
    if compact.lstrip("+").isdigit() and _is_phone_number(compact):
        return mask_pii(text)
    return _EMAIL.sub(_mask_email, text)


_ID_SEPARATORS = re.compile(r"[\s\-()]")


def _is_phone_number(digits: str) -> bool:
    """A number written as E.164, or a valid mobile: bare landline-shaped digits are far
    more often an ERP's customer number (SAP's 1000000003 reads as a Beijing number)."""
    import phonenumbers

    try:
        number = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        return False
    if not phonenumbers.is_valid_number(number):
        return False
    mobile = phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    return digits.startswith("+") or mobile


def _mask_email(match: re.Match[str]) -> str:
    local, domain = match["local"], match["domain"]
    shown_local = '"***"' if local.startswith('"') else f"{local[0]}***"
    if domain.startswith("["):
        shown_domain = "[***]"
    elif "." in domain:
        shown_domain = f"{domain[0]}***.{domain.rsplit('.', 1)[1]}"
    elif _DOT_WORD.search(domain):
        shown_domain = f"{domain[0]}***.{_DOT_WORD.split(domain)[-1]}"
    else:
        shown_domain = "***"
    return f"{shown_local}@{shown_domain}"


def _mask_phone(match: re.Match[str]) -> str:
    number = match[0]
    digits = sum(c.isdigit() for c in number)
    if not _PHONE_MIN_DIGITS <= digits <= _PHONE_MAX_DIGITS:
        return number
    kept = 4
    masked = []
    for char in reversed(number):
        if char.isdigit():
            masked.append(char if kept > 0 else "*")
            kept -= 1
        else:
            masked.append(char)
    return "".join(reversed(masked))


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
    """Dead letters, newest first, every text column masked for PII (keys too)."""
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
    masked = ("source_system", "stream", "record_key", "rule", "field", "reason")
    return [{k: mask_pii(v) if k in masked and v else v for k, v in row.items()} for row in rows]


def known_sources(engine: Engine) -> list[str]:
    """Every source the warehouse has a raw record or a dead letter of, sorted."""
    raw, letters = schema.raw_records.c.source_system, schema.dead_letters.c.source_system
    query = select(raw).distinct().union(select(letters).distinct())
    with engine.connect() as connection:
        return sorted(connection.execute(query).scalars())


def landed_sources(engine: Engine) -> list[str]:
    """Every source the warehouse has raw records of (what a remap can re-derive), sorted."""
    query = select(schema.raw_records.c.source_system).distinct()
    with engine.connect() as connection:
        return sorted(connection.execute(query).scalars())


def last_run(engine: Engine, pipeline: str) -> dict[str, Any] | None:
    """The newest run of ``pipeline`` (``remap/<source>`` for a remap), message masked."""
    table = schema.sync_runs
    query = (
        select(table)
        .where(table.c.pipeline == pipeline)
        .order_by(table.c.started_at.desc())
        .limit(1)
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        return None
    found = dict(row._mapping)
    return {**found, "message": mask_pii(found["message"]) if found["message"] else None}


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
    """The latest sync runs, newest first (a run's message masked: it may quote a record)."""
    table = schema.sync_runs
    with engine.connect() as connection:
        query = select(table).order_by(table.c.started_at.desc()).limit(limit)
        rows = [dict(row._mapping) for row in connection.execute(query)]
    return [
        {**row, "message": mask_pii(row["message"]) if row["message"] else None} for row in rows
    ]
