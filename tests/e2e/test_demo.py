"""`orderhub demo`, as `make demo` runs it, in a fresh folder, and again in the same one."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from orderhub.cli.demo import DEMO_PIPELINES
from orderhub.warehouse import schema
from orderhub.warehouse.engine import create_warehouse_engine
from tests.e2e.test_amounts_reconcile import assert_amounts_reconcile

ORDERHUB = str(Path(sys.executable).parent / "orderhub")


def run_demo(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ORDERHUB, "demo", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "120", "HOME": str(folder)},
    )


def demo_runs(database: Path) -> list[tuple[str, str, int]]:
    engine = create_warehouse_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(
                    schema.sync_runs.c.pipeline,
                    schema.sync_runs.c.status,
                    schema.sync_runs.c.upserted,
                ).order_by(schema.sync_runs.c.started_at)
            )
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def test_demo_syncs_twice_and_prints_a_summary(tmp_path: Path) -> None:
    # `orderhub sync`'s default warehouse, which an earlier demo used to erase
    synced = tmp_path / ".orderhub" / "warehouse.db"
    synced.parent.mkdir()
    synced.write_bytes(b"a user's warehouse")
    done = run_demo(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert synced.read_bytes() == b"a user's warehouse"
    database = tmp_path / ".orderhub" / "demo" / "warehouse.db"
    assert database.exists()
    assert f"warehouse: {database}" in done.stdout.replace("\n", "")
    assert "1. full sync" in done.stdout and "incremental sync" in done.stdout
    assert "second sync:" in done.stdout and "open dead letters" in done.stdout

    engine = create_warehouse_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        orders = connection.execute(select(func.count()).select_from(schema.orders)).scalar()
        letters = connection.execute(select(schema.dead_letters.c.reason)).scalars().all()
    assert letters == []  # every demo source's records map and load
    # every demo order: live lines add up to the subtotal, parts to the total
    refunded = [o for o in assert_amounts_reconcile(engine) if (o.refunded_amount or 0) > 0]
    engine.dispose()
    assert orders >= 200  # advance() also creates a few new orders
    assert len(refunded) >= 5
    runs = demo_runs(database)
    pipelines = [p.pipeline for p in DEMO_PIPELINES]
    assert [(pipeline, status) for pipeline, status, _ in runs] == [
        (pipeline, "succeeded") for pipeline in pipelines * 2
    ]
    for pipeline in pipelines:
        first, second = (upserted for name, _, upserted in runs if name == pipeline)
        assert 0 < second < first, pipeline  # the second sync is incremental
    for demo_pipeline in DEMO_PIPELINES:
        assert demo_pipeline.label in done.stdout  # a summary column per source
    # the steward's part: golden IDs for every customer, and a Data Docs report
    with engine.connect() as connection:
        no_golden = connection.execute(
            select(func.count())
            .select_from(schema.customers)
            .where(schema.customers.c.golden_customer_id.is_(None))
        ).scalar()
    assert no_golden == 0
    latest = tmp_path / ".orderhub" / "reports" / "quality" / "latest"
    assert (latest / "data_docs" / "index.html").is_file()
    assert "Data Docs:" in done.stdout and "golden IDs" in done.stdout

    again = run_demo(tmp_path, "--orders", "20")  # the demo's own file: it starts over
    assert again.returncode == 0, again.stdout + again.stderr
    assert [status for _, status, _ in demo_runs(database)] == ["succeeded"] * len(runs)
    engine = create_warehouse_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        left = dict(
            connection.execute(
                select(schema.orders.c.source_system, func.count()).group_by(
                    schema.orders.c.source_system
                )
            ).all()
        )
    engine.dispose()
    # only the new sources' orders: 20 each, and the few the change step creates
    assert set(left) == {p.source for p in DEMO_PIPELINES}
    assert all(20 <= count < 100 for count in left.values()), left
    assert synced.read_bytes() == b"a user's warehouse"


def test_ctrl_c_stops_the_demo_with_advice_that_works(tmp_path: Path) -> None:
    demo = subprocess.Popen(
        [ORDERHUB, "demo"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "120", "HOME": str(tmp_path)},
    )
    assert demo.stdout is not None
    for line in demo.stdout:  # stop it inside its first sync
        if "1. full sync" in line:
            break
    time.sleep(3)
    demo.send_signal(signal.SIGINT)
    rest = demo.stdout.read()
    assert demo.wait(timeout=120) == 130, rest
    # its sources are gone once it stops: resuming one sync cannot work, starting over does
    assert "run `orderhub demo` again" in rest and "orderhub sync" not in rest
