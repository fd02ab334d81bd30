"""HTTP behaviour shared by the Shopify streams: auth, cost-aware throttling, retries.

The connector kit's ``ResilientHTTPMixin`` gives the common part (401/403 fatal naming
``access_token``, 429 after ``Retry-After``, 5xx/timeouts/malformed bodies with backoff, one
clear give-up error). Shopify answers the rest with HTTP 200, classified here:

* THROTTLED -> retried after the time the bucket needs to refill (from ``throttleStatus``);
* any other GraphQL error -> ``FatalAPIError`` with Shopify's message.

Before each request :class:`ShopifyThrottle` waits if the last ``throttleStatus`` says the
bucket cannot pay for the query, so a well-behaved sync rarely sees THROTTLED at all.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import requests
from singer_sdk.authenticators import APIKeyAuthenticator
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers.types import Context
from singer_sdk.pagination import BaseAPIPaginator
from singer_sdk.streams import GraphQLStream

from orderhub.connector_kit.http import ResilientHTTPMixin

__all__ = ["ShopifyStream", "ShopifyThrottle", "ShopifyThrottledError"]

MAX_WAIT_SECONDS = 60.0  # the longest a single bucket wait may take


class ShopifyThrottledError(RetriableAPIError):
    """Shopify answered THROTTLED: the cost bucket is empty; retry once it refills."""


class ShopifyThrottle:
    """Client side of Shopify's leaky bucket.

    Remembers the last ``extensions.cost`` and, before the next request, sleeps for the time
    the bucket needs (at ``restoreRate``) to hold the last requested cost again.  ``sleep``
    and ``clock`` are injectable so tests can observe waits.
    """

    def __init__(
        self,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        logger: logging.Logger | None = None,
    ) -> None:
        self._sleep = sleep
        self._clock = clock
        self._logger = logger or logging.getLogger(__name__)
        self.requested: float | None = None
        self.available: float | None = None
        self.maximum: float | None = None
        self.restore_rate: float | None = None
        self._observed_at = 0.0
        #: Every pre-request wait, in seconds (for logging and tests).
        self.waits: list[float] = []

    def observe(self, cost: dict[str, Any] | None) -> None:
        """Record ``extensions.cost`` from a response (successful or THROTTLED)."""
        if not isinstance(cost, dict):
            return
        status = cost.get("throttleStatus") or {}
        try:
            if cost.get("requestedQueryCost") is not None:
                self.requested = float(cost["requestedQueryCost"])
            self.available = float(status["currentlyAvailable"])
            self.maximum = float(status["maximumAvailable"])
            self.restore_rate = float(status["restoreRate"])
        except (KeyError, TypeError, ValueError):
            return
        self._observed_at = self._clock()

    def seconds_until(self, needed: float | None = None) -> float:
        """Seconds until the bucket holds ``needed`` points (default: last requested cost)."""
        needed = self.requested if needed is None else needed
        if needed is None or self.available is None or not self.restore_rate:
            return 0.0
        if self.maximum is not None:
            needed = min(needed, self.maximum)
        refilled = (self._clock() - self._observed_at) * self.restore_rate
        deficit = needed - (self.available + refilled)
        return min(MAX_WAIT_SECONDS, deficit / self.restore_rate) if deficit > 0 else 0.0

    def before_request(self) -> None:
        """Wait, if needed, so the next query can be paid for."""
        wait = self.seconds_until()
        if wait > 0:
            self._logger.info("Shopify cost bucket low; waiting %.2f s before next request", wait)
            self.waits.append(wait)
            self._sleep(wait)


class _CursorPaginator(BaseAPIPaginator[str | None]):
    """Follows ``pageInfo.endCursor`` of one top-level connection while ``hasNextPage``."""

    def __init__(self, connection: str) -> None:
        super().__init__(None)
        self._connection = connection

    def get_next(self, response: requests.Response) -> str | None:
        page_info = response.json()["data"][self._connection]["pageInfo"]
        return page_info["endCursor"] if page_info.get("hasNextPage") else None


class ShopifyStream(ResilientHTTPMixin, GraphQLStream):
    """Base class: one Shopify connection queried incrementally by ``updatedAt``.

    Retries, Retry-After, credential errors and give-up messages come from the connector
    kit's :class:`ResilientHTTPMixin`; this class adds what is Shopify's own: GraphQL
    errors in a 200 answer, THROTTLED and the cost bucket.
    """

    #: Name of the top-level connection field, e.g. ``orders``.
    connection: str = ""
    primary_keys = ("id",)
    replication_key = "updatedAt"
    is_sorted = True
    credential_setting = "access_token"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Shopify's bucket is per app and shop, so streams of one tap share one throttle.
        shared = getattr(self._tap, "shopify_throttle", None)
        self.throttle = shared if isinstance(shared, ShopifyThrottle) else ShopifyThrottle()

    # -- request construction --------------------------------------------------------------

    @property
    def url_base(self) -> str:
        """The GraphQL endpoint: ``api_url`` or built from ``shop`` and ``api_version``."""
        api_url = self.config.get("api_url")
        if api_url:
            return str(api_url)
        shop = str(self.config["shop"]).removesuffix(".myshopify.com")
        return f"https://{shop}.myshopify.com/admin/api/{self.config['api_version']}/graphql.json"

    @property
    def authenticator(self) -> APIKeyAuthenticator:
        """Shopify's header auth; the token lives only in this header."""
        return APIKeyAuthenticator(
            key="X-Shopify-Access-Token",
            value=str(self.config["access_token"]),
            location="header",
        )

    @property
    def http_headers(self) -> dict[str, str]:
        """Ask for JSON explicitly; Shopify serves HTML error pages otherwise."""
        return {"Accept": "application/json"}

    @property
    def records_jsonpath(self) -> str:
        """Nodes of the top-level connection."""
        return f"$.data.{self.connection}.edges[*].node"

    def get_new_paginator(self) -> _CursorPaginator:
        """Cursor paging on the top-level connection."""
        return _CursorPaginator(self.connection)

    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        """GraphQL takes everything in the body; nothing goes into the URL."""
        return {}

    def graphql_variables(self, context: Context | None, cursor: str | None) -> dict[str, Any]:
        """Variables for the page query; subclasses add their own."""
        raise NotImplementedError

    def prepare_request_payload(
        self, context: Context | None, next_page_token: Any
    ) -> dict[str, Any]:
        """``{"query", "variables"}`` with the query sent as written (not re-wrapped)."""
        return {"query": self.query, "variables": self.graphql_variables(context, next_page_token)}

    # -- Shopify's own answers -------------------------------------------------------------

    def classify_payload(self, response: requests.Response) -> None:
        """GraphQL errors come with HTTP 200: THROTTLED is retried, the rest is fatal."""
        super().classify_payload(response)  # malformed JSON -> retried
        where = self.where(response)
        payload = response.json()
        if not isinstance(payload, dict):
            raise RetriableAPIError(f"Unexpected JSON document from {where}", response)
        extensions = payload.get("extensions") or {}
        self.throttle.observe(extensions.get("cost"))
        for entry in extensions.get("search") or []:
            for warning in entry.get("warnings") or []:
                self.logger.warning("Shopify ignored part of search %r: %s", entry, warning)
        errors = payload.get("errors")
        if errors:
            if isinstance(errors, list) and any(_code(e) == "THROTTLED" for e in errors):
                raise ShopifyThrottledError(f"Throttled by Shopify for {where}", response)
            raise FatalAPIError(f"Shopify GraphQL error for {where}: {_messages(errors)}")
        if not isinstance(payload.get("data"), dict):
            raise RetriableAPIError(f"Response without data from {where}", response)

    def retry_wait(self, exception: BaseException | None, attempt: int) -> float:
        """THROTTLED waits for the bucket to refill; everything else as the kit does."""
        if isinstance(exception, ShopifyThrottledError):
            return max(0.05, self.throttle.seconds_until())
        return super().retry_wait(exception, attempt)

    def before_request(self) -> None:
        """Wait for the cost bucket before every attempt."""
        self.throttle.before_request()

    def graphql_call(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """Run an ad-hoc query (nested paging) with the same auth, throttling and retries."""
        prepared = self.build_prepared_request(
            method="POST",
            url=self.url_base,
            headers=self.http_headers,
            json={"query": query, "variables": variables},
        )
        response = self.request_decorator(self._request)(prepared, None)
        data: dict[str, Any] = response.json()["data"]
        return data


def _code(error: Any) -> str | None:
    if isinstance(error, dict):
        extensions = error.get("extensions") or {}
        return extensions.get("code") if isinstance(extensions, dict) else None
    return None


def _messages(errors: Any) -> str:
    if isinstance(errors, list):
        return "; ".join(
            str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors
        )
    return str(errors)
