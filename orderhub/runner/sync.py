"""``orderhub sync``: one pipeline's tap piped into target-orderhub, as two processes.

The runner takes the pipeline's lock in the warehouse and opens its sync_runs row in the
same transaction (so a stop or failure at any later moment ends a run ``orderhub runs``
shows; a stop before the lock leaves no row, as nothing started), prepares the tap's
config, catalog (stream selection) and state (the state last committed in the
warehouse), shows progress while the pipe runs, and reports the counts the target
committed. Files holding secrets are written owner-only and removed when the run
ends, also when SIGTERM or SIGINT stops it; every message and log is redacted of the
values of the settings the tap and the target mark secret.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from orderhub.exceptions import ConfigurationError, SyncCancelled, SyncError
from orderhub.redaction import Redactor
from orderhub.reports import committed_state
from orderhub.runner import outcome
from orderhub.runner.commands import (
    discover_catalog,
    find_executable,
    private_dir,
    settings_schema,
    write_private,
)
from orderhub.runner.process import ProcessPair, Relay, RelayStats, relay
from orderhub.runner.settings import PipelineSettings, Settings
from orderhub.runner.signals import StopSignals
from orderhub.runner.window import Window
from orderhub.runner.window_relay import WindowFilter, bounded_streams, window_relay
from orderhub.warehouse import schema
from orderhub.warehouse.engine import create_warehouse_engine, migrate
from orderhub.warehouse.locks import PipelineLock, abandon_dead_runs, this_host
from orderhub.warehouse.records import new_run_id


@dataclass(frozen=True)
class SyncResult:
    """What a finished sync committed."""

    run_id: str
    pipeline: str
    status: str
    records_in: int
    upserted: int
    unchanged: int
    dead_lettered: int
    rejected_transitions: int
    stream_counts: dict[str, dict[str, int]]
    seconds: float
    #: Set when the run succeeded with errors: what went wrong and what to do.
    message: str | None = None
    #: The window a windowed sync loaded (None: the pipeline's incremental sync).
    window: Window | None = None
    #: Records a windowed sync's relay left out, their replication key outside the window.
    outside_window: int = 0

    @property
    def name(self) -> str:
        """What the run is named in sync_runs, the lock and the state: the pipeline, or
        ``pipeline@window`` for a windowed sync."""
        return self.window.run_name(self.pipeline) if self.window else self.pipeline


def _failure_text(error: BaseException) -> str:
    """What ``sync_runs.message`` says of an error that ended a run before its pipe."""
    said = str(error) or type(error).__name__
    return f"failed: {said}"


@dataclass
class _Run:
    """One run in progress: what the steps of a sync share."""

    run_id: str
    pipeline: str
    settings: PipelineSettings
    folder: Path
    signals: StopSignals
    window: Window | None = None
    redact: Redactor = field(default_factory=Redactor)
    tap_settings: tuple[str, ...] = ()
    #: The relay between tap and target: a windowed sync's drops what is outside it.
    relay: Relay = relay

    @property
    def name(self) -> str:
        """The name of the lock, the sync_runs row and the committed state."""
        return self.window.run_name(self.pipeline) if self.window else self.pipeline

    @property
    def options(self) -> str:
        """The options of ``orderhub sync`` that run this sync again."""
        return self.window.cli_options if self.window else ""


class SyncRunner:
    """Runs one pipeline of an orderhub.yml against its warehouse."""

    def __init__(self, settings: Settings, *, work_dir: Path | None = None) -> None:
        self.settings = settings
        # Logs live beside the project's orderhub.yml, whichever folder the sync ran from.
        self.work_dir = work_dir or (settings.base_dir or Path.cwd()) / ".orderhub"
        self.engine: Engine = create_warehouse_engine(settings.warehouse)

    def run(
        self,
        pipeline: str,
        *,
        window: Window | None = None,
        full_refresh: bool = False,
        on_progress: Callable[[RelayStats], None] | None = None,
        wait_seconds: float = 0.0,
        on_wait: Callable[[str], None] | None = None,
    ) -> SyncResult:
        """Sync ``pipeline`` holding its lock (waiting up to ``wait_seconds`` for it;
        ``on_wait`` hears whom it waits for).

        With a ``window``, only records whose replication key lies in it are loaded, under
        the window's own name (:meth:`Window.run_name`): its own lock, sync_runs rows and
        committed state, so the pipeline's bookmark never moves, windows run in parallel
        with each other and the incremental sync, and a retried window resumes from its
        own bookmark (see :mod:`orderhub.runner.window_relay` for what is bounded).

        Raises SyncError (with what to do next) when it fails, PipelineLockedError when
        another sync holds the pipeline, SyncCancelled when SIGTERM/SIGINT stopped it.
        """
        settings = self.settings.pipeline(pipeline)
        name = window.run_name(pipeline) if window else pipeline
        migrate(self.engine)
        run_id = new_run_id()
        with private_dir() as folder, StopSignals() as signals:
            run = _Run(run_id, pipeline, settings, folder, signals, window)
            # Stopped before the lock: nothing started, so no run row to leave behind.
            self._stop_if_signalled(run, opened=False)
            lock = PipelineLock(self.engine, name, run_id, folder, open_run=self._run_opener(run))
            if not lock.acquire(wait_seconds, stop=signals.stopping, on_wait=on_wait):
                self._stop_if_signalled(run, opened=False)
            try:
                abandon_dead_runs(self.engine, name, run_id)
                return self._run_locked(run, full_refresh, on_progress)
            except SyncCancelled:
                raise  # its run row says so already
            except BaseException as error:  # a failure before the pipe; else a no-op
                self._close_run(run.run_id, "failed", run.redact(_failure_text(error)))
                raise
            finally:
                lock.release()

    def _run_locked(
        self,
        run: _Run,
        full_refresh: bool,
        on_progress: Callable[[RelayStats], None] | None,
    ) -> SyncResult:
        self._stop_if_signalled(run, opened=True)
        tap_command, target_command = self._prepare(run, full_refresh)
        self._stop_if_signalled(run, opened=True)
        started = datetime.now(UTC)
        pair, exit_codes = self._pipe(run, tap_command, target_command, on_progress)
        self._stop_if_signalled(run, opened=True)
        return self._finish(run, pair, exit_codes, started)

    def _prepare(self, run: _Run, full_refresh: bool) -> tuple[list[str], list[str]]:
        """The tap's and the target's commands, with their private files written."""
        settings = run.settings
        tap = find_executable(settings.tap_executable, f"connectors.{settings.source}")
        target = find_executable("target-orderhub")
        target_config = self._target_config(run.name, settings, run.run_id)
        self._learn_secrets(run, tap, target, target_config)
        self._stop_if_signalled(run, opened=True)
        tap_config = write_private(run.folder / "tap.json", self._tap_config(run))
        try:
            catalog = discover_catalog(
                tap, tap_config, settings.streams, run.redact, run.tap_settings
            )
        except (ConfigurationError, SyncError):
            # A Ctrl-C reaches --discover too: then the signal, not the tap, is the story.
            self._stop_if_signalled(run, opened=True)
            raise
        if run.window:
            keep = WindowFilter(run.window, bounded_streams(catalog))
            run.relay = partial(window_relay, keep=keep)
        catalog_path = write_private(run.folder / "catalog.json", catalog)
        state = None if full_refresh else committed_state(self.engine, run.name)
        tap_command = [*tap, "--config", str(tap_config), "--catalog", str(catalog_path)]
        if state:
            tap_command += ["--state", str(write_private(run.folder / "state.json", state))]
        target_path = write_private(run.folder / "target.json", target_config)
        return tap_command, [*target, "--config", str(target_path)]

    def _pipe(
        self,
        run: _Run,
        tap_command: list[str],
        target_command: list[str],
        on_progress: Callable[[RelayStats], None] | None,
    ) -> tuple[ProcessPair, tuple[int, int]]:
        """Run tap | target to the end; a first signal stops the tap, a second kills."""
        pair = ProcessPair.start(
            tap_command, target_command, self.work_dir / "logs" / run.run_id, run.redact, run.relay
        )
        run.signals.on_signal(lambda count: pair.stop_tap() if count == 1 else pair.kill())
        try:
            while pair.running():
                if on_progress:
                    on_progress(pair.stats)
                pair.relay_thread.join(timeout=0.25)
            exit_codes = pair.wait()
        except BaseException:
            pair.kill()
            pair.wait()
            self._close_run(run.run_id, "failed", "interrupted by an error in orderhub itself")
            raise
        finally:
            run.signals.on_signal(None)
        if on_progress:
            on_progress(pair.stats)
        return pair, exit_codes

    def _learn_secrets(
        self, run: _Run, tap: list[str], target: list[str], target_config: dict[str, Any]
    ) -> None:
        """Ask the tap and the target which settings are secret (in parallel: each takes
        seconds to start), redact their values, and hand the tap's to the target so its
        dead-letter reasons are redacted too."""
        config = run.settings.config
        with ThreadPoolExecutor(max_workers=2) as pool:
            tap_future = pool.submit(settings_schema, tap, config)
            target_future = pool.submit(settings_schema, target, target_config)
            tap_schema, target_schema = tap_future.result(), target_future.result()
        tap_redact = Redactor.from_config(config, tap_schema)
        target_config["redact_values"] = sorted(tap_redact.values)
        run.redact = tap_redact.merged(Redactor.from_config(target_config, target_schema))
        run.tap_settings = tuple(tap_schema.get("properties", {}))

    def _stop_if_signalled(self, run: _Run, *, opened: bool) -> None:
        """After SIGTERM/SIGINT: mark the run cancelled (if it was opened) and stop."""
        if run.signals.received is None:
            return
        message = outcome.cancelled(
            run.signals.name, run.pipeline, committed_state(self.engine, run.name), run.options
        )
        message = run.redact(message)
        if opened:
            self._close_run(run.run_id, "cancelled", message)
        raise SyncCancelled(message, signum=run.signals.received)

    def _tap_config(self, run: _Run) -> dict[str, Any]:
        """The pipeline's tap config; a windowed sync's starts at the window, and ends at
        it when the tap has an ``end_date`` setting.

        ``start_date`` is replaced even when the window has committed state: a tap reads
        from a stream's bookmark when it has one, and a stream without one must start at
        the window, not at the pipeline's own start.
        """
        config = dict(run.settings.config)
        if run.window:
            config["start_date"] = run.window.start_text
            if "end_date" in run.tap_settings:
                config["end_date"] = run.window.end_text
        return config

    def _target_config(
        self, pipeline: str, settings: PipelineSettings, run_id: str
    ) -> dict[str, Any]:
        config: dict[str, Any] = {
            "warehouse_url": self.settings.warehouse,
            "source_system": settings.source,
            "pipeline": pipeline,
            "run_id": run_id,
            "batch_size": settings.batch_size,
            "commit_every": settings.commit_every,
        }
        if self.settings.mappings_dir:
            config["mappings_dir"] = self.settings.mappings_dir
        return config

    def _run_opener(self, run: _Run) -> Callable[[Connection], None]:
        """The run row's INSERT, for the lock to run in the transaction that takes it."""

        def open_run(connection: Connection) -> None:
            connection.execute(
                insert(schema.sync_runs).values(
                    run_id=run.run_id,
                    pipeline=run.name,
                    source_system=run.settings.source,
                    status="running",
                    started_at=datetime.now(UTC),
                    host=this_host(),
                    pid=os.getpid(),
                )
            )

        return open_run

    def _close_run(self, run_id: str, status: str, message: str | None) -> None:
        """End a running run; a run already ended keeps its first ending."""
        runs = schema.sync_runs
        with self.engine.begin() as connection:
            connection.execute(
                update(runs)
                .where(runs.c.run_id == run_id, runs.c.status == "running")
                .values(status=status, message=message, finished_at=datetime.now(UTC))
            )

    def _failure(self, run: _Run, pair: ProcessPair, exit_codes: tuple[int, int]) -> str | None:
        tap_code, target_code = exit_codes
        name, pipeline, options = run.settings.tap_executable, run.pipeline, run.options
        if target_code != 0:
            return outcome.target_failed(pipeline, target_code, pair.target_log, options)
        if tap_code != 0 and not (pair.stats.records or pair.stats.outside_window):
            return outcome.tap_could_not_start(
                name, pipeline, tap_code, pair.tap_log, list(run.tap_settings), options
            )
        if tap_code != 0:
            return outcome.tap_failed(name, pipeline, tap_code, pair.tap_log, options)
        return None

    def _finish(
        self, run: _Run, pair: ProcessPair, exit_codes: tuple[int, int], started: datetime
    ) -> SyncResult:
        failure = self._failure(run, pair, exit_codes)
        failure = run.redact(failure) if failure else None
        if failure:
            self._close_run(run.run_id, "failed", failure)
            raise SyncError(failure)
        with self.engine.connect() as connection:
            invalid = connection.execute(
                select(schema.sync_runs.c.invalid_messages).where(
                    schema.sync_runs.c.run_id == run.run_id
                )
            ).scalar_one()
        if invalid:
            self._close_run(run.run_id, "succeeded_with_errors", outcome.invalid_input(invalid))
        else:
            self._close_run(run.run_id, "succeeded", None)
        with self.engine.connect() as connection:
            row = connection.execute(
                select(schema.sync_runs).where(schema.sync_runs.c.run_id == run.run_id)
            ).one()
        return SyncResult(
            run_id=run.run_id,
            pipeline=run.pipeline,
            status=row.status,
            records_in=row.records_in,
            upserted=row.upserted,
            unchanged=row.unchanged,
            dead_lettered=row.dead_lettered,
            rejected_transitions=row.rejected_transitions,
            stream_counts=row.stream_counts or {},
            seconds=(datetime.now(UTC) - started).total_seconds(),
            message=row.message,
            window=run.window,
            outside_window=sum(pair.stats.outside_window.values()),
        )
