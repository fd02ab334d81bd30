"""What each pipeline's DAGs are, read from orderhub.yml without importing Airflow.

A plan is plain data, so building DAGs at parse time does no database, network or
heavy import: the mapping specs are read as YAML only to learn which unified tables a
stream writes (the tables a sync's Assets and lineage name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from orderhub.exceptions import ConfigurationError
from orderhub.runner.settings import PipelineSettings, Settings
from orderhub.runner.window import parse_window_size

#: Unified table each mapped entity kind lands in (orderhub.warehouse.schema agrees; a
#: test keeps them equal without this module importing the warehouse at parse time).
ENTITY_TABLES = {
    "customer": "customers",
    "order": "orders",
    "order_line": "order_lines",
    "payment": "payments",
    "shipment": "shipments",
    "tracking_event": "tracking_events",
}
#: Tables an order stream writes beside its entities: the canonical status history.
ORDER_HISTORY_TABLE = "order_status_history"
#: Pool slots a source gets unless orderhub.yml's ``pools`` says otherwise: one sync
#: at a time per source respects any rate limit.
DEFAULT_POOL_SLOTS = 1
#: Longest pipeline name: its backfill windows run as ``<name>@<42-character window>``
#: under the warehouse's 128-character limit.
MAX_NAME = 128 - len("@") - len("2024-01-01T00:00:00Z..2024-01-02T00:00:00Z")
SCHEDULE_PRESETS = frozenset(
    {"@once", "@continuous", "@hourly", "@daily", "@weekly", "@monthly", "@quarterly", "@yearly"}
)


@dataclass(frozen=True)
class PipelinePlan:
    """Everything the factory needs to build one pipeline's DAGs."""

    pipeline: str
    source: str
    schedule: str | None
    streams: tuple[str, ...]
    #: Unified tables the pipeline's streams write, sorted.
    tables: tuple[str, ...]
    pool: str
    retries: int
    retry_delay: timedelta
    max_retry_delay: timedelta
    backfill_window: timedelta
    max_parallel_windows: int
    lock_wait: float
    timeout: timedelta | None
    connection: str | None
    mappings_dir: Path

    @property
    def dag_id(self) -> str:
        return f"orderhub_{self.pipeline}"

    @property
    def backfill_dag_id(self) -> str:
        return f"orderhub_{self.pipeline}_backfill"


def window_size(text: str, where: str) -> timedelta:
    """A window size of orderhub.yml (``30m``, ``6h``, ``1d``, ``2w``); errors name ``where``."""
    try:
        return parse_window_size(text)
    except ConfigurationError as error:
        raise ConfigurationError(f"{where}: {error}") from None


def pool_name(source: str) -> str:
    """The Airflow pool every sync of ``source`` shares."""
    return f"orderhub_{source}"


def plan_pipelines(settings: Settings) -> list[PipelinePlan]:
    """One plan per pipeline, in name order. Raises ConfigurationError naming the
    pipeline and key of the first thing wrong."""
    mappings = Path(settings.mappings_dir) if settings.mappings_dir else _default_mappings()
    unknown_pools = sorted(set(settings.pools) - {p.source for p in settings.pipelines.values()})
    if unknown_pools:
        raise ConfigurationError(
            f"{_where(settings)}: pools: no pipeline reads source(s) "
            f"{', '.join(unknown_pools)} (pools are named by source)"
        )
    for source, slots in settings.pools.items():
        if slots < 1:
            raise ConfigurationError(f"{_where(settings)}: pools.{source}: must be 1 or more")
    plans = [
        _plan(name, pipeline, mappings, settings)
        for name, pipeline in sorted(settings.pipelines.items())
    ]
    _check_unique_dag_ids(plans, _where(settings))
    return plans


def _check_unique_dag_ids(plans: list[PipelinePlan], where: str) -> None:
    """Pipelines ``x`` and ``x_backfill`` would both claim ``orderhub_x_backfill``."""
    owners: dict[str, str] = {}
    for plan in plans:
        for dag_id in (plan.dag_id, plan.backfill_dag_id):
            if dag_id in owners:
                raise ConfigurationError(
                    f"{where}: pipelines.{plan.pipeline} and pipelines.{owners[dag_id]} both "
                    f"make the DAG {dag_id}: rename one of them"
                )
            owners[dag_id] = plan.pipeline


def _check_schedule(schedule: str | None, where: str) -> str | None:
    """The schedule, trimmed, if Airflow takes it: a preset (@hourly ...) or a cron
    expression, checked with croniter as Airflow checks it (when it is installed, as
    with the airflow extra; Airflow checks again when it builds the DAG)."""
    if schedule is None:
        return None
    text = schedule.strip()
    if text.startswith("@"):
        if text not in SCHEDULE_PRESETS:
            raise ConfigurationError(
                f"{where}: {schedule!r} is not a preset Airflow knows "
                f"({', '.join(sorted(SCHEDULE_PRESETS))}); or write a cron expression"
            )
        return text
    problem = _cron_problem(text)
    if problem:
        raise ConfigurationError(
            f"{where}: {schedule!r} is neither a preset (@hourly, @daily, ...) nor a cron "
            f"expression Airflow takes ({problem}); e.g. '15 * * * *' (minute hour day "
            "month weekday)"
        )
    return text


def _cron_problem(text: str) -> str | None:
    try:
        from croniter import croniter
    except ImportError:  # no airflow extra: count the fields, Airflow checks the rest
        return None if len(text.split()) in (5, 6, 7) else "it needs 5 fields"
    try:
        croniter(text)
    except (ValueError, KeyError) as error:  # croniter's errors are ValueErrors
        return str(error)
    return None


def pools(settings: Settings) -> dict[str, dict[str, Any]]:
    """The pools the plans use, in the form ``airflow pools import FILE`` reads."""
    sources = sorted({p.source for p in settings.pipelines.values()})
    return {
        pool_name(source): {
            "slots": settings.pools.get(source, DEFAULT_POOL_SLOTS),
            "description": f"orderhub syncs of {source} (its rate limit)",
            "include_deferred": False,
        }
        for source in sources
    }


def _plan(
    name: str, pipeline: PipelineSettings, mappings: Path, settings: Settings
) -> PipelinePlan:
    settings.check_resolved(name)
    where = f"{_where(settings)}: pipelines.{name}"
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or len(name) > MAX_NAME:
        raise ConfigurationError(
            f"{where}: a pipeline name used as a DAG id may hold only letters, digits, "
            f"'_', '.' and '-', at most {MAX_NAME} of them (a backfill window runs as "
            "<pipeline>@<start>..<end>, which the warehouse keeps in 128 characters)"
        )
    schedule = _check_schedule(pipeline.schedule, f"{where}.schedule")
    airflow = pipeline.airflow
    if airflow.max_retry_delay < airflow.retry_delay:
        raise ConfigurationError(
            f"{where}.airflow.max_retry_delay: {airflow.max_retry_delay:g}s is less than "
            f"retry_delay {airflow.retry_delay:g}s"
        )
    mapped = _stream_tables(mappings / pipeline.source)
    if not mapped:
        sources = (
            sorted(p.name for p in mappings.iterdir() if p.is_dir()) if mappings.is_dir() else []
        )
        raise ConfigurationError(
            f"{where}.source: no mapping specs for source {pipeline.source!r} in {mappings} "
            f"(sources with specs: {', '.join(sources) or 'none'})"
        )
    streams = tuple(pipeline.streams) or tuple(sorted(mapped))
    unmapped = [s for s in streams if s not in mapped]
    if unmapped:
        raise ConfigurationError(
            f"{where}.streams: no mapping spec for {', '.join(unmapped)} "
            f"(mapped streams of {pipeline.source}: {', '.join(sorted(mapped))})"
        )
    tables = sorted({table for stream in streams for table in mapped[stream]})
    return PipelinePlan(
        pipeline=name,
        source=pipeline.source,
        schedule=schedule,
        streams=streams,
        tables=tuple(tables),
        pool=pool_name(pipeline.source),
        retries=airflow.retries,
        retry_delay=timedelta(seconds=airflow.retry_delay),
        max_retry_delay=timedelta(seconds=airflow.max_retry_delay),
        backfill_window=window_size(airflow.backfill_window, f"{where}.airflow.backfill_window"),
        max_parallel_windows=airflow.max_parallel_windows,
        lock_wait=airflow.lock_wait,
        timeout=timedelta(minutes=airflow.timeout_minutes) if airflow.timeout_minutes else None,
        connection=pipeline.connection,
        mappings_dir=mappings,
    )


def stream_tables(plan: PipelinePlan) -> dict[str, tuple[str, ...]]:
    """The unified tables each of the plan's streams writes."""
    mapped = _stream_tables(plan.mappings_dir / plan.source)
    return {stream: mapped.get(stream, ()) for stream in plan.streams}


def _where(settings: Settings) -> str:
    return str(settings.path or "orderhub.yml")


def _default_mappings() -> Path:
    return Path(__file__).resolve().parents[2] / "mappings"


@cache
def _stream_tables(folder: Path) -> dict[str, tuple[str, ...]]:
    """Each mapped stream of a source and the unified tables its spec writes."""
    found: dict[str, tuple[str, ...]] = {}
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else []:
        if path.name == "code_tables.yml":
            continue
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            stream = str(document["stream"])
            kinds = [entity["entity"] for entity in document["entities"]]
        except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
            raise ConfigurationError(
                f"{path}: not a mapping spec ({exc}); check it with `orderhub mappings check`"
            ) from None
        tables = {ENTITY_TABLES[k] for k in kinds if k in ENTITY_TABLES}
        if "order" in kinds:
            tables.add(ORDER_HISTORY_TABLE)
        found[stream] = tuple(sorted(tables))
    return found
