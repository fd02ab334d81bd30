"""tap-shopify under throttling, faults and bad credentials; the token never leaks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError

from connectors.shopify.client import ShopifyThrottle
from connectors.shopify.sim_controls import LeakyBucket
from connectors.shopify.simulator import ShopifySimulator
from connectors.shopify.streams import OrdersStream
from connectors.shopify.tap import TapShopify

ROOT = Path(__file__).resolve().parents[3]
ALL_ORDERS = 60


def _order_ids(result: Any) -> list[str]:
    return [r["id"] for r in result.records("orders")]


def test_tiny_bucket_throttles_and_tap_still_gets_every_order(
    simulator: ShopifySimulator, tap_config: dict, run_tap: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A page of 3 orders requests 329 points and really costs ~200; the bucket holds 400,
    # refills 1000 points/s and is empty when the first request arrives.
    simulator.bucket = LeakyBucket(size=400, restore_rate=1000)
    original = simulator.handle_graphql

    def empty_bucket_first(*args: Any) -> Any:
        if not simulator.requests:
            simulator.bucket.take(simulator.bucket.available())
        return original(*args)

    monkeypatch.setattr(simulator, "handle_graphql", empty_bucket_first)
    recent = sorted(o["updatedAt"] for o in simulator.store.orders.values())[-9:]
    wanted = {o["id"] for o in simulator.store.orders.values() if o["updatedAt"] >= recent[0]}
    config = {**tap_config, "page_size": 3, "start_date": recent[0]}
    result = run_tap(config, streams=("orders",))
    ids = _order_ids(result)
    assert set(ids) == wanted and len(ids) == len(wanted)
    outcomes = simulator.stats()["outcomes"]
    assert outcomes["throttled"] >= 1
    assert outcomes["ok"] == -(-len(wanted) // 3)  # every page eventually answered
    throttle = result.tap.streams["orders"].throttle
    assert throttle.waits, "the tap should wait for the bucket before sending"
    assert all(0 < wait < 1 for wait in throttle.waits)


def test_forced_throttled_answers_are_retried(
    simulator: ShopifySimulator, tap_config: dict, run_tap: Any
) -> None:
    simulator.faults.throttle_next = 3
    ids = _order_ids(run_tap(tap_config, streams=("orders",)))
    assert len(ids) == ALL_ORDERS
    assert simulator.stats()["outcomes"]["throttled"] == 3


def test_throttle_waits_from_restore_rate() -> None:
    now = [100.0]
    slept: list[float] = []
    throttle = ShopifyThrottle(sleep=slept.append, clock=lambda: now[0])
    throttle.before_request()  # nothing known yet: no wait
    cost = {
        "requestedQueryCost": 500,
        "actualQueryCost": 300,
        "throttleStatus": {
            "maximumAvailable": 2000.0,
            "currentlyAvailable": 300,
            "restoreRate": 100.0,
        },
    }
    throttle.observe(cost)
    throttle.before_request()
    now[0] += 1.0  # 100 points restored meanwhile
    throttle.before_request()
    assert slept == [pytest.approx(2.0), pytest.approx(1.0)]


def test_persistently_malformed_pages_fail_clearly(
    simulator: ShopifySimulator, tap_config: dict, run_tap: Any
) -> None:
    simulator.faults.malformed_pages = 50
    with pytest.raises(FatalAPIError) as info:
        run_tap({**tap_config, "max_attempts": 3}, streams=("orders",))
    message = str(info.value)
    assert "Malformed JSON" in message and "stream 'orders'" in message
    assert simulator.url in message and "after 3 attempts" in message
    assert tap_config["access_token"] not in message
    assert simulator.stats()["outcomes"]["malformed"] == 3


def test_other_graphql_errors_are_fatal_with_shopify_message(
    tap_config: dict, run_tap: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = OrdersStream.query.fget(None).replace("displayFulfillmentStatus", "fulfillmentStatus")  # type: ignore[attr-defined]
    monkeypatch.setattr(OrdersStream, "query", property(lambda self: bad))
    with pytest.raises(
        FatalAPIError, match="Field 'fulfillmentStatus' doesn't exist on type 'Order'"
    ):
        run_tap(tap_config, streams=("orders",))


@pytest.mark.parametrize(
    ("endpoint", "error"),
    [
        ({}, "Missing endpoint"),
        ({"api_url": "http://x/graphql.json", "shop": "s", "api_version": "2025-07"}, "not both"),
        ({"shop": "s"}, "together"),
    ],
)
def test_endpoint_must_be_given_exactly_one_way(endpoint: dict, error: str) -> None:
    with pytest.raises(ConfigValidationError) as info:
        TapShopify(config={"access_token": "t", **endpoint})
    assert any(error in e for e in info.value.errors)


def _run_cli(config: dict[str, Any], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    env = {**os.environ, "TAP_SHOPIFY_LOGLEVEL": "DEBUG", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "connectors.shopify.tap", "--config", str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_token_never_appears_in_output_even_at_debug(
    simulator: ShopifySimulator, tap_config: dict, tmp_path: Path
) -> None:
    simulator.faults.http_500 = 1
    simulator.faults.malformed_pages = 1
    simulator.faults.throttle_next = 1
    done = _run_cli(tap_config, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert '"type":"RECORD"' in done.stdout.replace(" ", "")
    assert "Retrying" in done.stderr
    assert tap_config["access_token"] not in done.stdout + done.stderr

    wrong = {**tap_config, "access_token": "shpat_leak_canary_4242"}
    failed = _run_cli(wrong, tmp_path)
    assert failed.returncode != 0
    assert "Check the `access_token` setting" in failed.stderr
    assert "shpat_leak_canary_4242" not in failed.stdout + failed.stderr
