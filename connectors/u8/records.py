"""From U8 rows to Singer records: exact values, UTC times, and the few derived fields.

The tap reads every column without SQLAlchemy's result processing (see
:func:`connectors.u8.queries.raw`), so a value the column's type does not hold (text in
``iQuantity`` of a customised database, a broken date) reaches the record as it is and
the mapping dead-letters it with the field named, instead of crashing the sync.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa


def exact_text(value: Decimal) -> str:
    """A Decimal as plain text without exponent or trailing zeros (``12.500000`` -> ``12.5``)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def to_decimal(value: Any) -> Decimal | None:
    """A number read from U8 as an exact Decimal, or None if it is not one."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = repr(value)  # the shortest text that round-trips: SQLite's REAL
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class RowConverter:
    """Converts one table's rows by the declared type of each column."""

    def __init__(self, columns: Iterable[sa.ColumnElement[Any]], zone: ZoneInfo) -> None:
        self.zone = zone
        self.kinds: dict[str, str] = {}
        for column in columns:
            kind, key = column.type, str(column.key)
            if isinstance(kind, sa.DateTime):
                self.kinds[key] = "datetime"
            elif isinstance(kind, sa.Integer):
                self.kinds[key] = "integer"
            elif isinstance(kind, sa.Numeric):
                self.kinds[key] = "decimal"
            else:
                self.kinds[key] = "text"

    def local_to_utc(self, value: Any) -> Any:
        """U8 datetimes are naive server-local time: localize, then express in UTC."""
        moment = value
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.strip())
            except ValueError:
                return value  # left as read: the mapping names the field
        if not isinstance(moment, datetime):
            return value
        try:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=self.zone)
            return moment.astimezone(UTC).isoformat()
        except OverflowError:
            # 0001-01-01 or 9999-12-31 has no UTC instant in range: passed on as read (no
            # offset), the mapping dead-letters the record naming the field.
            return moment.replace(tzinfo=None).isoformat()

    def convert(self, key: str, value: Any) -> Any:
        if value is None:
            return None
        kind = self.kinds.get(key, "text")
        if kind == "datetime":
            return self.local_to_utc(value)
        if kind in ("decimal", "integer"):
            number = to_decimal(value)
            if number is None:
                return value if not isinstance(value, bool) else int(value)
            if kind == "integer" and number == number.to_integral_value():
                return int(number)
            return exact_text(number)
        if isinstance(value, bytes):
            return value.hex()
        return value

    def record(self, row: Mapping[Any, Any]) -> dict[str, Any]:
        return {str(key): self.convert(str(key), value) for key, value in row.items()}


def _progress(quantity: Any, dispatched: Any) -> str | None:
    ordered, done = to_decimal(quantity), to_decimal(dispatched) or Decimal(0)
    if ordered is None:
        return None
    ordered, done = abs(ordered), abs(done)  # red-ink lines count back the same way
    if done == 0:
        return "none"
    if done < ordered:
        return "partial"
    return "full" if done == ordered else "over"


def dispatch_state(lines: list[dict[str, Any]]) -> str:
    """How far the order's lines have been dispatched (``iFHQuantity`` vs ``iQuantity``).

    ``none``, ``partial``, ``full`` or ``over`` (U8 allows over-dispatch within a
    tolerance). Lines whose numbers cannot be read are left out here: the line itself is
    dead-lettered with its field named.
    """
    states = [s for s in (_progress(x.get("iQuantity"), x.get("iFHQuantity")) for x in lines) if s]
    if not states or all(s == "none" for s in states):
        return "none"
    if all(s in ("full", "over") for s in states):
        return "over" if "over" in states else "full"
    return "partial"


def lines_closed(lines: list[dict[str, Any]]) -> str:
    """``none``, ``some`` or ``all`` lines closed by a line closer (``cSCloser``)."""
    closed = sum(1 for line in lines if line.get("cSCloser"))
    if not lines or closed == 0:
        return "none"
    return "all" if closed == len(lines) else "some"


TOTALLED = ("iMoney", "iTax", "iSum", "iDisCount", "iNatMoney", "iNatTax", "iNatSum")


def totals(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """Order totals from its lines (SO_SOMain has none: its ``iMoney`` is the deposit).

    A value that is not a number is passed on as read so the mapping names it.
    """
    result: dict[str, Any] = {}
    for name in TOTALLED:
        total = Decimal(0)
        for line in lines:
            raw = line.get(name)
            number = to_decimal(raw)
            if raw is not None and number is None:
                total = raw
                break
            total += number or Decimal(0)
        result[name] = exact_text(total) if isinstance(total, Decimal) else total
    return result


def status_summary(order: Mapping[str, Any]) -> str:
    """The status inputs in one readable text, kept beside the canonical status."""
    return ",".join(
        (
            "closed" if order.get("cCloser") else "open",
            "verified" if order.get("cVerifier") else "unverified",
            f"lines_closed={order.get('lines_closed')}",
            f"dispatch={order.get('dispatch_state')}",
            f"return={order.get('bReturnFlag')}",
        )
    )


def order_fields(order: Mapping[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
    """What the order mapping needs that U8 does not store on the order itself."""
    derived: dict[str, Any] = {
        "totals": totals(lines),
        "dispatch_state": dispatch_state(lines),
        "lines_closed": lines_closed(lines),
    }
    derived["status_summary"] = status_summary({**order, **derived})
    return derived


def dispatch_fields(dispatch: Mapping[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The sales orders a dispatch note's lines serve (``SOID`` joined via ``iSOsID``)."""
    served: dict[Any, dict[str, Any]] = {}
    for line in lines:
        if line.get("SOID") is not None:
            served.setdefault(line["SOID"], {"ID": line["SOID"], "cSOCode": line.get("cordercode")})
    return {"orders": list(served.values())}
