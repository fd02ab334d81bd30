"""`orderhub demo`, as `make demo` runs it, in a fresh folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from orderhub.warehouse import schema
from orderhub.warehouse.engine import create_warehouse_engine

ORDERHUB = str(Path(sys.executable).parent / "orderhub")


def test_demo_syncs_twice_and_prints_a_summary(tmp_path: Path) -> None:
    done = subprocess.run(
        [ORDERHUB, "demo", "--orders", "40"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "120", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    database = tmp_path / ".orderhub" / "warehouse.db"
    assert database.exists()
    assert f"warehouse: {database}" in done.stdout.replace("\n", "")
    assert "1. full sync" in done.stdout and "incremental sync" in done.stdout
    assert "second sync:" in done.stdout and "open dead letters" in done.stdout

    engine = create_warehouse_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        orders = connection.execute(select(func.count()).select_from(schema.orders)).scalar()
        runs = connection.execute(
            select(schema.sync_runs.c.status, schema.sync_runs.c.upserted).order_by(
                schema.sync_runs.c.started_at
            )
        ).all()
    assert orders >= 40  # advance() also creates a few new orders
    assert [status for status, _ in runs] == ["succeeded", "succeeded"]
    first, second = runs[0][1], runs[1][1]
    assert 0 < second < first  # the second sync is incremental
