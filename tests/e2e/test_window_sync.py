"""Windowed syncs (backfill): tap-shopify | target-orderhub bounded to a time window."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from connectors.shopify.simulator import ShopifySimulator
from orderhub.reports import committed_state
from orderhub.runner import sync
from orderhub.runner.sync import SyncRunner
from orderhub.runner.window import Window
from orderhub.warehouse import schema
from orderhub.warehouse.locks import PipelineLock
from orderhub.warehouse.records import new_run_id
from tests.e2e.conftest import shop_settings
from tests.e2e.test_cli_sync import orderhub, project
from tests.e2e.test_sync_pipeline import order_versions, source_versions
from tests.integration.test_target_load import snapshot


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def boundaries(shop: ShopifySimulator) -> list[datetime]:
    """Window ends at the 20th, 40th and 60th order's updatedAt: a record on each
    boundary shows the start is inclusive and the end exclusive."""
    versions = sorted(moment(o["updatedAt"]) for o in shop.store.orders.values())
    return [versions[20], versions[40], versions[60]]


def source_orders(shop: ShopifySimulator, start: datetime, end: datetime) -> set[str]:
    return {
        o["id"].rsplit("/", 1)[1]
        for o in shop.store.orders.values()
        if start <= moment(o["updatedAt"]) < end
    }


def orders_rows(url: str) -> dict[str, tuple[object, ...]]:
    """Each order's content (without when it was loaded), by source id."""
    engine = create_engine(url)
    orders = schema.orders
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(orders.c.source_id, orders.c.status, orders.c.row_hash)
            )
            return {row.source_id: tuple(row) for row in rows}
    finally:
        engine.dispose()


def test_windows_load_their_range_only_and_leave_the_pipeline_alone(
    shop: ShopifySimulator, warehouse_url: str, tmp_path: Path
) -> None:
    runner = SyncRunner(shop_settings(shop, warehouse_url, tmp_path), work_dir=tmp_path)
    first, middle, last = boundaries(shop)
    window = Window(first, middle)

    result = runner.run("shop", window=window)
    assert result.status == "succeeded" and result.window == window
    assert result.name == window.run_name("shop")
    landed = set(orders_rows(warehouse_url))
    assert landed == source_orders(shop, first, middle)
    assert len(landed) == 20
    # tap-shopify has an end_date: it read the window only
    assert result.outside_window == 0
    assert result.stream_counts["orders"]["records_in"] == 20

    # the window's state is its own; the pipeline has none
    assert committed_state(runner.engine, "shop") is None
    assert committed_state(runner.engine, window.run_name("shop"))
    with runner.engine.connect() as connection:
        row = connection.execute(
            select(schema.sync_runs).where(schema.sync_runs.c.run_id == result.run_id)
        ).one()
    assert row.pipeline == window.run_name("shop") and row.status == "succeeded"

    # a finished window, run again, loads nothing new
    before = snapshot(runner.engine)
    again = runner.run("shop", window=window)
    assert again.status == "succeeded" and again.upserted == 0
    assert snapshot(runner.engine) == before

    # two adjacent windows are a full sync of their range
    runner.run("shop", window=Window(middle, last))
    full_url = f"sqlite:///{tmp_path / 'full.db'}"
    full = SyncRunner(shop_settings(shop, full_url, tmp_path), work_dir=tmp_path)
    full.run("shop")
    full.engine.dispose()
    in_range = source_orders(shop, first, last)
    windowed = orders_rows(warehouse_url)
    assert set(windowed) == in_range
    assert windowed == {key: row for key, row in orders_rows(full_url).items() if key in in_range}


def test_the_relay_bounds_a_window_the_tap_reads_past(
    shop: ShopifySimulator, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tap without end_date reads on to the present: the relay leaves that out, and the
    window's bookmark, past its end, makes a rerun load nothing."""
    about = sync.settings_schema

    def without_end_date(command: list[str], config: Mapping[str, Any]) -> Mapping[str, Any]:
        schema = dict(about(command, config))
        schema["properties"] = {
            name: value for name, value in schema["properties"].items() if name != "end_date"
        }
        return schema

    monkeypatch.setattr(sync, "settings_schema", without_end_date)
    runner = SyncRunner(shop_settings(shop, sqlite_url, tmp_path), work_dir=tmp_path)
    first, middle, _ = boundaries(shop)
    window = Window(first, middle)
    result = runner.run("shop", window=window)
    assert set(orders_rows(sqlite_url)) == source_orders(shop, first, middle)
    later_orders = sum(1 for o in shop.store.orders.values() if moment(o["updatedAt"]) >= middle)
    assert result.outside_window >= later_orders > 0
    assert result.stream_counts["orders"]["records_in"] == 20
    state = committed_state(runner.engine, window.run_name("shop"))
    assert state and moment(state["bookmarks"]["orders"]["replication_key_value"]) >= middle

    before = snapshot(runner.engine)
    again = runner.run("shop", window=window)
    assert again.upserted == 0 and snapshot(runner.engine) == before


def test_a_window_neither_moves_nor_waits_for_the_incremental_bookmark(
    shop: ShopifySimulator, sqlite_url: str, tmp_path: Path
) -> None:
    runner = SyncRunner(shop_settings(shop, sqlite_url, tmp_path), work_dir=tmp_path)
    runner.run("shop")
    bookmark = committed_state(runner.engine, "shop")
    changed = shop.advance(10, distinct_second=True)
    first, middle, _ = boundaries(shop)

    # the incremental sync holds the pipeline's lock: the window runs beside it
    incremental = PipelineLock(runner.engine, "shop", new_run_id(), tmp_path)
    incremental.acquire()
    try:
        result = runner.run("shop", window=Window(first, middle))
    finally:
        incremental.release()
    assert result.status == "succeeded"
    assert committed_state(runner.engine, "shop") == bookmark

    # so the incremental sync still picks up every change since its own bookmark
    after = runner.run("shop")
    assert after.stream_counts["orders"]["records_in"] >= len(set(changed))
    assert order_versions(runner) == source_versions(shop)


def test_cli_runs_one_window(shop: ShopifySimulator, tmp_path: Path) -> None:
    folder = project(tmp_path, shop.url)
    first, middle, _ = boundaries(shop)
    done = orderhub(
        "sync",
        "shop",
        "--since",
        first.strftime("%Y-%m-%dT%H:%M:%S"),  # naive: UTC
        "--until",
        middle.isoformat(),
        "--json",
        cwd=folder,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["status"] == "succeeded"
    assert summary["window"] == {
        "since": first.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "until": middle.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert summary["streams"]["orders"]["upserted"] == 20
    assert summary["outside_window"] == 0


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--since", "2024-01-01"], "--since needs --until too"),
        (["--until", "2024-01-01"], "--until needs --since too"),
        (["--since", "2024-02-01", "--until", "2024-01-01"], "is not before its end"),
        (["--since", "last week", "--until", "2024-01-01"], "--since 'last week' is not a date"),
    ],
)
def test_cli_names_a_bad_window(options: list[str], said: str, tmp_path: Path) -> None:
    folder = project(tmp_path, "http://127.0.0.1:9/admin/api/2024-07/graphql.json")
    done = orderhub("sync", "shop", *options, cwd=folder, columns=200)
    assert done.returncode == 1
    assert said in done.stderr


def test_sync_help_documents_windows(tmp_path: Path) -> None:
    done = orderhub("sync", "--help", cwd=tmp_path, columns=200)
    assert done.returncode == 0
    assert "--since" in done.stdout and "--until" in done.stdout
    assert "PIPELINE@SINCE..UNTIL" in done.stdout
