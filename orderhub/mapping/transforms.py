"""The transform registry: the small vocabulary mapping specs are written in.

A transform is registered as a factory: it receives the argument written in the spec
(``{tz_localize: Asia/Shanghai}`` passes ``"Asia/Shanghai"``) once, at compile time, and
returns the function applied to each value. Bad arguments therefore fail when specs load,
not in the middle of a sync. Unless registered with ``none_passes=False``, a transform
passes ``None`` through untouched, so optional source fields need no special casing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orderhub.exceptions import RecordError
from orderhub.model import values

Fn = Callable[[Any], Any]
Factory = Callable[[Any], Fn]


@dataclass(frozen=True)
class Transform:
    """A registered transform: its factory and what it promises about ``None``."""

    name: str
    factory: Factory
    none_passes: bool
    doc: str


REGISTRY: dict[str, Transform] = {}


def transform(name: str, *, none_passes: bool = True) -> Callable[[Factory], Factory]:
    """Register a transform factory under ``name``."""

    def register(factory: Factory) -> Factory:
        REGISTRY[name] = Transform(name, factory, none_passes, (factory.__doc__ or "").strip())
        return factory

    return register


def _no_argument(name: str, argument: Any) -> None:
    if argument is not None:
        raise ValueError(f"transform {name!r} takes no argument")


@transform("str")
def _to_str(argument: Any) -> Fn:
    """Any scalar as text, whitespace stripped."""
    _no_argument("str", argument)
    return lambda value: str(value).strip()


@transform("lower")
def _lower(argument: Any) -> Fn:
    """Text in lower case (emails)."""
    _no_argument("lower", argument)
    return lambda value: str(value).strip().lower()


@transform("upper")
def _upper(argument: Any) -> Fn:
    """Text in upper case (codes)."""
    _no_argument("upper", argument)
    return lambda value: str(value).strip().upper()


@transform("blank_to_none")
def _blank_to_none(argument: Any) -> Fn:
    """Empty or whitespace-only text becomes null."""
    _no_argument("blank_to_none", argument)
    return lambda value: None if isinstance(value, str) and not value.strip() else value


@transform("decimal")
def _decimal(argument: Any) -> Fn:
    """A number or decimal string as an exact Decimal."""
    _no_argument("decimal", argument)
    return values.to_decimal


@transform("int")
def _int(argument: Any) -> Fn:
    """A whole number."""
    _no_argument("int", argument)

    def to_int(value: Any) -> int:
        number = values.to_decimal(value)
        if number != number.to_integral_value():
            raise RecordError(f"{value!r} is not a whole number", rule="integer")
        return int(number)

    return to_int


@transform("fen_to_yuan")
def _fen_to_yuan(argument: Any) -> Fn:
    """Integer minor units to major units: fen to yuan, cents to dollars (arg: currency)."""
    currency = values.currency_code(argument or "CNY")
    return lambda value: values.minor_to_major(value, currency)


def _parse_iso(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise RecordError(f"{value!r} is not an ISO-8601 date-time", rule="iso_datetime") from None


@transform("iso_datetime")
def _iso_datetime(argument: Any) -> Fn:
    """ISO-8601 with an offset, to UTC; a value without offset is an error."""
    _no_argument("iso_datetime", argument)
    return lambda value: values.utc_datetime(_parse_iso(value))


def _zone(name: Any) -> ZoneInfo:
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


@transform("tz_localize")
def _tz_localize(argument: Any) -> Fn:
    """A naive local time (EBS DATE, U8 datetime) in the given zone, to UTC (arg: zone)."""
    zone = _zone(argument)

    def localize(value: Any) -> datetime:
        moment = _parse_iso(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        return values.utc_datetime(moment)

    return localize


@transform("unix_seconds")
def _unix_seconds(argument: Any) -> Fn:
    """Seconds since the epoch (Douyin) to a UTC time."""
    _no_argument("unix_seconds", argument)

    def from_epoch(value: Any) -> datetime:
        seconds = values.to_decimal(value)
        try:
            return datetime.fromtimestamp(float(seconds), tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise RecordError(f"{value!r} is out of range", rule="unix_seconds") from None

    return from_epoch


@transform("gid_to_id")
def _gid_to_id(argument: Any) -> Fn:
    """A Shopify GID ``gid://shopify/Order/123`` to its numeric id ``123``."""
    _no_argument("gid_to_id", argument)

    def strip_gid(value: Any) -> str:
        text = str(value)
        if not text.startswith("gid://"):
            return text
        tail = text.rsplit("/", 1)[-1].split("?", 1)[0]
        if not tail:
            raise RecordError(f"{value!r} is not a GID", rule="gid")
        return tail

    return strip_gid


@transform("join", none_passes=False)
def _join(argument: Any) -> Fn:
    """Several inputs joined into one text, nulls and blanks left out (arg: separator, "/";
    or {separator: "/", blank: "-"} to keep every position, a null or blank shown as blank)."""
    if isinstance(argument, dict):
        unknown = set(argument) - {"separator", "blank"}
        if unknown or "blank" not in argument:
            raise ValueError("join takes {separator: ..., blank: ...}")
        sep, blank = str(argument.get("separator", "/")), str(argument["blank"])
        return lambda value: sep.join(blank if i in (None, "") else str(i) for i in value)
    separator = "/" if argument is None else str(argument)
    return lambda value: separator.join(str(item) for item in value if item not in (None, ""))


@transform("source_error", none_passes=False)
def _source_error(argument: Any) -> Fn:
    """Inputs (error, value): an error the tap recorded for a record the source could not
    deliver becomes a record error quoting it (rule source_error); else the value."""
    _no_argument("source_error", argument)

    def check(value: Any) -> Any:
        if len(value) != 2:
            raise RecordError("source_error takes two inputs: error, value", rule="source_error")
        error, result = value
        if error not in (None, ""):
            raise RecordError(
                f"the source could not deliver this record: {error}", rule="source_error"
            )
        return result

    return check


@transform("subtract", none_passes=False)
def _subtract(argument: Any) -> Fn:
    """The first input minus the others; null inputs count as 0 (totals less discounts)."""
    _no_argument("subtract", argument)

    def minus(value: Any) -> Decimal | None:
        first, *rest = value
        if first is None:
            return None
        return values.to_decimal(first) - sum(
            (values.to_decimal(item) for item in rest if item is not None), Decimal(0)
        )

    return minus


@transform("sum", none_passes=False)
def _sum(argument: Any) -> Fn:
    """The sum of the inputs, nulls skipped; null if every input is null."""
    _no_argument("sum", argument)

    def total(value: Any) -> Decimal | None:
        present = [values.to_decimal(item) for item in value if item is not None]
        return sum(present, Decimal(0)) if present else None

    return total


@transform("divide", none_passes=False)
def _divide(argument: Any) -> Fn:
    """The first input divided by the second (net amount by quantity: a unit price),
    rounded half-even to arg decimal places (default 4); null if either is null or 0."""
    places = 4 if argument is None else int(argument)
    if not 0 <= places <= 10:
        raise ValueError("divide takes a number of decimal places from 0 to 10")
    step = Decimal(1).scaleb(-places)

    def quotient(value: Any) -> Decimal | None:
        if len(value) != 2:
            raise RecordError("divide takes two inputs", rule="decimal")
        dividend, divisor = value
        if dividend is None or divisor is None:
            return None
        bottom = values.to_decimal(divisor)
        if bottom == 0:
            return None
        return (values.to_decimal(dividend) / bottom).quantize(step, rounding=ROUND_HALF_EVEN)

    return quotient


@transform("multiply", none_passes=False)
def _multiply(argument: Any) -> Fn:
    """The product of the inputs (quantity times unit price); null if any is null."""
    _no_argument("multiply", argument)

    def product(value: Any) -> Decimal | None:
        if any(item is None for item in value):
            return None
        result = Decimal(1)
        for item in value:
            result *= values.to_decimal(item)
        return result

    return product


@transform("coalesce", none_passes=False)
def _coalesce(argument: Any) -> Fn:
    """The first input that is not null (or blank text)."""
    _no_argument("coalesce", argument)

    def first_present(value: Any) -> Any:
        for item in value:
            if item is not None and not (isinstance(item, str) and not item.strip()):
                return item
        return None

    return first_present


@transform("first")
def _first(argument: Any) -> Fn:
    """The first item of a list (Shopify trackingInfo), null for an empty list."""
    _no_argument("first", argument)
    return lambda value: value[0] if value else None


@transform("map", none_passes=False)
def _map(argument: Any) -> Fn:
    """A small inline lookup {source: target}; a value not listed is an error."""
    if not isinstance(argument, dict) or not argument:
        raise ValueError("transform 'map' takes a non-empty mapping of values")
    table = {str(k): v for k, v in argument.items()}

    def lookup(value: Any) -> Any:
        key = "null" if value is None else str(value)
        if key not in table:
            raise RecordError(f"{value!r} is not one of {sorted(table)}", rule="map")
        return table[key]

    return lookup


def describe() -> list[tuple[str, str]]:
    """(name, doc) of every transform, for docs and ``orderhub mappings doc``."""
    return sorted((t.name, t.doc) for t in REGISTRY.values())
