"""What the warehouse can store, derived from its schema, and checked before any write.

PostgreSQL refuses a NUL in text and JSONB, a lone UTF-16 surrogate, a ``String(n)``
value longer than ``n``, an INTEGER beyond 32 bits and a JSON number beyond NUMERIC's
range; one such value used to fail the whole batch (and every rerun of it). SQLite would
store most of them, so the same record would load on one database and not on the other.
These checks run on both, before the first statement, so an unstorable record becomes
one dead letter naming the field, and both databases agree.

The checks are derived from the column types in :mod:`orderhub.warehouse.schema`, so a
schema change changes them too. The hot path is one regex scan per string; a payload is
scanned as the JSON bytes that hashing encodes anyway, and walked only when that scan
finds something suspicious.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import JSON, BigInteger, Integer, String, Table, Text

from orderhub import jsonutil
from orderhub.jsonutil import safe_repr
from orderhub.warehouse import schema
from orderhub.warehouse.types import ExactDecimal

_BAD_CHAR = re.compile("[\x00\ud800-\udfff]")
# JSON bytes that might hold a huge exponent (msgspec writes Decimal as 1E+99999); a
# match is confirmed (or not) by walking the value, so false alarms only cost time. Each
# scan starts with a literal, which keeps it a few microseconds per record.
_HUGE_EXPONENT = re.compile(rb"E[+-][0-9]{5}")
_NUL_ESCAPE = b"\\u0000"
#: An integer of this many digits needs at least as many bytes of JSON.
_MAX_DIGITS = 131_072
#: NUMERIC (and so JSONB numbers) holds up to 131072 digits before the point and
#: 16383 after; beyond them PostgreSQL refuses the value.
_MAX_ADJUSTED_EXPONENT = 131_071
_MIN_EXPONENT = -16_383
_INT_RANGES = {"Integer": (-(2**31), 2**31 - 1), "BigInteger": (-(2**63), 2**63 - 1)}
#: Marks a dead-letter payload kept as text because JSONB could not hold it as JSON.
UNSTORABLE_JSON = "_orderhub_unstorable_json"
#: Marks a dead-letter payload that was not a JSON object.
NOT_AN_OBJECT = "_orderhub_not_an_object"


@dataclass(frozen=True)
class Refusal:
    """Why a record is refused: the rule, the field (or payload path) and a reason.

    Made here for values the warehouse cannot store, and by orderhub.admission for the
    other checks a record passes before it is written; each becomes one dead letter.
    """

    rule: str
    field: str
    reason: str


def text_problem(value: str, field: str, limit: int | None = None) -> Refusal | None:
    """A NUL, a lone surrogate, or more than ``limit`` characters in ``value``."""
    bad = _BAD_CHAR.search(value)
    if bad is not None:
        at = bad.start()
        if bad.group() == "\x00":
            return Refusal(
                "nul_character",
                field,
                f"{field} holds a NUL character (\\u0000) at position {at}, which PostgreSQL "
                "cannot store; remove it at the source (or in the tap) and resend the record",
            )
        return Refusal(
            "lone_surrogate",
            field,
            f"{field} holds a lone UTF-16 surrogate (\\u{ord(bad.group()):04x}) at position "
            f"{at}, which is not valid Unicode; fix the text at the source and resend it",
        )
    if limit is not None and len(value) > limit:
        return Refusal(
            "too_long",
            field,
            f"{field} is {len(value)} characters long; the warehouse column holds at most "
            f"{limit}; shorten it at the source or widen the column with a migration",
        )
    return None


def _number_problem(value: int | Decimal, field: str) -> Refusal | None:
    if isinstance(value, Decimal):
        if value.is_finite():
            adjusted, exponent = value.adjusted(), value.as_tuple().exponent
            if adjusted <= _MAX_ADJUSTED_EXPONENT and int(exponent) >= _MIN_EXPONENT:
                return None
    elif value.bit_length() <= 435_411:  # 131072 decimal digits
        return None
    return Refusal(
        "out_of_range",
        field,
        f"{field} is a number beyond what the warehouse can store (NUMERIC: 131072 digits "
        "before the point, 16383 after); correct the value at the source",
    )


def _path(parent: str, step: str | int) -> str:
    if isinstance(step, int):
        return f"{parent}[{step}]"
    return f"{parent}.{step}" if parent else step


def json_problem(value: Any, field: str = "") -> Refusal | None:
    """The first string, key or number in a JSON value that JSONB cannot hold."""
    if isinstance(value, str):
        return text_problem(value, field or "(value)")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | Decimal):
        return _number_problem(value, field or "(value)")
    if isinstance(value, dict):
        for key, item in value.items():
            where = _path(field, str(key))
            problem = text_problem(str(key), f"{where} (the key)") or json_problem(item, where)
            if problem:
                return problem
        return None
    if isinstance(value, list):
        for index, item in enumerate(value):
            problem = json_problem(item, _path(field, index))
            if problem:
                return problem
    return None


def encode_payload(payload: Any) -> tuple[bytes | None, Refusal | None]:
    """The canonical JSON bytes of a payload, or why JSONB cannot store it.

    The bytes are what :func:`jsonutil.content_hash` hashes, so a caller hashes them with
    :func:`hash_of` instead of encoding the payload twice.
    """
    try:
        data = jsonutil.dumps_bytes(payload)
    except (UnicodeEncodeError, msgspec.EncodeError, TypeError, ValueError, OverflowError):
        return None, json_problem(payload) or Refusal(
            "unstorable", "(payload)", "the payload cannot be encoded as JSON"
        )
    suspicious = (
        _NUL_ESCAPE in data
        or _HUGE_EXPONENT.search(data) is not None
        or len(data) > _MAX_DIGITS  # only then can an integer be too long
    )
    if not suspicious:
        return data, None
    problem = json_problem(payload)
    return (None, problem) if problem else (data, None)


def hash_of(data: bytes) -> str:
    """The content hash of canonical JSON bytes (equal to ``jsonutil.content_hash``)."""
    return hashlib.sha256(data).hexdigest()


def ascii_json(value: Any) -> str:
    """Lossless ASCII JSON text of any decoded JSON value, surrogates and NULs escaped."""
    if isinstance(value, dict):
        items = (f"{json.dumps(str(k))}:{ascii_json(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(ascii_json(v) for v in value) + "]"
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return str(Decimal(value))  # Decimal: str() of a huge int would hit Python's limit
    return json.dumps(value)


def storable_payload(value: Any) -> dict[str, Any]:
    """A dead letter's payload as the warehouse can hold it, nothing of it lost.

    An object stays as it is when JSONB can hold it; anything else is wrapped, and a
    value with NULs, lone surrogates or out-of-range numbers is kept as ASCII JSON text.
    """
    wrapped = value if isinstance(value, dict) else {NOT_AN_OBJECT: value}
    if encode_payload(wrapped)[1] is None:
        return wrapped
    return {UNSTORABLE_JSON: ascii_json(value)}


def storable_text(value: str) -> str:
    """Text with NULs and lone surrogates escaped (``\\u0000``), for reasons and names."""
    if _BAD_CHAR.search(value) is None:
        return value
    return _BAD_CHAR.sub(lambda m: f"\\u{ord(m.group()):04x}", value)


Check = Callable[[Any, str], Refusal | None]


def _column_check(column_type: Any) -> Check | None:
    """The check a value of this column type must pass; None if any value fits."""
    if isinstance(column_type, ExactDecimal):
        numeric = f"NUMERIC({column_type.precision}, {column_type.scale})"
        bound = Decimal(10) ** (column_type.precision - column_type.scale)  # digits before "."

        def exact(value: Any, field: str) -> Refusal | None:
            if isinstance(value, Decimal) and value.is_finite() and abs(value) < bound:
                return None
            return Refusal("out_of_range", field, f"{field} = {safe_repr(value)} exceeds {numeric}")

        return exact
    if isinstance(column_type, JSON):
        return lambda value, field: json_problem(value, field)
    if isinstance(column_type, String | Text):
        limit = None if isinstance(column_type, Text) else column_type.length

        def text(value: Any, field: str) -> Refusal | None:
            return text_problem(value, field, limit) if isinstance(value, str) else None

        return text
    if isinstance(column_type, Integer):
        low, high = _INT_RANGES["BigInteger" if isinstance(column_type, BigInteger) else "Integer"]

        def integer(value: Any, field: str) -> Refusal | None:
            if not isinstance(value, int) or low <= value <= high:
                return None
            return Refusal(
                "out_of_range",
                field,
                f"{field} = {safe_repr(value)} is outside the column's range [{low}, {high}]; "
                "correct the value at the source",
            )

        return integer
    return None


class TableCheck:
    """Checks a row for one table against the types of its columns."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.checks: dict[str, Check] = {}
        for column in table.columns:
            check = _column_check(column.type)
            if check is not None:
                self.checks[column.name] = check

    def problem(self, row: Mapping[str, Any], prefix: str) -> Refusal | None:
        """The first value of ``row`` its column cannot store; fields read ``prefix.name``."""
        checks = self.checks
        for name, value in row.items():
            check = checks.get(name)
            if check is not None and value is not None:
                problem = check(value, f"{prefix}.{name}")
                if problem is not None:
                    return problem
        return None


RAW_RECORDS = TableCheck(schema.raw_records)
ENTITY_ROWS = {kind: TableCheck(table) for kind, table in schema.ENTITY_TABLES.items()}
