"""``orderhub sync``: one pipeline's tap piped into target-orderhub, as two processes.

The runner prepares the tap's config, catalog (stream selection) and state (the state
last committed in the warehouse), records a sync_runs row, shows progress while the
pipe runs, and reports the counts the target committed. Files holding secrets are
written owner-only and removed when the run ends.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, update

from orderhub.exceptions import ConfigurationError, SyncError
from orderhub.reports import committed_state
from orderhub.runner.process import ProcessPair, RelayStats, log_tail
from orderhub.runner.settings import PipelineSettings, Settings
from orderhub.warehouse import schema
from orderhub.warehouse.engine import create_warehouse_engine, migrate
from orderhub.warehouse.records import new_run_id

_SECRET_WORDS = ("token", "secret", "password", "key", "credential")


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


def find_executable(name: str, module: str | None = None) -> list[str]:
    """The command of a console script on PATH or next to this interpreter (the venv).

    A connector scaffolded since the last install has no console script yet; it runs as
    ``python -m <module>`` until ``make install`` adds one.
    """
    beside = Path(sys.executable).parent / name
    found = shutil.which(name) or (str(beside) if beside.exists() else None)
    if found:
        return [found]
    # `python -m` puts the working folder first on sys.path: a connector there counts.
    in_project = module and (Path.cwd().joinpath(*module.split(".")) / "__main__.py").exists()
    if module and (in_project or importlib.util.find_spec(module) is not None):
        return [sys.executable, "-m", module]
    raise ConfigurationError(f"{name} is not installed: run `make install` (or pip install it)")


def _secret_values(config: dict[str, Any]) -> list[str]:
    return [
        str(value)
        for key, value in config.items()
        if isinstance(value, str) and value and any(w in key.lower() for w in _SECRET_WORDS)
    ]


def redact(text: str, secrets: list[str]) -> str:
    """Replace every secret value in a text (log tails shown to the user)."""
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


@contextmanager
def _private_dir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="orderhub-"))
    try:
        os.chmod(folder, 0o700)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _write_private(path: Path, content: Any) -> Path:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(content, handle)
    return path


def discover_catalog(tap: list[str], config_path: Path, streams: list[str]) -> dict[str, Any]:
    """The tap's catalog with only the wanted streams selected."""
    done = subprocess.run(
        [*tap, "--config", str(config_path), "--discover"], capture_output=True, check=False
    )
    name = Path(tap[-1]).name
    if done.returncode != 0:
        raise SyncError(
            f"{name} --discover failed:\n{done.stderr.decode(errors='replace')[-2000:]}"
        )
    catalog = json.loads(done.stdout)
    known = {entry["tap_stream_id"] for entry in catalog["streams"]}
    unknown = sorted(set(streams) - known)
    if unknown:
        raise ConfigurationError(
            f"{name} has no stream(s) {', '.join(unknown)} (it has: {', '.join(sorted(known))})"
        )
    for entry in catalog["streams"]:
        selected = not streams or entry["tap_stream_id"] in streams
        for metadata in entry.get("metadata", []):
            if metadata.get("breadcrumb") == []:
                metadata["metadata"]["selected"] = selected
    return catalog


class SyncRunner:
    """Runs one pipeline of an orderhub.yml against its warehouse."""

    def __init__(self, settings: Settings, *, work_dir: Path = Path(".orderhub")) -> None:
        self.settings = settings
        self.work_dir = work_dir
        self.engine: Engine = create_warehouse_engine(settings.warehouse)

    def run(
        self,
        pipeline: str,
        *,
        full_refresh: bool = False,
        on_progress: Callable[[RelayStats], None] | None = None,
    ) -> SyncResult:
        """Sync ``pipeline``; raises SyncError (with what to do next) when it fails."""
        settings = self.settings.pipeline(pipeline)
        migrate(self.engine)
        tap = find_executable(settings.tap_executable, f"connectors.{settings.source}")
        target = find_executable("target-orderhub")
        run_id = new_run_id()
        secrets = _secret_values(settings.config) + _secret_values(
            {"warehouse_password": self.engine.url.password or ""}
        )
        with _private_dir() as folder:
            tap_config = _write_private(folder / "tap.json", settings.config)
            catalog = _write_private(
                folder / "catalog.json", discover_catalog(tap, tap_config, settings.streams)
            )
            state = None if full_refresh else committed_state(self.engine, pipeline)
            tap_command = [*tap, "--config", str(tap_config), "--catalog", str(catalog)]
            if state:
                tap_command += ["--state", str(_write_private(folder / "state.json", state))]
            target_config = _write_private(
                folder / "target.json", self._target_config(pipeline, settings, run_id)
            )
            self._open_run(run_id, pipeline, settings.source)
            started = datetime.now(UTC)
            pair = ProcessPair.start(
                tap_command,
                [*target, "--config", str(target_config)],
                self.work_dir / "logs" / run_id,
            )
            try:
                while pair.running():
                    if on_progress:
                        on_progress(pair.stats)
                    pair.relay_thread.join(timeout=0.25)
                tap_code, target_code = pair.wait()
            except BaseException:
                pair.terminate()
                pair.wait()
                self._close_run(run_id, "failed", "interrupted")
                raise
        if on_progress:
            on_progress(pair.stats)
        return self._finish(
            run_id, pipeline, settings, pair, (tap_code, target_code), started, secrets
        )

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

    def _open_run(self, run_id: str, pipeline: str, source: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                insert(schema.sync_runs).values(
                    run_id=run_id,
                    pipeline=pipeline,
                    source_system=source,
                    status="running",
                    started_at=datetime.now(UTC),
                )
            )

    def _close_run(self, run_id: str, status: str, message: str | None) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(schema.sync_runs)
                .where(schema.sync_runs.c.run_id == run_id)
                .values(status=status, message=message, finished_at=datetime.now(UTC))
            )

    def _finish(
        self,
        run_id: str,
        pipeline: str,
        settings: PipelineSettings,
        pair: ProcessPair,
        exit_codes: tuple[int, int],
        started: datetime,
        secrets: list[str],
    ) -> SyncResult:
        tap_code, target_code = exit_codes
        failure = None
        if target_code != 0:
            failure = (
                f"target-orderhub failed (exit {target_code}); committed data and state are "
                f"kept, rerun `orderhub sync {pipeline}` after fixing the cause.\n"
                f"{log_tail(pair.target_log)}\n(full log: {pair.target_log})"
            )
        elif tap_code != 0:
            failure = (
                f"{settings.tap_executable} failed (exit {tap_code}); what it sent before "
                f"failing is committed, rerun `orderhub sync {pipeline}` to resume.\n"
                f"{log_tail(pair.tap_log)}\n(full log: {pair.tap_log})"
            )
        failure = redact(failure, secrets) if failure else None
        self._close_run(run_id, "failed" if failure else "succeeded", failure)
        with self.engine.connect() as connection:
            row = connection.execute(
                select(schema.sync_runs).where(schema.sync_runs.c.run_id == run_id)
            ).one()
        if failure:
            raise SyncError(failure)
        return SyncResult(
            run_id=run_id,
            pipeline=pipeline,
            status=row.status,
            records_in=row.records_in,
            upserted=row.upserted,
            unchanged=row.unchanged,
            dead_lettered=row.dead_lettered,
            rejected_transitions=row.rejected_transitions,
            stream_counts=row.stream_counts or {},
            seconds=(datetime.now(UTC) - started).total_seconds(),
        )
