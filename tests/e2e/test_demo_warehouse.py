"""`orderhub demo` never touches a warehouse it did not create.

Refusals run the real command (exit 1, a message saying what to do, nothing written or
deleted: SQLite files byte-for-byte, PostgreSQL row-for-row); starting over is checked on
warehouses that only the demo pipeline ever wrote to.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, inspect, select, text

from orderhub.cli.demo import DEMO_PIPELINES, DemoWarehouse
from orderhub.exceptions import ConfigurationError
from orderhub.warehouse import schema
from orderhub.warehouse.engine import create_warehouse_engine, migrate, normalise_url
from tests.e2e.test_amounts_reconcile import assert_amounts_reconcile
from tests.e2e.test_demo import ORDERHUB
from tests.integration.test_target_load import run_target
from tests.shopify_records import messages, order

PIPELINE = DEMO_PIPELINES[0].pipeline  # the Shopify demo pipeline


def demo(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ORDERHUB, "demo", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "HOME": str(cwd)},
    )


def every_row(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read without orderhub's engine (no pragmas, no migration)."""
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            names = inspect(connection).get_table_names()
            return {
                name: sorted(
                    map(tuple, connection.execute(text(f'SELECT * FROM "{name}"'))), key=repr
                )
                for name in names
            }
    finally:
        engine.dispose()


def files(folder: Path) -> dict[str, bytes | None]:
    """The folder's files and their bytes.

    A ``-shm`` file is SQLite's shared lock index: any reader of a WAL database (the
    ``sqlite3`` shell too) updates it, and it holds no data, so only its presence counts.
    """
    return {
        path.name: None if path.name.endswith("-shm") else path.read_bytes()
        for path in sorted(folder.iterdir())
        if path.is_file()
    }


def load(url: str, pipeline: str) -> None:
    """Orders landed by target-orderhub under ``pipeline`` (its bookmark names it)."""
    run_target(url, messages([order(n) for n in range(1, 6)]), pipeline=pipeline)


def assert_refused(
    done: subprocess.CompletedProcess[str], reason: str, next_step: str = "Drop --warehouse"
) -> None:
    assert done.returncode == 1, done.stdout + done.stderr
    message = " ".join(done.stderr.split())
    assert "is not a warehouse the demo created" in message
    assert reason in message
    assert "nothing was written or deleted" in message and next_step in message
    assert "Traceback" not in done.stderr


def test_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_bytes(b"quarterly numbers, not a database\n" * 40)
    before = files(tmp_path)
    assert_refused(demo(tmp_path, "--warehouse", f"sqlite:///{notes}"), "not a database")
    assert files(tmp_path) == before  # no journal, no -wal/-shm either


@pytest.mark.parametrize("pipelines", [["shopify-eu"], [PIPELINE, "shopify-eu"]])
def test_refuses_a_warehouse_holding_other_pipelines_data(
    warehouse_url: str, tmp_path: Path, pipelines: list[str]
) -> None:
    for pipeline in pipelines:
        load(warehouse_url, pipeline)
    rows, folder = every_row(warehouse_url), files(tmp_path)
    done = demo(tmp_path, "--warehouse", warehouse_url)
    assert_refused(done, "other pipelines (shopify-eu)")
    assert every_row(warehouse_url) == rows
    if warehouse_url.startswith("sqlite"):
        assert files(tmp_path) == folder  # byte for byte, and nothing beside it


def test_refuses_a_sqlite_warehouse_at_rest_and_leaves_no_file_beside_it(
    sqlite_url: str, tmp_path: Path
) -> None:
    load(sqlite_url, "shopify-eu")
    live = Path(sqlite_url.removeprefix("sqlite:///"))
    with sqlite3.connect(live) as connection:  # fold the WAL in, as a closed warehouse is
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    at_rest = tmp_path / "closed"
    at_rest.mkdir()
    shutil.copyfile(live, at_rest / "warehouse.db")
    before = files(at_rest)
    done = demo(tmp_path, "--warehouse", f"sqlite:///{at_rest / 'warehouse.db'}")
    assert_refused(done, "other pipelines (shopify-eu)")
    assert files(at_rest) == before  # byte for byte, and no -wal/-shm appeared


def test_refuses_an_orderhub_warehouse_no_demo_ran_in(warehouse: Engine, tmp_path: Path) -> None:
    url = warehouse.url.render_as_string(hide_password=False)
    warehouse.dispose()
    rows = every_row(url)
    assert_refused(demo(tmp_path, "--warehouse", url), "no demo has run in it")
    assert every_row(url) == rows


def test_an_unrecognised_file_at_the_demo_path_is_left_for_the_user_to_delete(
    tmp_path: Path,
) -> None:
    own = tmp_path / ".orderhub" / "demo" / "warehouse.db"
    own.parent.mkdir(parents=True)
    engine = create_warehouse_engine(f"sqlite:///{own}")
    migrate(engine)  # what a demo killed before its first run leaves
    engine.dispose()
    before = files(own.parent)
    done = demo(tmp_path)
    assert_refused(done, "no demo has run in it", f"delete {own} and run the demo again")
    assert files(own.parent) == before


def test_a_refusal_never_shows_the_password(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as refused:
        DemoWarehouse("postgresql://demo:s3cr3t-pw@127.0.0.1:1/warehouse").claim()
    assert "s3cr3t-pw" not in str(refused.value)
    assert "cannot connect to the warehouse postgresql+psycopg://demo:***@127.0.0.1:1" in str(
        refused.value
    )


def test_refuses_a_database_with_tables_orderhub_does_not_own(pg_url: str, tmp_path: Path) -> None:
    engine = create_engine(normalise_url(pg_url))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE ledger (id int primary key, amount numeric)"))
        connection.execute(text("INSERT INTO ledger VALUES (1, 99.50)"))
    engine.dispose()
    assert_refused(demo(tmp_path, "--warehouse", pg_url), "tables orderhub does not own (ledger)")
    assert every_row(pg_url) == {"ledger": [(1, pytest.approx(99.50))]}


def test_starts_over_in_a_warehouse_only_the_demo_wrote_to(warehouse_url: str) -> None:
    load(warehouse_url, PIPELINE)
    assert every_row(warehouse_url)["orders"]
    DemoWarehouse(warehouse_url).claim()
    if warehouse_url.startswith("sqlite"):
        assert not Path(warehouse_url.removeprefix("sqlite:///")).exists()
    else:
        rows = every_row(warehouse_url)
        assert set(schema.metadata.tables) <= set(rows)  # the schema stays
        assert not any(rows[name] for name in schema.metadata.tables)


def test_demo_runs_in_an_empty_postgresql_database(pg_url: str, tmp_path: Path) -> None:
    done = demo(tmp_path, "--orders", "20", "--warehouse", pg_url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"warehouse: {pg_url.replace('postgresql://', 'postgresql+psycopg://')}" in done.stdout
    engine = create_warehouse_engine(pg_url)
    try:
        with engine.connect() as connection:
            runs = connection.execute(select(schema.sync_runs.c.pipeline)).scalars().all()
        assert sorted(runs) == sorted(p.pipeline for p in DEMO_PIPELINES for _ in range(2))
        assert_amounts_reconcile(engine)
    finally:
        engine.dispose()
    # no SQLite warehouse on the side: the only files are the ERPs' seeded source databases
    sources = tmp_path / ".orderhub" / "demo" / "sources"
    assert all(sources in path.parents for path in tmp_path.glob("**/*.db"))


@pytest.mark.parametrize("url", ["bogus://x", "not a url at all://"])
def test_an_unknown_kind_of_database_is_refused_as_an_invalid_url(url: str) -> None:
    with pytest.raises(ConfigurationError, match="warehouse URL is not valid"):
        DemoWarehouse(url)
