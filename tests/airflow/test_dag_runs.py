"""A pipeline's DAG run end to end with ``dag.test()``: the Shopify simulator, target
processes, a real PostgreSQL warehouse, Airflow's retries and asset events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select

from connectors.shopify.simulator import ShopifySimulator
from orderhub.warehouse import schema
from orderhub.warehouse.engine import create_warehouse_engine
from tests.airflow.conftest import ROOT, write_config

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
TOKEN = "shpat_airflow_5ecret_0123456789"


@pytest.fixture
def shop() -> Any:
    with ShopifySimulator(
        seed=5, orders=60, customers=20, access_token=TOKEN, bucket_size=20_000, restore_rate=10_000
    ) as simulator:
        yield simulator


def _pipeline(tmp_path: Path, pg_url: str, shop: ShopifySimulator, monkeypatch: Any) -> Path:
    """orderhub.yml whose secrets come from an Airflow connection and a Variable."""
    connection = {
        "conn_type": "orderhub_shopify",
        "host": shop.url,
        "password": TOKEN,
        "extra": {"page_size": 20, "max_attempts": 2},
    }
    monkeypatch.setenv("AIRFLOW_CONN_ORDERHUB_SHOP", json.dumps(connection))
    monkeypatch.setenv("AIRFLOW_VAR_SHOP_START", "2000-01-01T00:00:00Z")
    monkeypatch.setenv("ORDERHUB_CONFIG", str(tmp_path / "orderhub.yml"))
    warehouse = pg_url.replace("postgresql://", "postgresql+psycopg://")
    return write_config(
        tmp_path,
        f"""
warehouse: {warehouse}
pipelines:
  shop:
    source: shopify
    connection: orderhub_shop
    streams: [orders, customers]
    config:
      start_date: ${{var:shop_start}}
      backoff_factor: 0.01
    airflow: {{retries: 2, retry_delay: 1, max_retry_delay: 2, lock_wait: 5}}
""",
    )


def _dag(dag_id: str) -> Any:
    """The DAG as Airflow's DAG processor parses it from dags/ (ORDERHUB_CONFIG set)."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert not bag.import_errors, bag.import_errors
    return bag.dags[dag_id]


def _counts(url: str) -> dict[str, int]:
    engine = create_warehouse_engine(url)
    try:
        with engine.connect() as connection:
            return {
                name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in (
                    ("orders", schema.orders),
                    ("order_lines", schema.order_lines),
                    ("customers", schema.customers),
                    ("runs", schema.sync_runs),
                )
            }
    finally:
        engine.dispose()


def _asset_events() -> list[str]:
    """URIs of every asset event Airflow recorded, oldest first."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.execute(
            select(AssetModel.uri)
            .join(AssetEvent, AssetEvent.asset_id == AssetModel.id)
            .order_by(AssetEvent.id)
        )
        return [uri for (uri,) in rows]


def _task_states(run: Any) -> dict[str, tuple[str, int]]:
    return {ti.task_id: (str(ti.state), ti.try_number) for ti in run.get_task_instances()}


def test_a_pipeline_dag_syncs_and_a_second_run_changes_nothing(
    airflow_db: Path, tmp_path: Path, pg_url: str, shop: ShopifySimulator, monkeypatch: Any
) -> None:
    _pipeline(tmp_path, pg_url, shop, monkeypatch)
    dag = _dag("orderhub_shop")

    events_before = len(_asset_events())
    first = dag.test()
    assert str(first.state) == "success", _task_states(first)
    database = pg_url.rsplit("/", 1)[1]
    written = {uri.rsplit("/", 1)[1] for uri in _asset_events()[events_before:]}
    assert written == {
        "customers",
        "orders",
        "order_lines",
        "order_status_history",
        "payments",
        "shipments",
        "tracking_events",
    }
    assert all(f"/{database}/public/" in uri for uri in _asset_events()[events_before:])
    counts = _counts(pg_url)
    assert counts["orders"] == 60 and counts["customers"] == 20
    summary = first.get_task_instance("sync").xcom_pull(task_ids="sync")
    assert summary["totals"]["upserted"] > 0
    assert set(summary["streams"]) == {"orders", "customers"}
    assert summary["streams"]["orders"]["cdc_lag_seconds"] is not None
    assert TOKEN not in json.dumps(summary)
    dedupe = first.get_task_instance("dedupe").xcom_pull(task_ids="dedupe")
    assert dedupe["customers"] + dedupe["deleted"] == 20
    assert dedupe["changed"] == dedupe["customers"] > 0  # every customer got a golden ID

    events_before = len(_asset_events())
    second = dag.test()
    assert str(second.state) == "success", _task_states(second)
    assert _asset_events()[events_before:] == []  # nothing written: no downstream wakes
    again = second.get_task_instance("sync").xcom_pull(task_ids="sync")
    assert again["totals"]["upserted"] == 0
    assert second.get_task_instance("dedupe").xcom_pull(task_ids="dedupe")["changed"] == 0
    assert {k: v for k, v in _counts(pg_url).items() if k != "runs"} == {
        k: v for k, v in counts.items() if k != "runs"
    }


def test_a_sync_that_fails_mid_way_resumes_on_retry_without_gap_or_duplicate(
    airflow_db: Path, tmp_path: Path, pg_url: str, shop: ShopifySimulator, monkeypatch: Any
) -> None:
    _pipeline(tmp_path, pg_url, shop, monkeypatch)
    # Customers and two pages of orders answer, then the shop fails every attempt of one
    # request: the first try fails after committing what it got.
    shop.set_faults({"faults_after": 3, "http_500": 2})
    run = _dag("orderhub_shop").test()

    states = _task_states(run)
    assert states["sync"] == ("success", 2), states
    engine = create_warehouse_engine(pg_url)
    try:
        with engine.connect() as connection:
            runs = connection.execute(
                select(schema.sync_runs.c.status, schema.sync_runs.c.upserted).order_by(
                    schema.sync_runs.c.started_at
                )
            ).all()
            ids = connection.execute(select(schema.orders.c.source_id)).scalars().all()
    finally:
        engine.dispose()
    assert [status for status, _ in runs] == ["failed", "succeeded"], runs
    assert runs[0].upserted > 0  # the failed try committed part of the shop
    assert len(ids) == len(set(ids)) == 60  # no gap, no duplicate


def test_a_backfill_syncs_each_window_as_a_mapped_task_and_leaves_the_bookmark(
    airflow_db: Path, tmp_path: Path, pg_url: str, shop: ShopifySimulator, monkeypatch: Any
) -> None:
    from datetime import date

    from orderhub.reports import committed_state

    _pipeline(tmp_path, pg_url, shop, monkeypatch)
    stamps = sorted(order["updatedAt"] for order in shop.store.orders.values())
    start = date.fromisoformat(stamps[0][:10])
    end = date.fromisoformat(stamps[len(stamps) // 2][:10])
    expected = {
        order["legacyResourceId"]
        for order in shop.store.orders.values()
        if order["updatedAt"][:10] < str(end)
    }
    days = (end - start).days
    assert days >= 3 and expected  # a range several windows long, holding orders
    size = -(-days // 3)  # three windows (the last may be shorter)
    conf = {"start": str(start), "end": str(end), "window": f"{size}d"}
    dag = _dag("orderhub_shop_backfill")

    run = dag.test(run_conf=conf)
    assert str(run.state) == "success", _task_states(run)
    windows = [ti for ti in run.get_task_instances() if ti.task_id == "sync_window"]
    assert len(windows) == -(-days // size) and all(str(ti.state) == "success" for ti in windows)
    engine = create_warehouse_engine(pg_url)
    try:
        with engine.connect() as connection:
            landed = set(connection.execute(select(schema.orders.c.source_id)).scalars())
            names = connection.execute(select(schema.sync_runs.c.pipeline)).scalars().all()
        assert landed == expected  # the range, and nothing after it
        assert len(names) == len(windows) and all(n.startswith("shop@") for n in names)
        assert committed_state(engine, "shop") is None  # the incremental bookmark never moved
    finally:
        engine.dispose()
    report = run.get_task_instance("report").xcom_pull(task_ids="report")
    assert report["totals"]["upserted"] > 0 and len(report["runs"]) == len(windows)
    summaries = list(run.get_task_instance("report").xcom_pull(task_ids="sync_window"))
    assert sorted(s["run_name"] for s in summaries) == sorted(names)
    for summary in summaries:  # each window reports its own bookmark, inside the window
        window_end = summary["run_name"].rsplit("..", 1)[1]
        bookmark = summary["streams"]["orders"]["bookmark"]
        assert bookmark is None or bookmark < window_end

    again = dag.test(run_conf=conf)
    assert str(again.state) == "success", _task_states(again)
    assert again.get_task_instance("report").xcom_pull(task_ids="report")["totals"]["upserted"] == 0


@pytest.mark.parametrize(
    "conf",
    [
        {"start": "2024-02-01", "end": "2024-01-01"},
        {"start": "2020-01-01", "end": "2024-01-01", "window": "1d"},  # > max_map_length
        {"start": "2024-01-01", "end": "2024-02-01", "window": "a fortnight"},
    ],
)
def test_a_backfill_with_bad_params_fails_without_syncing(
    airflow_db: Path,
    tmp_path: Path,
    pg_url: str,
    shop: ShopifySimulator,
    monkeypatch: Any,
    conf: dict[str, str],
) -> None:
    _pipeline(tmp_path, pg_url, shop, monkeypatch)
    run = _dag("orderhub_shop_backfill").test(run_conf=conf)
    states = _task_states(run)
    assert str(run.state) == "failed"
    assert states["plan_windows"] == ("failed", 1)  # a bad range is not retried
    engine = create_warehouse_engine(pg_url)
    try:
        assert "sync_runs" not in inspect(engine).get_table_names()  # no sync even started
    finally:
        engine.dispose()
