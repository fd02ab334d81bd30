"""Admission: what a record must pass before anything of it is written.

One record must never stop a sync, so everything that would make the warehouse refuse a
statement (see :mod:`orderhub.warehouse.storable`), or make a record poison later ones, is
found here, per record, and turned into that record's dead letter:

- a record that is not a JSON object (``not_an_object``);
- a payload, stream name or key the warehouse cannot store;
- a value whose type contradicts the stream's SCHEMA message (``schema_type``);
- a source version later than now plus a tolerance (``implausible_version``): stored, it
  would make the version guard refuse every genuine update of the record after it;
- a mapped entity row the warehouse cannot store, or with an implausible version.
"""

from __future__ import annotations

import logging
import numbers
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import jsonschema
from jsonschema.exceptions import SchemaError
from jsonschema.validators import validator_for

from orderhub.model.entities import UnifiedEntity
from orderhub.warehouse import storable
from orderhub.warehouse.records import row_of
from orderhub.warehouse.storable import Unstorable

logger = logging.getLogger(__name__)
#: How far in the future a source version may be (clock skew between systems).
DEFAULT_VERSION_TOLERANCE = timedelta(days=1)


def _is_integer(value: Any) -> bool:
    # JSON Schema: 2.0 is an integer. Singer readers decode it as Decimal("2.0").
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value()


_JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": _is_integer,
    "number": lambda v: isinstance(v, numbers.Number) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}
#: A compiled check: None if the value fits, else (reversed path, declared types).
_Check = Callable[[Any], tuple[list[str | int], Any] | None]


def json_path(steps: Sequence[str | int]) -> str:
    """``lineItems[0].quantity`` from path steps."""
    text = ""
    for step in steps:
        text = f"{text}[{step}]" if isinstance(step, int) else (f"{text}.{step}" if text else step)
    return text


def _compile_type(declared: Any) -> Callable[[Any], bool] | None:
    names = [declared] if isinstance(declared, str) else declared
    if not isinstance(names, list) or not all(n in _JSON_TYPES for n in names):
        return None  # a type this check does not know is left alone
    tests = [_JSON_TYPES[n] for n in names]
    return lambda value: any(test(value) for test in tests)


def _compile(node: Any) -> _Check | None:
    """A checker of the ``type`` keywords of a schema node, its properties and items.

    Only types are checked (the issue's "value whose type contradicts the SCHEMA"), as
    closures built once per stream: jsonschema's full validation costs milliseconds per
    record, this costs microseconds.
    """
    if not isinstance(node, dict):
        return None
    declared = node.get("type")
    fits = _compile_type(declared) if declared is not None else None
    compiled = {name: _compile(child) for name, child in (node.get("properties") or {}).items()}
    properties = {name: child for name, child in compiled.items() if child is not None}
    items = _compile(node.get("items"))
    branches = [c for c in map(_compile, node.get("anyOf") or node.get("oneOf") or []) if c]
    if fits is None and not properties and items is None and not branches:
        return None

    def checker(value: Any) -> tuple[list[str | int], Any] | None:
        if fits is not None and not fits(value):
            return [], declared
        if branches and all(branch(value) is not None for branch in branches):
            return [], "anyOf"
        if properties and isinstance(value, dict):
            for name, child in properties.items():
                if name in value:
                    found = child(value[name])
                    if found is not None:
                        found[0].append(name)
                        return found
        if items is not None and isinstance(value, list):
            for index, item in enumerate(value):
                found = items(item)
                if found is not None:
                    found[0].append(index)
                    return found
        return None

    return checker


class SchemaCheck:
    """Checks records against the types their stream's SCHEMA message declares.

    singer-sdk's validator aborts the sync on the first invalid record; here a
    contradiction is the record's dead letter. Formats (``date-time`` ...) are not
    checked: the mapping reads times itself and names the field when it cannot.
    """

    def __init__(self, stream: str, schema: dict[str, Any]) -> None:
        self.stream = stream
        self.check: _Check | None = None
        try:
            validator_for(schema, default=jsonschema.Draft7Validator).check_schema(schema)
        except SchemaError as exc:
            logger.warning(
                "The SCHEMA of stream %s is not a valid JSON Schema (%s); its records are "
                "not checked against it. Fix the tap's schema.",
                stream,
                exc.message,
            )
            return
        self.check = _compile(schema)

    def problem(self, record: dict[str, Any]) -> Unstorable | None:
        """The record's first contradiction of the schema's types, if it has one."""
        found = self.check(record) if self.check is not None else None
        if found is None:
            return None
        steps, declared = found
        field = json_path(steps[::-1]) or "(record)"
        value: Any = record
        for step in steps[::-1]:
            value = value[step]
        got = storable.safe_repr(value)
        return Unstorable(
            "schema_type",
            field,
            f"{field} is {got}, but the SCHEMA of stream {self.stream} declares type "
            f"{declared!r}; fix the value at the source or the tap's schema",
        )


class VersionHorizon:
    """The latest source version that is plausible: now plus a tolerance for skew."""

    def __init__(self, tolerance: timedelta = DEFAULT_VERSION_TOLERANCE) -> None:
        self.tolerance = tolerance
        self.latest = datetime.now(UTC) + tolerance

    def problem(self, version: datetime | None, field: str) -> Unstorable | None:
        """Why ``version`` is implausible, or None."""
        if version is None or version <= self.latest:
            return None
        return Unstorable(
            "implausible_version",
            field,
            f"{field} is {version.isoformat()}, more than {self.tolerance} in the future; "
            "stored, it would make every later genuine update look stale. Fix the source "
            "clock or value, then resend the record",
        )


def entity_problem(entities: Sequence[UnifiedEntity], horizon: VersionHorizon) -> Unstorable | None:
    """The first mapped entity the warehouse cannot store, or whose version is implausible."""
    total = Counter(entity.KIND for entity in entities)
    seen: Counter[str] = Counter()
    for entity in entities:
        kind = entity.KIND
        label = kind if total[kind] == 1 else f"{kind}[{seen[kind]}]"
        seen[kind] += 1
        problem = storable.ENTITY_ROWS[kind].problem(row_of(entity), label) or horizon.problem(
            entity.source_updated_at, f"{label}.source_updated_at"
        )
        if problem is not None:
            return problem
    return None
