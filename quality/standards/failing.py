"""Failing-record lists for stewards, from orderhub's own SQL.

GX returns a truncated sample of a SQL validation's failing rows; a steward needs all of
them. For every standard that failed on a source, the standard's own condition
(:meth:`Check.condition`, the same rule GX ran) lists every record: table, source
system, source id, rule, field and value, the value masked with
:func:`orderhub.reports.mask_pii`. The source id is shown whole (a steward finds the
record by it) unless it is itself an email or a phone number.
"""

from __future__ import annotations

import csv
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text

from orderhub.reports import mask_identifier, mask_pii
from quality.standards.assets import table_query
from quality.standards.catalog import KEY_COLUMNS, Standard

FIELDS = (
    "table",
    "source_system",
    "source_id",
    "rule",
    "severity",
    "field",
    "value",
    "record_key",
)


@dataclass(frozen=True)
class FailingRecord:
    """One record breaking one standard; ``value`` is already masked."""

    table: str
    source_system: str
    source_id: str
    rule: str
    severity: str
    field: str
    value: str | None
    #: The row's warehouse key, never masked: it is orderhub's own UUID, not PII, and
    #: the one handle left when the source id is masked (Shopify's and SAP's numeric ids
    #: look like phone numbers to the masking, so a steward could not find the record).
    record_key: str


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _regexp(pattern: str, value: object) -> bool:
    return value is not None and _compiled(pattern).search(str(value)) is not None


def add_sqlite_regexp(engine: Engine) -> None:
    """Give SQLite connections of ``engine`` the REGEXP operator the conditions use."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _register(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.create_function("regexp", 2, _regexp, deterministic=True)


def failing_records(
    engine: Engine, standard: Standard, source: str | None = None
) -> list[FailingRecord]:
    """Every live record of ``source`` (or all sources) that breaks ``standard``."""
    dialect = engine.dialect.name
    columns = getattr(standard.check, "shown_columns", None) or (standard.field,)
    shown = ", ".join(f"b.{column} AS value_{n}" for n, column in enumerate(columns))
    query = (
        f"SELECT b.source_system, b.source_id, {shown}, "
        f"b.{KEY_COLUMNS[standard.table]} AS record_key "
        f"FROM ({table_query(standard.table, dialect, source)}) b "
        f"WHERE {standard.check.condition(dialect)} ORDER BY b.source_system, b.source_id"
    )
    with engine.connect() as connection:
        rows = connection.execute(text(query)).all()
    return [
        FailingRecord(
            table=standard.table,
            source_system=row.source_system,
            source_id=mask_identifier(str(row.source_id)),
            rule=standard.name,
            severity=standard.severity.value,
            field=", ".join(columns),
            value=_shown_value(columns, row._mapping),
            record_key=_key_text(row.record_key),
        )
        for row in rows
    ]


def _shown_value(columns: tuple[str, ...], row: Any) -> str | None:
    """The value (one column) or ``column=value; ...`` (a rule over several), masked."""
    values = [row[f"value_{n}"] for n in range(len(columns))]
    if len(columns) == 1:
        return None if values[0] is None else mask_pii(str(values[0]))
    return "; ".join(
        f"{column}={'' if value is None else mask_pii(str(value))}"
        for column, value in zip(columns, values, strict=True)
    )


def _key_text(key: object) -> str:
    """One spelling on both dialects (SQLite keeps 32 hex digits, PostgreSQL a uuid)."""
    try:
        return str(key if isinstance(key, uuid.UUID) else uuid.UUID(str(key)))
    except ValueError:
        return mask_pii(str(key))  # not orderhub's UUID: treat it as data


def write_failing(records: Iterable[FailingRecord], folder: Path) -> tuple[Path, Path]:
    """``failing_records.csv`` and ``.json`` in ``folder``; returns their paths."""
    rows = [asdict(record) for record in records]
    csv_path, json_path = folder / "failing_records.csv", folder / "failing_records.json"
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    json_path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return csv_path, json_path
