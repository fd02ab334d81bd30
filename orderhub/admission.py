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
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import jsonschema
from jsonschema.exceptions import SchemaError
from jsonschema.validators import validator_for

from orderhub.jsonutil import safe_repr
from orderhub.model.entities import UnifiedEntity
from orderhub.warehouse import storable
from orderhub.warehouse.records import row_of
from orderhub.warehouse.storable import Refusal

logger = logging.getLogger(__name__)
#: How far in the future a source version may be (clock skew between systems).
DEFAULT_VERSION_TOLERANCE = timedelta(days=1)


_PY_TYPES: dict[str, tuple[type, ...]] = {
    "null": (type(None),),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float, Decimal),
    "string": (str,),
    "object": (dict,),
    "array": (list,),
}
#: A compiled check: None if the value fits, else (reversed path, declared types).
_Found = tuple[list[str | int], Any]
_Check = Callable[[Any], _Found | None]


class _TypeTest:
    """One ``type`` keyword as an isinstance test (bool is not a number, 2.0 is an integer)."""

    __slots__ = ("declared", "integral", "no_bool", "types")

    def __init__(self, declared: Any, names: list[str]) -> None:
        self.declared = declared
        self.types = tuple(t for name in names for t in _PY_TYPES[name])
        self.no_bool = "boolean" not in names
        self.integral = "integer" in names and "number" not in names

    def fits(self, value: Any) -> bool:
        if isinstance(value, self.types):
            return not (self.no_bool and value.__class__ is bool)
        # JSON Schema: 2.0 is an integer. Singer readers decode it as Decimal("2.0").
        return (
            self.integral
            and isinstance(value, Decimal)
            and value.is_finite()
            and value == value.to_integral_value()
        )


def json_path(steps: Sequence[str | int]) -> str:
    """``lineItems[0].quantity`` from path steps."""
    text = ""
    for step in steps:
        text = f"{text}[{step}]" if isinstance(step, int) else (f"{text}.{step}" if text else step)
    return text


def _type_test(node: dict[str, Any]) -> _TypeTest | None:
    declared = node.get("type")
    names = [declared] if isinstance(declared, str) else declared
    if not isinstance(names, list) or not names or not all(n in _PY_TYPES for n in names):
        return None  # no type, or one this check does not know: left alone
    return _TypeTest(declared, names)


def _compile(node: Any) -> tuple[_TypeTest | None, _Check | None]:
    """A schema node's own type test, and a checker of what is inside it.

    Only types are checked (the issue's "value whose type contradicts the SCHEMA"), by
    closures built once per stream: jsonschema's full validation costs milliseconds per
    record, this costs tens of microseconds. A property's own type is tested inline by
    its parent, so a leaf costs no function call.
    """
    if not isinstance(node, dict):
        return None, None
    plan = [
        (name, *_compile(child))
        for name, child in (node.get("properties") or {}).items()
        if isinstance(child, dict)
    ]
    plan = [step for step in plan if step[1] is not None or step[2] is not None]
    item_test, item_check = _compile(node.get("items"))
    branches = [_compile(b) for b in node.get("anyOf") or node.get("oneOf") or []]
    if not plan and item_test is None and item_check is None and not branches:
        return _type_test(node), None

    def inside(value: Any) -> _Found | None:
        if branches and all(_check_one(t, c, value) is not None for t, c in branches):
            return [], "anyOf"
        if plan and isinstance(value, dict):
            for name, test, check in plan:
                if name in value:
                    found = _check_one(test, check, value[name])
                    if found is not None:
                        found[0].append(name)
                        return found
        if isinstance(value, list) and (item_test is not None or item_check is not None):
            for index, item in enumerate(value):
                found = _check_one(item_test, item_check, item)
                if found is not None:
                    found[0].append(index)
                    return found
        return None

    return _type_test(node), inside


def _check_one(test: _TypeTest | None, check: _Check | None, value: Any) -> _Found | None:
    if test is not None and not test.fits(value):
        return [], test.declared
    return check(value) if check is not None else None


class SchemaCheck:
    """Checks records against the types their stream's SCHEMA message declares.

    singer-sdk's validator aborts the sync on the first invalid record; here a
    contradiction is the record's dead letter. Formats (``date-time`` ...) are not
    checked: the mapping reads times itself and names the field when it cannot.
    """

    def __init__(self, stream: str, schema: dict[str, Any]) -> None:
        self.stream = stream
        self.test: _TypeTest | None = None
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
        self.test, self.check = _compile(schema)

    def problem(self, record: dict[str, Any]) -> Refusal | None:
        """The record's first contradiction of the schema's types, if it has one."""
        found = _check_one(self.test, self.check, record)
        if found is None:
            return None
        steps, declared = found
        field = json_path(steps[::-1]) or "(record)"
        value: Any = record
        for step in steps[::-1]:
            value = value[step]
        got = safe_repr(value)
        return Refusal(
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

    def problem(self, version: datetime | None, field: str) -> Refusal | None:
        """Why ``version`` is implausible, or None."""
        if version is None or version <= self.latest:
            return None
        return Refusal(
            "implausible_version",
            field,
            f"{field} is {version.isoformat()}, more than {self.tolerance} in the future; "
            "stored, it would make every later genuine update look stale. Fix the source "
            "clock or value, then resend the record",
        )


def entity_problem(entities: Sequence[UnifiedEntity], horizon: VersionHorizon) -> Refusal | None:
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
