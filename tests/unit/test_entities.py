"""The unified entities enforce the model's rules."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from orderhub.model import (
    Address,
    Customer,
    Order,
    OrderLine,
    OrderStatusEvent,
    PhoneStatus,
    deterministic_key,
)

ORDER: dict[str, Any] = {
    "source_system": "shopify",
    "source_id": "1001",
    "source_updated_at": "2024-05-01T18:00:00+08:00",
    "status": "paid",
    "status_raw": "PAID/UNFULFILLED",
    "currency": "cny",
    "total_amount": "99.90",
    "ordered_at": "2024-05-01T10:00:00Z",
}


def test_an_order_normalises_time_currency_and_keys() -> None:
    order = Order(**ORDER, customer_source_id="7")
    assert order.source_updated_at == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert order.source_updated_at.tzinfo is UTC
    assert order.currency == "CNY" and order.total_amount == Decimal("99.90")
    assert order.key == deterministic_key("order", "shopify", "1001")
    assert order.customer_key == deterministic_key("customer", "shopify", "7")


@pytest.mark.parametrize(
    ("change", "error_type"),
    [
        ({"total_amount": "1.23456"}, "decimal_max_places"),
        ({"total_amount": "1e30"}, "decimal_max_digits"),
        ({"currency": "RMB"}, "iso4217"),
        ({"ordered_at": "2024-05-01T10:00:00"}, "timezone_aware"),
        ({"status": "shipped-ish"}, "enum"),
        ({"source_id": ""}, "string_too_short"),
        ({"surprise": 1}, "extra_forbidden"),
    ],
)
def test_orders_refuse_values_that_break_the_rules(change: dict[str, Any], error_type: str) -> None:
    with pytest.raises(ValidationError) as error:
        Order(**{**ORDER, **change})
    assert error.value.errors()[0]["type"] == error_type


def test_phones_are_standardised_with_the_address_country() -> None:
    order = Order(
        **ORDER,
        phone_raw="138 1234 5678",
        shipping_address=Address(country_code="CN", phone_raw="+86 139-8765-4321"),
    )
    assert (order.phone, order.phone_status) == ("+8613812345678", PhoneStatus.E164)
    assert order.shipping_address is not None
    assert order.shipping_address.phone == "+8613987654321"


def test_masked_phones_stay_masked_and_emails_are_lowered() -> None:
    customer = Customer(
        source_system="douyin",
        source_id="buyer-1",
        source_updated_at="2024-05-01T00:00:00Z",
        phone_raw="138****1234",
        phone_region="CN",
        email="Wei.Zhang@Example.COM",
    )
    assert (customer.phone, customer.phone_status) == ("138****1234", PhoneStatus.MASKED)
    assert customer.email == "wei.zhang@example.com"
    assert "phone_region" not in customer.model_dump()


def test_lines_belong_to_their_order() -> None:
    line = OrderLine(
        source_system="shopify",
        source_id="1",
        source_updated_at="2024-05-01T00:00:00Z",
        order_source_id="1001",
        quantity="2",
        unit_price="5.00",
        line_total="10.00",
        currency="USD",
    )
    assert line.order_key == Order(**ORDER).key


def test_status_events_carry_canonical_statuses() -> None:
    event = OrderStatusEvent(
        order_key=deterministic_key("order", "shopify", "1001"),
        source_system="shopify",
        source_id="1001",
        previous_status="delivered",
        status="pending_payment",
        occurred_at="2024-05-01T00:00:00Z",
        accepted=False,
        reason="impossible transition delivered -> pending_payment",
    )
    assert event.model_dump()["status"] == "pending_payment"
    with pytest.raises(ValidationError):
        OrderStatusEvent(**{**event.model_dump(), "status": "lost"})


def test_warehouse_rows_are_the_model_dump() -> None:
    """The loader builds rows without model_dump() for speed; they must be the same."""
    from orderhub.mapping.catalog import MappingCatalog
    from orderhub.warehouse.records import row_of
    from tests.shopify_records import order

    mapping = MappingCatalog.load().get("shopify", "orders")
    entities = mapping.map(order(3, fulfillment="FULFILLED"))
    assert {type(e).__name__ for e in entities} == {
        "Order", "OrderLine", "Customer", "Payment", "Shipment", "TrackingEvent"
    }  # fmt: skip
    for entity in entities:
        assert row_of(entity) == entity.model_dump()
