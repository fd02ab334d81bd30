"""Deterministic Shopify-shaped order records for benchmarks (about 3 lines each)."""

from __future__ import annotations

STATUSES = [("PAID", "UNFULFILLED"), ("PAID", "FULFILLED"), ("PENDING", "UNFULFILLED")]


def generate(count: int) -> list[dict]:
    """Deterministic Shopify-shaped order records."""
    records = []
    for n in range(1, count + 1):
        financial, fulfillment = STATUSES[n % 3]
        lines = 1 + n % 5
        items = [
            {
                "id": f"gid://shopify/LineItem/{n * 10 + i}",
                "name": f"Item {i}",
                "sku": f"SKU-{n % 97}-{i}",
                "quantity": 1 + i,
                "discountedUnitPriceSet": {"shopMoney": {"amount": "12.50", "currencyCode": "USD"}},
                "originalTotalSet": {"shopMoney": {"amount": f"{12.5 * (1 + i):.2f}"}},
                "totalDiscountSet": {"shopMoney": {"amount": "0.00"}},
            }
            for i in range(lines)
        ]
        total = sum(12.5 * (1 + i) for i in range(lines))
        records.append(
            {
                "id": f"gid://shopify/Order/{n}",
                "name": f"#{1000 + n}",
                "createdAt": "2024-05-01T09:00:00Z",
                "updatedAt": f"2024-05-{1 + n % 28:02d}T10:{n % 60:02d}:00Z",
                "currencyCode": "USD",
                "displayFinancialStatus": financial,
                "displayFulfillmentStatus": fulfillment,
                "email": f"buyer{n}@example.com",
                "currentSubtotalPriceSet": {"shopMoney": {"amount": f"{total:.2f}"}},
                "currentTotalPriceSet": {"shopMoney": {"amount": f"{total:.2f}"}},
                "subtotalPriceSet": {"shopMoney": {"amount": f"{total:.2f}"}},
                "totalPriceSet": {"shopMoney": {"amount": f"{total:.2f}"}},
                "customer": {
                    "id": f"gid://shopify/Customer/{n % 5000}",
                    "updatedAt": "2024-04-01T00:00:00Z",
                    "email": f"c{n % 5000}@example.com",
                },
                "lineItems": items,
                "transactions": [],
                "fulfillments": [],
            }
        )
    return records
