"""Run the field standards on a warehouse: GX checkpoint, Data Docs, failing lists.

:func:`run_standards` is what ``orderhub quality run`` and the Airflow quality task
call. It validates one query asset per (table, source system) through GX's SQL data
source on the warehouse itself (SQLite or PostgreSQL, never a dataframe copy), builds
the Data Docs site into the reports folder, lists every failing record with orderhub's
own SQL, and writes ``summary.json``. ``QualityRun.blocked`` says whether an
error-severity standard failed: publication of the run must stop.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from orderhub.exceptions import OrderhubError
from orderhub.reports import mask_pii
from orderhub.warehouse.engine import create_warehouse_engine, mask_url
from quality.standards.assets import sources_by_table, table_query
from quality.standards.catalog import STANDARDS, Severity, Standard
from quality.standards.failing import (
    FailingRecord,
    add_sqlite_regexp,
    failing_records,
    write_failing,
)

_BY_NAME = {standard.name: standard for standard in STANDARDS}
Progress = Callable[[str], None]


class EmptyWarehouseError(OrderhubError):
    """The warehouse has no unified rows to check."""


class UnknownSourceError(EmptyWarehouseError):
    """The run was limited to a source system the warehouse has no rows of (yet: an
    Airflow pipeline whose first sync loaded nothing is not a failure)."""


@dataclass(frozen=True)
class Outcome:
    """One standard on one source: passed or not, and how many rows GX counted."""

    standard: Standard
    source: str
    success: bool
    unexpected: int | None
    #: Why GX could not run the check (it then counts as failed), first line, masked.
    error: str | None = None


@dataclass
class SourceSummary:
    """What a steward reads first about one source."""

    errors: int = 0
    warnings: int = 0
    failing_records: int = 0


@dataclass
class QualityRun:
    """The result of one run of the standards."""

    outcomes: list[Outcome]
    failing: list[FailingRecord]
    reports_dir: Path
    docs_index: Path | None
    seconds: float
    files: list[Path] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        """True when an error-severity standard failed: the run must not be published."""
        return any(not o.success and o.standard.severity is Severity.ERROR for o in self.outcomes)

    def failed(self) -> list[Outcome]:
        """The failed (standard, source) outcomes, errors first."""
        failed = [o for o in self.outcomes if not o.success]
        return sorted(failed, key=lambda o: (o.standard.severity is not Severity.ERROR, o.source))

    def by_source(self) -> dict[str, SourceSummary]:
        """Failed standards (by severity) and failing records, per source system."""
        summary: dict[str, SourceSummary] = {}
        for outcome in self.outcomes:
            counts = summary.setdefault(outcome.source, SourceSummary())
            if not outcome.success:
                if outcome.standard.severity is Severity.ERROR:
                    counts.errors += 1
                else:
                    counts.warnings += 1
        for record in self.failing:
            summary.setdefault(record.source_system, SourceSummary()).failing_records += 1
        return dict(sorted(summary.items()))

    def as_json(self) -> dict[str, Any]:
        """The run as ``summary.json`` keeps it (no record values: those are in the lists)."""
        return {
            "blocked": self.blocked,
            "seconds": round(self.seconds, 3),
            "data_docs": str(self.docs_index) if self.docs_index else None,
            "sources": {name: vars(counts) for name, counts in self.by_source().items()},
            "results": [
                {
                    "standard": o.standard.name,
                    "table": o.standard.table,
                    "severity": o.standard.severity.value,
                    "source_system": o.source,
                    "success": o.success,
                    "unexpected": o.unexpected,
                    "error": o.error,
                }
                for o in self.outcomes
            ],
        }


def _add_datasource(context: Any, engine: Engine) -> Any:
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "sqlite":
        return context.data_sources.add_sqlite("warehouse", connection_string=url)
    if engine.dialect.name == "postgresql":
        return context.data_sources.add_postgres("warehouse", connection_string=url)
    raise OrderhubError(f"quality standards run on SQLite or PostgreSQL, not {engine.dialect.name}")


def _run_error(result: Any) -> str | None:
    """The first exception GX caught while running an expectation, if any."""
    info = result.exception_info or {}
    found = [info] if "raised_exception" in info else list(info.values())
    for item in found:
        if isinstance(item, dict) and item.get("raised_exception"):
            message = str(item.get("exception_message") or "error").strip().splitlines()
            return mask_pii(message[0] if message else "error")
    return None


def _unexpected(result: Any) -> int | None:
    details = result.result or {}
    count = details.get("unexpected_count", details.get("observed_value"))
    return count if isinstance(count, int) else None


def run_standards(
    warehouse_url: str,
    reports_dir: Path,
    *,
    source: str | None = None,
    docs: bool = True,
    progress: Progress | None = None,
) -> QualityRun:
    """Validate the warehouse against every standard; write the reports to ``reports_dir``.

    ``source`` limits the run to one source system (an Airflow pipeline checks its own).
    Raises :class:`EmptyWarehouseError` when there is nothing to check.
    """
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    engine = create_warehouse_engine(warehouse_url, must_exist=True)
    add_sqlite_regexp(engine)
    try:
        sources = sources_by_table(engine, source)
        if not any(sources.values()) and source is not None:
            known = sorted({name for names in sources_by_table(engine).values() for name in names})
            if known:
                raise UnknownSourceError(
                    f"the warehouse {mask_url(warehouse_url)} has no rows of source "
                    f"{source!r}; its sources are {', '.join(known)}: pass one of them to "
                    "--source (or leave --source out to check them all)"
                )
        if not any(sources.values()):
            which = f"of source {source!r} " if source else ""
            raise EmptyWarehouseError(
                f"the warehouse {mask_url(warehouse_url)} has no customers or orders {which}"
                "to check yet: run `orderhub sync PIPELINE` (or `orderhub demo`) first"
            )
        reports_dir.mkdir(parents=True, exist_ok=True)
        say("setting up Great Expectations")
        outcomes = _validate(engine, sources, reports_dir if docs else None, say)
        say("listing failing records")
        failing: list[FailingRecord] = []
        for outcome in outcomes:
            if not outcome.success and outcome.error is None:
                failing.extend(failing_records(engine, outcome.standard, outcome.source))
    finally:
        engine.dispose()
    docs_dir = reports_dir / "data_docs"
    docs_index = docs_dir / "index.html" if docs and (docs_dir / "index.html").exists() else None
    if docs_index is not None:
        say("making the Data Docs readable offline")
        from quality.report.offline import make_offline

        make_offline(docs_dir)
    run = QualityRun(outcomes, failing, reports_dir, docs_index, time.perf_counter() - started)
    summary_path = reports_dir / "summary.json"
    run.files = [*write_failing(failing, reports_dir), summary_path]
    run.seconds = time.perf_counter() - started
    summary_path.write_text(json.dumps(run.as_json(), indent=1), encoding="utf-8")
    return run


_UNSAFE_IN_NAME = re.compile(r"[^\w-]+")


def batch_name(table: str, source: str, taken: set[str]) -> str:
    """The GX asset/validation name of one (table, source): ``orders.shopify``.

    It names the validation page and is shown in Data Docs, which are masked as a whole:
    ``orders@shopify`` read as an email, so masking broke every link in the index and
    hid which source a page is about. Characters a file name or the masking could trip
    on become ``_``; ``taken`` keeps two sources that differ only there apart.
    """
    base = f"{table}.{_UNSAFE_IN_NAME.sub('_', source).strip('_') or 'source'}"
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}_{number}"
    taken.add(name)
    return name


def _validate(
    engine: Engine, sources: dict[str, list[str]], docs_root: Path | None, say: Progress
) -> list[Outcome]:
    import great_expectations as gx

    from quality.standards.suites import DOCS_SITE, add_suites, quiet_context

    context = quiet_context(docs_root / "data_docs" if docs_root else None)
    datasource = _add_datasource(context, engine)
    suites = add_suites(context)
    validations: dict[str, tuple[str, str]] = {}
    definitions = []
    taken: set[str] = set()
    for table, names in sources.items():
        for name in names:
            batch = batch_name(table, name, taken)
            asset = datasource.add_query_asset(
                batch, query=table_query(table, engine.dialect.name, name)
            )
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(
                    name=batch,
                    data=asset.add_batch_definition_whole_table("all rows"),
                    suite=suites[table],
                )
            )
            validations[str(definition.id)] = (table, name)
            definitions.append(definition)
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name="orderhub_quality",
            validation_definitions=definitions,
            # Counts only: no sample of failing values (PII) in results or Data Docs.
            result_format={"result_format": "BASIC", "partial_unexpected_count": 0},
        )
    )
    say(f"validating {len(definitions)} (table, source) batches")
    result = checkpoint.run()
    if docs_root is not None:
        # Once, after all validations: UpdateDataDocsAction rebuilds the whole site after
        # each of them (30 batches took 24 s of a 40 s run at 50k orders).
        say("building Data Docs")
        context.build_data_docs(site_names=[DOCS_SITE])
    outcomes: list[Outcome] = []
    for validation in result.run_results.values():
        _table, name = validations[str(validation.meta["validation_id"])]
        for expectation in validation.results:
            config = expectation.expectation_config
            assert config is not None  # GX sets it on every result of a suite
            standard = _BY_NAME[config.meta["standard"]]
            outcomes.append(
                Outcome(
                    standard,
                    name,
                    bool(expectation.success),
                    _unexpected(expectation),
                    _run_error(expectation),
                )
            )
    return sorted(outcomes, key=lambda o: (o.source, o.standard.table, o.standard.name))
