"""The pipeline lock in the warehouse: one holder, clear refusals, dead holders taken over."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from orderhub.exceptions import PipelineLockedError
from orderhub.warehouse import locks, schema
from orderhub.warehouse.locks import PipelineLock, abandon_dead_runs, this_host
from orderhub.warehouse.records import new_run_id


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    return done.pid


def insert_run(engine: Engine, run_id: str, *, host: str | None, pid: int | None,
               started: datetime | None = None) -> None:  # fmt: skip
    with engine.begin() as connection:
        connection.execute(
            insert(schema.sync_runs).values(
                run_id=run_id,
                pipeline="shop",
                source_system="shopify",
                status="running",
                started_at=started or datetime.now(UTC),
                host=host,
                pid=pid,
            )
        )


def insert_lock(engine: Engine, run_id: str, *, host: str, pid: int, private_dir: Path,
                heartbeat: datetime | None = None) -> None:  # fmt: skip
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(schema.pipeline_locks).values(
                pipeline="shop",
                run_id=run_id,
                host=host,
                pid=pid,
                private_dir=str(private_dir),
                acquired_at=now - timedelta(minutes=5),
                heartbeat_at=heartbeat or now,
            )
        )


def run_row(engine: Engine, run_id: str) -> tuple[str, str | None]:
    with engine.connect() as connection:
        row = connection.execute(
            select(schema.sync_runs.c.status, schema.sync_runs.c.message).where(
                schema.sync_runs.c.run_id == run_id
            )
        ).one()
    return row.status, row.message


def lock_holder(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return connection.execute(select(schema.pipeline_locks.c.run_id)).scalar_one_or_none()


def test_a_second_sync_is_refused_naming_the_holder(warehouse: Engine, tmp_path: Path) -> None:
    first = PipelineLock(warehouse, "shop", new_run_id(), tmp_path)
    first.acquire()
    try:
        with pytest.raises(PipelineLockedError) as refused:
            PipelineLock(warehouse, "shop", new_run_id(), tmp_path).acquire()
        message = str(refused.value)
        assert f"already being synced by run {first.run_id}" in message
        assert f"pid {os.getpid()} on host {this_host()}" in message
        assert "since " in message and "--wait SECONDS" in message
        # Another pipeline is not affected.
        other = PipelineLock(warehouse, "other", new_run_id(), tmp_path)
        other.acquire()
        other.release()
    finally:
        first.release()
    assert lock_holder(warehouse) is None


def test_wait_queues_behind_a_live_holder(warehouse: Engine, tmp_path: Path) -> None:
    first = PipelineLock(warehouse, "shop", new_run_id(), tmp_path)
    first.acquire()
    threading.Timer(1.5, first.release).start()
    second = PipelineLock(warehouse, "shop", new_run_id(), tmp_path)
    began = time.monotonic()
    second.acquire(wait_seconds=60, poll=0.1)
    assert time.monotonic() - began >= 1.0
    assert lock_holder(warehouse) == second.run_id and second.taken_over is None
    second.release()


def test_waiting_gives_up_after_the_given_seconds(warehouse: Engine, tmp_path: Path) -> None:
    first = PipelineLock(warehouse, "shop", new_run_id(), tmp_path)
    first.acquire()
    try:
        began = time.monotonic()
        with pytest.raises(PipelineLockedError, match="after waiting 1s"):
            PipelineLock(warehouse, "shop", new_run_id(), tmp_path).acquire(1.0, poll=0.1)
        assert 1.0 <= time.monotonic() - began < 30
    finally:
        first.release()


def test_a_dead_holder_on_this_host_is_taken_over(warehouse: Engine, tmp_path: Path) -> None:
    dead_dir = tmp_path / "orderhub-dead"
    dead_dir.mkdir()
    (dead_dir / "tap.json").write_text('{"access_token": "x"}')
    old_run, pid = new_run_id(), dead_pid()
    insert_run(warehouse, old_run, host=this_host(), pid=pid)
    insert_lock(warehouse, old_run, host=this_host(), pid=pid, private_dir=dead_dir)

    lock = PipelineLock(warehouse, "shop", new_run_id(), tmp_path / "mine")
    lock.acquire()
    assert lock_holder(warehouse) == lock.run_id
    assert lock.taken_over is not None and lock.taken_over.run_id == old_run
    assert not dead_dir.exists()  # the dead run's secrets are gone
    status, message = run_row(warehouse, old_run)
    assert status == "abandoned"
    assert message is not None and f"pid {pid}" in message and lock.run_id in message
    lock.release()


def test_another_hosts_holder_counts_until_its_heartbeat_is_stale(
    warehouse: Engine, tmp_path: Path
) -> None:
    old_run = new_run_id()
    insert_run(warehouse, old_run, host="elsewhere", pid=1)
    insert_lock(warehouse, old_run, host="elsewhere", pid=1, private_dir=tmp_path)
    with pytest.raises(PipelineLockedError, match="host elsewhere"):
        PipelineLock(warehouse, "shop", new_run_id(), tmp_path).acquire()

    stale = datetime.now(UTC) - locks.STALE_AFTER - timedelta(seconds=5)
    with warehouse.begin() as connection:
        connection.execute(schema.pipeline_locks.update().values(heartbeat_at=stale))
    lock = PipelineLock(warehouse, "shop", new_run_id(), tmp_path / "mine")
    lock.acquire()
    assert run_row(warehouse, old_run)[0] == "abandoned"
    assert tmp_path.exists()  # another host's folder is not ours to remove
    lock.release()


@pytest.mark.parametrize("dead_holder", [False, True])
def test_racing_runners_get_one_lock(warehouse: Engine, tmp_path: Path, dead_holder: bool) -> None:
    if dead_holder:
        old_run, pid = new_run_id(), dead_pid()
        insert_run(warehouse, old_run, host=this_host(), pid=pid)
        insert_lock(warehouse, old_run, host=this_host(), pid=pid, private_dir=tmp_path / "x")
    contenders = [PipelineLock(warehouse, "shop", new_run_id(), tmp_path) for _ in range(6)]
    won: list[str] = []
    refused: list[str] = []
    start = threading.Barrier(len(contenders))

    def contend(lock: PipelineLock) -> None:
        start.wait()
        try:
            lock.acquire()
            won.append(lock.run_id)
        except PipelineLockedError:
            refused.append(lock.run_id)

    threads = [threading.Thread(target=contend, args=(c,)) for c in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(won) == 1 and len(refused) == len(contenders) - 1
    assert lock_holder(warehouse) == won[0]
    for lock in contenders:
        if lock.run_id != won[0]:
            lock.release()  # a loser's release must not free the winner's lock
            assert lock_holder(warehouse) == won[0]
    next(c for c in contenders if c.run_id == won[0]).release()
    assert lock_holder(warehouse) is None


def test_the_heartbeat_moves_while_held(
    warehouse: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(locks, "HEARTBEAT_SECONDS", 0.2)
    lock = PipelineLock(warehouse, "shop", new_run_id(), tmp_path)
    lock.acquire()
    with warehouse.connect() as connection:
        first = connection.execute(select(schema.pipeline_locks.c.heartbeat_at)).scalar_one()
    deadline = time.monotonic() + 30
    later = first
    while later == first and time.monotonic() < deadline:
        time.sleep(0.2)
        with warehouse.connect() as connection:
            later = connection.execute(select(schema.pipeline_locks.c.heartbeat_at)).scalar_one()
    lock.release()
    assert later > first


def test_runs_left_running_by_dead_owners_are_abandoned(warehouse: Engine) -> None:
    long_ago = datetime.now(UTC) - locks.UNCHECKABLE_RUN_AFTER - timedelta(hours=1)
    dead, alive, remote_old, remote_new, legacy, current = (new_run_id() for _ in range(6))
    insert_run(warehouse, dead, host=this_host(), pid=dead_pid())
    insert_run(warehouse, alive, host=this_host(), pid=os.getpid())
    insert_run(warehouse, remote_old, host="elsewhere", pid=1, started=long_ago)
    insert_run(warehouse, remote_new, host="elsewhere", pid=1)
    insert_run(warehouse, legacy, host=None, pid=None, started=long_ago)
    insert_run(warehouse, current, host=this_host(), pid=dead_pid())

    marked = abandon_dead_runs(warehouse, "shop", current)

    assert sorted(marked) == sorted([dead, remote_old, legacy])
    for run_id in (dead, remote_old, legacy):
        status, message = run_row(warehouse, run_id)
        assert status == "abandoned" and message and "died without finishing" in message
    for run_id in (alive, remote_new, current):
        assert run_row(warehouse, run_id)[0] == "running"


def test_a_signal_ends_the_wait_without_the_lock(warehouse: Engine, tmp_path: Path) -> None:
    first = PipelineLock(warehouse, "shop", new_run_id(), tmp_path)
    first.acquire()
    asked = threading.Event()
    threading.Timer(1.0, asked.set).start()
    began = time.monotonic()
    waiting = PipelineLock(warehouse, "shop", new_run_id(), tmp_path)
    assert waiting.acquire(wait_seconds=120, poll=0.1, stop=asked.is_set) is False
    assert time.monotonic() - began < 60
    assert lock_holder(warehouse) == first.run_id
    first.release()


def opener(run_id: str) -> Callable[[Connection], None]:
    """A run-row INSERT like the runner's, for the lock to run as it takes the lock."""

    def open_run(connection: Connection) -> None:
        connection.execute(
            insert(schema.sync_runs).values(
                run_id=run_id,
                pipeline="shop",
                source_system="shopify",
                status="running",
                started_at=datetime.now(UTC),
                host=this_host(),
                pid=os.getpid(),
            )
        )

    return open_run


def test_the_holder_is_always_a_visible_run(warehouse: Engine, tmp_path: Path) -> None:
    run_id = new_run_id()
    lock = PipelineLock(warehouse, "shop", run_id, tmp_path, open_run=opener(run_id))
    lock.acquire()
    try:
        assert lock_holder(warehouse) == run_id
        assert run_row(warehouse, run_id) == ("running", None)
        # A refused runner writes no row: its INSERT rolls back with its lock's.
        refused = new_run_id()
        with pytest.raises(PipelineLockedError, match=run_id):
            PipelineLock(warehouse, "shop", refused, tmp_path, open_run=opener(refused)).acquire()
        with warehouse.connect() as connection:
            ids = set(connection.execute(select(schema.sync_runs.c.run_id)).scalars())
        assert ids == {run_id}
    finally:
        lock.release()


def test_taking_over_a_dead_lock_opens_the_new_run(warehouse: Engine, tmp_path: Path) -> None:
    dead = new_run_id()
    insert_run(warehouse, dead, host=this_host(), pid=dead_pid())
    insert_lock(warehouse, dead, host=this_host(), pid=dead_pid(), private_dir=tmp_path / "gone")
    run_id = new_run_id()
    lock = PipelineLock(warehouse, "shop", run_id, tmp_path, open_run=opener(run_id))
    lock.acquire()
    try:
        assert lock_holder(warehouse) == run_id
        assert run_row(warehouse, run_id) == ("running", None)
        assert run_row(warehouse, dead)[0] == "abandoned"
    finally:
        lock.release()


def test_a_failing_run_row_takes_no_lock(warehouse: Engine, tmp_path: Path) -> None:
    run_id = new_run_id()
    insert_run(warehouse, run_id, host=this_host(), pid=os.getpid())  # the INSERT will clash
    lock = PipelineLock(warehouse, "shop", run_id, tmp_path, open_run=opener(run_id))
    with pytest.raises(IntegrityError):
        lock.acquire(wait_seconds=0.0)
    assert lock_holder(warehouse) is None
