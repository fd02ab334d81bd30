"""Property tests of the Shopify mapping over generated orders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderhub.exceptions import RecordError
from orderhub.mapping.catalog import MappingCatalog
from orderhub.model import Order, OrderLine, OrderStatus

MAPPING = MappingCatalog.load().get("shopify", "orders")
FINANCIAL = ["AUTHORIZED", "EXPIRED", "PAID", "PARTIALLY_PAID", "PARTIALLY_REFUNDED",
             "PENDING", "REFUNDED", "VOIDED"]  # fmt: skip
FULFILLMENT = ["FULFILLED", "IN_PROGRESS", "ON_HOLD", "OPEN", "PARTIALLY_FULFILLED",
               "PENDING_FULFILLMENT", "REQUEST_DECLINED", "RESTOCKED", "SCHEDULED",
               "UNFULFILLED", "FULFILLMENT_NOT_REQUIRED"]  # fmt: skip
cents = st.integers(min_value=0, max_value=10_000_000)


def amount(value: int) -> dict[str, Any]:
    return {"shopMoney": {"amount": f"{Decimal(value) / 100:.2f}", "currencyCode": "EUR"}}


@st.composite
def shopify_orders(draw: st.DrawFn) -> dict[str, Any]:
    lines = draw(st.lists(st.tuples(st.integers(1, 50), cents, cents), min_size=0, max_size=6))
    offset = draw(st.integers(min_value=-12 * 60, max_value=14 * 60))
    updated = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=draw(st.integers(0, 10**8)))
    local = updated.astimezone(timezone(timedelta(minutes=offset)))  # any shop offset
    return {
        "id": f"gid://shopify/Order/{draw(st.integers(1, 10**13))}",
        "name": "#1",
        "updatedAt": local.isoformat(),
        "createdAt": "2023-12-31T23:00:00Z",
        "currencyCode": "EUR",
        "displayFinancialStatus": draw(st.sampled_from(FINANCIAL)),
        "displayFulfillmentStatus": draw(st.sampled_from(FULFILLMENT)),
        "cancelledAt": draw(st.sampled_from([None, "2024-01-02T00:00:00Z"])),
        "closedAt": draw(st.sampled_from([None, "2024-01-03T00:00:00Z"])),
        "totalPriceSet": amount(draw(cents)),
        "totalRefundedSet": amount(draw(cents)),
        "currentTotalPriceSet": amount(draw(cents)),
        "lineItems": [
            {
                "id": f"gid://shopify/LineItem/{index}",
                "name": "item",
                "quantity": quantity,
                "currentQuantity": draw(st.integers(0, quantity)),
                "discountedUnitPriceSet": amount(unit),
                "originalTotalSet": amount(unit * quantity + discount),
                "totalDiscountSet": amount(discount),
            }
            for index, (quantity, unit, discount) in enumerate(lines)
        ],
    }


@settings(max_examples=150, deadline=None)
@given(shopify_orders())
def test_every_documented_status_combination_maps_exactly(record: dict[str, Any]) -> None:
    entities = MAPPING.map(record)
    (order,) = [e for e in entities if isinstance(e, Order)]
    lines = [e for e in entities if isinstance(e, OrderLine)]
    assert OrderStatus(order.status) in OrderStatus
    assert order.status_raw == (
        f"{record['displayFinancialStatus']}/{record['displayFulfillmentStatus']}"
    )
    assert order.source_updated_at == datetime.fromisoformat(record["updatedAt"])
    assert order.source_updated_at.tzinfo is UTC
    assert str(order.total_amount) == record["totalPriceSet"]["shopMoney"]["amount"]
    assert str(order.refunded_amount) == record["totalRefundedSet"]["shopMoney"]["amount"]
    current = record["currentTotalPriceSet"]["shopMoney"]["amount"]
    assert str(order.current_total_amount) == current
    assert len(lines) == len(record["lineItems"])
    for line, item in zip(lines, record["lineItems"], strict=True):
        unit = Decimal(item["discountedUnitPriceSet"]["shopMoney"]["amount"])
        assert line.line_total == unit * item["quantity"]  # exact: no float anywhere
        assert line.quantity == item["quantity"]  # as ordered, whatever was refunded
        assert line.current_quantity == item["currentQuantity"]
        assert line.order_key == order.key
    if record["cancelledAt"] and record["displayFinancialStatus"] != "REFUNDED":
        assert order.status == OrderStatus.CANCELLED
    assert [e.key for e in MAPPING.map(record)] == [e.key for e in entities]


@given(shopify_orders(), st.text(min_size=1, max_size=12).filter(lambda s: s not in FINANCIAL))
def test_unknown_financial_status_is_a_record_error(record: dict[str, Any], code: str) -> None:
    record["displayFinancialStatus"] = code
    record["cancelledAt"] = None
    with pytest.raises(RecordError) as error:
        MAPPING.map(record)
    assert (error.value.field, error.value.rule) == ("order.status", "unknown_code")
