"""The simulator's money identities hold after any sequence of refunds, in both currencies.

Orders are built from arbitrary prices, quantities, line and order discounts, tax rates,
shipping and currencies, then refunded one unit or everything at a time; after every step the
before-returns amounts must be untouched, the after-returns amounts must follow the lines'
``currentQuantity``, and ``totalRefundedSet`` must be exactly what was paid back.
"""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.shopify import lifecycle
from connectors.shopify.money import RATES_PER_USD, bag_amount, convert, q2, recompute_totals
from connectors.shopify.store import Store, iso

SIDES = ("shopMoney", "presentmentMoney")
BEFORE_RETURNS = (
    "subtotalPriceSet",
    "cartDiscountAmountSet",
    "totalDiscountsSet",
    "totalTaxSet",
    "totalPriceSet",
    "originalTotalPriceSet",
    "totalShippingPriceSet",
)
CREATED = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
currencies = st.sampled_from(sorted(RATES_PER_USD))
rates = st.integers(0, 5000).map(lambda basis_points: Decimal(basis_points) / 10_000)


@st.composite
def lines(draw: st.DrawFn, shop_ccy: str, pres_ccy: str) -> dict[str, Any]:
    unit = q2(Decimal(draw(st.integers(100, 500_000))) / 100)
    discount_rate = draw(rates)
    quantity = draw(st.integers(1, 6))
    pres_unit = convert(unit, shop_ccy, pres_ccy)
    return {
        "quantity": quantity,
        "currentQuantity": quantity,
        "_unit_shop": unit,
        "_unit_presentment": pres_unit,
        "_unit_discount_shop": q2(unit * discount_rate),
        "_unit_discount_presentment": q2(pres_unit * discount_rate),
    }


@st.composite
def paid_orders(draw: st.DrawFn) -> dict[str, Any]:
    shop_ccy, pres_ccy = draw(currencies), draw(currencies)
    shipping = q2(Decimal(draw(st.sampled_from([0, 0, 499, 1250, 2999]))) / 100)
    order: dict[str, Any] = {
        "id": "gid://shopify/Order/1",
        "currencyCode": shop_ccy,
        "presentmentCurrencyCode": pres_ccy,
        "displayFinancialStatus": "PAID",
        "updatedAt": iso(CREATED),
        "test": False,
        "customer": None,
        "transactions": [],
        "_gateway": "shopify_payments",
        "_lines": draw(st.lists(lines(shop_ccy, pres_ccy), min_size=1, max_size=5)),
        "_discount_rate": draw(st.sampled_from([Decimal(0), Decimal("0.05"), Decimal("0.10")])),
        "_tax_rate": draw(rates),
        "_shipping_shop": shipping,
        "_shipping_presentment": convert(shipping, shop_ccy, pres_ccy),
    }
    recompute_totals(order)
    return order


def _line_totals(order: dict[str, Any], side: str, quantity: str) -> Decimal:
    """What the lines add up to, from the exposed unit prices (as a consumer computes it)."""
    return sum(
        (
            bag_amount(line["discountedUnitPriceSet"], side) * line[quantity]
            for line in order["_lines"]
        ),
        Decimal(0),
    )


def _line_discounts(order: dict[str, Any], side: str, quantity: str) -> Decimal:
    return sum(
        (
            (
                bag_amount(line["originalUnitPriceSet"], side)
                - bag_amount(line["discountedUnitPriceSet"], side)
            )
            * line[quantity]
            for line in order["_lines"]
        ),
        Decimal(0),
    )


def _refund_transactions(order: dict[str, Any], side: str) -> Decimal:
    return sum(
        (bag_amount(t["amountSet"], side) for t in order["transactions"] if t["kind"] == "REFUND"),
        Decimal(0),
    )


def assert_identities(order: dict[str, Any]) -> None:
    for side in SIDES:
        amount = {key: bag_amount(order[key], side) for key in order if key.endswith("Set")}
        # before returns: the ordered lines add up to the subtotal, the parts to the total
        for line in order["_lines"]:
            line_total = bag_amount(line["originalTotalSet"], side) - bag_amount(
                line["totalDiscountSet"], side
            )
            assert line_total == bag_amount(line["discountedUnitPriceSet"], side) * line["quantity"]
        assert amount["subtotalPriceSet"] == _line_totals(order, side, "quantity")
        assert amount["totalPriceSet"] == (
            amount["subtotalPriceSet"]
            - amount["cartDiscountAmountSet"]
            + amount["totalShippingPriceSet"]
            + amount["totalTaxSet"]
        )
        assert amount["originalTotalPriceSet"] == amount["totalPriceSet"]  # no edits
        assert amount["totalDiscountsSet"] == (
            _line_discounts(order, side, "quantity") + amount["cartDiscountAmountSet"]
        )
        # after returns: the same identities over what is left
        assert amount["currentSubtotalPriceSet"] == _line_totals(order, side, "currentQuantity")
        assert amount["currentTotalPriceSet"] == (
            amount["currentSubtotalPriceSet"]
            - amount["currentCartDiscountAmountSet"]
            + amount["totalShippingPriceSet"]
            + amount["currentTotalTaxSet"]
        )
        assert amount["currentTotalDiscountsSet"] == (
            _line_discounts(order, side, "currentQuantity") + amount["currentCartDiscountAmountSet"]
        )
        # what was paid back is the refund transactions, and the gap between the two totals
        assert amount["totalRefundedSet"] == _refund_transactions(order, side)
        assert (
            amount["totalRefundedSet"] == amount["totalPriceSet"] - amount["currentTotalPriceSet"]
        )
        assert all(value >= 0 for value in amount.values()), amount


@settings(max_examples=200, deadline=None)
@given(paid_orders(), st.lists(st.booleans(), max_size=12), st.integers(0, 2**32))
def test_identities_hold_after_any_sequence_of_refunds(
    order: dict[str, Any], refunds: list[bool], seed: int
) -> None:
    store = Store(rng=random.Random(seed), shop_currency=order["currencyCode"])
    as_ordered = {key: copy.deepcopy(order[key]) for key in BEFORE_RETURNS}
    assert_identities(order)
    assert bag_amount(order["totalRefundedSet"]) == 0
    refunded_any = False
    for step, full in enumerate(refunds):
        at = CREATED + timedelta(hours=step + 1)
        refunded_any |= lifecycle.refund(store, order, at, full=full)
        assert_identities(order)
        assert {key: order[key] for key in BEFORE_RETURNS} == as_ordered
    for side in SIDES:
        assert (bag_amount(order["totalRefundedSet"], side) > 0) == refunded_any
    if refunded_any:
        everything_back = all(line["currentQuantity"] == 0 for line in order["_lines"])
        expected = (
            "REFUNDED" if everything_back and order["_shipping_shop"] == 0 else "PARTIALLY_REFUNDED"
        )
        assert order["displayFinancialStatus"] == expected
