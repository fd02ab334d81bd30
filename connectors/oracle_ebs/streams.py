"""The tap's streams: orders, customers and shipments, one CDC engine for all three.

A sync reads, for each table that makes up a stream's record, the keys of rows with
``LAST_UPDATE_DATE >= local_floor(bookmark - lookback)`` (keyset pages), unions them into
the stream's keys, and re-reads those records whole. The first sync pages through every
key instead. Deletes come from key reconciliation (:mod:`.keymemory`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from singer_sdk import Stream
from singer_sdk.helpers.conform import TypeConformanceLevel

from connectors.oracle_ebs import schemas
from connectors.oracle_ebs.client import EbsClient
from connectors.oracle_ebs.clock import ServerClock
from connectors.oracle_ebs.feeds import FEEDS
from connectors.oracle_ebs.keymemory import ENCODING, KeyMemory, vanished
from connectors.oracle_ebs.queries import EbsQueries
from connectors.oracle_ebs.records import customer_records, order_records, shipment_records


class EbsStream(Stream):
    """One EBS stream: its key, schema and how a page of its records is read."""

    replication_key = "LAST_UPDATE_DATE"
    # Records come in key order, not LAST_UPDATE_DATE order: the bookmark is the maximum
    # seen, written when the stream finishes (a crash re-reads, never skips).
    is_sorted = False
    check_sorted = False
    # records.py already emits JSON types exactly as the schema declares them; singer-sdk's
    # recursive conforming would walk every line of every order again (half the tap's time).
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
    key_column: str

    def fetch(self, client: EbsClient, queries: EbsQueries, ids: list[int]) -> list[dict]:
        """The records of ``ids`` (at most one page), as the tap emits them."""
        raise NotImplementedError

    # -- settings ---------------------------------------------------------------------------

    @property
    def clock(self) -> ServerClock:
        return ServerClock(str(self.config.get("timezone") or "UTC"))

    def _queries(self) -> EbsQueries:
        orgs = [int(org) for org in self.config.get("org_ids") or []]
        return EbsQueries(orgs, int(self.config.get("page_size") or 500))

    def _params(self) -> dict[str, Any]:
        orgs = [int(org) for org in self.config.get("org_ids") or []]
        return {"org_ids": orgs} if orgs else {}

    # -- the sync ---------------------------------------------------------------------------

    def get_records(self, context: Any) -> Iterable[dict[str, Any]]:
        client = EbsClient(self.config)
        queries = self._queries()
        try:
            start = self.get_starting_timestamp(context)
            now = ServerClock.now()
            if start is None:
                scanned = KeyMemory()
                for page in self._key_pages(client, queries):
                    scanned.append_sorted(page)
                    yield from self.fetch(client, queries, page)
                self._remember(scanned, reconciled=now)
                return
            lookback = timedelta(minutes=float(self.config.get("lookback_minutes", 60)))
            since = self.clock.local_floor(start - lookback, now)
            changed = sorted(self._changed_ids(client, queries, since))
            emitted: list[int] = []
            for ids in client.chunks(changed, queries.page_size):
                for record in self.fetch(client, queries, ids):
                    emitted.append(int(record[self.key_column]))
                    yield record
            yield from self._reconcile(client, queries, emitted, now)
        finally:
            client.close()

    def _key_pages(self, client: EbsClient, queries: EbsQueries) -> Iterator[list[int]]:
        after: int | None = None
        while True:
            params = {**self._params(), **({"after_id": after} if after is not None else {})}
            rows = client.rows(
                f"{self.name}.key_page", queries.key_page(self.name, after), **params
            )
            page = [int(row["KEY"]) for row in rows]
            if not page:
                return
            yield page
            after = page[-1]

    def _changed_ids(self, client: EbsClient, queries: EbsQueries, since: datetime) -> set[int]:
        """Keys of this stream whose record changed in any of its tables since ``since``."""
        changed: set[int] = set()
        for feed in FEEDS[self.name]:
            after: tuple[datetime, int] | None = None
            while True:
                params: dict[str, Any] = {"since": since, **self._params()}
                if after is not None:
                    params.update(after_date=after[0], after_id=after[1])
                rows = client.rows(
                    f"{self.name}.changed_keys.{feed.name}",
                    queries.changed_keys(feed, after),
                    **params,
                )
                changed.update(int(r["PARENT_ID"]) for r in rows if r["PARENT_ID"] is not None)
                if len(rows) < queries.page_size:
                    break
                after = (rows[-1]["LAST_UPDATE_DATE"], int(rows[-1]["ROW_ID"]))
        return changed

    # -- deletes ----------------------------------------------------------------------------

    def _memory(self) -> KeyMemory | None:
        state = self.stream_state
        if state.get("key_memory_encoding") != ENCODING or "key_memory" not in state:
            return None
        orgs = sorted(int(o) for o in self.config.get("org_ids") or [])
        if state.get("key_memory_org_ids") != orgs:
            return None  # another operating-unit filter: its keys say nothing about deletes
        return KeyMemory.decode(state["key_memory"])

    def _remember(self, memory: KeyMemory, *, reconciled: datetime | None) -> None:
        state = self.stream_state
        state["key_memory"] = memory.encode()
        state["key_memory_encoding"] = ENCODING
        state["key_memory_org_ids"] = sorted(int(o) for o in self.config.get("org_ids") or [])
        if reconciled is not None:
            state["reconciled_at"] = reconciled.isoformat()

    def _reconcile_due(self, now: datetime) -> bool:
        hours = float(self.config.get("reconcile_deletes_hours", 24))
        last = self.stream_state.get("reconciled_at")
        if hours < 0:
            return False
        return last is None or now - datetime.fromisoformat(last) >= timedelta(hours=hours)

    def _reconcile(
        self, client: EbsClient, queries: EbsQueries, emitted: list[int], now: datetime
    ) -> Iterator[dict[str, Any]]:
        """Tombstones for remembered keys that are gone, if reconciliation is due."""
        memory = self._memory()
        if not self._reconcile_due(now):
            self._remember((memory or KeyMemory()).union(emitted), reconciled=None)
            return
        current = KeyMemory()

        def scanned() -> Iterator[int]:
            for page in self._key_pages(client, queries):
                current.append_sorted(page)
                yield from page

        keys = scanned()
        gone = list(vanished(memory or KeyMemory(), keys))
        for _ in keys:  # the rest of the scan still belongs in the new memory
            pass
        self._remember(current, reconciled=now)
        stamp = now.isoformat()
        for key in gone:
            yield {self.key_column: key, "LAST_UPDATE_DATE": stamp, "_sdc_deleted_at": stamp}

    def _increment_stream_state(self, latest_record: dict[str, Any], **kwargs: Any) -> None:
        # A tombstone carries the time the delete was found, not a source version: it must
        # not move the bookmark past rows not read yet.
        if latest_record.get("_sdc_deleted_at"):
            return
        super()._increment_stream_state(latest_record, **kwargs)


class OrdersStream(EbsStream):
    """OE_ORDER_HEADERS_ALL with its OE_ORDER_LINES_ALL and OE_ORDER_HOLDS_ALL."""

    name = "orders"
    primary_keys = ("HEADER_ID",)
    key_column = "HEADER_ID"
    schema = schemas.ORDERS

    def fetch(self, client: EbsClient, queries: EbsQueries, ids: list[int]) -> list[dict]:
        params = self._params()
        headers = client.rows("orders.order_headers", queries.order_headers(), ids=ids, **params)
        found = [int(h["HEADER_ID"]) for h in headers]
        if not found:
            return []
        lines = client.rows("orders.order_lines", queries.order_lines(), ids=found)
        holds = client.rows("orders.order_holds", queries.order_holds(), ids=found)
        site_ids = sorted(
            {
                int(h[c])
                for h in headers
                for c in ("SHIP_TO_ORG_ID", "INVOICE_TO_ORG_ID")
                if h[c] is not None
            }
        )
        addresses = {}
        if site_ids:
            rows = client.rows(
                "orders.site_use_addresses", queries.site_use_addresses(), ids=site_ids
            )
            addresses = {int(r["SITE_USE_ID"]): r for r in rows}
        return order_records(headers, lines, holds, addresses, self.clock)


class CustomersStream(EbsStream):
    """HZ_CUST_ACCOUNTS with HZ_PARTIES, HZ_CONTACT_POINTS and their sites' addresses."""

    name = "customers"
    primary_keys = ("CUST_ACCOUNT_ID",)
    key_column = "CUST_ACCOUNT_ID"
    schema = schemas.CUSTOMERS

    def fetch(self, client: EbsClient, queries: EbsQueries, ids: list[int]) -> list[dict]:
        accounts = client.rows("customers.customer_accounts", queries.customer_accounts(), ids=ids)
        if not accounts:
            return []
        parties = sorted({int(a["PARTY_ID"]) for a in accounts})
        points = client.rows(
            "customers.customer_contact_points", queries.customer_contact_points(), ids=parties
        )
        sites = client.rows(
            "customers.customer_sites", queries.customer_sites(), ids=ids, **self._params()
        )
        return customer_records(accounts, points, sites, self.clock)


class ShipmentsStream(EbsStream):
    """WSH_DELIVERY_DETAILS with their WSH_NEW_DELIVERIES via WSH_DELIVERY_ASSIGNMENTS."""

    name = "shipments"
    primary_keys = ("DELIVERY_DETAIL_ID",)
    key_column = "DELIVERY_DETAIL_ID"
    schema = schemas.SHIPMENTS

    def fetch(self, client: EbsClient, queries: EbsQueries, ids: list[int]) -> list[dict]:
        details = client.rows(
            "shipments.shipment_details", queries.shipment_details(), ids=ids, **self._params()
        )
        return shipment_records(details, self.clock)


STREAM_TYPES: tuple[type[EbsStream], ...] = (OrdersStream, CustomersStream, ShipmentsStream)
