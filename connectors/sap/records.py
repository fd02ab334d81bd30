"""The records tap-sap emits, built from parsed OData entities.

The shape is shared with the ECC (SOAP) client, so one mapping serves both protocols; it
is documented in docs/sources/sap.md under "Record shape".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from connectors.sap.edm import EntityType, ServiceMetadata, iso_utc
from connectors.sap.odata import nav_rows
from orderhub.exceptions import SourceError

PARTNER_FIELDS = ("PartnerFunction", "Customer", "Supplier", "Personnel", "ContactPerson")
#: Header status fields the status code table reads.
STATUS_FIELDS = (
    "OverallSDDocumentRejectionSts",
    "DeliveryBlockReason",
    "HeaderBillingBlockReason",
    "TotalCreditCheckStatus",
    "OverallSDProcessStatus",
    "OverallTotalDeliveryStatus",
    "OverallOrdReltdBillgStatus",
)


def overall_status(codes: Iterable[str | None]) -> str | None:
    """A header status from its items' statuses, as SD totals them (VBUK from VBUP):
    items that are not relevant (blank) do not count; all A -> A, all C -> C, else B."""
    relevant = {code for code in codes if code}
    if not relevant:
        return None
    if len(relevant) == 1:
        return relevant.pop()
    return "B"


def _expanded(row: dict[str, Any], nav: str, owner: str) -> list[dict[str, Any]]:
    rows = nav_rows(row.get(nav))
    if rows is None:
        # Asked for with $expand but sent as __deferred: a gateway quirk; never followed.
        raise SourceError(
            f"{owner} {row.get('SalesOrder')!r}: the service sent {nav} as __deferred although"
            " the tap asked for $expand; it is never followed one order at a time."
        )
    return rows


def order_record(metadata: ServiceMetadata, row: dict[str, Any]) -> dict[str, Any]:
    """An A_SalesOrder entity with its items and header partners as one record."""
    header = metadata.entity_set("A_SalesOrder")
    items_type: EntityType = metadata.navigation(header, "to_Item")
    partner_type: EntityType = metadata.navigation(header, "to_Partner")
    record = header.parse(row)
    record["items"] = [items_type.parse(i) for i in _expanded(row, "to_Item", "A_SalesOrder")]
    record["partners"] = [
        {k: v for k, v in partner_type.parse(p).items() if k in PARTNER_FIELDS}
        for p in _expanded(row, "to_Partner", "A_SalesOrder")
    ]
    record["_source_error"] = None
    if "OverallOrdReltdBillgStatus" not in header.properties:
        # Older releases (the shipped EDMX) have it per item only; SD totals it the same way.
        record["OverallOrdReltdBillgStatus"] = overall_status(
            item.get("OrderRelatedBillingStatus") for item in record["items"]
        )
    else:
        record["OverallOrdReltdBillgStatus"] = header.properties[
            "OverallOrdReltdBillgStatus"
        ].parse(row.get("OverallOrdReltdBillgStatus"))
    return record


def error_record(metadata: ServiceMetadata, row: dict[str, Any]) -> dict[str, Any]:
    """An order SAP could not deliver (its read failed with an OData error body): its key
    and change time, no data, and SAP's message in ``_source_error``. The mapping turns
    it into a dead letter quoting the message; the next change of the order reads it
    again, and a fixed order then loads."""
    header = metadata.entity_set("A_SalesOrder")
    record = header.parse({k: v for k, v in row.items() if k in header.properties})
    record.update(
        items=[],
        partners=[],
        OverallOrdReltdBillgStatus=None,
        _source_error=str(row["__error__"]),
    )
    return record


def _first(rows: list[dict[str, Any]], flag: str) -> dict[str, Any]:
    """The row marked default (``IsDefault...``), else the first, else empty."""
    for candidate in rows:
        if candidate.get(flag) is True:
            return candidate
    return rows[0] if rows else {}


def bp_moment(bp: dict[str, Any], zone: ZoneInfo) -> datetime | None:
    """When a business partner last changed: LastChangeDate + LastChangeTime (system
    local time, as BUT000 keeps them), or its creation if it never changed."""
    for day, clock in (("LastChangeDate", "LastChangeTime"), ("CreationDate", "CreationTime")):
        if bp.get(day):
            at = time.fromisoformat(bp.get(clock) or "00:00:00")
            local = datetime.combine(datetime.fromisoformat(bp[day]).date(), at, tzinfo=zone)
            return local
    return None


def customer_record(
    metadata: ServiceMetadata, row: dict[str, Any], zone: ZoneInfo
) -> dict[str, Any]:
    """An A_BusinessPartner (a customer) with its customer data, address, phone, email."""
    bp_type = metadata.entity_set("A_BusinessPartner")
    bp = bp_type.parse(row)
    address_type = metadata.navigation(bp_type, "to_BusinessPartnerAddress")
    phone_type = metadata.navigation(address_type, "to_PhoneNumber")
    email_type = metadata.navigation(address_type, "to_EmailAddress")
    customer_type = metadata.navigation(bp_type, "to_Customer")
    addresses = nav_rows(row.get("to_BusinessPartnerAddress")) or []
    address_row = addresses[0] if addresses else {}
    address = address_type.parse(address_row) if address_row else {}
    phones = [phone_type.parse(p) for p in nav_rows(address_row.get("to_PhoneNumber")) or []]
    emails = [email_type.parse(e) for e in nav_rows(address_row.get("to_EmailAddress")) or []]
    customer_rows = nav_rows(row.get("to_Customer")) or []
    customer = customer_type.parse(customer_rows[0]) if customer_rows else {}
    phone = _first(phones, "IsDefaultPhoneNumber")
    moment = bp_moment(bp, zone)
    return {
        "Customer": bp.get("Customer"),
        "CustomerName": customer.get("CustomerName") or bp.get("BusinessPartnerFullName"),
        "BusinessPartner": bp.get("BusinessPartner"),
        "PartnerFunctions": None,
        "Country": address.get("Country"),
        "CityName": address.get("CityName"),
        "PostalCode": address.get("PostalCode"),
        "StreetName": address.get("StreetName"),
        "HouseNumber": address.get("HouseNumber"),
        "Region": address.get("Region"),
        "PhoneNumber": phone.get("PhoneNumber"),
        "InternationalPhoneNumber": phone.get("InternationalPhoneNumber"),
        "DestinationLocationCountry": phone.get("DestinationLocationCountry"),
        "EmailAddress": _first(emails, "IsDefaultEmailAddress").get("EmailAddress"),
        "CreationDate": bp.get("CreationDate"),
        "LastChangeDateTime": iso_utc(moment) if moment else None,
    }
