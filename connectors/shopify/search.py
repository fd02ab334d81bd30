"""Search-syntax filtering, opaque cursors and Relay connection slicing for the simulator.

Shopify list queries take a ``query`` string in its search syntax and page with opaque cursors.
Taps depend on three properties that this module reproduces:

* ``updated_at:>='2024-01-01T00:00:00Z' AND updated_at:<'...'`` style range filters (quoted or
  bare values, ``>``, ``>=``, ``<``, ``<=`` or equality, ``AND`` or juxtaposition);
* unknown search fields do not fail the request - Shopify ignores them and reports a warning
  in ``extensions.search``;
* cursors encode the sort value and id of the row (like Shopify's base64 JSON
  ``{"last_id":..,"last_value":..}``) so paging stays correct while rows change between
  pages: a row updated mid-sync moves behind the cursor instead of shifting the page window.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

__all__ = [
    "SearchError",
    "SearchFilter",
    "decode_cursor",
    "encode_cursor",
    "paginate",
    "parse_search",
]

_TERM = re.compile(r"^(?P<field>[a-z_]+):(?P<op>>=|<=|>|<|=)?(?P<value>.*)$")
_DATE_FIELDS = {"updated_at": "updatedAt", "created_at": "createdAt", "processed_at": "processedAt"}


class SearchError(ValueError):
    """Raised for cursors or arguments Shopify would reject."""


def parse_timestamp(value: str) -> datetime:
    """Parse a search value or stored DateTime string to an aware UTC datetime."""
    text = value.strip()
    if len(text) == 10:
        day = date.fromisoformat(text)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class _Condition:
    attribute: str
    op: str
    value: Any

    def matches(self, row: dict[str, Any]) -> bool:
        raw = row.get(self.attribute)
        if raw is None:
            return False
        current: Any = parse_timestamp(raw) if isinstance(self.value, datetime) else raw
        if self.op == ">=":
            return bool(current >= self.value)
        if self.op == "<=":
            return bool(current <= self.value)
        if self.op == ">":
            return bool(current > self.value)
        if self.op == "<":
            return bool(current < self.value)
        return bool(current == self.value)


@dataclass(slots=True)
class SearchFilter:
    """A parsed search string: AND-ed conditions plus Shopify-style warnings."""

    text: str
    conditions: list[_Condition] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)

    def matches(self, row: dict[str, Any]) -> bool:
        """True when the row satisfies every understood condition."""
        return all(condition.matches(row) for condition in self.conditions)


def parse_search(text: str | None) -> SearchFilter:
    """Parse the subset of Shopify's search syntax used by incremental taps."""
    result = SearchFilter(text=text or "")
    if not text:
        return result
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        tokens = list(lexer)
    except ValueError as exc:  # unbalanced quotes: Shopify treats it as text, we warn
        result.warnings.append({"field": "query", "message": f"Unparseable query: {exc}"})
        return result
    for token in tokens:
        if token.upper() == "AND":
            continue
        match = _TERM.match(token)
        if match is None:
            result.warnings.append({"field": token, "message": "Unsupported search term."})
            continue
        name, op, value = match["field"], match["op"] or "=", match["value"]
        if name in _DATE_FIELDS:
            try:
                moment = parse_timestamp(value)
            except ValueError:
                result.warnings.append({"field": name, "message": f"Invalid date: {value}"})
                continue
            result.conditions.append(_Condition(_DATE_FIELDS[name], op, moment))
        elif name == "id" and value.isdigit():
            result.conditions.append(_Condition("_numeric_id", op, int(value)))
        else:
            result.warnings.append(
                {"field": name, "message": "Invalid search field for this query."}
            )
    return result


def encode_cursor(last_id: int, last_value: Any) -> str:
    """Opaque cursor: base64 of the row's numeric id and sort value."""
    payload = json.dumps({"last_id": last_id, "last_value": last_value}, separators=(",", ":"))
    return base64.b64encode(payload.encode()).decode()


def decode_cursor(cursor: str) -> tuple[Any, int]:
    """Inverse of :func:`encode_cursor`; returns the comparable ``(sort value, id)`` key."""
    try:
        payload = json.loads(base64.b64decode(cursor.encode(), validate=True))
        return payload["last_value"], int(payload["last_id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise SearchError(f"Invalid cursor provided: {cursor!r}") from exc


def paginate(
    rows: Sequence[dict[str, Any]],
    *,
    sort_value: Callable[[dict[str, Any]], Any],
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    reverse: bool = False,
    max_page: int = 250,
) -> dict[str, Any]:
    """Slice already-filtered rows into a Relay connection dict.

    Rows are ordered by ``(sort value, numeric id)``; ``reverse`` flips that order.  ``after``
    and ``before`` compare keys rather than positions, which is what keeps cursors stable.
    """
    if first is None and last is None:
        raise SearchError("you must provide one of first or last")
    for name, size in (("first", first), ("last", last)):
        if size is not None and not 0 <= size <= max_page:
            raise SearchError(f"The '{name}' argument must be between 0 and {max_page}.")

    def key(row: dict[str, Any]) -> tuple[Any, int]:
        return (sort_value(row), int(row["_numeric_id"]))

    ordered = sorted(rows, key=key, reverse=reverse)

    def beyond(row: dict[str, Any], cursor_key: tuple[Any, int]) -> bool:
        return key(row) < cursor_key if reverse else key(row) > cursor_key

    def short_of(row: dict[str, Any], cursor_key: tuple[Any, int]) -> bool:
        return key(row) > cursor_key if reverse else key(row) < cursor_key

    positions = list(range(len(ordered)))
    if after is not None:
        after_key = decode_cursor(after)
        positions = [i for i in positions if beyond(ordered[i], after_key)]
    if before is not None:
        before_key = decode_cursor(before)
        positions = [i for i in positions if short_of(ordered[i], before_key)]
    if first is not None:
        positions = positions[:first]
    if last is not None:
        positions = positions[max(len(positions) - last, 0) :]
    window = [ordered[i] for i in positions]
    if positions:
        has_before = positions[0] > 0
        has_after = positions[-1] < len(ordered) - 1
    else:
        has_before = after is not None and bool(ordered)
        has_after = before is not None and bool(ordered)
    edges = [
        {"cursor": encode_cursor(int(row["_numeric_id"]), sort_value(row)), "node": row}
        for row in window
    ]
    return {
        "edges": edges,
        "nodes": [edge["node"] for edge in edges],
        "pageInfo": {
            "hasNextPage": has_after,
            "hasPreviousPage": has_before,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }
