"""A local, faithful fake of the Shopify Admin GraphQL API for tests and demos.

Why: orderhub's Shopify tap must be tested against throttling, paging, auth failures and
flaky networks without a real shop or network access.  The simulator serves the real query
language (graphql-core with Shopify's names and types), charges queries from a leaky bucket
with Shopify's cost rules, pages with stable opaque cursors, and can inject faults on demand.

Usage::

    with ShopifySimulator(orders=200, seed=42) as sim:
        url = sim.url  # http://127.0.0.1:<port>/admin/api/2025-07/graphql.json
        sim.faults.http_429 = 1  # next GraphQL request answers 429
        sim.advance(20)  # lifecycle changes "now"

or from a shell: ``python -m connectors.shopify.simulator --port 8765 --orders 200 --seed 42``.
Admin endpoints for other processes: ``POST /_simulator/faults`` (JSON fields of
:class:`Faults`), ``POST /_simulator/advance`` (``{"changes": n}``), ``GET /_simulator/health``
and ``GET /_simulator/stats``.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import threading
import time
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from connectors.shopify.cost import MAX_QUERY_COST, actual_cost, requested_cost
from connectors.shopify.money import RATES_PER_USD
from connectors.shopify.sample_data import advance_store, seed_store
from connectors.shopify.sim_controls import Faults, LeakyBucket, RequestRecord
from connectors.shopify.sim_schema import execute_query, parse_and_validate
from connectors.shopify.store import iso
from orderhub.connector_kit.http_simulator import Answer, LoopbackServer, Request, json_answer

__all__ = ["Faults", "LeakyBucket", "RequestRecord", "ShopifySimulator", "main"]

GRAPHQL_PATH = re.compile(r"^/admin/api/[^/]+/graphql\.json$")
DEFAULT_API_VERSION = "2025-07"
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
RATE_LIMITED = (
    "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted "
    "service."
)
DOCS = "https://shopify.dev/api/usage/rate-limits"


class ShopifySimulator(LoopbackServer):
    """Serve a seeded fake shop on ``127.0.0.1`` from a background thread."""

    def __init__(
        self,
        *,
        seed: int = 42,
        orders: int = 200,
        customers: int = 60,
        access_token: str = "shpat_simulator",
        bucket_size: float = 2000,
        restore_rate: float = 100,
        start_time: datetime | None = None,
        currency: str = "USD",
        host: str = "127.0.0.1",
        port: int = 0,
        api_version: str = DEFAULT_API_VERSION,
        verbose: bool = False,
    ) -> None:
        now = datetime.now(UTC).replace(microsecond=0)
        start = (start_time or now).astimezone(UTC).replace(microsecond=0)
        if start > now:
            raise ValueError("start_time must not be in the future (Shopify never is)")
        if currency not in RATES_PER_USD:
            raise ValueError(f"currency must be one of {sorted(RATES_PER_USD)}")
        self.access_token = access_token
        self.store = seed_store(
            seed=seed, orders=orders, customers=customers, currency=currency, start=start
        )
        self.bucket = LeakyBucket(bucket_size, restore_rate)
        self.faults = Faults()
        self.requests: list[RequestRecord] = []
        self.api_version = api_version
        self._lock = threading.RLock()
        self._clock = max(
            [o["updatedAt"] for o in self.store.orders.values()]
            + [c["updatedAt"] for c in self.store.customers.values()]
            + [iso(start)]
        )
        super().__init__(host=host, port=port, verbose=verbose)

    def start(self) -> str:
        """Start serving (idempotent) and return the GraphQL endpoint URL."""
        super().start()
        return self.url

    @property
    def url(self) -> str:
        """The GraphQL endpoint, like ``https://{shop}.myshopify.com/admin/api/.../graphql.json``."""
        return f"{self.base_url}/admin/api/{self.api_version}/graphql.json"

    # -- control ---------------------------------------------------------------------------

    def advance(self, changes: int = 20, *, distinct_second: bool = False) -> list[str]:
        """Apply ``changes`` realistic lifecycle changes "now"; return changed order GIDs.

        Timestamps are real UTC now truncated to seconds, never earlier than any previous
        change.  Several changes (and several advances within one second) may share one
        ``updatedAt``, as on Shopify.  ``distinct_second=True`` waits for the next second when
        needed so that this batch is strictly newer than everything before it.
        """
        with self._lock:
            now = datetime.now(UTC).replace(microsecond=0)
            if distinct_second and iso(now) <= self._clock:
                time.sleep(max(0.0, 1.0 - datetime.now(UTC).microsecond / 1e6) + 0.01)
                now = datetime.now(UTC).replace(microsecond=0)
            moment = max(now, datetime.fromisoformat(self._clock))
            self._clock = iso(moment)
            return advance_store(self.store, moment, changes)

    def set_faults(self, values: dict[str, Any]) -> dict[str, Any]:
        """Update fault counters (used by ``POST /_simulator/faults``)."""
        with self._lock:
            self.faults.update(values)
            return asdict(self.faults)

    def counts(self) -> dict[str, int]:
        """Sizes of the simulated shop."""
        with self._lock:
            return {
                "orders": len(self.store.orders),
                "customers": len(self.store.customers),
                "requests": len(self.requests),
            }

    def stats(self) -> dict[str, Any]:
        """Request outcomes so far, e.g. ``{"ok": 12, "throttled": 3}``."""
        with self._lock:
            return {"outcomes": dict(Counter(r.outcome for r in self.requests)), **self.counts()}

    # -- request handling ------------------------------------------------------------------

    def handle(self, request: Request) -> Answer:
        """Route one HTTP request: the Admin GraphQL endpoint or the simulator's controls."""
        if request.method == "POST" and GRAPHQL_PATH.match(request.path):
            status, payload, headers = self.handle_graphql(request)
            if isinstance(payload, bytes):  # a malformed page, sent as is
                return status, {"Content-Type": "application/json; charset=utf-8"}, payload
            return json_answer(status, payload, headers)
        route = (request.method, request.path)
        if route == ("GET", "/_simulator/health"):
            return json_answer(200, {"status": "ok", **self.counts()})
        if route == ("GET", "/_simulator/stats"):
            return json_answer(200, self.stats())
        try:
            data = json.loads(request.body or b"{}")
            if route == ("POST", "/_simulator/faults"):
                return json_answer(200, self.set_faults(data))
            if route == ("POST", "/_simulator/advance"):
                changed = self.advance(int(data.get("changes", 20)))
                return json_answer(200, {"changed": changed, "count": len(changed)})
        except (ValueError, TypeError) as exc:
            return json_answer(400, {"errors": str(exc)})
        return json_answer(404, {"errors": "Not Found"})

    def _record(self, path: str, status: int, outcome: str, cost: int | None = None) -> None:
        self.requests.append(RequestRecord(path, status, outcome, cost))

    def _take_fault(self, name: str) -> bool:
        value = getattr(self.faults, name)
        if value > 0:
            setattr(self.faults, name, value - 1)
            return True
        return False

    def handle_graphql(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        """Answer one GraphQL POST: faults, auth, cost and throttling, then execution."""
        path = request.path
        with self._lock:
            delay = self.faults.slow_seconds
            if delay > 0 and self.faults.slow_requests > 0:
                self.faults.slow_requests -= 1
                if self.faults.slow_requests == 0:
                    self.faults.slow_seconds = 0.0
        if delay > 0:
            time.sleep(delay)
        with self._lock:
            armed = not self._take_fault("faults_after")
            if armed and self._take_fault("http_500"):
                self._record(path, 500, "http_500")
                return 500, {"errors": "Internal Server Error"}, {}
            if armed and self._take_fault("http_429"):
                self._record(path, 429, "http_429")
                return 429, {"errors": RATE_LIMITED}, {"Retry-After": "1.0"}
            if request.headers.get("x-shopify-access-token") != self.access_token:
                self._record(path, 401, "unauthorized")
                return 401, {"errors": INVALID_TOKEN}, {}
            status, payload, outcome, cost = self._graphql(request.body)
            if status == 200 and armed and self._take_fault("malformed_pages"):
                text = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                self._record(path, 200, "malformed", cost)
                return 200, text[: max(1, len(text) // 2)], {}
            self._record(path, status, outcome, cost)
            return status, payload, {}

    def _graphql(self, body: bytes) -> tuple[int, Any, str, int | None]:
        try:
            request = json.loads(body)
            query = request["query"]
            if not isinstance(query, str):
                raise TypeError("query must be a string")
            variables = request.get("variables") or {}
            operation_name = request.get("operationName")
        except (ValueError, KeyError, TypeError):
            missing = {"errors": {"query": "Required parameter missing or invalid"}}
            return 400, missing, "bad_request", None
        document, errors = parse_and_validate(query)
        if document is None:
            return 200, {"errors": errors}, "invalid", None
        try:
            cost = requested_cost(document, variables, operation_name)
        except ValueError as exc:
            return 200, {"errors": [{"message": str(exc)}]}, "invalid", None
        if cost > MAX_QUERY_COST:
            message = (
                f"Query cost is {cost}, which exceeds the single query max cost limit "
                f"({MAX_QUERY_COST}).\n\nSee {DOCS} for more information on how the cost of a "
                "query is calculated.\n\nTo query larger amounts of data with fewer limits, "
                "bulk operations should be used instead."
            )
            details = {
                "code": "MAX_COST_EXCEEDED",
                "cost": cost,
                "maxCost": MAX_QUERY_COST,
                "documentation": DOCS,
            }
            return (
                200,
                {"errors": [{"message": message, "extensions": details}]},
                "too_costly",
                cost,
            )
        if self._take_fault("throttle_next") or not self.bucket.take(cost):
            throttled = {
                "errors": [
                    {
                        "message": "Throttled",
                        "extensions": {"code": "THROTTLED", "documentation": DOCS},
                    }
                ],
                "extensions": {"cost": self._cost_extension(cost, None)},
            }
            return 200, throttled, "throttled", cost
        outcome = execute_query(self.store, document, variables, operation_name)
        spent = actual_cost(document, outcome.data, variables, operation_name)
        self.bucket.give_back(cost - spent)
        payload: dict[str, Any] = {}
        if outcome.errors:
            payload["errors"] = outcome.errors
        payload["data"] = outcome.data
        extensions: dict[str, Any] = {"cost": self._cost_extension(cost, spent)}
        if any(entry["warnings"] for entry in outcome.search):
            extensions["search"] = outcome.search
        payload["extensions"] = extensions
        return 200, payload, "error" if outcome.errors else "ok", cost

    def _cost_extension(self, requested: int, actual: int | None) -> dict[str, Any]:
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": self.bucket.status(),
        }


def _interrupt(signum: int, frame: Any) -> None:
    """Turn SIGTERM into KeyboardInterrupt so the server shuts down cleanly."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    """CLI: serve a simulator until interrupted (Ctrl-C / SIGTERM)."""
    parser = argparse.ArgumentParser(description="Local Shopify Admin GraphQL API simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--customers", type=int, default=60)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--token", default="shpat_simulator", help="expected access token")
    parser.add_argument("--currency", default="USD", choices=["USD", "EUR", "CNY", "GBP"])
    parser.add_argument("--bucket-size", type=float, default=2000)
    parser.add_argument("--restore-rate", type=float, default=100)
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    simulator = ShopifySimulator(
        seed=args.seed,
        orders=args.orders,
        customers=args.customers,
        access_token=args.token,
        bucket_size=args.bucket_size,
        restore_rate=args.restore_rate,
        currency=args.currency,
        host=args.host,
        port=args.port,
        verbose=args.verbose,
    )
    url = simulator.start()
    signal.signal(signal.SIGTERM, _interrupt)
    print(f"Shopify simulator serving {url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()


if __name__ == "__main__":
    main()
