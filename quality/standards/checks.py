"""What a standard checks, as a GX expectation and as orderhub's own SQL condition.

A :class:`Check` gives both sides of one rule: :meth:`Check.expectation` for the suite
GX runs (counts per source, Data Docs) and :meth:`Check.condition` for the full list of
failing records (GX returns only a truncated sample of failing SQL rows). Conditions are
written over the table's asset query aliased ``b`` (see ``quality.standards.assets``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import great_expectations.expectations as gxe
from great_expectations.expectations.expectation import Expectation

from quality.standards.expectations import RowRule


def _quoted(values: Iterable[str]) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in sorted(values))


class Check(Protocol):
    """One rule: its GX expectation, its SQL condition and the value a steward sees."""

    @property
    def column(self) -> str:
        """The column a steward looks at."""
        ...

    def expectation(self, **common: Any) -> Expectation:
        """The GX expectation (``common``: severity, meta)."""
        ...

    def condition(self, dialect: str) -> str:
        """SQL condition over alias ``b`` that a failing row meets."""
        ...


@dataclass(frozen=True)
class InSet:
    """``column`` is null or one of ``values``; ``shown`` is what the steward sees."""

    column: str
    values: frozenset[str]
    shown: str | None = None

    def expectation(self, **common: Any) -> Expectation:
        return gxe.ExpectColumnValuesToBeInSet(
            column=self.column, value_set=sorted(self.values), **common
        )

    def condition(self, dialect: str) -> str:
        return f"b.{self.column} IS NOT NULL AND b.{self.column} NOT IN ({_quoted(self.values)})"


@dataclass(frozen=True)
class Matches:
    """``column`` is null or matches ``regex`` (a POSIX-compatible pattern)."""

    column: str
    regex: str

    def expectation(self, **common: Any) -> Expectation:
        return gxe.ExpectColumnValuesToMatchRegex(column=self.column, regex=self.regex, **common)

    def condition(self, dialect: str) -> str:
        pattern = self.regex.replace("'", "''")
        if dialect == "postgresql":
            return f"b.{self.column} IS NOT NULL AND b.{self.column} !~ '{pattern}'"
        # SQLite has no regexp of its own: quality.standards.failing registers one.
        return f"b.{self.column} IS NOT NULL AND NOT (b.{self.column} REGEXP '{pattern}')"


@dataclass(frozen=True)
class NotNull:
    """``column`` is set."""

    column: str

    def expectation(self, **common: Any) -> Expectation:
        return gxe.ExpectColumnValuesToNotBeNull(column=self.column, **common)

    def condition(self, dialect: str) -> str:
        return f"b.{self.column} IS NULL"


@dataclass(frozen=True)
class AtLeast:
    """``column`` (numeric; the asset casts money to NUMERIC) is null or >= ``minimum``."""

    column: str
    minimum: float = 0

    def expectation(self, **common: Any) -> Expectation:
        return gxe.ExpectColumnValuesToBeBetween(
            column=self.column, min_value=self.minimum, **common
        )

    def condition(self, dialect: str) -> str:
        return f"b.{self.column} IS NOT NULL AND b.{self.column} < {self.minimum}"


@dataclass(frozen=True)
class Unique:
    """The ``columns`` together identify one row (in the batch: one source)."""

    columns: tuple[str, ...]
    table: str
    column: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column", self.columns[-1])

    def expectation(self, **common: Any) -> Expectation:
        if len(self.columns) == 1:
            return gxe.ExpectColumnValuesToBeUnique(column=self.columns[0], **common)
        return gxe.ExpectCompoundColumnsToBeUnique(column_list=list(self.columns), **common)

    def condition(self, dialect: str) -> str:
        columns = ", ".join(self.columns)
        same = " AND ".join(f"d.{c} = b.{c}" for c in self.columns)
        return (
            f"(SELECT COUNT(*) FROM {self.table} d WHERE {same} "
            f"AND d.source_system = b.source_system) > 1 /* {columns} */"
        )


@dataclass(frozen=True)
class Rows:
    """A custom expectation (``quality.standards.expectations``) with its parameters."""

    rule: type[RowRule]
    column: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)

    def expectation(self, **common: Any) -> Expectation:
        return self.rule(**self.params, **common)

    def condition(self, dialect: str) -> str:
        return self.rule.condition_of(self.params)

    @property
    def shown_columns(self) -> tuple[str, ...]:
        """Every column the rule reads a verdict from: a steward must see the one at fault
        (a customer created in 2999 is not explained by its ``source_updated_at``)."""
        for key in ("timestamp_columns", "amount_columns"):
            if self.params.get(key):
                return tuple(self.params[key])
        return (self.column,)
