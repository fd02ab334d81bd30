"""What the DAG factory reads from orderhub.yml, without Airflow: plans, pools, Airflow
Variables in settings, connection overlays, and the XCom summary of a sync."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from orderhub.airflow.plan import plan_pipelines, pools, window_size
from orderhub.airflow.summary import cdc_lag_seconds, summary_lines, sync_summary
from orderhub.cli.app import app
from orderhub.exceptions import ConfigurationError
from orderhub.runner.settings import load_settings
from orderhub.runner.sync import SyncResult

CONFIG = """
warehouse: sqlite:///wh.db
pipelines:
  shop:
    source: shopify
    config:
      access_token: ${var:shop_token}
      shop: ${var:shop_name:-demo-shop}
  shop_eu:
    source: shopify
    connection: orderhub_shop_eu
  ebs: {source: oracle_ebs, airflow: {backfill_window: 12h}}
pools: {shopify: 3}
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "orderhub.yml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_pipelines_of_one_source_share_its_pool(config: Path) -> None:
    settings = load_settings(config, env={})
    plans = {plan.pipeline: plan for plan in plan_pipelines(settings)}
    assert plans["shop"].pool == plans["shop_eu"].pool == "orderhub_shopify"
    assert plans["ebs"].backfill_window == timedelta(hours=12)
    assert pools(settings) == {
        "orderhub_oracle_ebs": {
            "slots": 1,
            "description": "orderhub syncs of oracle_ebs (its rate limit)",
            "include_deferred": False,
        },
        "orderhub_shopify": {
            "slots": 3,
            "description": "orderhub syncs of shopify (its rate limit)",
            "include_deferred": False,
        },
    }


def test_airflow_variables_resolve_through_airflow_or_its_environment(config: Path) -> None:
    from_env = load_settings(config, env={"AIRFLOW_VAR_SHOP_TOKEN": "shpat_env"})
    assert from_env.pipeline("shop").config == {"access_token": "shpat_env", "shop": "demo-shop"}
    looked: list[str] = []

    def lookup(name: str) -> str | None:
        looked.append(name)
        return {"shop_token": "shpat_airflow"}.get(name)

    under_airflow = load_settings(config, env={}).with_variables(lookup)
    assert under_airflow.pipeline("shop").config["access_token"] == "shpat_airflow"
    assert looked == ["shop_token", "shop_name"]
    unset = r"pipelines\.shop\.config\.access_token.*shop_token"
    with pytest.raises(ConfigurationError, match=unset):
        load_settings(config, env={}).pipeline("shop")


def test_a_connection_overlay_reaches_only_its_pipeline(config: Path) -> None:
    settings = load_settings(config, env={}).with_config_overlay("shop_eu", {"access_token": "x"})
    assert settings.pipeline("shop_eu").config == {"access_token": "x"}
    assert load_settings(config, env={}).pipeline("shop_eu").config == {}


@given(st.integers(1, 10_000), st.sampled_from("mhdw"))
def test_window_sizes_read_as_written(count: int, unit: str) -> None:
    names = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    assert window_size(f"{count}{unit}", "x") == timedelta(**{names[unit]: count})


@pytest.mark.parametrize("text", ["0d", "1 day", "d", "-1h", "1.5h", "1y", ""])
def test_a_window_size_that_is_not_one_is_refused_naming_where(text: str) -> None:
    with pytest.raises(ConfigurationError, match=r"pipelines\.x\.airflow\.backfill_window"):
        window_size(text, "pipelines.x.airflow.backfill_window")


def _result(**counts: dict[str, int]) -> SyncResult:
    return SyncResult(
        run_id="r1",
        pipeline="shop",
        status="succeeded",
        records_in=0,
        upserted=0,
        unchanged=0,
        dead_lettered=0,
        rejected_transitions=0,
        stream_counts=counts,
        seconds=1.5,
    )


def test_a_summary_carries_counts_and_cdc_lag_per_stream() -> None:
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    state = {
        "bookmarks": {
            "orders": {"replication_key_value": "2024-05-01T11:59:00Z"},
            "customers": {"replication_key_value": 9812},
            "lines": {"partitions": []},
        }
    }
    result = _result(orders={"records_in": 5, "upserted": 3, "unchanged": 2, "dead_lettered": 1})
    summary = sync_summary(result, state, now)
    assert summary["totals"]["upserted"] == 3 and summary["totals"]["dead_lettered"] == 1
    assert summary["streams"]["orders"]["cdc_lag_seconds"] == 60.0
    assert summary["streams"]["customers"]["cdc_lag_seconds"] is None  # a rowversion
    assert summary["streams"]["lines"]["bookmark"] is None
    json.dumps(summary)  # XCom-ready
    lines = summary_lines(summary)
    assert lines[0].startswith("shop run r1: succeeded")
    assert any(line.startswith("  orders:") and "cdc_lag=60s" in line for line in lines)


@pytest.mark.parametrize(
    ("bookmark", "lag"),
    [
        ("2024-05-01T11:00:00+00:00", 3600.0),
        ("2024-05-01T11:00:00", 3600.0),  # naive: UTC
        ("2024-05-01T13:00:00Z", 0.0),  # a source clock ahead: no negative lag
        ("not a time", None),
        (None, None),
    ],
)
def test_cdc_lag(bookmark: object, lag: float | None) -> None:
    assert cdc_lag_seconds(bookmark, datetime(2024, 5, 1, 12, tzinfo=UTC)) == lag


def test_the_cli_lists_dags_and_writes_pools_for_airflow(config: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["airflow", "dags", "--config", str(config), "--json"])
    assert listed.exit_code == 0, listed.output
    assert [row["dag_id"] for row in json.loads(listed.stdout)] == [
        "orderhub_ebs",
        "orderhub_shop",
        "orderhub_shop_eu",
    ]
    target = tmp_path / "pools.json"
    written = runner.invoke(app, ["airflow", "pools", "--config", str(config), "-o", str(target)])
    assert written.exit_code == 0, written.output
    assert json.loads(target.read_text())["orderhub_shopify"]["slots"] == 3


def test_the_cli_names_the_pipeline_and_key_of_an_invalid_file(tmp_path: Path) -> None:
    path = tmp_path / "orderhub.yml"
    path.write_text("pipelines:\n  shop: {source: shopify, airflow: {retries: lots}}\n")
    done = CliRunner().invoke(app, ["airflow", "dags", "--config", str(path)])
    assert done.exit_code == 1
    assert "pipelines.shop.airflow.retries" in done.output


def test_unquoted_dates_in_a_config_reach_the_tap_as_text(tmp_path: Path) -> None:
    path = tmp_path / "orderhub.yml"
    path.write_text(
        "pipelines:\n  s:\n    source: shopify\n"
        "    config: {start_date: 2000-01-01T00:00:00Z, day: 2024-01-02}\n"
    )
    config = load_settings(path, env={}).pipeline("s").config
    assert config == {"start_date": "2000-01-01T00:00:00+00:00", "day": "2024-01-02"}
    json.dumps(config)  # what the runner writes for the tap


def test_a_schedule_is_checked_as_airflow_checks_it_and_trimmed(tmp_path: Path) -> None:
    path = tmp_path / "orderhub.yml"
    path.write_text("pipelines:\n  a: {source: shopify, schedule: ' @hourly '}\n")
    (plan,) = plan_pipelines(load_settings(path, env={}))
    assert plan.schedule == "@hourly"
    path.write_text("pipelines:\n  a: {source: shopify, schedule: '61 * * * *'}\n")
    with pytest.raises(ConfigurationError, match=r"pipelines\.a\.schedule.*out of range"):
        plan_pipelines(load_settings(path, env={}))


def test_an_unresolved_schedule_stops_only_its_pipeline(tmp_path: Path) -> None:
    path = tmp_path / "orderhub.yml"
    path.write_text(
        "pipelines:\n  a: {source: shopify}\n"
        "  b: {source: shopify, schedule: '${var:b_schedule}'}\n"
    )
    settings = load_settings(path, env={})  # what the read-only commands need
    assert settings.pipeline("a").source == "shopify"
    with pytest.raises(ConfigurationError, match="AIRFLOW_VAR_B_SCHEDULE") as raised:
        settings.pipeline("b")
    assert "pipelines.b.schedule" in str(raised.value)
    with pytest.raises(ConfigurationError, match=r"pipelines\.b\.schedule"):
        plan_pipelines(settings)
    with_var = load_settings(path, env={"AIRFLOW_VAR_B_SCHEDULE": "@daily"})
    assert {p.pipeline: p.schedule for p in plan_pipelines(with_var)} == {"a": None, "b": "@daily"}
