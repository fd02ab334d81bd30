"""The simulator behaves like Shopify: validation, search, cursors, cost, auth, data invariants."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.shopify.cost import actual_cost, connection_page_limit, requested_cost
from connectors.shopify.search import decode_cursor, paginate, parse_search
from connectors.shopify.sim_controls import LeakyBucket
from connectors.shopify.simulator import INVALID_TOKEN, RATE_LIMITED, ShopifySimulator
from connectors.shopify.streams import ORDERS_QUERY

TOKEN = "shpat_simulator_tests"
MONEY = "{ shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }"
START = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)


def order_ids(
    gql: Any, sim: ShopifySimulator, args: str, variables: dict[str, Any] | None = None
) -> list:
    declared = "($q: String)" if variables else ""
    body = gql(sim, f"query{declared} {{ orders({args}) {{ nodes {{ id }} }} }}", variables).json()
    return [node["id"] for node in body["data"]["orders"]["nodes"]]


# -- protocol -------------------------------------------------------------------------------


def test_unknown_field_is_a_validation_error_like_shopify(
    simulator: ShopifySimulator, gql: Any
) -> None:
    response = gql(simulator, "{ orders(first: 1) { nodes { id totalPrice } } }")
    body = response.json()
    assert response.status_code == 200
    assert "data" not in body
    assert body["errors"][0]["message"] == "Field 'totalPrice' doesn't exist on type 'Order'"
    assert body["errors"][0]["extensions"]["code"] == "undefinedField"


def test_wrong_token_gets_401_with_shopify_body(simulator: ShopifySimulator, gql: Any) -> None:
    response = gql(simulator, "{ shop { name } }", token="shpat_wrong")
    assert response.status_code == 401
    assert response.json() == {"errors": INVALID_TOKEN}


def test_any_api_version_path_is_served(simulator: ShopifySimulator, gql: Any) -> None:
    url = simulator.url.replace("2025-07", "2024-10")
    response = gql.client.post(
        url,
        json={"query": "{ shop { currencyCode } }"},
        headers={"X-Shopify-Access-Token": simulator.access_token},
    )
    assert response.json()["data"]["shop"]["currencyCode"] == "USD"


def test_connection_requires_first_or_last(simulator: ShopifySimulator, gql: Any) -> None:
    body = gql(simulator, "{ orders { nodes { id } } }").json()
    assert "you must provide one of first or last" in body["errors"][0]["message"]


def test_admin_endpoints_control_faults_and_advance(simulator: ShopifySimulator, gql: Any) -> None:
    base = simulator.base_url
    assert gql.client.get(f"{base}/_simulator/health").json()["orders"] == 60
    faults = gql.client.post(
        f"{base}/_simulator/faults", json={"http_429": 1, "http_500": 1}
    ).json()
    assert faults["http_429"] == 1
    first = gql(simulator, "{ shop { name } }")
    assert first.status_code == 500
    second = gql(simulator, "{ shop { name } }")
    assert second.status_code == 429
    assert second.headers["Retry-After"] == "1.0"
    assert second.json() == {"errors": RATE_LIMITED}
    assert gql(simulator, "{ shop { name } }").status_code == 200
    advanced = gql.client.post(f"{base}/_simulator/advance", json={"changes": 5}).json()
    assert advanced["count"] == len(advanced["changed"]) > 0
    assert gql.client.post(f"{base}/_simulator/faults", json={"nope": 1}).status_code == 400


def test_malformed_page_is_truncated_json_with_200(simulator: ShopifySimulator, gql: Any) -> None:
    simulator.faults.malformed_pages = 1
    response = gql(simulator, "{ orders(first: 3) { nodes { id } } }")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)
    assert gql(simulator, "{ orders(first: 3) { nodes { id } } }").json()["data"]


# -- search and cursors ---------------------------------------------------------------------


def test_updated_at_range_filter_matches_store(simulator: ShopifySimulator, gql: Any) -> None:
    rows = sorted(o["updatedAt"] for o in simulator.store.orders.values())
    low, high = rows[10], rows[40]
    query = f"updated_at:>='{low}' AND updated_at:<'{high}'"
    got = order_ids(gql, simulator, "first: 250, query: $q", {"q": query})
    expected = {o["id"] for o in simulator.store.orders.values() if low <= o["updatedAt"] < high}
    assert set(got) == expected
    unquoted = order_ids(
        gql, simulator, "first: 250, query: $q", {"q": f"updated_at:>{low} updated_at:<={high}"}
    )
    expected = {o["id"] for o in simulator.store.orders.values() if low < o["updatedAt"] <= high}
    assert set(unquoted) == expected


def test_created_at_filter_and_sort_keys(simulator: ShopifySimulator, gql: Any) -> None:
    orders = list(simulator.store.orders.values())
    day = sorted(o["createdAt"] for o in orders)[30][:10]
    got = order_ids(
        gql,
        simulator,
        "first: 250, query: $q, sortKey: CREATED_AT, reverse: true",
        {"q": f"created_at:>={day}"},
    )
    expected = sorted(
        (o for o in orders if o["createdAt"] >= f"{day}T00:00:00Z"),
        key=lambda o: (o["createdAt"], o["_numeric_id"]),
        reverse=True,
    )
    assert got == [o["id"] for o in expected]
    by_id = order_ids(gql, simulator, "first: 250, sortKey: ID")
    assert by_id == [o["id"] for o in sorted(orders, key=lambda o: o["_numeric_id"])]


def test_unknown_search_field_is_ignored_with_warning(
    simulator: ShopifySimulator, gql: Any
) -> None:
    body = gql(simulator, '{ orders(first: 250, query: "colour:red") { nodes { id } } }').json()
    assert len(body["data"]["orders"]["nodes"]) == 60
    assert body["extensions"]["search"][0]["warnings"][0]["field"] == "colour"


def test_cursor_is_opaque_base64_and_stable_across_changes(
    simulator: ShopifySimulator, gql: Any
) -> None:
    query = """query($after: String) { orders(first: 10, after: $after, sortKey: UPDATED_AT) {
        edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }"""
    page = gql(simulator, query).json()["data"]["orders"]
    cursor = page["pageInfo"]["endCursor"]
    assert json.loads(base64.b64decode(cursor))["last_id"]
    seen = [edge["node"]["id"] for edge in page["edges"]]
    expected_next = [
        e["node"]["id"]
        for e in gql(simulator, query, {"after": cursor}).json()["data"]["orders"]["edges"]
    ]
    changed = set(simulator.advance(15))
    following: list[str] = []
    after: str | None = cursor
    while after:
        page = gql(simulator, query, {"after": after}).json()["data"]["orders"]
        following += [edge["node"]["id"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    # Nothing is skipped: every order is seen before or after the cursor (changed ones move to
    # the end); unchanged orders after the cursor keep their relative order.
    assert set(seen) | set(following) == {o["id"] for o in simulator.store.orders.values()}
    assert len(following) == len(set(following))
    assert [i for i in following if i not in changed][:3] == [
        i for i in expected_next if i not in changed
    ][:3]
    assert set(following) & set(seen) <= changed


@settings(max_examples=40, deadline=None)
@given(size=st.integers(1, 12), reverse=st.booleans(), count=st.integers(0, 30))
def test_paging_concatenates_to_the_sorted_list(size: int, reverse: bool, count: int) -> None:
    rows = [
        {"_numeric_id": 100 + i, "updatedAt": f"2025-01-01T00:00:{i % 7:02d}Z"}
        for i in range(count)
    ]
    expected = sorted(rows, key=lambda r: (r["updatedAt"], r["_numeric_id"]), reverse=reverse)
    collected: list[dict[str, Any]] = []
    after = None
    for _ in range(count + 2):
        page = paginate(
            rows,
            sort_value=lambda r: r["updatedAt"],
            first=size,
            after=after,
            last=None,
            before=None,
            reverse=reverse,
        )
        collected += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert decode_cursor(after)[1] == collected[-1]["_numeric_id"]
    assert collected == expected


def test_search_parser_accepts_tap_syntax() -> None:
    parsed = parse_search(
        "updated_at:>='2024-01-01T00:00:00Z' AND updated_at:<='2024-02-01T08:00:00+08:00'"
    )
    assert [(c.attribute, c.op) for c in parsed.conditions] == [
        ("updatedAt", ">="),
        ("updatedAt", "<="),
    ]
    assert parsed.conditions[1].value == datetime(2024, 2, 1, tzinfo=UTC)
    assert not parsed.warnings


# -- cost and throttling --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "cost"),
    [
        ("{ shop { name } }", 1),
        ("{ orders(first: 10) { edges { node { id } } } }", 12),
        (
            "{ orders(first: 10) { nodes { id lineItems(first: 5) { nodes { id } } } } }",
            2 + 10 * (1 + 2 + 5),
        ),
        ("{ orders(first: 4) { nodes { transactions(first: 3) { id } } } }", 2 + 4 * (1 + 2 + 3)),
        (
            "{ orders(first: 2) { nodes { fulfillments { id trackingInfo { company } } } } }",
            2 + 2 * (1 + 1 + 1),
        ),
        (f'{{ order(id: "gid://shopify/Order/1") {{ id totalPriceSet {MONEY} }} }}', 1 + 3),
        (
            "query($n: Int!) { customers(first: $n) { nodes { id } pageInfo { hasNextPage } } }",
            None,
        ),
    ],
)
def test_requested_cost_follows_shopify_rules(query: str, cost: int | None) -> None:
    if cost is None:
        assert requested_cost(query, {"n": 7}) == 2 + 7
    else:
        assert requested_cost(query) == cost


def test_actual_cost_counts_returned_nodes_and_bucket_charges_it(
    simulator: ShopifySimulator, gql: Any
) -> None:
    query = "{ orders(first: 100, query: \"updated_at:<'2000-01-01'\") { nodes { id } } }"
    body = gql(simulator, query).json()
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 102
    assert cost["actualQueryCost"] == 2 == actual_cost(query, body["data"])
    assert cost["throttleStatus"]["maximumAvailable"] == 2000.0


def test_query_over_1000_points_is_refused(simulator: ShopifySimulator, gql: Any) -> None:
    body = gql(
        simulator, ORDERS_QUERY, {"first": 250, "lineItemsFirst": 5, "eventsFirst": 10}
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert "exceeds the single query max cost limit (1000)" in body["errors"][0]["message"]
    limit = connection_page_limit(ORDERS_QUERY, {"lineItemsFirst": 5, "eventsFirst": 10})
    assert (
        requested_cost(ORDERS_QUERY, {"first": limit, "lineItemsFirst": 5, "eventsFirst": 10})
        <= 1000
    )
    assert (
        requested_cost(ORDERS_QUERY, {"first": limit + 1, "lineItemsFirst": 5, "eventsFirst": 10})
        > 1000
    )


def test_empty_bucket_answers_throttled_without_data(simulator: ShopifySimulator, gql: Any) -> None:
    simulator.bucket = LeakyBucket(size=50, restore_rate=1)
    query = "{ orders(first: 40) { nodes { id } } }"
    assert "data" in gql(simulator, query).json()  # 42 of 50 points spent
    body = gql(simulator, query).json()
    assert "data" not in body
    assert body["errors"] == [
        {
            "message": "Throttled",
            "extensions": {
                "code": "THROTTLED",
                "documentation": "https://shopify.dev/api/usage/rate-limits",
            },
        }
    ]
    assert body["extensions"]["cost"]["actualQueryCost"] is None
    assert body["extensions"]["cost"]["requestedQueryCost"] == 42
    assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] < 42
    assert simulator.stats()["outcomes"] == {"ok": 1, "throttled": 1}
    simulator.faults.throttle_next = 1
    simulator.bucket = LeakyBucket(size=2000, restore_rate=100)
    assert gql(simulator, query).json()["errors"][0]["message"] == "Throttled"
