"""The DAG factory from a sample orderhub.yml: tasks, pools, retries, assets, lineage,
connections, and errors that name the pipeline and key."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest

from orderhub.airflow import plan as plan_module
from tests.airflow.conftest import ROOT, write_config

SAMPLE = """
warehouse: postgresql+psycopg://orderhub:${WAREHOUSE_PASSWORD:-s3cret-pw}@db.internal:5433/wh
pipelines:
  shop:
    source: shopify
    schedule: "@hourly"
    connection: orderhub_shop
  ebs:
    source: oracle_ebs
    streams: [orders]
    config: {password: "${EBS_PASSWORD}"}
    airflow: {retries: 5, retry_delay: 30, max_retry_delay: 900, backfill_window: 6h,
              max_parallel_windows: 3, timeout_minutes: 90}
pools: {shopify: 2}
"""


def _bag(config: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("ORDERHUB_CONFIG", str(config))
    return DagBag(dag_folder=str(ROOT / "dags"))


@pytest.fixture
def bag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    bag = _bag(write_config(tmp_path, SAMPLE), monkeypatch)
    assert bag.import_errors == {}
    return bag


def test_every_pipeline_gets_a_scheduled_and_a_backfill_dag(bag: Any) -> None:
    assert sorted(bag.dags) == [
        "orderhub_ebs",
        "orderhub_ebs_backfill",
        "orderhub_shop",
        "orderhub_shop_backfill",
    ]
    shop = bag.dags["orderhub_shop"]
    chain = ["sync", "dedupe", "quality", "report"]
    assert sorted(shop.task_dict) == sorted(chain)
    for task, after in itertools.pairwise(chain):
        assert shop.task_dict[task].downstream_task_ids == {after}
    assert shop.catchup is False and shop.max_active_runs == 1
    assert type(bag.dags["orderhub_ebs"].timetable).__name__ == "NullTimetable"  # manual


def test_sync_tasks_share_their_source_pool_and_back_off_exponentially(bag: Any) -> None:
    from datetime import timedelta

    shop = bag.dags["orderhub_shop"].task_dict["sync"]
    assert shop.pool == "orderhub_shopify"
    assert (shop.retries, shop.retry_delay) == (3, timedelta(seconds=60))
    assert shop.retry_exponential_backoff and shop.max_retry_delay == timedelta(hours=1)
    ebs = bag.dags["orderhub_ebs"].task_dict["sync"]
    assert ebs.pool == "orderhub_oracle_ebs"
    assert (ebs.retries, ebs.retry_delay, ebs.max_retry_delay) == (
        5,
        timedelta(seconds=30),
        timedelta(seconds=900),
    )
    assert ebs.execution_timeout == timedelta(minutes=90)
    assert bag.dags["orderhub_ebs"].task_dict["report"].retries == 0


def test_sync_tasks_emit_their_tables_through_an_asset_alias(bag: Any) -> None:
    from airflow.sdk import AssetAlias

    shop = bag.dags["orderhub_shop"].task_dict["sync"]
    assert shop.outlets == [AssetAlias(name="orderhub_shop_tables")]
    assert shop.stream_tables["orders"] == [
        "customers", "order_lines", "order_status_history", "orders", "payments", "shipments",
        "tracking_events",
    ]  # fmt: skip
    assert shop.stream_tables["customers"] == ["customers"]
    ebs = bag.dags["orderhub_ebs"].task_dict["sync"]
    assert ebs.streams == ["orders"] and "customers" not in ebs.tables


def test_a_backfill_maps_one_sync_per_window_with_bounded_parallelism(bag: Any) -> None:
    dag = bag.dags["orderhub_ebs_backfill"]
    assert type(dag.timetable).__name__ == "NullTimetable"
    assert sorted(dag.params) == ["end", "start", "window"]
    windows, sync = dag.task_dict["plan_windows"], dag.task_dict["sync_window"]
    assert windows.window_size.total_seconds() == 6 * 3600
    assert sync.max_active_tis_per_dagrun == 3
    assert sync.partial_kwargs["pool"] == "orderhub_oracle_ebs"
    assert sync.upstream_task_ids == {"plan_windows"} and sync.downstream_task_ids == {"report"}


def test_no_secret_of_orderhub_yml_reaches_a_dag(bag: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # EBS_PASSWORD is unset: parsing never resolves a pipeline's config.
    from airflow.serialization.serialized_objects import DagSerialization

    for dag in bag.dags.values():
        serialized = json.dumps(DagSerialization.to_dict(dag), default=str)
        assert "s3cret-pw" not in serialized


@pytest.mark.parametrize(
    ("pipeline", "named"),
    [
        ("{source: shopify, airflow: {retries: -1}}", "pipelines.shop.airflow.retries"),
        ("{source: shopify, airflow: {backfill_window: 1 day}}", "backfill_window"),
        ("{source: shopify, airflow: {wat: 1}}", "pipelines.shop.airflow.wat"),
        ("{source: shopify, streams: [orders, refunds]}", "pipelines.shop.streams"),
        (
            "{source: shopify, airflow: {retry_delay: 600, max_retry_delay: 60}}",
            "pipelines.shop.airflow.max_retry_delay",
        ),
        ("{source: shopify, airflow: {retry_delay: 1e308}}", "pipelines.shop.airflow.retry_delay"),
        ("{source: shopify, schedule: not a cron}", "pipelines.shop.schedule"),
        ("{source: shopify, schedule: '@hourlyy'}", "pipelines.shop.schedule"),
        ("{source: shopify, schedule: '99 * * * *'}", "pipelines.shop.schedule"),
        ("{source: shopify, schedule: '0 25 * * *'}", "pipelines.shop.schedule"),
        ("{source: nosuchsource}", "pipelines.shop.source"),
    ],
)
def test_an_invalid_orderhub_yml_is_an_import_error_naming_pipeline_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pipeline: str, named: str
) -> None:
    config = write_config(tmp_path, f"pipelines:\n  shop: {pipeline}\n")
    bag = _bag(config, monkeypatch)
    assert not bag.dags
    (error,) = bag.import_errors.values()
    assert named in error and str(config) in error


@pytest.mark.parametrize(
    ("pipelines", "named"),
    [
        ("  x: {source: shopify}\n  x_backfill: {source: shopify}\n", "orderhub_x_backfill"),
        (f"  {'s' * 86}: {{source: shopify}}\n", "at most 85"),
        (f"  {'s' * 129}: {{source: shopify}}\n", "1 to 128 characters"),
    ],
)
def test_pipeline_names_that_cannot_be_dags_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pipelines: str, named: str
) -> None:
    (error,) = _bag(
        write_config(tmp_path, f"pipelines:\n{pipelines}"), monkeypatch
    ).import_errors.values()
    assert named in error


def test_the_stacks_dags_all_load_with_schedules_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ORDERHUB_WAREHOUSE_URL", "postgresql+psycopg://u:p@postgres/wh")
    monkeypatch.setenv("ORDERHUB_SAP_SCHEDULE", "15 * * * *")
    monkeypatch.setenv("AIRFLOW_VAR_X", "unused")
    bag = _bag(ROOT / "dags" / "orderhub.yml", monkeypatch)
    assert bag.import_errors == {}
    assert len(bag.dags) == 8
    assert bag.dags["orderhub_shopify"].schedule == "@hourly"
    assert bag.dags["orderhub_sap"].schedule == "15 * * * *"


def test_airflow_keys_may_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_RETRIES", "7")
    text = (
        "pipelines:\n  shop:\n    source: shopify\n"
        "    airflow:\n      retries: ${SHOP_RETRIES:-3}\n"
    )
    bag = _bag(write_config(tmp_path, text), monkeypatch)
    assert bag.import_errors == {}
    assert bag.dags["orderhub_shop"].task_dict["sync"].retries == 7


def test_a_pool_for_a_source_no_pipeline_reads_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path, "pipelines:\n  shop: {source: shopify}\npools: {shopfy: 2}\n")
    (error,) = _bag(config, monkeypatch).import_errors.values()
    assert "pools" in error and "shopfy" in error


def test_installed_stages_run_between_sync_and_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.providers.standard.operators.empty import EmptyOperator

    from orderhub.airflow import factory

    stages = [
        factory.Stage("dedupe", 30, lambda plan, path: EmptyOperator(task_id="dedupe")),
        factory.Stage("quality", 20, lambda plan, path: EmptyOperator(task_id="quality")),
    ]
    monkeypatch.setattr(factory, "installed_stages", lambda: sorted(stages, key=lambda s: s.order))
    dags = factory.build_dags(config=write_config(tmp_path, "pipelines:\n  s: {source: shopify}\n"))
    tasks = dags["orderhub_s"].task_dict
    assert tasks["sync"].downstream_task_ids == {"quality"}
    assert tasks["quality"].downstream_task_ids == {"dedupe"}
    assert tasks["dedupe"].downstream_task_ids == {"report"}


def test_a_connection_overlays_the_pipeline_config(monkeypatch: pytest.MonkeyPatch) -> None:
    from orderhub.airflow.hooks import hook_for

    connection = {
        "conn_type": "orderhub_shopify",
        "host": "https://shop.example/admin/api/2025-07/graphql.json",
        "password": "shpat_from_connection",
        "extra": {"page_size": 50, "access_token": "overridden by the password field"},
    }
    monkeypatch.setenv("AIRFLOW_CONN_SHOP_CONN", json.dumps(connection))
    assert hook_for("shopify", "shop_conn").tap_settings() == {
        "api_url": "https://shop.example/admin/api/2025-07/graphql.json",
        "access_token": "shpat_from_connection",
        "page_size": 50,
    }
    # Every setting in extra works with the generic type; the form's fields are not read.
    generic = {**connection, "conn_type": "orderhub", "extra": {"access_token": "t"}}
    monkeypatch.setenv("AIRFLOW_CONN_SHOP_CONN", json.dumps(generic))
    assert hook_for("shopify", "shop_conn").tap_settings() == {"access_token": "t"}


@pytest.mark.parametrize(
    ("connection", "says"),
    [
        (None, "does not exist: create it with type orderhub_shopify"),
        ({"conn_type": "orderhub_shopify", "extra": "[1]"}, "extra must be a JSON object"),
        ({"conn_type": "orderhub_shopify", "extra": "{not json"}, "extra is not valid JSON"),
        ({"conn_type": "postgres", "host": "db"}, "is of type 'postgres'"),
    ],
)
def test_a_connection_that_cannot_be_read_says_what_to_fix(
    monkeypatch: pytest.MonkeyPatch, connection: dict[str, Any] | None, says: str
) -> None:
    from orderhub.airflow.hooks import hook_for
    from orderhub.exceptions import ConfigurationError

    monkeypatch.delenv("AIRFLOW_CONN_SHOP_CONN", raising=False)
    if connection is not None:
        monkeypatch.setenv("AIRFLOW_CONN_SHOP_CONN", json.dumps(connection))
    with pytest.raises(ConfigurationError, match=re.escape(says)):
        hook_for("shopify", "shop_conn").tap_settings()


def test_each_source_has_a_connection_type_in_airflow() -> None:
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()
    manager.initialize_providers_hooks()
    for source in ("shopify", "sap", "oracle_ebs", "u8"):
        conn_type = f"orderhub_{source}"
        assert manager.hooks[conn_type].package_name == "orderhub"
        assert "password" not in manager.field_behaviours[conn_type]["hidden_fields"]


def test_sync_tasks_report_openlineage_inputs_and_outputs(bag: Any) -> None:
    from airflow.providers.openlineage.extractors.base import DefaultExtractor
    from airflow.providers.openlineage.extractors.manager import ExtractorManager

    task = bag.dags["orderhub_shop"].task_dict["sync"]
    # The provider's own extractor is the one that reads these facets on completion.
    assert ExtractorManager().get_extractor_class(task) is DefaultExtractor
    lineage = DefaultExtractor(task).extract_on_complete(None)
    assert lineage is not None
    assert {(d.namespace, d.name) for d in lineage.inputs} == {
        ("orderhub-source://shopify/shop", "orders"),
        ("orderhub-source://shopify/shop", "customers"),
    }
    outputs = {(d.namespace, d.name) for d in lineage.outputs}
    assert ("postgres://db.internal:5433", "wh.public.orders") in outputs
    assert all("s3cret" not in namespace for namespace, _ in outputs)


def test_the_plans_table_names_are_the_warehouses() -> None:
    from orderhub.warehouse.schema import ENTITY_TABLE_NAMES, order_status_history

    assert plan_module.ENTITY_TABLES == ENTITY_TABLE_NAMES
    assert order_status_history.name == plan_module.ORDER_HISTORY_TABLE


def test_parsing_the_dag_folder_loads_no_warehouse_tap_or_driver(tmp_path: Path) -> None:
    """DAG files stay thin: the DAG processor parses them often, and the sync's heavy
    modules (warehouse, mapping compiler, taps, database drivers, quality and dedupe)
    load only in a task."""
    import os
    import subprocess
    import sys

    config = write_config(tmp_path, SAMPLE)
    code = (
        "import sys\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag(dag_folder={str(ROOT / 'dags')!r})\n"
        "assert not bag.import_errors and bag.dags, bag.import_errors\n"
        "heavy = ('orderhub.warehouse', 'orderhub.runner.sync', 'orderhub.mapping',\n"
        "         'orderhub.target', 'connectors', 'singer_sdk', 'psycopg', 'oracledb', 'pyodbc',\n"
        "         'great_expectations', 'quality', 'rapidfuzz', 'phonenumbers', 'pypinyin')\n"
        "print('HEAVY:' + ','.join(sorted(m for m in sys.modules if m.startswith(heavy))))\n"
    )
    env = {**os.environ, "ORDERHUB_CONFIG": str(config)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (loaded,) = [line for line in done.stdout.splitlines() if line.startswith("HEAVY:")]
    assert loaded == "HEAVY:"
