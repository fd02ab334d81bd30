"""The real sync path (tap-sap | target-orderhub as processes) into a SQLite warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.sap.records import STATUS_FIELDS
from connectors.sap.simulator import SapSimulator, simulate
from orderhub.exceptions import SyncError
from orderhub.mapping.catalog import MappingCatalog
from orderhub.runner.settings import PipelineSettings, Settings
from orderhub.runner.sync import SyncRunner
from orderhub.warehouse import schema


@pytest.fixture
def sim() -> Iterator[SapSimulator]:
    with simulate(seed=3, count=30) as simulator:
        yield simulator


def settings(sim: SapSimulator, warehouse: str) -> Settings:
    config = {
        **sim.basic_config(),
        "start_date": "2000-01-01T00:00:00Z",
        "page_size": 10,
        "request_timeout": 30,  # processes on a busy machine: no fault-test timeouts here
    }
    return Settings(
        warehouse=warehouse,
        pipelines={
            "s4": PipelineSettings(source="sap", config=config, streams=["orders", "customers"])
        },
    )


def expected_statuses(sim: SapSimulator, skip: set[str]) -> dict[str, str]:
    table = MappingCatalog.load(sources={"sap"}).code_tables["sap"]["order_status"]
    out = {}
    for number, order in sim.store.orders.items():
        if number in skip:
            continue
        header = order.header()
        billing = {i["OrderRelatedBillingStatus"] for i in order.item_rows()} - {""}
        header["OverallOrdReltdBillgStatus"] = (
            (billing.pop() if len(billing) == 1 else "B") if billing else None
        )
        out[number] = table.lookup(tuple(header.get(f) or None for f in STATUS_FIELDS))
    return out


def test_sync_into_sqlite_with_bad_input_dead_lettered(
    sim: SapSimulator, sqlite_url: str, tmp_path: Path
) -> None:
    kinds = ("malformed_decimal", "unknown_status", "null_key", "gateway_error")
    bad = {kind: sim.corrupt(kind) for kind in kinds}
    runner = SyncRunner(settings(sim, sqlite_url), work_dir=tmp_path)
    result = runner.run("s4")
    assert result.status in {"succeeded", "succeeded_with_errors"}
    assert result.dead_lettered == 4
    assert result.stream_counts["orders"]["records_in"] == 30
    assert result.stream_counts["customers"]["upserted"] == len(sim.store.partners)

    with runner.engine.connect() as db:
        orders = {r.source_id: r for r in db.execute(select(schema.orders))}
        lines = list(db.execute(select(schema.order_lines)))
        customers = {r.source_id: r for r in db.execute(select(schema.customers))}
        shipments = list(db.execute(select(schema.shipments)))
        letters = list(db.execute(select(schema.dead_letters)))

    expected = expected_statuses(sim, set(bad.values()))
    assert {k: orders[k].status for k in orders} == expected
    assert len(set(expected.values())) >= 3, "the seed should cover several statuses"
    sample = orders[next(iter(expected))]
    assert sample.status_raw.count("/") == 6 and sample.source_system == "sap"
    assert len(lines) == sum(len(sim.store.orders[k].items) for k in expected)
    # calendar dates are not shifted: ordered_at is the document date's UTC midnight
    order = sim.store.orders[sample.source_id]
    assert sample.ordered_at.date() == order.created.date()
    # phones with an 00 international prefix become E.164 in their own country
    phones = {c.full_name: c.phone for c in customers.values()}
    assert phones["Inlandskunde DE 1"] == "+49301234567"
    assert phones["北京贸易有限公司"] == "+861088886666"
    assert phones["Domestic US Customer 1"] == "+12015550123"
    assert shipments == []  # the sales order API has no deliveries to offer

    reasons = {(r.source_system, r.stream, r.rule, r.field, r.record_key) for r in letters}
    assert ("sap", "orders", "unknown_code", "order.status", bad["unknown_status"]) in reasons
    assert any(
        r.record_key == bad["malformed_decimal"] and r.field == "order.current_total_amount"
        for r in letters
    )
    assert any(r.rule == "missing_key" and r.stream == "orders" for r in letters)
    [unreadable] = [r for r in letters if r.record_key == bad["gateway_error"]]
    assert unreadable.rule == "source_error" and "Unit of measure PCE" in unreadable.reason
    assert all("12,50" in r.reason or r.record_key != bad["malformed_decimal"] for r in letters)

    # the next sync reads only what changed; a fixed record loads
    fixed = sim.store.orders[bad["unknown_status"]]
    fixed.extra.clear()
    fixed.changed = datetime.now(UTC)  # a correction in SAP is a change like any other
    changed = sim.store.change_orders(4) | {bad["unknown_status"]}
    second = runner.run("s4")
    assert second.stream_counts["orders"]["records_in"] < 30
    with runner.engine.connect() as db:
        loaded = set(db.execute(select(schema.orders.c.source_id)).scalars())
    still_bad = {bad["malformed_decimal"], bad["null_key"], bad["gateway_error"]}
    assert changed - still_bad <= loaded and bad["unknown_status"] in loaded


@pytest.mark.parametrize(
    ("change", "setting"),
    [
        # (a wrong password is tested against the client: test_sap_client.py)
        (
            {
                "auth_method": "oauth2",
                "oauth_token_url": "{base}/sap/bc/sec/oauth2/token",
                "oauth_client_id": "ORDERHUB_OAUTH",
                "oauth_client_secret": "Wrong-OAuth-S3cret",
            },
            "`oauth_client_secret`",
        ),
    ],
)
def test_bad_credentials_fail_naming_the_setting_without_the_secret(
    sim: SapSimulator, sqlite_url: str, tmp_path: Path, change: dict[str, str], setting: str
) -> None:
    config = settings(sim, sqlite_url)
    pipeline = config.pipelines["s4"].config
    pipeline.update({k: v.format(base=sim.base_url) for k, v in change.items()})
    secret = change.get("password") or change["oauth_client_secret"]
    runner = SyncRunner(config, work_dir=tmp_path)
    with pytest.raises(SyncError) as error:
        runner.run("s4")
    message = str(error.value)
    assert setting in message and secret not in message
    for log in tmp_path.glob("logs/*/*.log"):
        assert secret not in log.read_text()
