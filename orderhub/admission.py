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
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import jsonschema
from jsonschema.exceptions import SchemaError, best_match
from jsonschema.validators import extend, validator_for

from orderhub.model.entities import UnifiedEntity
from orderhub.warehouse import storable
from orderhub.warehouse.records import row_of
from orderhub.warehouse.storable import Unstorable

logger = logging.getLogger(__name__)
#: How far in the future a source version may be (clock skew between systems).
DEFAULT_VERSION_TOLERANCE = timedelta(days=1)


def _is_integer(checker: Any, value: Any) -> bool:
    # JSON Schema: 2.0 is an integer. Singer readers decode it as Decimal("2.0").
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value()


def _is_number(checker: Any, value: Any) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def json_path(steps: Sequence[str | int]) -> str:
    """``lineItems[0].quantity`` from path steps."""
    text = ""
    for step in steps:
        text = f"{text}[{step}]" if isinstance(step, int) else (f"{text}.{step}" if text else step)
    return text


class SchemaCheck:
    """Checks records against their stream's SCHEMA message, never raising.

    singer-sdk's validator aborts the sync on the first invalid record; here a
    contradiction is the record's dead letter. Formats (``date-time`` ...) are not
    checked: the mapping reads times itself and names the field when it cannot.
    """

    def __init__(self, stream: str, schema: dict[str, Any]) -> None:
        self.stream = stream
        base = validator_for(schema, default=jsonschema.Draft7Validator)
        try:
            base.check_schema(schema)
        except SchemaError as exc:
            logger.warning(
                "The SCHEMA of stream %s is not a valid JSON Schema (%s); its records are "
                "not checked against it. Fix the tap's schema.",
                stream,
                exc.message,
            )
            self.validator = None
            return
        checker = base.TYPE_CHECKER.redefine_many({"integer": _is_integer, "number": _is_number})
        self.validator = extend(base, type_checker=checker)(schema)

    def problem(self, record: dict[str, Any]) -> Unstorable | None:
        """The record's most relevant contradiction of the schema, if it has one."""
        validator = self.validator
        if validator is None or validator.is_valid(record):
            return None
        error = best_match(validator.iter_errors(record))
        if error is None:
            return None
        field = json_path(list(error.absolute_path)) or "(record)"
        got = repr(error.instance)
        got = got if len(got) <= 80 else got[:77] + "..."
        rule = "schema_type" if error.validator == "type" else f"schema_{error.validator}"
        return Unstorable(
            rule,
            field,
            f"{field} is {got}, but the SCHEMA of stream {self.stream} declares "
            f"{error.validator} {error.validator_value!r}; fix the value at the source or "
            "the tap's schema",
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
