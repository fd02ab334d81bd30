"""target-orderhub against real SQLite and PostgreSQL warehouses."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select

from orderhub.target import TargetOrderhub
from orderhub.warehouse import schema
from tests.shopify_records import BASE_TIME, lines, messages, order, variant


def run_target(warehouse_url: str, items: Any, **config: Any) -> TargetOrderhub:
    target = TargetOrderhub(
        config={"warehouse_url": warehouse_url, "source_system": "shopify", **config},
        validate_config=True,
    )
    target.listen(io.StringIO(lines(items)))
    return target


def count(engine: Engine, table: Any, *where: Any) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
        )


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return {
            name: sorted(map(tuple, connection.execute(select(table))), key=repr)
            for name, table in {
                **{t.name: t for t in schema.ENTITY_TABLES.values()},
                "order_status_history": schema.order_status_history,
            }.items()
        }


def test_orders_land_in_every_unified_table(warehouse: Engine, warehouse_url: str) -> None:
    records = [order(n, fulfillment="FULFILLED" if n % 2 else "UNFULFILLED") for n in range(1, 11)]
    run_target(warehouse_url, messages(records))
    assert count(warehouse, schema.orders) == 10
    assert count(warehouse, schema.order_lines) == 20
    assert count(warehouse, schema.customers) == 7
    assert count(warehouse, schema.payments) == 10
    assert count(warehouse, schema.shipments) == 5
    assert count(warehouse, schema.tracking_events) == 5
    assert count(warehouse, schema.raw_records) == 10
    with warehouse.connect() as connection:
        row = connection.execute(
            select(schema.orders).where(schema.orders.c.source_id == "1")
        ).one()
    assert row.total_amount == Decimal("48.05") and row.currency == "USD"
    assert row.status == "shipped" and row.status_raw == "PAID/FULFILLED"
    assert row.ordered_at.utcoffset() == timedelta(0)
    assert row.phone == "+8613812345678" and row.email == "buyer1@example.com"
    assert row.mapping_version.startswith("shopify/orders@v1+")
    assert row.source_record_key == "gid://shopify/Order/1"


def test_a_rerun_leaves_identical_tables(warehouse: Engine, warehouse_url: str) -> None:
    records = [order(n) for n in range(1, 21)]
    run_target(warehouse_url, messages(records))
    before = snapshot(warehouse)
    second = run_target(warehouse_url, messages(records))
    assert snapshot(warehouse) == before
    assert second.counts["orders"].unchanged == 20 and second.counts["orders"].upserted == 0


def test_an_older_version_never_overwrites_a_newer_one(
    warehouse: Engine, warehouse_url: str
) -> None:
    newer = order(1, updated=BASE_TIME + timedelta(hours=2), fulfillment="FULFILLED")
    older = variant(order(1, updated=BASE_TIME), email="old@example.com")
    run_target(warehouse_url, messages([newer]))
    run_target(warehouse_url, messages([older]))
    with warehouse.connect() as connection:
        row = connection.execute(select(schema.orders.c.email, schema.orders.c.status)).one()
        raw = connection.execute(select(schema.raw_records.c.payload)).scalar_one()
    assert row == ("buyer1@example.com", "shipped")
    assert raw["updatedAt"] == newer["updatedAt"]


def test_bad_records_are_dead_lettered_and_the_rest_load(
    warehouse: Engine, warehouse_url: str
) -> None:
    good = [order(n) for n in range(1, 6)]
    missing_key = variant(order(6), id=None)
    wrong_type = order(7)
    wrong_type["lineItems"][0]["quantity"] = "two"
    unknown_status = variant(order(8), displayFinancialStatus="MAYBE_PAID")
    bad_currency = variant(order(9), currencyCode="XYZ")
    target = run_target(
        warehouse_url, messages([*good, missing_key, wrong_type, unknown_status, bad_currency])
    )
    assert count(warehouse, schema.orders) == 5
    with warehouse.connect() as connection:
        letters = {row.rule: row for row in connection.execute(select(schema.dead_letters)).all()}
    assert set(letters) == {"missing_key", "decimal", "unknown_code", "iso4217"}
    assert letters["decimal"].field == "order_line[0].quantity"
    assert "gid://shopify/Order/7" in letters["decimal"].reason
    assert letters["unknown_code"].field == "order.status"
    assert "MAYBE_PAID" in letters["unknown_code"].reason
    assert letters["iso4217"].field == "order.currency"
    assert letters["missing_key"].payload["name"] == "#6"
    counts = target.counts["orders"]
    assert (counts.records_in, counts.upserted, counts.dead_lettered) == (9, 5, 4)
    # every record that had a key is landed raw: nothing is lost
    assert count(warehouse, schema.raw_records) == 8


def test_a_fixed_record_resolves_its_dead_letter(warehouse: Engine, warehouse_url: str) -> None:
    broken = variant(order(1), currencyCode="XYZ")
    run_target(warehouse_url, messages([broken]))
    fixed = variant(order(1, updated=BASE_TIME + timedelta(hours=1)))
    run_target(warehouse_url, messages([fixed]))
    with warehouse.connect() as connection:
        resolved = connection.execute(select(schema.dead_letters.c.resolved_at)).scalar_one()
    assert resolved is not None and count(warehouse, schema.orders) == 1


def test_impossible_transitions_are_recorded_not_applied(
    warehouse: Engine, warehouse_url: str
) -> None:
    run_target(warehouse_url, messages([order(1, financial="PENDING")]))
    run_target(
        warehouse_url,
        messages([order(1, updated=BASE_TIME + timedelta(hours=1), fulfillment="FULFILLED")]),
    )
    target = run_target(
        warehouse_url,
        messages([order(1, updated=BASE_TIME + timedelta(hours=2), financial="PENDING")]),
    )
    with warehouse.connect() as connection:
        status = connection.execute(select(schema.orders.c.status)).scalar_one()
        history = connection.execute(
            select(
                schema.order_status_history.c.previous_status,
                schema.order_status_history.c.status,
                schema.order_status_history.c.accepted,
            ).order_by(schema.order_status_history.c.occurred_at)
        ).all()
    assert status == "shipped"
    assert [tuple(h) for h in history] == [
        (None, "pending_payment", True),
        ("pending_payment", "shipped", True),
        ("shipped", "pending_payment", False),
    ]
    assert target.counts["orders"].rejected_transitions == 1


def test_lines_dropped_from_an_order_are_soft_deleted(
    warehouse: Engine, warehouse_url: str
) -> None:
    run_target(warehouse_url, messages([order(1, lines=3)]))
    run_target(warehouse_url, messages([order(1, lines=1, updated=BASE_TIME + timedelta(hours=1))]))
    assert count(warehouse, schema.order_lines) == 3
    assert count(warehouse, schema.order_lines, schema.order_lines.c.deleted_at.is_(None)) == 1


def test_state_is_committed_with_the_data(warehouse: Engine, warehouse_url: str) -> None:
    records = [order(n) for n in range(1, 4)]
    run_target(warehouse_url, messages(records), pipeline="shop-eu")
    with warehouse.connect() as connection:
        state = connection.execute(
            select(schema.sync_state.c.state).where(schema.sync_state.c.pipeline == "shop-eu")
        ).scalar_one()
        run = connection.execute(select(schema.sync_runs)).one()
    assert state["bookmarks"]["orders"]["replication_key_value"] == records[-1]["updatedAt"]
    assert (run.status, run.records_in, run.upserted) == ("succeeded", 3, 3)


def test_streams_without_a_mapping_are_landed_raw(warehouse: Engine, warehouse_url: str) -> None:
    target = run_target(warehouse_url, messages([{"id": "r1", "updatedAt": "x"}], stream="refunds"))
    assert count(warehouse, schema.raw_records, schema.raw_records.c.stream == "refunds") == 1
    assert target.counts["refunds"].unmapped == 1
    with warehouse.connect() as connection:
        run = connection.execute(select(schema.sync_runs)).one()
    # Every record is accounted for in the run row too.
    assert (run.records_in, run.unmapped) == (1, 1)
    assert run.records_in == run.upserted + run.unchanged + run.dead_lettered + run.unmapped


def test_tombstones_soft_delete_the_order_but_not_its_buyer(
    warehouse: Engine, warehouse_url: str
) -> None:
    run_target(warehouse_url, messages([order(1), order(2)]))
    deleted_at = BASE_TIME + timedelta(hours=3)
    tombstone = variant(order(1, updated=deleted_at), _sdc_deleted_at=deleted_at.isoformat())
    run_target(warehouse_url, messages([tombstone]))
    live = schema.orders.c.deleted_at.is_(None)
    assert count(warehouse, schema.orders, live) == 1
    assert count(warehouse, schema.order_lines, schema.order_lines.c.deleted_at.is_(None)) == 2
    assert count(warehouse, schema.customers, schema.customers.c.deleted_at.is_(None)) == 2
    with warehouse.connect() as connection:
        when = connection.execute(
            select(schema.orders.c.deleted_at).where(schema.orders.c.source_id == "1")
        ).scalar_one()
    assert when == deleted_at
