"""Shopify for `orderhub demo`: the simulator on loopback, sized for a quick run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from connectors.shopify.simulator import ShopifySimulator


class ShopifyDemoSource:
    """A running simulated shop, as the demo drives it."""

    def __init__(self, simulator: ShopifySimulator, orders: int) -> None:
        self.simulator = simulator
        noun = "order" if orders == 1 else "orders"
        self.description = f"Shopify simulator serving {orders} {noun} at {simulator.url}"

    def tap_config(self) -> dict[str, Any]:
        return {
            "api_url": self.simulator.url,
            "access_token": self.simulator.access_token,
            "start_date": (datetime.now(UTC) - timedelta(days=90)).isoformat(),
            "page_size": 50,
        }

    def change(self, count: int) -> int:
        # Strictly newer than the first sync's bookmark, so the second sync sees them all.
        return len(self.simulator.advance(count, distinct_second=True))


@contextmanager
def demo_source(folder: Path, orders: int = 200) -> Iterator[ShopifyDemoSource]:
    """A shop of ``orders`` orders (``folder`` is unused: the shop lives in memory)."""
    # A Shopify Plus-sized cost bucket: the Standard plan's 100 points/s would make the
    # demo wait on throttling (which the tests cover) for minutes.
    with ShopifySimulator(
        orders=orders, customers=max(10, orders // 3), bucket_size=20_000, restore_rate=2_000
    ) as simulator:
        yield ShopifyDemoSource(simulator, orders)
