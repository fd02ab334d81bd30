"""Order amounts and lines agree after refunds: a demo-sized shop through the real tap and target.

Amounts are as ordered (lines too), refunds live in ``refunded_amount`` and
``current_total_amount``, so for every order the live lines add up to the subtotal exactly and
the parts add up to the total, whatever was refunded.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from connectors.shopify.money import bag_amount
from connectors.shopify.simulator import ShopifySimulator
from orderhub.runner.sync import SyncRunner
from orderhub.warehouse import schema
from tests.e2e.conftest import TOKEN, shop_settings


def line_totals(engine: Engine) -> dict[Any, Decimal]:
    """Sum of live ``line_total`` per order key."""
    lines = schema.order_lines
    totals: dict[Any, Decimal] = defaultdict(Decimal)
    with engine.connect() as connection:
        rows = connection.execute(
            select(lines.c.order_key, lines.c.line_total).where(lines.c.deleted_at.is_(None))
        )
        for order_key, line_total in rows:
            totals[order_key] += line_total
    return totals


def live_orders(engine: Engine) -> list[Any]:
    orders = schema.orders
    with engine.connect() as connection:
        return list(connection.execute(select(orders).where(orders.c.deleted_at.is_(None))))


def assert_amounts_reconcile(engine: Engine) -> list[Any]:
    """Every live order: lines add up to the subtotal, parts to the total, refunds to current.

    Returns the orders, for checks against the source.
    """
    totals = line_totals(engine)
    orders = live_orders(engine)
    for order in orders:
        # A part a source does not state (an ERP order has no shipping line) counts as 0.
        discount, shipping, tax, refunded = (
            amount or Decimal(0)
            for amount in (
                order.discount_amount,
                order.shipping_amount,
                order.tax_amount,
                order.refunded_amount,
            )
        )
        assert totals[order.order_key] == order.subtotal_amount, order.order_number
        assert order.total_amount == (order.subtotal_amount - discount + shipping + tax), (
            order.order_number
        )
        if order.refunded_amount is not None:  # a source that reports refunds
            assert order.current_total_amount == order.total_amount - refunded
    return orders


def test_line_totals_reconcile_with_subtotals_after_refunds(
    warehouse_url: str, tmp_path: Path
) -> None:
    with ShopifySimulator(
        seed=5,
        orders=200,
        customers=60,
        access_token=TOKEN,
        bucket_size=20_000,
        restore_rate=10_000,
    ) as shop:
        shop.advance(60)
        runner = SyncRunner(shop_settings(shop, warehouse_url, tmp_path), work_dir=tmp_path)
        assert runner.run("shop").status == "succeeded"
        shop.advance(60, distinct_second=True)  # refunds after the first load, too
        second = runner.run("shop")
        assert second.status == "succeeded" and second.dead_lettered == 0
        source = {o["id"].rsplit("/", 1)[1]: o for o in shop.store.orders.values()}

    orders = assert_amounts_reconcile(runner.engine)
    assert {o.source_id for o in orders} == set(source)
    refunded = [o for o in orders if o.refunded_amount > 0]
    assert len(refunded) >= len(orders) // 20  # the shop refunds about one order in eight
    for order in orders:
        record = source[order.source_id]
        assert order.total_amount == bag_amount(record["totalPriceSet"])
        assert order.refunded_amount == bag_amount(record["totalRefundedSet"])
        assert order.current_total_amount == bag_amount(record["currentTotalPriceSet"])
        was_refunded = record["displayFinancialStatus"] in {"PARTIALLY_REFUNDED", "REFUNDED"}
        assert (order.refunded_amount > 0) == was_refunded, order.order_number
    with runner.engine.connect() as connection:
        lines = schema.order_lines
        quantities = connection.execute(
            select(lines.c.quantity, lines.c.current_quantity).where(lines.c.deleted_at.is_(None))
        ).all()
    assert all(0 <= current <= quantity for quantity, current in quantities)
    assert any(current < quantity for quantity, current in quantities)
