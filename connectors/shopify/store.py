"""In-memory shop state shared by the seed generator, the lifecycle moves and the resolvers.

Rows are plain dicts keyed by Shopify's GraphQL field names so graphql-core's default resolver
can read them directly; keys starting with ``_`` are simulator bookkeeping (numeric ids, unit
prices, rates) that the schema never exposes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["ID_BASES", "Store", "gid", "iso"]

#: Starting numeric ids per resource, in the ranges real shops show (13-14 digits).
ID_BASES: dict[str, int] = {
    "Order": 5_820_113_000_000,
    "Customer": 7_650_224_000_000,
    "LineItem": 14_250_335_000_000,
    "OrderTransaction": 6_990_446_000_000,
    "Fulfillment": 5_310_557_000_000,
    "FulfillmentEvent": 4_120_668_000_000,
    "MailingAddress": 8_800_779_000_000,
}


def iso(moment: datetime) -> str:
    """Shopify's DateTime form: UTC, whole seconds, ``Z`` suffix."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def gid(kind: str, numeric_id: int, model_name: str | None = None) -> str:
    """Global id as Shopify writes it, e.g. ``gid://shopify/Order/5820113000017``."""
    suffix = f"?model_name={model_name}" if model_name else ""
    return f"gid://shopify/{kind}/{numeric_id}{suffix}"


@dataclass
class Store:
    """All data of one simulated shop plus the generators that keep it deterministic."""

    rng: random.Random
    shop_currency: str = "USD"
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    customers: dict[int, dict[str, Any]] = field(default_factory=dict)
    fulfillments: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_order_number: int = 1001
    _counters: dict[str, int] = field(default_factory=dict)

    def new_id(self, kind: str) -> int:
        """Allocate the next numeric id of a kind; gaps mimic ids shared across shops."""
        current = self._counters.get(kind, ID_BASES[kind])
        current += self.rng.randint(1, 97)
        self._counters[kind] = current
        return current

    @property
    def shop(self) -> dict[str, Any]:
        """The ``shop`` root object."""
        return {
            "id": "gid://shopify/Shop/68817256619",
            "name": "orderhub demo store",
            "email": "owner@orderhub-demo.example",
            "myshopifyDomain": "orderhub-demo.myshopify.com",
            "currencyCode": self.shop_currency,
            "ianaTimezone": "Etc/UTC",
        }
