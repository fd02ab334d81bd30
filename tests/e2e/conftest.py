"""End-to-end fixtures: the Shopify simulator and pipelines pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.shopify.simulator import ShopifySimulator
from orderhub.runner.settings import PipelineSettings, Settings

TOKEN = "shpat_e2e_5ecret_0123456789"


@pytest.fixture
def shop() -> Iterator[ShopifySimulator]:
    """A seeded shop on a Plus-sized cost bucket (fast, still cost-accounted)."""
    with ShopifySimulator(
        seed=11,
        orders=80,
        customers=25,
        access_token=TOKEN,
        bucket_size=20_000,
        restore_rate=10_000,
    ) as simulator:
        yield simulator


def shop_settings(
    shop: ShopifySimulator, warehouse: str, tmp_path: Path, **pipeline: object
) -> Settings:
    """orderhub settings with one pipeline, `shop`, reading the simulator."""
    config = {
        "api_url": shop.url,
        "access_token": TOKEN,
        "start_date": "2000-01-01T00:00:00Z",
        "page_size": 25,
        "backoff_factor": 0.01,
    }
    return Settings(
        warehouse=warehouse,
        pipelines={
            "shop": PipelineSettings(
                source="shopify", config=config, streams=["orders", "customers"], **pipeline
            )
        },
    )
