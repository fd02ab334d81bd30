"""End to end: tap-sap over SOAP from the ECC simulator through orderhub's real sync path
(tap and target as processes) into a SQLite warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from connectors.sap.ecc.simulator import EccSimulator, simulate
from orderhub.model.status import OrderStatus, decide
from orderhub.runner.settings import PipelineSettings, Settings
from orderhub.runner.sync import SyncRunner
from orderhub.warehouse import schema


@pytest.fixture
def ecc() -> Iterator[EccSimulator]:
    # One order carries AUDAT 2023-02-30: ABAP stores it, no calendar has it.
    with simulate(seed=11, count=36, invalid_dates=1) as service:
        yield service


def settings(ecc: EccSimulator, tmp_path: Path) -> Settings:
    config = ecc.tap_config() | {"request_timeout": 10}
    return Settings(
        warehouse=f"sqlite:///{tmp_path / 'warehouse.db'}",
        pipelines={
            "ecc": PipelineSettings(source="sap", config=config, streams=["orders", "customers"])
        },
    )


def test_ecc_orders_and_customers_land_and_bad_input_is_dead_lettered(
    ecc: EccSimulator, tmp_path: Path
) -> None:
    runner = SyncRunner(settings(ecc, tmp_path), work_dir=tmp_path)
    first = runner.run("ecc")
    assert first.status == "succeeded"
    bad = next(n for n, o in ecc.store.orders.items() if o["header"]["AUDAT"] == "2023-02-30")
    with runner.engine.connect() as db:
        orders = dict(
            db.execute(
                select(schema.orders.c.source_id, schema.orders.c.status).where(
                    schema.orders.c.source_system == "sap"
                )
            ).all()
        )
        lines = db.execute(select(func.count()).select_from(schema.order_lines)).scalar_one()
        customers = dict(
            db.execute(select(schema.customers.c.source_id, schema.customers.c.phone)).all()
        )
        dead = db.execute(
            select(schema.dead_letters.c.record_key, schema.dead_letters.c.reason)
        ).all()
    # Every order but the bad one, in the status its SD statuses mean.
    assert set(orders) == set(ecc.store.orders) - {bad}
    expected = {
        "open": "pending_payment",
        "credit_hold": "on_hold",
        "delivery_block": "on_hold",
        "partly_delivered": "shipped",
        "delivered": "shipped",
        "billing_block": "shipped",  # set after delivery: the goods have left
        "partly_rejected": "completed",
        "completed": "completed",
        "rejected": "cancelled",
        "service_open": "pending_payment",
        "service_billed": "completed",
    }
    for number, status in orders.items():
        assert status == expected[ecc.store.orders[number]["state"]], number
    assert len(set(orders.values())) >= 4
    assert lines == sum(len(ecc.store.orders[n]["items"]) for n in orders)
    assert set(customers) == set(ecc.store.customers)
    german = [k for k, row in ecc.store.customers.items() if row["LAND1"] == "DE"]
    assert german and all((customers[k] or "").startswith("+49") for k in german)
    # The bad order is a dead letter naming the record and the field; nothing else is.
    [(key, reason)] = dead
    assert key == bad and "2023-02-30" in reason
    assert "ordered_at" in reason or "SalesOrderDate" in reason

    # The next sync reads the changes only, and the warehouse follows the source as far
    # as the canonical state machine allows.
    before = {n: ecc.store.orders[n]["state"] for n in orders}
    changed = ecc.change(6)["orders"]
    second = runner.run("ecc")
    assert second.status == "succeeded"
    assert second.stream_counts["orders"]["records_in"] < len(ecc.store.orders) // 2
    with runner.engine.connect() as db:
        statuses = dict(db.execute(select(schema.orders.c.source_id, schema.orders.c.status)).all())
    for number in changed - {bad}:
        observed = OrderStatus(expected[ecc.store.orders[number]["state"]])
        previous = OrderStatus(expected[before[number]]) if number in before else None
        assert statuses[number] == decide(previous, observed).resulting, number
