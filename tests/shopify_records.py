"""Shopify-shaped order records and Singer message streams for target tests."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

BASE_TIME = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def money(amount: str, currency: str = "USD") -> dict[str, Any]:
    return {"shopMoney": {"amount": amount, "currencyCode": currency}}


def order(
    number: int,
    *,
    updated: datetime | None = None,
    financial: str = "PAID",
    fulfillment: str = "UNFULFILLED",
    lines: int = 2,
    currency: str = "USD",
) -> dict[str, Any]:
    """An order as tap-shopify emits it: lines of 2 x 10.25, shipping 5, tax 2.05."""
    updated = updated or BASE_TIME + timedelta(minutes=number)
    subtotal = 20.50 * lines
    line_items = [
        {
            "id": f"gid://shopify/LineItem/{number * 100 + i}",
            "name": f"Oolong tea {i}",
            "title": "Oolong tea",
            "sku": f"TEA-{i}",
            "quantity": 2,
            "currentQuantity": 2,
            "discountedUnitPriceSet": money("10.25", currency),
            "originalUnitPriceSet": money("10.25", currency),
            "originalTotalSet": money("20.50", currency),
            "totalDiscountSet": money("0.00", currency),
        }
        for i in range(lines)
    ]
    fulfillments = []
    if fulfillment == "FULFILLED":
        fulfillments.append(
            {
                "id": f"gid://shopify/Fulfillment/{number}",
                "displayStatus": "IN_TRANSIT",
                "createdAt": iso(updated),
                "inTransitAt": iso(updated),
                "deliveredAt": None,
                "trackingInfo": [{"company": "UPS", "number": f"1Z{number:08d}", "url": None}],
                "events": [
                    {
                        "id": f"gid://shopify/FulfillmentEvent/{number}",
                        "status": "IN_TRANSIT",
                        "happenedAt": iso(updated),
                        "city": "Louisville",
                        "province": "KY",
                        "country": "US",
                        "message": "Departed facility",
                    }
                ],
            }
        )
    return {
        "id": f"gid://shopify/Order/{number}",
        "legacyResourceId": str(number),
        "name": f"#{number}",
        "createdAt": iso(BASE_TIME - timedelta(days=1)),
        "processedAt": iso(BASE_TIME - timedelta(days=1)),
        "updatedAt": iso(updated),
        "cancelledAt": None,
        "closedAt": None,
        "currencyCode": currency,
        "displayFinancialStatus": financial,
        "displayFulfillmentStatus": fulfillment,
        "email": f"Buyer{number}@Example.com",
        "phone": "+86 138 1234 5678",
        "currentSubtotalPriceSet": money(f"{subtotal:.2f}", currency),
        "currentTotalDiscountsSet": money("0.00", currency),
        "totalShippingPriceSet": money("5.00", currency),
        "currentTotalTaxSet": money("2.05", currency),
        "currentTotalPriceSet": money(f"{subtotal + 7.05:.2f}", currency),
        "subtotalPriceSet": money(f"{subtotal:.2f}", currency),
        "cartDiscountAmountSet": money("0.00", currency),
        "totalTaxSet": money("2.05", currency),
        "totalPriceSet": money(f"{subtotal + 7.05:.2f}", currency),
        "totalRefundedSet": money("0.00", currency),
        "customer": {
            "id": f"gid://shopify/Customer/{number % 7}",
            "email": f"customer{number % 7}@example.com",
            "phone": None,
            "firstName": "Wei",
            "lastName": "Zhang",
            "displayName": "Wei Zhang",
            "createdAt": iso(BASE_TIME - timedelta(days=30)),
            "updatedAt": iso(BASE_TIME - timedelta(days=2)),
            "state": "ENABLED",
            "defaultAddress": {"city": "Shanghai", "countryCodeV2": "CN", "zip": "200000"},
        },
        "shippingAddress": {
            "name": "Wei Zhang",
            "address1": "1 Century Ave",
            "city": "Shanghai",
            "countryCodeV2": "CN",
            "zip": "200000",
            "phone": "13812345678",
        },
        "billingAddress": None,
        "lineItems": line_items,
        "transactions": [
            {
                "id": f"gid://shopify/OrderTransaction/{number}",
                "kind": "SALE",
                "status": "SUCCESS",
                "gateway": "shopify_payments",
                "amountSet": money(f"{subtotal + 7.05:.2f}", currency),
                "createdAt": iso(BASE_TIME - timedelta(days=1)),
                "processedAt": iso(BASE_TIME - timedelta(days=1)),
            }
        ]
        if financial != "PENDING"
        else [],
        "fulfillments": fulfillments,
    }


def variant(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of a record with top-level changes."""
    changed = copy.deepcopy(record)
    changed.update(changes)
    return changed


def schema_message(stream: str = "orders") -> dict[str, Any]:
    return {
        "type": "SCHEMA",
        "stream": stream,
        "schema": {"type": "object", "properties": {"id": {"type": "string"}}},
        "key_properties": ["id"],
        "bookmark_properties": ["updatedAt"],
    }


def state_message(bookmarks: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "STATE",
        "value": {
            "bookmarks": {
                stream: {"replication_key": "updatedAt", "replication_key_value": value}
                for stream, value in bookmarks.items()
            }
        },
    }


def messages(records: Iterable[dict[str, Any]], stream: str = "orders") -> Iterator[dict]:
    """SCHEMA, the records, and a STATE bookmarking the newest updatedAt."""
    yield schema_message(stream)
    newest = ""
    for record in records:
        yield {"type": "RECORD", "stream": stream, "record": record}
        newest = max(newest, str(record.get("updatedAt") or ""))
    yield state_message({stream: newest})


def lines(items: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(item) + "\n" for item in items)
