"""tap-sap's S/4HANA client: sales orders and their customers over OData v2.

Orders come from API_SALES_ORDER_SRV::

    GET .../A_SalesOrder?$filter=LastChangeDateTime ge datetimeoffset'2024-05-01T10:00:00Z'
        &$orderby=LastChangeDateTime,SalesOrder&$expand=to_Item,to_Partner
        &$top=..&$skip=..&$inlinecount=allpages&sap-client=100&sap-language=EN

``ge``, not ``gt``: orders stamped with the bookmark's own instant but not yet read when a
sync stopped are read again rather than lost; the ones read before come again unchanged
and the target counts them as such (its version guard compares LastChangeDateTime).

Customers come from API_BUSINESS_PARTNER (A_BusinessPartner with its customer, address,
phone numbers and e-mail addresses): the sales order API has the partner's number only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from connectors.sap.auth import credentials_from
from connectors.sap.edm import parse_json_moment
from connectors.sap.odata import ODataService
from connectors.sap.records import bp_moment, customer_record, error_record, order_record
from connectors.sap.transport import ODataTransport
from orderhub.exceptions import ConfigurationError

SALES_ORDER_SERVICE = "API_SALES_ORDER_SRV"
BUSINESS_PARTNER_SERVICE = "API_BUSINESS_PARTNER"
#: Before any order: the filter of a first sync without ``start_date``.
BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)
BP_EXPAND = ",".join(
    (
        "to_Customer",
        "to_BusinessPartnerAddress",
        "to_BusinessPartnerAddress/to_PhoneNumber",
        "to_BusinessPartnerAddress/to_EmailAddress",
    )
)


def offset_literal(moment: datetime) -> str:
    """A moment as the text of a ``datetimeoffset'...'`` literal (UTC, microseconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def business_partner_url(service_url: str) -> str:
    """API_BUSINESS_PARTNER next to API_SALES_ORDER_SRV (same Gateway, same path)."""
    root = service_url.rstrip("/")
    head, _, last = root.rpartition("/")
    if last.upper().startswith(SALES_ORDER_SERVICE):
        return f"{head}/{BUSINESS_PARTNER_SERVICE}"
    raise ConfigurationError(
        "Set `business_partner_url`: `service_url` does not end in API_SALES_ORDER_SRV, so "
        "the business partner service cannot be found next to it."
    )


class SapODataClient:
    """Orders and customers of one S/4HANA system (one ``sap-client``)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        service_url = str(config.get("service_url") or "").rstrip("/")
        if not service_url.startswith(("http://", "https://")):
            raise ConfigurationError(
                "`service_url` must be the http(s) URL of "
                "API_SALES_ORDER_SRV, e.g. https://host/sap/opu/odata/sap/"
                "API_SALES_ORDER_SRV"
            )
        try:
            self.zone = ZoneInfo(str(config.get("bp_timezone") or "UTC"))
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigurationError(
                f"`bp_timezone` {config.get('bp_timezone')!r} is not an IANA time zone"
            ) from None
        # httpx logs every URL at INFO; a URL may carry user info, so only warnings.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        self.http = httpx.Client(timeout=float(config.get("request_timeout", 30)))
        transport = ODataTransport(
            self.http,
            credentials_from(config, self.http),
            max_attempts=int(config.get("max_attempts", 6)),
            backoff_factor=float(config.get("backoff_factor", 1.0)),
        )
        common = {"$format": "json"}
        if config.get("sap_client"):
            common["sap-client"] = str(config["sap_client"])
        if config.get("sap_language"):
            common["sap-language"] = str(config["sap_language"])
        size, follow = int(config.get("page_size", 200)), bool(config.get("follow_next", True))
        self.sales = ODataService(
            transport, service_url, common=common, page_size=size, follow_next=follow
        )
        bp_url = str(config.get("business_partner_url") or business_partner_url(service_url))
        self.partners = ODataService(
            transport, bp_url, common=common, page_size=size, follow_next=follow
        )

    def close(self) -> None:
        self.http.close()

    def orders(self, since: datetime | None) -> Iterator[dict[str, Any]]:
        """Orders changed at or after ``since``, oldest change first, ties by number."""
        metadata = self.sales.metadata

        def moment(row: dict[str, Any]) -> str:
            value = row.get("LastChangeDateTime")
            return offset_literal(parse_json_moment(str(value))) if value else ""

        rows = self.sales.read(
            "A_SalesOrder",
            filter_at=lambda at: f"LastChangeDateTime ge datetimeoffset'{at}'",
            start=offset_literal(since or BEGINNING),
            moment_of=moment,
            orderby="LastChangeDateTime,SalesOrder",
            expand="to_Item,to_Partner",
            key_select="SalesOrder,LastChangeDateTime",
        )
        for row in rows:
            if "__error__" in row:
                yield error_record(metadata, row)
            else:
                yield order_record(metadata, row)

    def customers(self, since: datetime | None) -> Iterator[dict[str, Any]]:
        """Business partners that are customers, changed (or created) at or after
        ``since``, in business partner order.

        BUT000 keeps a change *date* and *time* in system local time, so the server filter
        is by day (a day earlier, for zones ahead of UTC) and the exact cut is made here.
        Ordered by the partner number, which never changes, ``$skip`` paging stays exact
        while partners change during the sync.
        """
        metadata = self.partners.metadata
        floor = since or BEGINNING
        day = (floor.astimezone(self.zone) - timedelta(days=1)).strftime("%Y-%m-%dT00:00:00")
        changed = (
            f"Customer ne '' and (LastChangeDate ge datetime'{day}' or "
            f"CreationDate ge datetime'{day}')"
        )
        bp_type = metadata.entity_set("A_BusinessPartner")
        rows = self.partners.read(
            "A_BusinessPartner",
            filter_at=lambda _: changed,
            start="",
            moment_of=lambda row: "",
            orderby="BusinessPartner",
            expand=BP_EXPAND,
        )
        for row in rows:
            at = bp_moment(bp_type.parse(row), self.zone)
            if at is None or at >= floor:
                yield customer_record(metadata, row, self.zone)
