"""One sync per pipeline at a time: a lock row in the warehouse, not a file beside it.

A file lock only protects syncs on one machine and one filesystem; a row in
``pipeline_locks`` protects every machine that writes into the same warehouse. Taking
the lock is an INSERT (the primary key refuses a second holder) and taking over a dead
holder's lock is a compare-and-swap UPDATE on its run id, so two runners racing for one
dead lock cannot both win, on SQLite and PostgreSQL alike.

A holder is dead when, on this host, its pid is gone; on another host, when its
heartbeat is older than the stale limit (the holder refreshes it while it runs). Whoever
takes a dead lock removes the dead run's private folder (its secrets) and marks the run
``abandoned``, so no run stays ``running`` forever.

The holder's run row is written in the same transaction that takes the lock (see
``open_run``): a lock never names a run that ``orderhub runs`` cannot show, and a run
stopped at any moment after taking the lock leaves its row to be marked.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from orderhub.exceptions import PipelineLockedError
from orderhub.warehouse import schema

#: Seconds between heartbeats of a running sync.
HEARTBEAT_SECONDS = 15.0
#: A holder on another host whose heartbeat is older than this is dead.
STALE_AFTER = timedelta(minutes=2)
#: A running run without a live owner we can check (other host, no lock) is abandoned
#: once it started this long ago.
UNCHECKABLE_RUN_AFTER = timedelta(hours=24)


def this_host() -> str:
    """The name runs and locks record as their host."""
    return socket.gethostname()


def pid_alive(pid: int) -> bool:
    """True if a process with this pid exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class _Held(Exception):
    """The lock's INSERT met another holder's row (its transaction rolls back)."""


@dataclass(frozen=True)
class LockHolder:
    """Who holds a pipeline's lock, as the lock row says."""

    pipeline: str
    run_id: str
    host: str
    pid: int
    private_dir: str | None
    acquired_at: datetime
    heartbeat_at: datetime

    def is_dead(self, now: datetime) -> bool:
        """Dead: its pid is gone (same host), or its heartbeat is stale (any host)."""
        if self.host == this_host() and not pid_alive(self.pid):
            return True
        return now - _aware(self.heartbeat_at) > STALE_AFTER

    def describe(self) -> str:
        """The holder in words, for the refusal message."""
        since = _aware(self.acquired_at).strftime("%Y-%m-%d %H:%M:%S UTC")
        beat = _aware(self.heartbeat_at).strftime("%H:%M:%S UTC")
        return (
            f"run {self.run_id} (pid {self.pid} on host {self.host}, since {since}, "
            f"last heartbeat {beat})"
        )


class PipelineLock:
    """The lock of one pipeline held by one run; heartbeats while held."""

    def __init__(
        self,
        engine: Engine,
        pipeline: str,
        run_id: str,
        private_dir: Path,
        open_run: Callable[[Connection], None] | None = None,
    ) -> None:
        self.engine = engine
        #: Writes the holder's run row inside the transaction that takes the lock.
        self.open_run = open_run
        self.pipeline = pipeline
        self.run_id = run_id
        self.private_dir = private_dir
        self.taken_over: LockHolder | None = None
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    # acquiring ----------------------------------------------------------------------

    def acquire(
        self,
        wait_seconds: float = 0.0,
        poll: float = 1.0,
        stop: Callable[[], bool] = lambda: False,
        on_wait: Callable[[str], None] | None = None,
    ) -> bool:
        """Take the lock, waiting up to ``wait_seconds`` for a live holder to finish.

        ``on_wait`` hears once, in words, whom it waits for. Returns False, without the
        lock, when ``stop()`` turns true while waiting (a signal: waiting must not make a
        sync deaf to SIGTERM). Raises PipelineLockedError naming the holder and what to
        do when it stays busy.
        """
        deadline = time.monotonic() + wait_seconds
        told = False
        while True:
            holder = self._try_acquire()
            if holder is None:
                self._start_heartbeat()
                return True
            if stop():
                return False
            if on_wait and wait_seconds and not told:
                told = True
                on_wait(
                    f"pipeline {self.pipeline} is being synced by {holder.describe()}; "
                    f"waiting up to {wait_seconds:.0f}s for it to finish"
                )
            if time.monotonic() >= deadline:
                raise PipelineLockedError(self._busy_message(holder, wait_seconds))
            time.sleep(min(poll, max(deadline - time.monotonic(), 0.0)))

    def _busy_message(self, holder: LockHolder, waited: float) -> str:
        waited_text = f" after waiting {waited:.0f}s" if waited else ""
        return (
            f"pipeline {self.pipeline} is already being synced by {holder.describe()}; "
            f"refusing to start a second sync{waited_text}. Wait for it to finish, or run "
            f"`orderhub sync {self.pipeline} --wait SECONDS` to queue behind it. If that "
            "process is gone, its lock is taken over automatically once it is seen dead "
            f"(at once on host {holder.host}, elsewhere after {STALE_AFTER.seconds}s "
            "without a heartbeat)."
        )

    def _row(self, now: datetime) -> dict[str, object]:
        return {
            "pipeline": self.pipeline,
            "run_id": self.run_id,
            "host": this_host(),
            "pid": os.getpid(),
            "private_dir": str(self.private_dir),
            "acquired_at": now,
            "heartbeat_at": now,
        }

    def _try_acquire(self) -> LockHolder | None:
        """None when the lock is ours now; else its live holder.

        Each step is one statement in its own transaction (insert; read; compare-and-swap
        update) so SQLite never has to upgrade a read transaction to a write one, which
        fails at once under concurrency instead of waiting.
        """
        while True:
            now = datetime.now(UTC)
            try:
                with self.engine.begin() as connection:
                    try:
                        connection.execute(insert(schema.pipeline_locks).values(self._row(now)))
                    except IntegrityError:
                        raise _Held from None
                    # Not under the except: a failing run row is an error, never "held".
                    self._open_run(connection)
                return None
            except _Held:
                pass  # held: by whom?
            holder = self._holder()
            if holder is None:
                continue  # released in between: try again
            if not holder.is_dead(now):
                return holder
            if self._take_over(holder, now):
                return None

    def _holder(self) -> LockHolder | None:
        table = schema.pipeline_locks
        with self.engine.connect() as connection:
            found = connection.execute(
                select(table).where(table.c.pipeline == self.pipeline)
            ).one_or_none()
        return LockHolder(**found._asdict()) if found else None

    def _take_over(self, holder: LockHolder, now: datetime) -> bool:
        """Swap a dead holder's row for ours; False if another runner swapped first."""
        table = schema.pipeline_locks
        with self.engine.begin() as connection:
            swapped = connection.execute(
                update(table)
                .where(table.c.pipeline == self.pipeline, table.c.run_id == holder.run_id)
                .values(self._row(now))
            )
            if swapped.rowcount != 1:
                return False
            _abandon_run(connection, holder.run_id, self._abandon_message(holder))
            self._open_run(connection)
        self.taken_over = holder
        _remove_private_dir(holder)
        return True

    def _open_run(self, connection: Connection) -> None:
        if self.open_run is not None:
            self.open_run(connection)

    def _abandon_message(self, holder: LockHolder) -> str:
        return (
            f"abandoned: its process (pid {holder.pid} on host {holder.host}) died without "
            f"finishing; run {self.run_id} took over the lock. What it committed is kept; "
            "the next sync resumes from the committed bookmark."
        )

    # holding and releasing ----------------------------------------------------------

    def _start_heartbeat(self) -> None:
        self._beat = threading.Thread(target=self._heartbeat, name="lock-heartbeat", daemon=True)
        self._beat.start()

    def _heartbeat(self) -> None:
        table = schema.pipeline_locks
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                with self.engine.begin() as connection:
                    connection.execute(
                        update(table)
                        .where(table.c.pipeline == self.pipeline, table.c.run_id == self.run_id)
                        .values(heartbeat_at=datetime.now(UTC))
                    )
            except Exception:  # a missed beat is retried; the run goes on
                continue

    def release(self) -> None:
        """Give the lock back (only if it is still ours)."""
        self._stop.set()
        if self._beat is not None:
            self._beat.join(timeout=HEARTBEAT_SECONDS)
        table = schema.pipeline_locks
        with self.engine.begin() as connection:
            connection.execute(
                delete(table).where(
                    table.c.pipeline == self.pipeline, table.c.run_id == self.run_id
                )
            )


def _remove_private_dir(holder: LockHolder) -> None:
    # Another host's folder is not on this machine; its own tmp cleaning must do.
    if holder.private_dir and holder.host == this_host():
        shutil.rmtree(holder.private_dir, ignore_errors=True)


def _abandon_run(connection: Connection, run_id: str, message: str) -> None:
    runs = schema.sync_runs
    connection.execute(
        update(runs)
        .where(runs.c.run_id == run_id, runs.c.status == "running")
        .values(status="abandoned", message=message, finished_at=datetime.now(UTC))
    )


def abandon_dead_runs(engine: Engine, pipeline: str, current_run: str) -> list[str]:
    """Mark ``abandoned`` every ``running`` run of the pipeline whose owner is dead.

    Call it holding the pipeline's lock. Owner on this host: its pid is gone. Owner
    elsewhere, or unknown (rows from before owners were recorded): it holds no lock and
    started more than :data:`UNCHECKABLE_RUN_AFTER` ago. Returns the run ids marked.
    """
    runs, locks = schema.sync_runs, schema.pipeline_locks
    now = datetime.now(UTC)
    marked: list[str] = []
    with engine.begin() as connection:
        locked = set(connection.execute(select(locks.c.run_id)).scalars())
        rows = connection.execute(
            select(runs.c.run_id, runs.c.host, runs.c.pid, runs.c.started_at).where(
                runs.c.pipeline == pipeline,
                runs.c.status == "running",
                runs.c.run_id != current_run,
            )
        ).all()
        for run_id, host, pid, started in rows:
            if host == this_host() and pid is not None:
                dead = not pid_alive(int(pid))
            else:
                dead = run_id not in locked and now - _aware(started) > UNCHECKABLE_RUN_AFTER
            if dead:
                owner = f"pid {pid} on host {host}" if pid is not None else "an unknown process"
                _abandon_run(
                    connection,
                    run_id,
                    f"abandoned: its process ({owner}) died without finishing. What it "
                    "committed is kept; the next sync resumes from the committed bookmark.",
                )
                marked.append(run_id)
    return marked
