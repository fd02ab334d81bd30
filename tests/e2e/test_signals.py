"""`orderhub sync` as a real process: SIGTERM/SIGINT stop it cleanly, a SIGKILLed run is
abandoned and cleaned up by the next one, and two syncs of one pipeline never overlap."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from sqlalchemy import Engine, func, select, text

from connectors.shopify.simulator import ShopifySimulator
from orderhub.warehouse import schema
from orderhub.warehouse.engine import create_warehouse_engine, migrate
from orderhub.warehouse.locks import pid_alive
from tests.e2e.conftest import TOKEN
from tests.e2e.test_crash_safety import ORDERHUB, children, write_settings

#: Generous: the CI machine has 2 cores shared with other jobs.
TIMEOUT = 240.0


def start_sync(config: Path, folder: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SHOP_TOKEN": TOKEN, "COLUMNS": "200"}
    return subprocess.Popen(
        [ORDERHUB, "sync", "shop", "--config", str(config), *args],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_for(check: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
    """Poll until ``check()`` is truthy (errors count as not yet) and return its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except Exception:  # the warehouse may not exist yet
            value = None
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def scalar(engine: Engine, query: Any) -> Any:
    with engine.connect() as connection:
        return connection.execute(query).scalar()


def order_ids(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(select(schema.orders.c.source_id)).scalars())


def run_rows(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        return list(
            connection.execute(select(schema.sync_runs).order_by(schema.sync_runs.c.started_at))
        )


@pytest.fixture
def slow_shop() -> Iterator[ShopifySimulator]:
    with ShopifySimulator(
        seed=5,
        orders=150,
        customers=30,
        access_token=TOKEN,
        bucket_size=50_000,
        restore_rate=50_000,
    ) as shop:
        shop.set_faults({"slow_seconds": 0.3})  # every page takes a while: room to signal
        yield shop


def mid_sync(engine: Engine, process: subprocess.Popen[bytes]) -> tuple[str, list[int]]:
    """Wait until the sync holds its lock and committed orders; its private folder and
    the pids of its tap and target."""
    private_dir = wait_for(
        lambda: scalar(engine, select(schema.pipeline_locks.c.private_dir)), "the lock"
    )
    wait_for(lambda: scalar(engine, select(func.count()).select_from(schema.orders)), "orders")
    assert process.poll() is None, "the sync finished before it could be stopped"
    return private_dir, children(process.pid)


def expected_ids(shop: ShopifySimulator) -> list[str]:
    return sorted(o["id"].rsplit("/", 1)[1] for o in shop.store.orders.values())


def assert_complete_rerun(shop: ShopifySimulator, config: Path, folder: Path) -> None:
    shop.set_faults({"slow_seconds": 0})
    rerun = start_sync(config, folder)
    output = rerun.communicate(timeout=TIMEOUT)[0].decode()
    assert rerun.returncode == 0, output
    engine = create_warehouse_engine(scalar_url(config))
    assert sorted(order_ids(engine)) == expected_ids(shop)  # every order, exactly once


def scalar_url(config: Path) -> str:
    """The warehouse URL an orderhub.yml names."""
    return str(yaml.safe_load(config.read_text())["warehouse"])


def stop_with(
    signum: int, warehouse_url: str, shop: ShopifySimulator, folder: Path, *, times: int = 1
) -> None:
    engine = create_warehouse_engine(warehouse_url)
    config = write_settings(folder, shop, warehouse_url)
    sync = start_sync(config, folder)
    private_dir, pids = mid_sync(engine, sync)
    assert Path(private_dir).is_dir() and len(pids) == 2

    for _ in range(times):  # a second signal while stopping kills the children at once
        os.kill(sync.pid, signum)
    output = sync.communicate(timeout=TIMEOUT)[0].decode()

    name = signal.Signals(signum).name
    assert sync.returncode == 128 + signum, output
    assert f"stopped by {name}" in output and "rerun `orderhub sync shop` to resume" in output
    assert "Traceback" not in output
    [run] = run_rows(engine)
    assert run.status == "cancelled" and run.finished_at is not None
    assert run.message.startswith(f"stopped by {name}; committed up to ")
    assert not Path(private_dir).exists()  # the secrets left with the run
    assert scalar(engine, select(func.count()).select_from(schema.pipeline_locks)) == 0
    assert not any(pid_alive(pid) for pid in pids)
    # The committed bookmark never runs ahead of the committed data: every order the
    # source changed before it is in the warehouse.
    state = scalar(engine, select(schema.sync_state.c.state))
    bookmark = state["bookmarks"]["orders"]["replication_key_value"]
    assert f"orders at {bookmark}" in run.message
    committed = set(order_ids(engine))
    before = {o["id"].rsplit("/", 1)[1] for o in shop.store.orders.values()
              if o["updatedAt"] < bookmark}  # fmt: skip
    assert before <= committed and len(committed) < len(shop.store.orders)

    assert_complete_rerun(shop, config, folder)


def test_sigterm_stops_at_a_committed_point(
    slow_shop: ShopifySimulator, warehouse_url: str, tmp_path: Path
) -> None:
    stop_with(signal.SIGTERM, warehouse_url, slow_shop, tmp_path)


def test_sigint_stops_at_a_committed_point(
    slow_shop: ShopifySimulator, sqlite_url: str, tmp_path: Path
) -> None:
    stop_with(signal.SIGINT, sqlite_url, slow_shop, tmp_path)


def test_a_second_signal_while_stopping_still_ends_consistent(
    slow_shop: ShopifySimulator, sqlite_url: str, tmp_path: Path
) -> None:
    stop_with(signal.SIGTERM, sqlite_url, slow_shop, tmp_path, times=2)


def test_after_a_sigkill_the_next_sync_abandons_the_run_and_cleans_up(
    slow_shop: ShopifySimulator, warehouse_url: str, tmp_path: Path
) -> None:
    engine = create_warehouse_engine(warehouse_url)
    config = write_settings(tmp_path, slow_shop, warehouse_url)
    sync = start_sync(config, tmp_path)
    private_dir, pids = mid_sync(engine, sync)
    os.kill(sync.pid, signal.SIGKILL)
    sync.communicate(timeout=TIMEOUT)
    # Orphaned, the tap meets a closed pipe and the target reads to EOF: both end.
    wait_for(lambda: not any(pid_alive(pid) for pid in pids), "the orphans to end")
    [dead] = run_rows(engine)
    assert dead.status == "running" and Path(private_dir).is_dir()

    assert_complete_rerun(slow_shop, config, tmp_path)

    first, second = run_rows(engine)
    assert first.run_id == dead.run_id and first.status == "abandoned"
    assert f"pid {sync.pid}" in first.message and "died without finishing" in first.message
    assert second.status == "succeeded"
    assert not Path(private_dir).exists()


def test_a_second_sync_refuses_or_waits(
    slow_shop: ShopifySimulator, sqlite_url: str, tmp_path: Path
) -> None:
    engine = create_warehouse_engine(sqlite_url)
    config = write_settings(tmp_path, slow_shop, sqlite_url)
    slow_shop.set_faults({"slow_seconds": 2.0})  # the first outlasts the others' start-up
    first = start_sync(config, tmp_path)
    holder = wait_for(lambda: scalar(engine, select(schema.pipeline_locks.c.run_id)), "lock")
    # The lock never names a run nobody can see: its row exists as soon as the lock does.
    runs = schema.sync_runs
    assert scalar(engine, select(runs.c.status).where(runs.c.run_id == holder)) == "running"
    refused = start_sync(config, tmp_path)
    waiting = start_sync(config, tmp_path, "--wait", str(int(TIMEOUT)))

    output = refused.communicate(timeout=TIMEOUT)[0].decode()
    assert refused.returncode == 1, output
    flat = " ".join(output.split())
    assert f"pipeline shop is already being synced by run {holder} (pid {first.pid}" in flat
    assert "--wait SECONDS" in flat

    assert first.wait(timeout=TIMEOUT) == 0
    slow_shop.set_faults({"slow_seconds": 0})
    output = waiting.communicate(timeout=TIMEOUT)[0].decode()
    assert waiting.returncode == 0, output
    flat = " ".join(output.split())
    assert f"being synced by run {holder}" in flat and f"waiting up to {int(TIMEOUT)}s" in flat
    runs = run_rows(engine)
    assert [r.status for r in runs] == ["succeeded", "succeeded"]
    assert runs[1].started_at >= runs[0].finished_at  # queued, never overlapping
    assert sorted(order_ids(engine)) == expected_ids(slow_shop)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_while_the_tap_starts_leaves_a_cancelled_run(
    slow_shop: ShopifySimulator, pg_url: str, tmp_path: Path, signum: int
) -> None:
    """Stopped right after taking its lock (the tap's --about/--discover still running),
    the run is a cancelled row, not a message nobody can find afterwards."""
    engine = create_warehouse_engine(pg_url)
    config = write_settings(tmp_path, slow_shop, pg_url)
    sync = start_sync(config, tmp_path)
    private_dir = wait_for(
        lambda: scalar(engine, select(schema.pipeline_locks.c.private_dir)), "the lock"
    )
    os.kill(sync.pid, signum)
    output = sync.communicate(timeout=TIMEOUT)[0].decode()

    name = signal.Signals(signum).name
    assert sync.returncode == 128 + signum, output
    assert "Traceback" not in output
    [run] = run_rows(engine)
    assert run.status == "cancelled" and run.finished_at is not None, output
    assert run.message.startswith(f"stopped by {name}; committed up to "), run.message
    assert f"stopped by {name}" in output
    assert not Path(private_dir).exists()
    assert scalar(engine, select(func.count()).select_from(schema.pipeline_locks)) == 0


def test_a_stop_before_the_lock_is_caught_and_leaves_nothing(
    shop: ShopifySimulator, pg_url: str, tmp_path: Path
) -> None:
    """SIGTERM while the sync still loads settings and migrates the warehouse (here held
    up by a lock on alembic_version) is a clean "cancelled" exit, not a silent death;
    nothing started, so there is no run row and no lock."""
    engine = create_warehouse_engine(pg_url)
    migrate(engine)
    config = write_settings(tmp_path, shop, pg_url)
    with psycopg.connect(pg_url.replace("+psycopg", "")) as blocker:
        blocker.execute("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")
        sync = start_sync(config, tmp_path)
        wait_for(lambda: waiting_on_a_lock(engine), "the sync to wait for the migration lock")
        os.kill(sync.pid, signal.SIGTERM)
        time.sleep(0.5)  # the handler runs once the blocked call returns
        assert sync.poll() is None, "the sync died of the signal instead of catching it"
    output = sync.communicate(timeout=TIMEOUT)[0].decode()

    assert sync.returncode == 143, output
    assert "cancelled:" in output and "stopped by SIGTERM" in output, output
    assert "Traceback" not in output
    assert run_rows(engine) == []
    assert scalar(engine, select(func.count()).select_from(schema.pipeline_locks)) == 0


def waiting_on_a_lock(engine: Engine) -> bool:
    """True when some session of this database waits for a table lock."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    return bool(scalar(engine, query))
