"""orderhub sync: tap-shopify | target-orderhub as processes, against the simulator."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from connectors.shopify.simulator import ShopifySimulator
from orderhub.exceptions import SyncError
from orderhub.runner.sync import SyncRunner
from orderhub.warehouse import schema
from tests.e2e.conftest import TOKEN, shop_settings
from tests.integration.test_target_load import snapshot


def order_versions(runner: SyncRunner) -> dict[str, str]:
    with runner.engine.connect() as connection:
        rows = connection.execute(
            select(schema.orders.c.source_id, schema.orders.c.source_updated_at)
        )
        return {source_id: updated.strftime("%Y-%m-%dT%H:%M:%SZ") for source_id, updated in rows}


def source_versions(shop: ShopifySimulator) -> dict[str, str]:
    return {o["id"].rsplit("/", 1)[1]: o["updatedAt"] for o in shop.store.orders.values()}


def test_full_then_incremental_sync(
    shop: ShopifySimulator, warehouse_url: str, tmp_path: Path
) -> None:
    runner = SyncRunner(shop_settings(shop, warehouse_url, tmp_path), work_dir=tmp_path)
    first = runner.run("shop")
    assert first.status == "succeeded"
    assert first.stream_counts["orders"]["upserted"] == len(shop.store.orders)
    assert order_versions(runner) == source_versions(shop)

    changed = shop.advance(15, distinct_second=True)
    second = runner.run("shop")
    changed_ids = {gid.rsplit("/", 1)[1] for gid in changed}
    assert second.stream_counts["orders"]["upserted"] == len(changed_ids)
    # the incremental read starts at the bookmark, so it may re-read the boundary second
    assert second.stream_counts["orders"]["records_in"] < len(shop.store.orders) // 2
    assert order_versions(runner) == source_versions(shop)

    third = runner.run("shop")
    assert third.upserted == 0 and third.dead_lettered == 0


def test_rerunning_a_full_sync_changes_nothing(
    shop: ShopifySimulator, sqlite_url: str, tmp_path: Path
) -> None:
    runner = SyncRunner(shop_settings(shop, sqlite_url, tmp_path), work_dir=tmp_path)
    runner.run("shop", full_refresh=True)
    before = snapshot(runner.engine)
    again = runner.run("shop", full_refresh=True)
    assert snapshot(runner.engine) == before
    assert again.upserted == 0 and again.unchanged == again.records_in


def test_a_bad_token_fails_with_advice_and_without_the_secret(
    shop: ShopifySimulator, sqlite_url: str, tmp_path: Path
) -> None:
    settings = shop_settings(shop, sqlite_url, tmp_path)
    wrong = "shpat_wrong_" + TOKEN[::-1]
    settings.pipelines["shop"].config["access_token"] = wrong
    runner = SyncRunner(settings, work_dir=tmp_path)
    with pytest.raises(SyncError) as error:
        runner.run("shop")
    message = str(error.value)
    # The tap's own words first, the setting named, and no "rerun to resume": nothing
    # was loaded, so there is nothing to resume.
    assert message.startswith("tap-shopify failed before sending any record")
    first_line = message.splitlines()[0]
    assert "rejected the credentials (HTTP 401)" in first_line
    assert "check the setting(s) access_token" in message
    assert "resume" not in message
    assert wrong not in message
    for log in tmp_path.glob("logs/*/*.log"):
        assert wrong not in log.read_text()
    with runner.engine.connect() as connection:
        status = connection.execute(select(schema.sync_runs.c.status)).scalar_one()
    assert status == "failed"


def test_unknown_stream_is_a_configuration_error(
    shop: ShopifySimulator, sqlite_url: str, tmp_path: Path
) -> None:
    settings = shop_settings(shop, sqlite_url, tmp_path)
    settings.pipelines["shop"].streams.append("refunds")
    with pytest.raises(Exception, match="no stream"):
        SyncRunner(settings, work_dir=tmp_path).run("shop")
    engine = SyncRunner(settings, work_dir=tmp_path).engine
    with engine.connect() as connection:
        # The run took the lock, so it is a run: failed, saying why (not running forever).
        [run] = connection.execute(select(schema.sync_runs)).all()
        assert (
            connection.execute(select(func.count()).select_from(schema.pipeline_locks)).scalar()
            == 0
        )
    assert run.status == "failed" and run.finished_at is not None
    assert "has no stream(s) refunds" in run.message
