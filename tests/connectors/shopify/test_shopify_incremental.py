"""tap-shopify incremental behaviour: bookmarks, windows, paging and nested completeness."""

from __future__ import annotations

import itertools
import logging
from datetime import datetime
from typing import Any, cast

import pytest

from connectors.shopify.cost import requested_cost
from connectors.shopify.simulator import ShopifySimulator
from connectors.shopify.streams import ORDERS_QUERY, IncrementalStream, OrdersStream
from connectors.shopify.tap import TapShopify


def _stream(tap: TapShopify, name: str) -> IncrementalStream:
    return cast(IncrementalStream, tap.streams[name])


def _ids(records: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for r in records]


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_record_shape_flattens_connections(
    simulator: ShopifySimulator, tap_config: dict, run_tap: Any
) -> None:
    orders = run_tap(tap_config, streams=("orders",)).records("orders")
    shipped = next(o for o in orders if o["fulfillments"])
    assert isinstance(shipped["lineItems"], list) and "edges" not in shipped["lineItems"]
    assert isinstance(shipped["fulfillments"][0]["events"], list)
    assert shipped["fulfillments"][0]["events"][0]["status"] == "CONFIRMED"
    assert set(shipped["fulfillments"][0]["trackingInfo"][0]) == {"company", "number", "url"}
    assert shipped["totalPriceSet"]["shopMoney"]["amount"].count(".") == 1
    stored = simulator.store.orders[int(shipped["legacyResourceId"])]
    assert len(shipped["lineItems"]) == len(stored["_lines"])
    with_customer = next(o for o in orders if o["customer"])
    assert "defaultAddress" in with_customer["customer"]
    assert set(TapShopify(config=tap_config).streams["orders"].schema["properties"]) == set(shipped)


def test_start_date_and_windows(
    simulator: ShopifySimulator,
    tap_config: dict,
    run_tap: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stamps = sorted(o["updatedAt"] for o in simulator.store.orders.values())
    start = stamps[20]
    config = {**tap_config, "start_date": start, "window_days": 3}
    with caplog.at_level(logging.INFO):
        result = run_tap(config, streams=("orders",))
    expected = {o["id"] for o in simulator.store.orders.values() if o["updatedAt"] >= start}
    assert set(_ids(result.records("orders"))) == expected
    assert len(result.records("orders")) == len(expected)
    searches = [m.split("reading ", 1)[1] for m in caplog.messages if "': reading " in m]
    assert len(searches) >= 3
    assert searches[0].startswith(f"updated_at:>='{start}' AND updated_at:<'")
    sync_start = result.sync_start.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert searches[-1].endswith(f"updated_at:<='{sync_start}'")
    # Consecutive windows share their boundary: [a, b) then [b, ...).
    for earlier, later in itertools.pairwise(searches):
        assert earlier.split("<'")[1].rstrip("'") == later.split(">='")[1].split("'")[0]


def test_end_date_ends_the_read_before_it(
    simulator: ShopifySimulator,
    tap_config: dict,
    run_tap: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stamps = sorted(o["updatedAt"] for o in simulator.store.orders.values())
    start, end = stamps[10], stamps[30]  # a row on each end: start in, end out
    config = {**tap_config, "start_date": start, "end_date": end, "window_days": 3}
    with caplog.at_level(logging.INFO):
        result = run_tap(config, streams=("orders",))
    expected = {o["id"] for o in simulator.store.orders.values() if start <= o["updatedAt"] < end}
    assert sorted(_ids(result.records("orders"))) == sorted(expected)
    assert len(expected) == 20
    assert result.bookmark("orders") == max(
        o["updatedAt"] for o in simulator.store.orders.values() if o["updatedAt"] < end
    )
    searches = [m.split("reading ", 1)[1] for m in caplog.messages if "': reading " in m]
    assert searches[-1].endswith(f"updated_at:<'{end}'")

    # resumed at a bookmark at the end: nothing is left to read
    at_end = {
        "bookmarks": {"orders": {"replication_key": "updatedAt", "replication_key_value": end}}
    }
    assert run_tap(config, state=at_end, streams=("orders",)).records("orders") == []


def test_bookmark_later_than_sync_start_is_clamped(tap_config: dict) -> None:
    future = {
        "bookmarks": {
            "orders": {
                "replication_key": "updatedAt",
                "replication_key_value": "2999-01-01T00:00:00Z",
            }
        }
    }
    stream = _stream(TapShopify(config=tap_config, state=future), "orders")
    stream._write_starting_replication_value(None)
    lower, upper = stream.sync_bounds(None)
    assert lower == upper


def test_paging_more_orders_than_page_size(
    simulator: ShopifySimulator, tap_config: dict, run_tap: Any
) -> None:
    result = run_tap({**tap_config, "page_size": 7}, streams=("orders",))
    assert len(result.records("orders")) == 60 == len(set(_ids(result.records("orders"))))
    assert result.tap.streams["orders"].page_first == 7
    assert simulator.stats()["outcomes"] == {"ok": 9}  # ceil(60 / 7)


def test_page_size_is_capped_by_query_cost(tap_config: dict) -> None:
    stream = _stream(TapShopify(config={**tap_config, "page_size": 250}), "orders")
    nested = stream.nested_variables()
    assert requested_cost(ORDERS_QUERY, {**nested, "first": stream.page_first}) <= 1000
    assert requested_cost(ORDERS_QUERY, {**nested, "first": stream.page_first + 1}) > 1000
    assert (
        _stream(TapShopify(config={**tap_config, "page_size": 250}), "customers").page_first == 250
    )


def test_nested_line_items_and_events_are_completed(
    simulator: ShopifySimulator, tap_config: dict, run_tap: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(OrdersStream, "line_items_first", 1)
    monkeypatch.setattr(OrdersStream, "events_first", 1)
    monkeypatch.setattr(OrdersStream, "follow_up_page", 2)
    orders = run_tap(tap_config, streams=("orders",)).records("orders")
    assert len(orders) == 60
    multi = 0
    for order in orders:
        stored = simulator.store.orders[int(order["legacyResourceId"])]
        assert _ids(order["lineItems"]) == [line["id"] for line in stored["_lines"]]
        multi += len(stored["_lines"]) > 2
        for emitted, kept in zip(order["fulfillments"], stored["fulfillments"], strict=True):
            assert _ids(emitted["events"]) == [event["id"] for event in kept["_events"]]
    assert multi > 0


def test_orders_from_the_shop_and_api_version_settings(tap_config: dict) -> None:
    config = {"shop": "my-store.myshopify.com", "api_version": "2025-07", "access_token": "x"}
    stream = _stream(TapShopify(config=config), "orders")
    assert stream.url_base == "https://my-store.myshopify.com/admin/api/2025-07/graphql.json"
