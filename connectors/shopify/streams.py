"""The ``orders`` and ``customers`` streams of tap-shopify.

Both are incremental on ``updatedAt`` and read with Shopify's recommended pattern (the same
one singer-io/tap-shopify uses): ``sortKey: UPDATED_AT`` plus a search window
``updated_at:>='<bookmark>' AND updated_at:<='<sync start>'`` paged by cursor.  Bounding the
window by the sync start keeps the bookmark from ever passing the moment the sync began, so
rows updated during a sync are read by the next one; re-reading the bookmark's own second is
intended (Shopify timestamps are whole seconds and several rows can share one).

Shopify refuses queries costing over 1000 points, and an order with line items, money bags and
fulfillments is expensive, so the page size is the configured ``page_size`` capped at what fits
under that limit.  Nested connections are fetched with fixed small pages and, when an order has
more line items or a fulfillment more events, completed with follow-up queries before the
record is emitted - records never carry truncated lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from singer_sdk.helpers.types import Context

from connectors.shopify.client import ShopifyStream
from connectors.shopify.cost import connection_page_limit
from connectors.shopify.schemas import CUSTOMER_SCHEMA, ORDER_SCHEMA

__all__ = ["CustomersStream", "IncrementalStream", "OrdersStream"]

MONEY_BAG = "{ shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }"
ADDRESS = (
    "{ id firstName lastName name company address1 address2 city province provinceCode zip "
    "country countryCodeV2 phone }"
)
CUSTOMER_FIELDS = (
    "id legacyResourceId email phone firstName lastName displayName state verifiedEmail "
    f"createdAt updatedAt tags note numberOfOrders amountSpent {{ amount currencyCode }} "
    f"defaultAddress {ADDRESS}"
)
LINE_ITEM_FIELDS = (
    "id name title sku quantity currentQuantity variantTitle vendor "
    f"originalUnitPriceSet {MONEY_BAG} discountedUnitPriceSet {MONEY_BAG} "
    f"originalTotalSet {MONEY_BAG} totalDiscountSet {MONEY_BAG}"
)
EVENT_FIELDS = "id status happenedAt message city province country zip"
PAGE_INFO = "pageInfo { hasNextPage endCursor }"
ORDER_FIELDS = f"""
  id legacyResourceId name createdAt updatedAt processedAt cancelledAt cancelReason closed
  closedAt confirmed test currencyCode presentmentCurrencyCode displayFinancialStatus
  displayFulfillmentStatus email phone note tags
  customer {{ {CUSTOMER_FIELDS} }}
  billingAddress {ADDRESS}
  shippingAddress {ADDRESS}
  currentSubtotalPriceSet {MONEY_BAG}
  currentTotalPriceSet {MONEY_BAG}
  currentTotalTaxSet {MONEY_BAG}
  currentTotalDiscountsSet {MONEY_BAG}
  totalShippingPriceSet {MONEY_BAG}
  subtotalPriceSet {MONEY_BAG}
  cartDiscountAmountSet {MONEY_BAG}
  totalTaxSet {MONEY_BAG}
  totalPriceSet {MONEY_BAG}
  totalRefundedSet {MONEY_BAG}
  lineItems(first: $lineItemsFirst) {{ edges {{ node {{ {LINE_ITEM_FIELDS} }} }} {PAGE_INFO} }}
  transactions {{ id kind status gateway amountSet {MONEY_BAG} createdAt processedAt test }}
  fulfillments {{
    id name status displayStatus createdAt updatedAt deliveredAt inTransitAt estimatedDeliveryAt
    trackingInfo {{ company number url }}
    events(first: $eventsFirst) {{ edges {{ node {{ {EVENT_FIELDS} }} }} {PAGE_INFO} }}
  }}
"""
ORDERS_QUERY = f"""query Orders($first: Int!, $after: String, $search: String,
    $lineItemsFirst: Int!, $eventsFirst: Int!) {{
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $search) {{
    edges {{ cursor node {{ {ORDER_FIELDS} }} }}
    {PAGE_INFO}
  }}
}}"""
CUSTOMERS_QUERY = f"""query Customers($first: Int!, $after: String, $search: String) {{
  customers(first: $first, after: $after, sortKey: UPDATED_AT, query: $search) {{
    edges {{ cursor node {{ {CUSTOMER_FIELDS} }} }}
    {PAGE_INFO}
  }}
}}"""
MORE_LINE_ITEMS_QUERY = f"""query OrderLineItems($id: ID!, $first: Int!, $after: String) {{
  order(id: $id) {{
    lineItems(first: $first, after: $after) {{
      edges {{ node {{ {LINE_ITEM_FIELDS} }} }}
      {PAGE_INFO}
    }}
  }}
}}"""
MORE_EVENTS_QUERY = f"""query FulfillmentEvents($id: ID!, $first: Int!, $after: String) {{
  fulfillment(id: $id) {{
    events(first: $first, after: $after) {{ edges {{ node {{ {EVENT_FIELDS} }} }} {PAGE_INFO} }}
  }}
}}"""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _nodes(connection: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [edge["node"] for edge in (connection or {}).get("edges") or []]


class IncrementalStream(ShopifyStream):
    """Window computation and search-string construction shared by both streams."""

    #: Emit a bookmark every 100 records (singer-sdk's default is 10,000): the target
    #: commits at bookmarks, so a long backfill that fails resumes close to where it was.
    STATE_MSG_FREQUENCY = 100

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._search: str | None = None
        self._window: tuple[str | None, str] = (None, "")
        #: ``end_date`` as the tap writes moments, when it ends this sync before its start.
        self._end: str | None = None

    @cached_property
    def page_first(self) -> int:
        """Page size: ``page_size`` capped by Shopify's 1000-point single-query limit."""
        wanted = int(self.config.get("page_size", 50))
        fits = connection_page_limit(self.query, {**self.nested_variables(), "search": None})
        chosen = max(1, min(wanted, fits, 250))
        if chosen < wanted:
            self.logger.info(
                "Stream '%s': page_size %d lowered to %d to stay under Shopify's query cost limit",
                self.name,
                wanted,
                chosen,
            )
        return chosen

    def sync_bounds(self, context: Context | None) -> tuple[datetime | None, datetime]:
        """Lower bound (bookmark or start_date, never after sync start) and sync start."""
        signpost = self.get_replication_key_signpost(context)
        if not isinstance(signpost, datetime):
            signpost = datetime.now(UTC)
        upper = signpost.astimezone(UTC).replace(microsecond=0)
        lower = self.get_starting_timestamp(context)
        if lower is not None:
            lower = min(lower.astimezone(UTC).replace(microsecond=0), upper)
        return lower, upper

    def end_bound(self) -> datetime | None:
        """``end_date`` in UTC whole seconds, when it is set."""
        end = self.config.get("end_date")
        if not end:
            return None
        moment = datetime.fromisoformat(str(end))
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
        return moment.astimezone(UTC).replace(microsecond=0)

    def windows(self, context: Context | None) -> Iterator[tuple[str, str | None, str]]:
        """Yield ``(search, lower, upper)`` for each date window of this sync, oldest first.

        Windows are half-open (``>=`` start, ``<`` end) so a row on a boundary is read once;
        the last window is closed at the sync start, or open at ``end_date`` when that comes
        first (a backfill window: rows updated at its end belong to the next one).
        """
        lower, upper = self.sync_bounds(context)
        end = self.end_bound()
        last = "<="
        self._end = None
        if end is not None and end <= upper:
            if lower is not None and lower >= end:
                return  # the bookmark is at the end already: nothing left to read
            upper, last, self._end = end, "<", _iso(end)
        if lower is None:
            yield f"updated_at:{last}'{_iso(upper)}'", None, _iso(upper)
            return
        days = self.config.get("window_days")
        step = timedelta(days=float(days)) if days else None
        start = lower
        while step is not None and start + step < upper:
            end = start + step
            yield (
                f"updated_at:>='{_iso(start)}' AND updated_at:<'{_iso(end)}'",
                _iso(start),
                _iso(end),
            )
            start = end
        yield (
            f"updated_at:>='{_iso(start)}' AND updated_at:{last}'{_iso(upper)}'",
            _iso(start),
            _iso(upper),
        )

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Read every window in order, so records stay sorted by ``updatedAt``."""
        for search, low, high in self.windows(context):
            self._search = search
            self._window = (low, high)
            self.logger.info("Stream '%s': reading %s", self.name, search)
            yield from super().get_records(context)

    def graphql_variables(self, context: Context | None, cursor: str | None) -> dict[str, Any]:
        """Page query variables: size, cursor, search window and nested sizes."""
        return {
            "first": self.page_first,
            "after": cursor,
            "search": self._search,
            **self.nested_variables(),
        }

    def nested_variables(self) -> dict[str, int]:
        """Fixed variables of the page query besides paging and search (nested sizes)."""
        return {}

    def post_process(
        self, row: dict[str, Any], context: Context | None = None
    ) -> dict[str, Any] | None:
        """Drop rows outside the window (Shopify has returned such rows; they would break the
        sort order and could push the bookmark past the sync start)."""
        low, high = self._window
        updated = row.get("updatedAt") or ""
        past_end = self._end is not None and updated >= self._end
        if updated > high or past_end or (low is not None and updated < low):
            self.logger.warning(
                "Stream '%s': skipping %s with updatedAt %s outside window",
                self.name,
                row.get("id"),
                updated,
            )
            return None
        return row


class OrdersStream(IncrementalStream):
    """Orders with customer, addresses, money, line items, transactions and fulfillments."""

    name = "orders"
    connection = "orders"
    schema = ORDER_SCHEMA
    #: Nested page sizes; small because each node multiplies the query cost.
    line_items_first = 5
    events_first = 10
    follow_up_page = 50

    def nested_variables(self) -> dict[str, int]:
        """Sizes of the nested lineItems and events pages."""
        return {"lineItemsFirst": self.line_items_first, "eventsFirst": self.events_first}

    @property
    def query(self) -> str:
        """The page query (see module docstring)."""
        return ORDERS_QUERY

    def post_process(
        self, row: dict[str, Any], context: Context | None = None
    ) -> dict[str, Any] | None:
        """Flatten ``lineItems`` and fulfillment ``events`` to complete plain lists."""
        kept = super().post_process(row, context)
        if kept is None:
            return None
        kept["lineItems"] = self._complete(
            kept.get("lineItems"), MORE_LINE_ITEMS_QUERY, "order", kept["id"], "lineItems"
        )
        for fulfillment in kept.get("fulfillments") or []:
            fulfillment["events"] = self._complete(
                fulfillment.get("events"),
                MORE_EVENTS_QUERY,
                "fulfillment",
                fulfillment["id"],
                "events",
            )
        return kept

    def _complete(
        self,
        connection: dict[str, Any] | None,
        query: str,
        root: str,
        node_id: str,
        field: str,
    ) -> list[dict[str, Any]]:
        nodes = _nodes(connection)
        page_info = (connection or {}).get("pageInfo") or {}
        while page_info.get("hasNextPage"):
            variables = {
                "id": node_id,
                "first": self.follow_up_page,
                "after": page_info["endCursor"],
            }
            data = self.graphql_call(query, variables)
            more = (data.get(root) or {}).get(field)
            nodes.extend(_nodes(more))
            page_info = (more or {}).get("pageInfo") or {}
        return nodes


class CustomersStream(IncrementalStream):
    """Customer accounts with their default address and lifetime spend."""

    name = "customers"
    connection = "customers"
    schema = CUSTOMER_SCHEMA

    @property
    def query(self) -> str:
        """The page query (see module docstring)."""
        return CUSTOMERS_QUERY
