"""Simulated shop data: money reconciles, statuses agree, seeds are deterministic."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from connectors.shopify.simulator import ShopifySimulator

MONEY = "{ shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }"
START = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)

FULL_ORDER = f"""query($after: String) {{ orders(first: 3, after: $after) {{
  nodes {{ id name displayFinancialStatus displayFulfillmentStatus cancelledAt
    currentSubtotalPriceSet {MONEY} currentTotalPriceSet {MONEY} currentTotalTaxSet {MONEY}
    currentTotalDiscountsSet {MONEY} totalShippingPriceSet {MONEY} totalPriceSet {MONEY}
    subtotalPriceSet {MONEY} cartDiscountAmountSet {MONEY} totalTaxSet {MONEY}
    originalTotalPriceSet {MONEY} totalRefundedSet {MONEY} totalDiscountsSet {MONEY}
    currentCartDiscountAmountSet {MONEY}
    lineItems(first: 10) {{ nodes {{ quantity currentQuantity discountedUnitPriceSet {MONEY}
      originalUnitPriceSet {MONEY} originalTotalSet {MONEY} totalDiscountSet {MONEY} }} }}
    transactions {{ kind status amountSet {MONEY} }}
    fulfillments {{ displayStatus deliveredAt events(first: 20) {{ nodes {{ status }} }} }}
  }} pageInfo {{ hasNextPage endCursor }} }} }}"""
AMOUNT = re.compile(r"^-?\d+\.\d{2}$")


def _all_orders(gql: Any, sim: ShopifySimulator) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after = None
    while True:
        page = gql(sim, FULL_ORDER, {"after": after}).json()["data"]["orders"]
        out += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return out
        after = page["pageInfo"]["endCursor"]


def _amount(bag: dict[str, Any], side: str) -> Decimal:
    assert AMOUNT.match(bag[side]["amount"]), bag
    return Decimal(bag[side]["amount"])


@pytest.mark.parametrize(("currency", "count"), [("USD", 150), ("CNY", 40), ("EUR", 40)])
def test_money_reconciles_and_statuses_are_consistent(currency: str, count: int, gql: Any) -> None:
    with ShopifySimulator(
        seed=3, orders=count, customers=30, currency=currency, restore_rate=1e6
    ) as sim:
        sim.advance(40)
        orders = _all_orders(gql, sim)
    assert len(orders) > count
    assert {o["totalPriceSet"]["shopMoney"]["currencyCode"] for o in orders} == {currency}
    assert len({o["totalPriceSet"]["presentmentMoney"]["currencyCode"] for o in orders}) > 1
    for order in orders:
        for side in ("shopMoney", "presentmentMoney"):
            lines = order["lineItems"]["nodes"]
            subtotal = sum(
                (
                    _amount(li["discountedUnitPriceSet"], side) * li["currentQuantity"]
                    for li in lines
                ),
                Decimal(0),
            )
            assert _amount(order["currentSubtotalPriceSet"], side) == subtotal
            total = (
                subtotal
                + _amount(order["totalShippingPriceSet"], side)
                + _amount(order["currentTotalTaxSet"], side)
                - _amount(order["currentCartDiscountAmountSet"], side)
            )
            assert _amount(order["currentTotalPriceSet"], side) == total, order["name"]
            ordered = sum(
                (_amount(li["discountedUnitPriceSet"], side) * li["quantity"] for li in lines),
                Decimal(0),
            )
            assert _amount(order["subtotalPriceSet"], side) == ordered  # before returns
            assert _amount(order["totalPriceSet"], side) == (
                ordered
                + _amount(order["totalShippingPriceSet"], side)
                + _amount(order["totalTaxSet"], side)
                - _amount(order["cartDiscountAmountSet"], side)
            ), order["name"]
            assert _amount(order["originalTotalPriceSet"], side) == _amount(
                order["totalPriceSet"], side
            )
            for discounts, cart, quantity in (
                ("totalDiscountsSet", "cartDiscountAmountSet", "quantity"),
                ("currentTotalDiscountsSet", "currentCartDiscountAmountSet", "currentQuantity"),
            ):  # line-level plus order-level, before and after returns
                line_discounts = sum(
                    (
                        (
                            _amount(li["originalUnitPriceSet"], side)
                            - _amount(li["discountedUnitPriceSet"], side)
                        )
                        * li[quantity]
                        for li in lines
                    ),
                    Decimal(0),
                )
                assert _amount(order[discounts], side) == line_discounts + _amount(
                    order[cart], side
                )
            for li in lines:
                assert (
                    _amount(li["originalTotalSet"], side)
                    == _amount(li["originalUnitPriceSet"], side) * li["quantity"]
                )
            settled = [t for t in order["transactions"] if t["status"] == "SUCCESS"]
            paid = sum(
                (
                    _amount(t["amountSet"], side)
                    for t in settled
                    if t["kind"] in {"SALE", "CAPTURE"}
                ),
                Decimal(0),
            )
            refunded = sum(
                (_amount(t["amountSet"], side) for t in settled if t["kind"] == "REFUND"),
                Decimal(0),
            )
            status = order["displayFinancialStatus"]
            if status in {"PAID", "PARTIALLY_REFUNDED", "REFUNDED"}:
                assert paid == _amount(order["totalPriceSet"], side)
                assert paid - refunded == _amount(order["currentTotalPriceSet"], side)
            else:
                assert paid == 0
            assert refunded == _amount(order["totalRefundedSet"], side)
        fulfilled = order["displayFulfillmentStatus"] in {"FULFILLED", "PARTIALLY_FULFILLED"}
        assert bool(order["fulfillments"]) == fulfilled, order["name"]
        for fulfillment in order["fulfillments"]:
            events = [e["status"] for e in fulfillment["events"]["nodes"]]
            assert events[0] == "CONFIRMED"
            assert (fulfillment["displayStatus"] == "DELIVERED") == (events[-1] == "DELIVERED")
            assert (fulfillment["deliveredAt"] is not None) == ("DELIVERED" in events)
        if order["cancelledAt"]:
            assert status in {"VOIDED", "EXPIRED"} and not order["fulfillments"]
    statuses = {o["displayFinancialStatus"] for o in orders}
    assert {"PAID", "PARTIALLY_REFUNDED", "VOIDED"} <= statuses
    if count > 100:
        assert "REFUNDED" in statuses


def test_seed_is_deterministic_and_spread_over_30_days() -> None:
    one = ShopifySimulator(seed=5, orders=40, customers=10, start_time=START)
    two = ShopifySimulator(seed=5, orders=40, customers=10, start_time=START)
    other = ShopifySimulator(seed=6, orders=40, customers=10, start_time=START)
    dump = lambda sim: json.dumps(list(sim.store.orders.values()), default=str, sort_keys=True)  # noqa: E731
    assert dump(one) == dump(two) != dump(other)
    created = [o["createdAt"] for o in one.store.orders.values()]
    assert min(created) >= (START - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert max(o["updatedAt"] for o in one.store.orders.values()) <= "2025-06-30T12:00:00Z"
    assert one.advance(10) == two.advance(10)


def test_advance_is_monotonic_and_never_in_the_future(simulator: ShopifySimulator) -> None:
    before = max(o["updatedAt"] for o in simulator.store.orders.values())
    first = simulator.advance(12)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    stamps = {simulator.store.orders[int(i.rsplit("/", 1)[1])]["updatedAt"] for i in first}
    assert len(stamps) == 1
    stamp = stamps.pop()
    assert before <= stamp <= now
    second = simulator.advance(12, distinct_second=True)
    later = {simulator.store.orders[int(i.rsplit("/", 1)[1])]["updatedAt"] for i in second}
    assert min(later) > stamp
    assert max(later) <= datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_people_are_mixed_and_phones_vary(simulator: ShopifySimulator) -> None:
    customers = list(simulator.store.customers.values())
    names = " ".join(c["displayName"] for c in customers)
    assert re.search(r"[\u4e00-\u9fff]", names) and re.search(r"[A-Za-z]", names)
    phones = [
        o["shippingAddress"]["phone"]
        for o in simulator.store.orders.values()
        if o["shippingAddress"]["phone"]
    ]
    assert any(p.startswith("+") and " " not in p for p in phones)
    assert any(" " in p or "(" in p for p in phones)
    assert all(c["phone"] is None or re.fullmatch(r"\+\d{8,15}", c["phone"]) for c in customers)


def test_start_time_in_future_is_rejected() -> None:
    with pytest.raises(ValueError, match="future"):
        ShopifySimulator(orders=1, customers=1, start_time=datetime.now(UTC) + timedelta(hours=1))
