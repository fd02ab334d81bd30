"""Code tables: how a source's status codes map to canonical statuses.

Two forms, both in ``mappings/<source>/code_tables.yml``::

    tracking_status:            # one input, exact codes
      target: tracking_status
      codes: {IN_TRANSIT: in_transit, DELIVERED: delivered}

    order_status:               # several inputs, first matching row wins
      target: order_status
      inputs: [cancelledAt, displayFinancialStatus, displayFulfillmentStatus]
      rows:
        - [set, REFUNDED, "*", refunded]

In ``rows`` a cell ``"*"`` matches anything, ``set`` any non-null value, ``null`` only
null, and any other text that exact code; a list of those (``[A, B, null]``) matches any
of them, so a table can enumerate a source's code domain without a row per code. A code
no row matches is a record error (``unknown_code``): an unmapped status must be seen,
never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

from orderhub.exceptions import MappingSpecError, RecordError
from orderhub.mapping.yaml_lines import LineDict, LineList, load_yaml
from orderhub.model.status import OrderStatus, TrackingStatus

TARGETS: dict[str, type[StrEnum] | None] = {
    "order_status": OrderStatus,
    "tracking_status": TrackingStatus,
    "text": None,
}
ANY, SET, NULL = "*", "set", "null"


Pattern = str | tuple[str, ...]


def _cell_matches(pattern: Pattern, value: Any) -> bool:
    if isinstance(pattern, tuple):
        return any(_cell_matches(p, value) for p in pattern)
    if pattern == ANY:
        return True
    if pattern == SET:
        return value is not None and value != ""
    if pattern == NULL:
        return value is None or value == ""
    return value is not None and str(value) == pattern


@dataclass(frozen=True)
class CodeTable:
    """One code table, validated; call :meth:`lookup` per value."""

    name: str
    target: str
    inputs: tuple[str, ...]
    rows: tuple[tuple[tuple[Pattern, ...], str], ...]
    file: str
    _memo: dict[tuple[Any, ...], str] = field(default_factory=dict, compare=False, repr=False)

    def _memo_key(self, cells: tuple[Any, ...]) -> tuple[Any, ...]:
        """Cells reduced to what the patterns can tell apart, so the memo stays small.

        A column whose patterns are only ``*``/``set``/``null`` (a timestamp such as
        cancelledAt) matters only by presence, not by value.
        """
        return tuple(
            (cell is not None and cell != "") if presence_only else cell
            for cell, presence_only in zip(cells, self._presence_only, strict=True)
        )

    @cached_property
    def _presence_only(self) -> tuple[bool, ...]:
        return tuple(
            all(patterns[i] in (ANY, SET, NULL) for patterns, _ in self.rows)
            for i in range(len(self.inputs))
        )

    def lookup(self, value: Any) -> str:
        """The canonical code for a source value (a tuple when the table has inputs)."""
        cells = tuple(value) if isinstance(value, (list, tuple)) else (value,)
        if len(cells) != len(self.inputs):
            raise RecordError(
                f"code table {self.name} takes {len(self.inputs)} inputs, got {len(cells)}",
                rule="unknown_code",
            )
        try:
            key = self._memo_key(cells)
            return self._memo[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable cell: match without the memo
            key = None
        for patterns, result in self.rows:
            if all(_cell_matches(p, v) for p, v in zip(patterns, cells, strict=True)):
                if key is not None and len(self._memo) < 4096:
                    self._memo[key] = result
                return result
        shown = "/".join("null" if c is None else str(c) for c in cells)
        raise RecordError(
            f"code {shown!r} is not in code table {self.name} ({self.file})",
            rule="unknown_code",
        )

    def exact_codes(self) -> list[str]:
        """The source codes this table lists (for coverage checks and docs)."""
        return [
            "/".join(p if isinstance(p, str) else "|".join(p) for p in patterns)
            for patterns, _ in self.rows
        ]


def _parse_table(name: str, body: Any, path: Path) -> CodeTable:
    file = str(path)
    line = getattr(body, "line", None)
    if not isinstance(body, LineDict):
        raise MappingSpecError(f"code table {name!r} must be a mapping", file=file, line=line)
    unknown = set(body) - {"target", "inputs", "codes", "rows", "description"}
    if unknown:
        key = sorted(unknown)[0]
        raise MappingSpecError(
            f"code table {name!r}: unknown key {key!r}", file=file, line=body.key_lines[key]
        )
    target = body.get("target", "text")
    if target not in TARGETS:
        raise MappingSpecError(
            f"code table {name!r}: target must be one of {sorted(TARGETS)}",
            file=file,
            line=body.key_lines.get("target", line),
        )
    allowed = TARGETS[target]
    if ("codes" in body) == ("rows" in body):
        raise MappingSpecError(
            f"code table {name!r} needs exactly one of 'codes' or 'rows'", file=file, line=line
        )

    def check_result(result: Any, at: int | None) -> str:
        if allowed is not None and result not in {m.value for m in allowed}:
            raise MappingSpecError(
                f"code table {name!r}: {result!r} is not a canonical {target}"
                f" (one of {', '.join(m.value for m in allowed)})",
                file=file,
                line=at,
            )
        return str(result)

    rows: list[tuple[tuple[Pattern, ...], str]] = []
    if "codes" in body:
        codes = body["codes"]
        if not isinstance(codes, LineDict):
            raise MappingSpecError(f"{name}.codes must be a mapping", file=file, line=line)
        inputs: tuple[str, ...] = ("code",)
        for code, result in codes.items():
            rows.append(((str(code),), check_result(result, codes.key_lines.get(str(code)))))
    else:
        raw_inputs = body.get("inputs")
        if not isinstance(raw_inputs, LineList) or not raw_inputs:
            raise MappingSpecError(
                f"code table {name!r}: rows need a non-empty 'inputs' list", file=file, line=line
            )
        inputs = tuple(str(i) for i in raw_inputs)
        table_rows = body["rows"]
        if not isinstance(table_rows, LineList):
            raise MappingSpecError(f"{name}.rows must be a list", file=file, line=line)
        for row, at in zip(table_rows, table_rows.item_lines, strict=True):
            if not isinstance(row, Sequence) or len(row) != len(inputs) + 1:
                raise MappingSpecError(
                    f"code table {name!r}: a row needs {len(inputs)} patterns and a result",
                    file=file,
                    line=at,
                )
            patterns = tuple(_pattern(cell) for cell in row[:-1])
            rows.append((patterns, check_result(row[-1], at)))
    return CodeTable(name, target, inputs, tuple(rows), file)


def _pattern(cell: Any) -> Pattern:
    """A row cell: a code (``None`` is ``null``), or a list of codes matching any of them."""
    if isinstance(cell, list):
        return tuple(NULL if c is None else str(c) for c in cell)
    return NULL if cell is None else str(cell)


def load_code_tables(path: Path) -> dict[str, CodeTable]:
    """Every code table in one ``code_tables.yml``."""
    document = load_yaml(path)
    if document is None:
        return {}
    if not isinstance(document, LineDict):
        raise MappingSpecError("a code table file must be a mapping of tables", file=str(path))
    return {name: _parse_table(name, body, path) for name, body in document.items()}
