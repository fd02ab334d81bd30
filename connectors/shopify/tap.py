"""tap-shopify: orders and customers from the Shopify Admin GraphQL API.

Configure the endpoint in exactly one of two ways:

* ``api_url`` - the full GraphQL endpoint, e.g.
  ``https://my-store.myshopify.com/admin/api/2025-07/graphql.json`` (also how tests point the
  tap at the local simulator), or
* ``shop`` + ``api_version`` - e.g. ``my-store`` and ``2025-07``; the tap builds
  ``https://{shop}.myshopify.com/admin/api/{api_version}/graphql.json``.

``access_token`` is an Admin API access token (``shpat_...``); it is marked secret, sent only in
the ``X-Shopify-Access-Token`` header and never logged.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.exceptions import ConfigValidationError

from connectors.shopify.client import ShopifyThrottle
from connectors.shopify.streams import CustomersStream, OrdersStream

__all__ = ["DEFAULT_API_VERSION", "TapShopify", "endpoint_errors"]

#: API version used in examples (the one singer-io/tap-shopify targets).
DEFAULT_API_VERSION = "2025-07"


class TapShopify(Tap):
    """Singer tap for Shopify orders and customers (incremental on ``updatedAt``)."""

    name = "tap-shopify"
    package_name = "orderhub"
    #: msgspec encodes Singer messages several times faster than the json module.
    message_writer_class = MsgSpecWriter
    #: Distribution that ships this tap (for ``--about`` / ``--version``).
    package_name = "orderhub"

    config_jsonschema = th.PropertiesList(
        th.Property(
            "api_url",
            th.URIType,
            description=(
                "Full GraphQL endpoint URL, e.g. https://my-store.myshopify.com/admin/api/"
                f"{DEFAULT_API_VERSION}/graphql.json. Give either this or shop + api_version."
            ),
        ),
        th.Property(
            "shop",
            th.StringType,
            description="Shop subdomain (my-store or my-store.myshopify.com); needs api_version.",
        ),
        th.Property(
            "api_version",
            th.StringType,
            description=f"Admin API version such as {DEFAULT_API_VERSION}; used with shop.",
            examples=[DEFAULT_API_VERSION],
        ),
        th.Property(
            "access_token",
            th.StringType,
            required=True,
            secret=True,
            description="Admin API access token (needs read_orders and read_customers).",
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            description="Read rows updated at or after this moment on the first sync.",
        ),
        th.Property(
            "end_date",
            th.DateTimeType,
            description="Optional: read only rows updated before this moment (exclusive), "
            "e.g. the end of a backfill window.",
        ),
        th.Property(
            "page_size",
            th.IntegerType,
            default=50,
            description="Rows per page; lowered automatically to fit Shopify's query cost limit.",
        ),
        th.Property(
            "window_days",
            th.NumberType,
            description="Optional: split the updatedAt range into windows of this many days.",
        ),
        th.Property(
            "request_timeout",
            th.NumberType,
            default=30,
            description="Seconds to wait for one HTTP response before retrying.",
        ),
        th.Property(
            "max_attempts",
            th.IntegerType,
            default=6,
            description="Attempts per request (429, 5xx, timeouts, THROTTLED, bad JSON).",
        ),
        th.Property(
            "backoff_factor",
            th.NumberType,
            default=1.0,
            description="Base seconds of the exponential backoff for 5xx and timeouts.",
        ),
    ).to_dict()

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        """Schema validation plus: exactly one way of naming the endpoint."""
        errors = super()._validate_config(raise_errors=raise_errors)
        extra = endpoint_errors(self._config)
        if extra:
            if raise_errors:
                raise ConfigValidationError(
                    "Config validation failed", errors=errors + extra, schema=self.config_jsonschema
                )
            self.logger.warning("Config validation failed: %s", "; ".join(extra))
        return errors + extra

    @cached_property
    def shopify_throttle(self) -> ShopifyThrottle:
        """One client-side view of Shopify's cost bucket, shared by all streams."""
        return ShopifyThrottle(logger=self.logger)

    def discover_streams(self) -> list[OrdersStream | CustomersStream]:
        """The two streams; schemas are static (Shopify's schema is versioned)."""
        return [OrdersStream(self), CustomersStream(self)]


def endpoint_errors(config: dict[str, Any]) -> list[str]:
    """Check that the endpoint is given as ``api_url`` xor ``shop`` + ``api_version``."""
    has_url = bool(config.get("api_url"))
    has_shop, has_version = bool(config.get("shop")), bool(config.get("api_version"))
    if has_url and (has_shop or has_version):
        return ["Give either api_url or shop + api_version, not both"]
    if not has_url and not (has_shop and has_version):
        if has_shop or has_version:
            return ["shop and api_version must be given together"]
        return ["Missing endpoint: give api_url, or shop + api_version"]
    return []


if __name__ == "__main__":
    TapShopify.cli()
