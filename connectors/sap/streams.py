"""tap-sap streams: ``orders`` and ``customers``, incremental on ``LastChangeDateTime``.

Both read from a *record source*: :class:`~connectors.sap.client.SapODataClient` for
S/4HANA (``protocol: odata``) or ``connectors.sap.ecc.client.EccClient`` for ECC
(``protocol: soap``). Either yields the same record shape (docs/sources/sap.md, "Record
shape"), so the streams, schemas and mappings do not care which one runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any, Protocol

from singer_sdk import Stream
from singer_sdk.helpers.types import Context

from connectors.sap.client import SapODataClient
from connectors.sap.schemas import CUSTOMER_SCHEMA, ORDER_SCHEMA
from orderhub.exceptions import ConfigurationError

REPLICATION_KEY = "LastChangeDateTime"


class RecordSource(Protocol):
    """What a protocol client offers the streams (records sorted by LastChangeDateTime)."""

    def orders(self, since: datetime | None) -> Iterator[dict[str, Any]]: ...

    def customers(self, since: datetime | None) -> Iterator[dict[str, Any]]: ...


#: Rows per request: SAP gateways cap $top at 5,000 by default.
MAX_PAGE_SIZE = 5000


def check_settings(config: Any) -> None:
    """Refuse settings that would read nothing or skip changes, naming the setting."""
    page_size = config.get("page_size", 200)
    if not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ConfigurationError(
            f"`page_size` must be from 1 to {MAX_PAGE_SIZE}, not {page_size!r}"
        )
    lookback = config.get("lookback_minutes") or 0
    if not isinstance(lookback, int | float) or lookback < 0:
        raise ConfigurationError(
            f"`lookback_minutes` must be 0 or more (a negative one skips changes), not {lookback!r}"
        )
    start = config.get("start_date")
    if start is not None:
        try:
            datetime.fromisoformat(str(start).replace("Z", "+00:00"))
        except ValueError:
            raise ConfigurationError(
                f"`start_date` must be an ISO-8601 date-time such as 2024-01-01T00:00:00Z, "
                f"not {start!r}"
            ) from None


def record_source(config: Any) -> RecordSource:
    """The client for the configured ``protocol``."""
    check_settings(config)
    protocol = config.get("protocol") or "odata"
    if protocol == "odata":
        return SapODataClient(config)
    if protocol == "soap":
        try:
            from connectors.sap.ecc.client import EccClient
        except ImportError as exc:
            raise ConfigurationError(
                f"`protocol` soap needs the ECC client (connectors.sap.ecc), which is not "
                f"installed here: {exc}"
            ) from None
        source: RecordSource = EccClient(config)
        return source
    raise ConfigurationError(f"`protocol` must be 'odata' or 'soap', not {protocol!r}")


class SapStream(Stream):
    """A stream read from the record source, from the bookmark minus the lookback."""

    replication_key = REPLICATION_KEY
    #: The target commits at bookmarks: a failed backfill resumes close to where it was.
    STATE_MSG_FREQUENCY = 100

    @cached_property
    def source(self) -> RecordSource:
        return record_source(self.config)

    def since(self, context: Context | None) -> datetime | None:
        """Bookmark (or ``start_date``) minus ``lookback_minutes``: an SAP update task
        that commits after a later one has already been read is caught next time."""
        start = self.get_starting_timestamp(context)
        if start is None:
            return None
        minutes = float(self.config.get("lookback_minutes") or 0)
        return start.astimezone(UTC) - timedelta(minutes=minutes)

    def fetch(self, since: datetime | None) -> Iterator[dict[str, Any]]:
        raise NotImplementedError

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        try:
            yield from self.fetch(self.since(context))
        finally:
            close = getattr(self.source, "close", None)
            if close is not None:
                close()
            self.__dict__.pop("source", None)


class OrdersStream(SapStream):
    """Sales orders with items and partners, oldest change first."""

    name = "orders"
    primary_keys = ("SalesOrder",)
    is_sorted = True
    schema = ORDER_SCHEMA

    def fetch(self, since: datetime | None) -> Iterator[dict[str, Any]]:
        return self.source.orders(since)

    def post_process(
        self, row: dict[str, Any], context: Context | None = None
    ) -> dict[str, Any] | None:
        """Add ``OrderedNetAmount``: TotalNetAmount leaves rejected items out, while the
        unified order is as ordered (its lines, rejected ones too, add up to it)."""
        amounts = [item.get("NetAmount") for item in row.get("items") or ()]
        try:
            total = sum((Decimal(str(a)) for a in amounts if a is not None), Decimal(0))
        except InvalidOperation:
            total = None  # the mapping dead-letters the item's malformed NetAmount itself
        row["OrderedNetAmount"] = None if total is None or not amounts else str(total)
        return row

    def _increment_stream_state(
        self, latest_record: dict[str, Any], *, context: Context | None = None
    ) -> None:
        """Bookmark ``min(LastChangeDateTime, sync start)``: singer-sdk caps bookmarks at its
        signpost only for unsorted streams, and an order changed during this sync must be
        read again by the next one."""
        signpost = self.get_replication_key_signpost(context)
        value = latest_record.get(REPLICATION_KEY)
        if (
            isinstance(signpost, datetime)
            and value
            and datetime.fromisoformat(str(value)) > signpost
        ):
            capped = signpost.astimezone(UTC).isoformat(timespec="microseconds")
            latest_record = {**latest_record, REPLICATION_KEY: capped}
        super()._increment_stream_state(latest_record, context=context)


class CustomersStream(SapStream):
    """Customers (sold-to, ship-to ... partners) with address, phone and e-mail."""

    name = "customers"
    primary_keys = ("Customer",)
    #: Read in partner-number order; singer-sdk keeps the highest LastChangeDateTime.
    is_sorted = False
    schema = CUSTOMER_SCHEMA

    def fetch(self, since: datetime | None) -> Iterator[dict[str, Any]]:
        return self.source.customers(since)
