"""Tombstones that carry only a key (sources that delete rows outright, e.g. Oracle EBS),
and children that another stream of the same source produced."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select

from orderhub.warehouse import schema
from tests.integration.test_target_load import count, run_target
from tests.shopify_records import BASE_TIME, messages, order


def test_a_key_only_tombstone_soft_deletes_what_its_record_produced(
    warehouse: Engine, warehouse_url: str
) -> None:
    run_target(warehouse_url, messages([order(1), order(2)]))
    deleted_at = BASE_TIME + timedelta(hours=5)
    tombstone = {"id": "gid://shopify/Order/1", "_sdc_deleted_at": deleted_at.isoformat()}
    target = run_target(warehouse_url, messages([tombstone]))
    orders, lines = schema.orders, schema.order_lines
    assert count(warehouse, orders, orders.c.deleted_at.is_(None)) == 1
    assert count(warehouse, lines, lines.c.deleted_at.is_(None)) == 2  # order 2's lines
    assert count(warehouse, schema.payments, schema.payments.c.deleted_at.is_(None)) == 1
    # the buyer carried inside the order is not deleted with it
    assert count(warehouse, schema.customers, schema.customers.c.deleted_at.is_(None)) == 2
    assert count(warehouse, schema.dead_letters) == 0
    with warehouse.connect() as connection:
        when = connection.execute(
            select(orders.c.deleted_at).where(orders.c.source_id == "1")
        ).scalar_one()
        landed = connection.execute(
            select(schema.raw_records.c.payload).where(
                schema.raw_records.c.record_key == "gid://shopify/Order/1"
            )
        ).scalar_one()
    assert when == deleted_at
    assert landed == tombstone  # nothing is lost: the tombstone itself is landed
    assert target is not None


def test_a_key_only_record_that_is_no_tombstone_is_still_a_dead_letter(
    warehouse: Engine, warehouse_url: str
) -> None:
    run_target(warehouse_url, messages([{"id": "gid://shopify/Order/9"}]))
    assert count(warehouse, schema.dead_letters) == 1
    assert count(warehouse, schema.orders) == 0


def test_children_of_another_stream_survive_a_resent_order(
    warehouse: Engine, warehouse_url: str
) -> None:
    """Shipments from a stream of their own are not dropped when the order comes again."""
    run_target(warehouse_url, messages([order(1, fulfillment="FULFILLED")]))
    with warehouse.begin() as connection:
        connection.execute(
            schema.shipments.update()
            .where(schema.shipments.c.deleted_at.is_(None))
            .values(source_stream="shipments")
        )
    shipments_before = count(warehouse, schema.shipments, schema.shipments.c.deleted_at.is_(None))
    newer = order(1, updated=BASE_TIME + timedelta(hours=1))  # no fulfillments in it
    run_target(warehouse_url, messages([newer]))
    assert shipments_before >= 1
    live = schema.shipments.c.deleted_at.is_(None)
    assert count(warehouse, schema.shipments, live) == shipments_before
