"""tap-shopify as the connector kit sees it: its simulator, faults and status codes."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from graphql import GraphQLEnumType, build_schema

from connectors.shopify.simulator import ShopifySimulator
from connectors.shopify.tap import TapShopify
from orderhub.connector_kit import ConnectorSpec, Fault

STREAMS = ("orders", "customers")
_TOKEN = "shpat_connector_kit_0123456789"


@cache
def enum_values(name: str) -> tuple[str, ...]:
    """Values of a Shopify enum, read from the simulator's copy of the Admin schema."""
    schema = build_schema((Path(__file__).with_name("schema.graphql")).read_text())
    enum = schema.type_map[name]
    assert isinstance(enum, GraphQLEnumType)
    return tuple(enum.values)


class ShopifySource:
    """A running ShopifySimulator behind the kit's SimulatedSource interface."""

    retry_after_seconds = 1.0

    def __init__(self, simulator: ShopifySimulator) -> None:
        self.simulator = simulator
        self.token = simulator.access_token

    def tap_config(self) -> dict[str, Any]:
        return {
            "api_url": self.simulator.url,
            "access_token": self.token,
            "start_date": "2000-01-01T00:00:00Z",
            "page_size": 25,
            "backoff_factor": 0.01,
            "request_timeout": 1,
        }

    def current(self, stream: str) -> dict[str, str]:
        rows = self.simulator.store.orders if stream == "orders" else self.simulator.store.customers
        return {row["id"]: row["updatedAt"] for row in rows.values()}

    def change(self, count: int) -> dict[str, set[str]]:
        before = {stream: self.current(stream) for stream in STREAMS}
        self.simulator.advance(count)
        return {
            stream: {k for k, v in self.current(stream).items() if before[stream].get(k) != v}
            for stream in STREAMS
        }

    def inject(self, fault: Fault, count: int) -> None:
        if fault is Fault.EXPIRED_TOKEN:
            self.simulator.access_token = self.token + "-rotated"
            return
        settings: dict[Fault, dict[str, Any]] = {
            Fault.RATE_LIMITED: {"http_429": count},
            Fault.SERVER_ERROR: {"http_500": count},
            Fault.TIMEOUT: {"slow_seconds": 1.5, "slow_requests": count},
            Fault.MALFORMED_PAGE: {"malformed_pages": count},
        }
        self.simulator.set_faults(settings[fault])

    def delete(self, count: int) -> dict[str, set[str]]:
        raise NotImplementedError("tap-shopify does not detect deletes yet")

    def change_late(self, count: int, before: timedelta) -> dict[str, set[str]]:
        raise NotImplementedError("Shopify's updated_at is set at commit: no lookback needed")


@contextmanager
def simulate() -> Iterator[ShopifySource]:
    """A small seeded shop whose cost bucket never throttles unless a fault asks it to."""
    with ShopifySimulator(
        seed=7, orders=60, customers=20, access_token=_TOKEN, restore_rate=1_000_000
    ) as simulator:
        yield ShopifySource(simulator)


CONNECTOR = ConnectorSpec(
    source="shopify",
    tap_class=TapShopify,
    simulator=simulate,
    streams=STREAMS,
    faults=frozenset(Fault),
    credential_setting="access_token",
    example_config={
        "api_url": "http://127.0.0.1:9/admin/api/2025-07/graphql.json",
        "access_token": "shpat_example",
    },
    status_inputs={
        "order_status": list(
            itertools.product(
                (None, "2024-01-01T00:00:00Z"),
                enum_values("OrderDisplayFinancialStatus"),
                enum_values("OrderDisplayFulfillmentStatus"),
                (None, "2024-01-02T00:00:00Z"),
            )
        ),
        "tracking_status": enum_values("FulfillmentEventStatus"),
        "shipment_status": enum_values("FulfillmentDisplayStatus"),
    },
)
