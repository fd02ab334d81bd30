"""The tasks of a pipeline's DAGs: sync (whole or one backfill window), windows, report.

Each runs orderhub's own code, which starts the tap and target-orderhub as processes
exactly as ``orderhub sync`` does (they never import Airflow). State lives in the
warehouse: a retried sync resumes from the bookmark its last try committed, and XCom
carries only the small summary of counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.sdk import AssetAlias, BaseOperator
from airflow.sdk.exceptions import AirflowFailException

from orderhub.airflow.lineage import Warehouse, source_stream
from orderhub.airflow.summary import summary_lines, sync_summary
from orderhub.exceptions import ConfigurationError, SyncCancelled, SyncError
from orderhub.runner.settings import Settings, load_settings

if TYPE_CHECKING:
    from airflow.providers.openlineage.extractors import OperatorLineage
    from airflow.sdk import Context


def pipeline_settings(
    config_path: str, pipeline: str, source: str, connection: str | None
) -> Settings:
    """orderhub.yml with Airflow's Variables behind ``${var:...}`` and the pipeline's
    connection laid over its config."""
    from airflow.sdk import Variable

    settings = load_settings(Path(config_path)).with_variables(
        lambda name: Variable.get(name, default=None)
    )
    if connection:
        from orderhub.airflow.hooks import hook_for

        settings = settings.with_config_overlay(
            pipeline, hook_for(source, connection).tap_settings()
        )
    return settings


def asset_alias(pipeline: str) -> AssetAlias:
    """The alias a pipeline's sync tasks emit their written tables' Assets through."""
    return AssetAlias(name=f"orderhub_{pipeline}_tables")


class OrderhubSyncOperator(BaseOperator):
    """Syncs one pipeline (or one backfill window of it) into the warehouse.

    On success it emits an Asset event for each unified table its streams wrote (through
    :func:`asset_alias`, so a sync that wrote nothing wakes no downstream DAG), logs the
    counts and CDC lag per stream, and returns them as its XCom. A configuration error
    fails the task without retries: retrying cannot fix it.
    """

    template_fields: Sequence[str] = ("window",)
    ui_color = "#d9ecff"

    def __init__(
        self,
        *,
        pipeline: str,
        source: str,
        config_path: str,
        streams: Sequence[str],
        tables: Sequence[str],
        stream_tables: dict[str, Sequence[str]],
        connection: str | None = None,
        lock_wait: float = 600.0,
        window: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("outlets", [asset_alias(pipeline)])
        super().__init__(**kwargs)
        self.pipeline = pipeline
        self.source = source
        self.config_path = config_path
        self.streams = list(streams)
        self.tables = list(tables)
        self.stream_tables = {k: list(v) for k, v in stream_tables.items()}
        self.connection = connection
        self.lock_wait = lock_wait
        self.window = window

    def execute(self, context: Context) -> dict[str, Any]:
        from orderhub.reports import committed_state
        from orderhub.runner.sync import SyncRunner

        try:
            settings = pipeline_settings(
                self.config_path, self.pipeline, self.source, self.connection
            )
            runner = SyncRunner(settings)
            result = runner.run(self.pipeline, wait_seconds=self.lock_wait, **self._window())
        except ConfigurationError as error:  # retrying cannot fix a setting
            raise AirflowFailException(f"pipeline {self.pipeline}: {error}") from None
        except SyncCancelled:
            raise  # Airflow stopped the task: the run row says where it got to
        except SyncError as error:
            raise SyncError(f"{error}\n{self._where_settings_live()}") from None
        state = committed_state(runner.engine, result.name)
        summary = sync_summary(result, state)
        for line in summary_lines(summary):
            self.log.info("%s", line)
        if result.status != "succeeded":
            self.log.warning("%s ended %s: %s", result.pipeline, result.status, result.message)
        self._emit_assets(context, settings.warehouse, summary)
        return summary

    def _where_settings_live(self) -> str:
        # The runner's advice speaks of orderhub.yml and `orderhub sync`; under Airflow
        # the settings may come from a connection, and the task retries by itself.
        source = f"{self.config_path}" + (
            f" and Airflow connection {self.connection}" if self.connection else ""
        )
        return (
            f"(Under Airflow: pipeline {self.pipeline}'s settings come from {source}; "
            "the task retries as its retries allow, or clear it to run it again.)"
        )

    def _window(self) -> dict[str, Any]:
        if not self.window:
            return {}
        from orderhub.runner.window import Window

        start, end = self.window["start"], self.window["end"]
        return {"window": Window(_moment(start, "start"), _moment(end, "end"))}

    def _emit_assets(self, context: Context, warehouse_url: str, summary: dict[str, Any]) -> None:
        from airflow.sdk import Asset

        warehouse = Warehouse.from_url(warehouse_url)
        written = sorted(
            {
                table
                for stream, counts in summary["streams"].items()
                if counts["upserted"]
                for table in self.stream_tables.get(stream, ())
            }
        )
        events = context["outlet_events"][asset_alias(self.pipeline)]
        for table in written:
            events.add(Asset(uri=warehouse.table_uri(table)), extra={"run_id": summary["run_id"]})
        self.log.info("tables written: %s", ", ".join(written) or "none")

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> OperatorLineage:
        """Inputs: the source streams; outputs: the unified tables (OpenLineage provider)."""
        from airflow.providers.openlineage.extractors import OperatorLineage
        from openlineage.client.event_v2 import Dataset

        warehouse = Warehouse.from_url(load_settings(Path(self.config_path)).warehouse)
        inputs = [source_stream(self.source, self.pipeline, s) for s in self.streams]
        outputs = [warehouse.table(t) for t in self.tables]
        return OperatorLineage(
            inputs=[Dataset(namespace=d.namespace, name=d.name) for d in inputs],
            outputs=[Dataset(namespace=d.namespace, name=d.name) for d in outputs],
        )


class OrderhubWindowsOperator(BaseOperator):
    """Splits the backfill's ``start``..``end`` params into windows (its XCom is the list
    the sync task maps over)."""

    def __init__(self, *, window_size: timedelta, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.window_size = window_size

    def execute(self, context: Context) -> list[dict[str, str]]:
        from orderhub.runner.window import split_windows

        params = context["params"]
        try:
            start, end = _moment(params["start"], "start"), _moment(params["end"], "end")
            size = self.window_size
            if params.get("window"):
                from orderhub.airflow.plan import window_size

                size = window_size(str(params["window"]), "params.window")
            windows = split_windows(start, end, size)
        except ConfigurationError as error:
            raise AirflowFailException(f"backfill params: {error}") from None
        limit = _max_map_length()
        if len(windows) > limit:
            raise AirflowFailException(
                f"backfill params: {len(windows):,} windows "
                f"of {_duration(size)} from {start.isoformat()} to {end.isoformat()}: "
                f"Airflow maps at most {limit:,} (core.max_map_length); give a larger "
                "window, a shorter range, or raise that setting"
            )
        span = f"of {_duration(size)} from {start.isoformat()} to {end.isoformat()}"
        self.log.info("%d window(s) %s", len(windows), span)
        return [{"start": w.start.isoformat(), "end": w.end.isoformat()} for w in windows]


class OrderhubReportOperator(BaseOperator):
    """Reports a pipeline's run: its sync summaries and the warehouse's open dead letters
    for the source, in the task log and as its XCom."""

    def __init__(
        self, *, pipeline: str, source: str, config_path: str, sync_task: str, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.pipeline = pipeline
        self.source = source
        self.config_path = config_path
        self.sync_task = sync_task

    def execute(self, context: Context) -> dict[str, Any]:
        from orderhub import reports
        from orderhub.warehouse.engine import create_warehouse_engine

        pulled = context["ti"].xcom_pull(task_ids=self.sync_task)
        summaries = _as_list(pulled)
        engine = create_warehouse_engine(load_settings(Path(self.config_path)).warehouse)
        try:
            open_letters = reports.summary(engine, self.source).open_dead_letters
        finally:
            engine.dispose()
        totals: dict[str, int] = {}
        for summary in summaries:
            for key, value in summary["totals"].items():
                totals[key] = totals.get(key, 0) + value
        report: dict[str, Any] = {
            "pipeline": self.pipeline,
            "runs": [s["run_id"] for s in summaries],
            "statuses": sorted({s["status"] for s in summaries}),
            "totals": totals,
            "open_dead_letters": open_letters,
        }
        self.log.info(
            "%s: %d run(s) %s; %s; open dead letters of %s: %d",
            self.pipeline,
            len(summaries),
            "/".join(report["statuses"]) or "none",
            ", ".join(f"{k}={v}" for k, v in totals.items()),
            self.source,
            open_letters,
        )
        if open_letters:
            self.log.warning("see them with `orderhub deadletters list --source %s`", self.source)
        return report


def _duration(size: timedelta) -> str:
    """A window size as orderhub.yml writes it: 1d, 6h, 30m, 90s."""
    seconds = int(size.total_seconds())
    for unit, length in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % length == 0:
            return f"{seconds // length}{unit}"
    return f"{seconds}s"


def _max_map_length() -> int:
    """How many tasks Airflow maps from one list ([core] max_map_length)."""
    from airflow.sdk.configuration import conf

    return conf.getint("core", "max_map_length", fallback=1024)


def _as_list(pulled: Any) -> list[dict[str, Any]]:
    if pulled is None:
        return []
    if isinstance(pulled, dict):
        return [pulled]
    return [item for item in pulled if isinstance(item, dict)]


def _moment(value: Any, name: str) -> datetime:
    """A backfill param (a date or a date-time; naive is UTC) as an aware datetime."""
    from orderhub.runner.window import parse_moment

    return parse_moment(str(value), f"params.{name}")
