"""tap-u8 streams: sales orders, customers and dispatch notes, each by rowversion.

Every stream is partitioned by the account-year database it reads, so its bookmark is
kept per database: pointing the tap at next year's ``UFDATA_xxx_yyyy`` starts that
database from its own (empty) bookmark and leaves last year's where it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from singer_sdk import Stream
from singer_sdk import typing as th

from connectors.u8 import queries
from connectors.u8.client import U8Client
from connectors.u8.connection import connection_for, later_years, resolve
from connectors.u8.schema import Customer
from orderhub.exceptions import ConfigurationError


def _property(column: sa.ColumnElement[Any]) -> th.Property:
    kind, name = column.type, str(column.key)
    if isinstance(kind, sa.DateTime):
        return th.Property(name, th.DateTimeType)  # UTC, from server-local
    if isinstance(kind, sa.Integer):
        return th.Property(name, th.IntegerType)
    # Amounts and quantities travel as exact decimal text, like every other text.
    return th.Property(name, th.StringType)


def _columns(table: sa.Table) -> list[th.Property]:
    return [_property(column) for column in table.c]


STAMPS = (
    th.Property("account", th.StringType, description="U8 account (账套) number, e.g. 999"),
    th.Property("account_year", th.StringType, description="account_year, e.g. 999_2024"),
    th.Property("database", th.StringType, description="the UFDATA database read"),
    th.Property("extracted_at", th.DateTimeType, description="when the tap read the row (UTC)"),
)


class U8Stream(Stream):
    """A U8 stream read by rowversion, one partition per account-year database."""

    replication_key = "row_version"
    is_sorted = True
    STATE_MSG_FREQUENCY = 200

    @property
    def partitions(self) -> list[dict[str, Any]]:
        """One partition per account-year database read, so one bookmark each."""
        return [{"database": name} for name in self.databases()]

    def databases(self) -> list[str]:
        """The configured database, and with ``follow_new_years`` the account's later
        year databases found on the server (looked up once per run, for every stream)."""
        found: list[str] | None = getattr(self._tap, "_u8_databases", None)
        if found is None:
            configured = resolve(self.config)
            found = [configured.location.database]
            if self.config.get("follow_new_years"):
                client = self.client(configured.location.database)
                try:
                    found = later_years(configured.location, client.account_databases())
                finally:
                    client.close()
            self._tap._u8_databases = found  # type: ignore[attr-defined]
        return found

    def zone(self) -> ZoneInfo:
        """The U8 server's time zone: its datetimes are naive local time."""
        name = str(self.config.get("timezone") or "Asia/Shanghai")
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigurationError(
                f"timezone {name!r} is not an IANA time zone name (e.g. Asia/Shanghai): "
                "fix setting timezone"
            ) from None

    def client(self, database: str) -> U8Client:
        """A client on one account-year database."""
        return U8Client(
            connection_for(self.config, database),
            self.zone(),
            self.positive_setting("page_size", 500),
            self.positive_setting("login_timeout", 15),
        )

    def positive_setting(self, name: str, default: int) -> int:
        """A whole-number setting of at least 1, or an error naming it."""
        value = self.config.get(name)
        if value is None:
            return default
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if number < 1:
            raise ConfigurationError(f"{name} must be a whole number of at least 1 (got {value!r})")
        return number

    def bookmark(self, context: Any) -> int:
        """The last rowversion emitted (exclusive: a rowversion is exact), else 0."""
        value = self.get_starting_replication_key_value(context)
        return int(value) if value is not None else 0


class DocumentStream(U8Stream):
    """A document with its lines nested; a line change re-emits its whole document."""

    document: queries.Document

    def get_records(self, context: Any) -> Iterable[dict[str, Any]]:
        client = self.client(context["database"])
        try:
            yield from client.documents(self.document, self.bookmark(context))
        finally:
            client.close()


class OrdersStream(DocumentStream):
    """Sales orders: SO_SOMain with its SO_SODetails (销售订单)."""

    name = "orders"
    primary_keys = ("account_year", "ID")
    document = queries.ORDERS
    schema = th.PropertiesList(
        *_columns(queries.ORDERS.head),
        th.Property("SO_SODetails", th.ArrayType(th.ObjectType(*_columns(queries.ORDERS.lines)))),
        th.Property("row_version", th.IntegerType, required=True),
        th.Property("customer_id", th.StringType, description="account-cCusCode"),
        th.Property(
            "totals",
            th.ObjectType(
                *(
                    th.Property(n, th.StringType)
                    for n in (
                        "iMoney",
                        "iTax",
                        "iSum",
                        "iDisCount",
                        "iNatMoney",
                        "iNatTax",
                        "iNatSum",
                    )
                )
            ),
            description="sums over the lines (SO_SOMain has no order total)",
        ),
        th.Property("dispatch_state", th.StringType, description="none/partial/full/over"),
        th.Property("lines_closed", th.StringType, description="none/some/all"),
        th.Property("status_summary", th.StringType),
        *STAMPS,
    ).to_dict()


class ShipmentsStream(DocumentStream):
    """Dispatch notes: DispatchList with its DispatchLists (发货单)."""

    name = "shipments"
    primary_keys = ("account_year", "DLID")
    document = queries.SHIPMENTS
    schema = th.PropertiesList(
        *_columns(queries.SHIPMENTS.head),
        th.Property(
            "DispatchLists",
            th.ArrayType(
                th.ObjectType(
                    *_columns(queries.SHIPMENTS.lines),
                    th.Property("SOID", th.IntegerType, description="SO_SOMain.ID of the line"),
                )
            ),
        ),
        th.Property(
            "orders",
            th.ArrayType(
                th.ObjectType(
                    th.Property("ID", th.IntegerType), th.Property("cSOCode", th.StringType)
                )
            ),
            description="the sales orders the dispatch lines belong to",
        ),
        th.Property("customer_id", th.StringType, description="account-cCusCode"),
        th.Property("row_version", th.IntegerType, required=True),
        *STAMPS,
    ).to_dict()


class CustomersStream(U8Stream):
    """Customers (客户档案), by ``pubufts``: master data carries ``pubufts``, not ``ufts``."""

    name = "customers"
    primary_keys = ("account", "cCusCode")
    replication_key = "pubufts"
    schema = th.PropertiesList(
        *[_property(c) for c in Customer.c if c.key != "pubufts"],
        th.Property("pubufts", th.IntegerType, required=True),
        th.Property("customer_id", th.StringType, description="account-cCusCode"),
        *STAMPS,
    ).to_dict()

    def get_records(self, context: Any) -> Iterable[dict[str, Any]]:
        client = self.client(context["database"])
        try:
            yield from client.customers(self.bookmark(context))
        finally:
            client.close()
