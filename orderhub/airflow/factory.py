"""Builds the DAGs of every pipeline in orderhub.yml.

Per pipeline two DAGs: ``orderhub_<pipeline>`` on the pipeline's schedule (sync, then
the stages installed packages add, then report) and ``orderhub_<pipeline>_backfill``,
triggered with a date range that it splits into windows synced in parallel. Parsing
reads orderhub.yml and the mapping specs' YAML only: no database, network or tap.

Later stages (quality, dedupe) join without changing this file: a package lists them
under the ``orderhub.airflow_stages`` entry point group (see :class:`Stage`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from airflow.sdk import DAG, Asset, BaseOperator, Param
from airflow.sdk.exceptions import AirflowTimetableInvalid

from orderhub.airflow.lineage import Warehouse
from orderhub.airflow.operators import (
    OrderhubReportOperator,
    OrderhubSyncOperator,
    OrderhubWindowsOperator,
)
from orderhub.airflow.plan import PipelinePlan, plan_pipelines, stream_tables
from orderhub.exceptions import ConfigurationError
from orderhub.runner.settings import find_config, load_settings

STAGE_GROUP = "orderhub.airflow_stages"
START = datetime(2024, 1, 1)  # a fixed past start: never backfilled (catchup is off)


@dataclass(frozen=True)
class Stage:
    """A task between sync and report: ``build(plan, config_path)`` returns its operator.

    ``order`` places it (dedupe 10, quality 20); it runs after the stages before it.
    """

    name: str
    order: int
    build: Callable[[PipelinePlan, str], BaseOperator]


def installed_stages() -> list[Stage]:
    """The stages packages declare under :data:`STAGE_GROUP`, in order."""
    stages = [entry.load() for entry in entry_points(group=STAGE_GROUP)]
    return sorted(stages, key=lambda stage: (stage.order, stage.name))


def build_dags(near: str | Path | None = None, config: str | Path | None = None) -> dict[str, DAG]:
    """Every pipeline's DAGs by DAG id, from ``config`` or the orderhub.yml found from
    ``$ORDERHUB_CONFIG`` or by walking up from ``near`` (a DAG file's path)."""
    start = Path(near).resolve().parent if near else None
    path = find_config(Path(config) if config else None, cwd=start)
    settings = load_settings(path)
    stages = installed_stages()
    dags: dict[str, DAG] = {}
    for plan in plan_pipelines(settings):
        dag = pipeline_dag(plan, str(path), stages)
        _check_timetable(dag, f"{path}: pipelines.{plan.pipeline}.schedule")
        dags[plan.dag_id] = dag
        dags[plan.backfill_dag_id] = backfill_dag(plan, str(path))
    return dags


def _check_timetable(dag: DAG, where: str) -> None:
    """Airflow's own check of a schedule, as the DAG processor runs it, but naming the
    pipeline and key (the processor would report a bare cron error for the whole file)."""
    try:
        dag.timetable.validate()
    except AirflowTimetableInvalid as error:
        raise ConfigurationError(f"{where}: Airflow refuses it: {error}") from None


def unified_table_asset(table: str, warehouse_url: str) -> Asset:
    """The Asset a sync emits for a unified table: schedule a downstream DAG on it."""
    return Asset(uri=Warehouse.from_url(warehouse_url).table_uri(table))


def _task_defaults(plan: PipelinePlan) -> dict[str, Any]:
    return {
        "retries": plan.retries,
        "retry_delay": plan.retry_delay,
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": plan.max_retry_delay,
        "execution_timeout": plan.timeout,
    }


def _sync_kwargs(plan: PipelinePlan, config_path: str) -> dict[str, Any]:
    return {
        "pipeline": plan.pipeline,
        "source": plan.source,
        "config_path": config_path,
        "streams": plan.streams,
        "tables": plan.tables,
        "stream_tables": stream_tables(plan),
        "connection": plan.connection,
        "lock_wait": plan.lock_wait,
        "pool": plan.pool,
    }


def _report(plan: PipelinePlan, config_path: str, sync_task: str) -> OrderhubReportOperator:
    # Not retried: it only reads what the sync committed.
    return OrderhubReportOperator(
        task_id="report",
        pipeline=plan.pipeline,
        source=plan.source,
        config_path=config_path,
        sync_task=sync_task,
        retries=0,
    )


def pipeline_dag(plan: PipelinePlan, config_path: str, stages: list[Stage]) -> DAG:
    """The scheduled DAG: sync -> stages -> report."""
    with DAG(
        dag_id=plan.dag_id,
        schedule=plan.schedule,
        start_date=START,
        catchup=False,
        max_active_runs=1,
        default_args=_task_defaults(plan),
        tags=["orderhub", plan.source],
        doc_md=f"Syncs pipeline `{plan.pipeline}` ({plan.source}) into the warehouse: "
        f"{', '.join(plan.tables)}.",
    ) as dag:
        sync = OrderhubSyncOperator(task_id="sync", **_sync_kwargs(plan, config_path))
        previous: BaseOperator = sync
        for stage in stages:
            task = stage.build(plan, config_path)
            previous >> task
            previous = task
        previous >> _report(plan, config_path, sync_task="sync")
    return dag


def backfill_dag(plan: PipelinePlan, config_path: str) -> DAG:
    """The backfill DAG: ``start``..``end`` split into windows, each synced as a mapped
    task (up to ``max_parallel_windows`` at once) under its own bookmark, so the
    pipeline's incremental bookmark never moves."""
    with DAG(
        dag_id=plan.backfill_dag_id,
        schedule=None,
        start_date=START,
        catchup=False,
        default_args=_task_defaults(plan),
        tags=["orderhub", plan.source, "backfill"],
        params={
            # A date or a date-time (naive is UTC): plan_windows checks it, naming the param.
            "start": Param(type="string", description="from (2024-01-01 or an ISO date-time)"),
            "end": Param(type="string", description="until, exclusive (2024-02-01 or ...)"),
            "window": Param(
                None,
                type=["null", "string"],
                description="e.g. 6h; default the pipeline's backfill_window",
            ),
        },
        doc_md=f"Backfills pipeline `{plan.pipeline}` over a date range in windows.",
    ) as dag:
        windows = OrderhubWindowsOperator(
            task_id="plan_windows", window_size=plan.backfill_window, retries=0
        )
        sync = OrderhubSyncOperator.partial(
            task_id="sync_window",
            max_active_tis_per_dagrun=plan.max_parallel_windows,
            **_sync_kwargs(plan, config_path),
        ).expand(window=windows.output)
        sync >> _report(plan, config_path, sync_task="sync_window")
    return dag
