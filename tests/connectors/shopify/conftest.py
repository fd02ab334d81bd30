"""Fixtures for tap-shopify tests: a running simulator and an in-process tap runner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from connectors.shopify.simulator import ShopifySimulator
from connectors.shopify.tap import TapShopify
from orderhub.connector_kit.run import TapOutput
from orderhub.connector_kit.run import run_tap as run_tap_in_process

TOKEN = "shpat_test_0123456789abcdef"


@pytest.fixture
def simulator() -> Iterator[ShopifySimulator]:
    """A small shop with a bucket that never throttles unless a test asks for it."""
    with ShopifySimulator(
        seed=7, orders=60, customers=20, access_token=TOKEN, restore_rate=1_000_000
    ) as sim:
        yield sim


@pytest.fixture
def tap_config(simulator: ShopifySimulator) -> dict[str, Any]:
    """Config pointing at the simulator with fast retries."""
    return {
        "api_url": simulator.url,
        "access_token": TOKEN,
        "page_size": 50,
        "backoff_factor": 0.01,
        "request_timeout": 5,
    }


class Gql:
    """POSTs GraphQL to a simulator over one keep-alive client (a new client costs ~35 ms)."""

    def __init__(self) -> None:
        self.client = httpx.Client(timeout=10)

    def __call__(
        self,
        sim: ShopifySimulator,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
    ) -> httpx.Response:
        return self.client.post(
            sim.url,
            json={"query": query, "variables": variables or {}},
            headers={"X-Shopify-Access-Token": token or sim.access_token},
        )


@pytest.fixture(scope="session")
def gql() -> Iterator[Gql]:
    """Send a GraphQL request to a simulator: ``gql(sim, query, variables, token=None)``."""
    sender = Gql()
    yield sender
    sender.client.close()


RunTap = Callable[..., TapOutput]


@pytest.fixture
def run_tap() -> RunTap:
    """Run a full tap-shopify sync in-process and parse the Singer messages it printed."""

    def run(config: dict[str, Any], **kwargs: Any) -> TapOutput:
        return run_tap_in_process(TapShopify, config, **kwargs)

    return run
