"""ECC rows (VBAK/VBUK, VBAP/VBUP, VBPA, KNA1/ADRC) as records in the OData shape.

tap-sap emits the same records whichever protocol reads them, with the property names of
API_SALES_ORDER_SRV (A_SalesOrder, A_SalesOrderItem, A_SalesOrderHeaderPartner), so one
mapping serves S/4HANA and ECC. ABAP values are normalised the way the mapping expects:

- ALPHA-converted numbers (VBELN, KUNNR) are 10 digits with leading zeros, POSNR (NUMC 6)
  6 digits; alphanumeric values are kept as they are;
- CHAR fields: trailing blanks cut, empty -> null (ABAP has no null: an unset code is
  blank);
- DATS: ``YYYY-MM-DD``, the initial date ``0000-00-00``/``00000000`` -> null; a date ABAP
  holds but the calendar does not (``2023-02-30`` from old data loads) is passed on as is,
  so the mapping dead-letters that record, naming the field, instead of the sync failing;
- DEC/CURR/QUAN: exact decimal text (never a float, never ``1E+1``);
- TELF1 is passed on as SAP holds it (``0049 30 1234567``): the mapping normalises to E.164.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from connectors.sap.ecc.stamps import parse_date, parse_stamp, to_utc
from connectors.sap.edm import iso_utc
from connectors.sap.schemas import CUSTOMER_SCHEMA, ORDER_SCHEMA

logger = logging.getLogger(__name__)

Row = Mapping[str, Any]


#: Every property an OData record has; ECC has no source for some (null here too).
ORDER_FIELDS = tuple(ORDER_SCHEMA["properties"])
ITEM_FIELDS = tuple(ORDER_SCHEMA["properties"]["items"]["items"]["properties"])
PARTNER_FIELDS = tuple(ORDER_SCHEMA["properties"]["partners"]["items"]["properties"])
CUSTOMER_FIELDS = tuple(CUSTOMER_SCHEMA["properties"])


def complete(record: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """``record`` with every field of the shared shape (null where ECC has no value)."""
    return {name: None for name in fields} | record


def char(value: Any) -> str | None:
    """A CHAR value: trailing blanks cut, blank -> None."""
    if value is None:
        return None
    text = str(value).rstrip()
    return text or None


def alpha(value: Any, width: int) -> str | None:
    """A value with conversion exit ALPHA (VBELN, KUNNR): digits padded to ``width``."""
    text = char(value)
    if text is None:
        return None
    text = text.strip()
    return text.zfill(width) if text.isdigit() else text


def material(value: Any) -> str | None:
    """MATNR as shown in the UI: a numeric number without its leading zeros."""
    text = char(value)
    if text is None:
        return None
    text = text.strip()
    return (text.lstrip("0") or "0") if text.isdigit() else text


def numc(value: Any, width: int) -> str | None:
    """A NUMC value (POSNR): always ``width`` digits."""
    text = char(value)
    return text.strip().zfill(width) if text is not None else None


def amount(value: Any) -> str | None:
    """A DEC/CURR/QUAN value as exact decimal text."""
    if value is None or value == "":
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        return str(value)  # the mapping dead-letters it, naming the field
    return format(number, "f")


def day(value: Any, *, where: str = "") -> str | None:
    """A DATS value as ``YYYY-MM-DD``; initial -> None; impossible dates kept as sent."""
    try:
        parsed = parse_date(value)
    except ValueError:
        logger.warning("SAP ECC %s: %r is not a calendar date; passed on as is", where, value)
        return str(value)
    return parsed.isoformat() if parsed else None


def changed_at(date_value: Any, time_value: Any, tz: ZoneInfo) -> datetime | None:
    """The change stamp (server wall time) as a UTC instant."""
    wall = parse_stamp(date_value, time_value)
    return to_utc(wall, tz) if wall is not None else None


def utc_text(moment: datetime) -> str:
    """``2024-05-01T10:00:00.000000+00:00``: the OData side's shape (edm.iso_utc), so
    bookmarks compare the same whichever protocol wrote them."""
    return iso_utc(moment)


def order_record(
    header: Row, items: Iterable[Row], partners: Iterable[Row], tz: ZoneInfo
) -> dict[str, Any]:
    """One Z_SD_SALESORDERS_CHANGED header with its items and header partners."""
    number = alpha(header["VBELN"], 10)
    where = f"order {number}"
    stamp = changed_at(header.get("UDATE"), header.get("UTIME"), tz)
    if stamp is None:  # never changed: the FM falls back to creation; so do we
        stamp = changed_at(header.get("ERDAT"), header.get("ERZET") or time(0), tz)
    if stamp is None:
        raise ValueError(f"SAP ECC {where}: no change stamp (UDATE/UTIME, ERDAT/ERZET)")
    currency = char(header.get("WAERK"))
    record = {
        "SalesOrder": number,
        "SalesOrderType": char(header.get("AUART")),
        "SalesOrganization": char(header.get("VKORG")),
        "DistributionChannel": char(header.get("VTWEG")),
        "OrganizationDivision": char(header.get("SPART")),
        "SoldToParty": alpha(header.get("KUNNR"), 10),
        "PurchaseOrderByCustomer": char(header.get("BSTNK")),
        "SalesOrderDate": day(header.get("AUDAT"), where=f"{where} AUDAT"),
        "CreationDate": day(header.get("ERDAT"), where=f"{where} ERDAT"),
        "LastChangeDate": day(header.get("AEDAT"), where=f"{where} AEDAT"),
        "LastChangeDateTime": utc_text(stamp),
        "TotalNetAmount": amount(header.get("NETWR")),
        "TransactionCurrency": currency,
        "RequestedDeliveryDate": day(header.get("VDATU"), where=f"{where} VDATU"),
        "OverallSDProcessStatus": char(header.get("GBSTK")),
        "OverallTotalDeliveryStatus": char(header.get("LFGSK")),
        "OverallOrdReltdBillgStatus": char(header.get("FKSAK")),
        "OverallSDDocumentRejectionSts": char(header.get("ABSTK")),
        "TotalCreditCheckStatus": char(header.get("CMGST")),
        "DeliveryBlockReason": char(header.get("LIFSK")),
        "HeaderBillingBlockReason": char(header.get("FAKSK")),
        "items": [
            item_record(number, item, currency)
            for item in sorted(items, key=lambda i: numc(i["POSNR"], 6) or "")
        ],
        "partners": [
            complete(
                {
                    "PartnerFunction": char(partner.get("PARVW")),
                    "Customer": alpha(partner.get("KUNNR"), 10),
                },
                PARTNER_FIELDS,
            )
            for partner in partners
            if (numc(partner.get("POSNR"), 6) or "000000") == "000000"
        ],
    }
    return complete(record, ORDER_FIELDS)


def item_record(order: str | None, item: Row, currency: str | None) -> dict[str, Any]:
    """One VBAP row with its VBUP statuses, as an A_SalesOrderItem."""
    record = {
        "SalesOrder": order,
        "SalesOrderItem": numc(item["POSNR"], 6),
        "Material": material(item.get("MATNR")),
        "SalesOrderItemText": char(item.get("ARKTX")),
        "RequestedQuantity": amount(item.get("KWMENG")),
        "RequestedQuantityUnit": char(item.get("VRKME")),
        "NetAmount": amount(item.get("NETWR")),
        "TransactionCurrency": char(item.get("WAERK")) or currency,
        "SDProcessStatus": char(item.get("GBSTA")),
        "DeliveryStatus": char(item.get("LFSTA")),
        "OrderRelatedBillingStatus": char(item.get("FKSAA")),
        "SalesDocumentRjcnReason": char(item.get("ABGRU")),
    }
    return complete(record, ITEM_FIELDS)


def customer_record(row: Row, tz: ZoneInfo) -> dict[str, Any]:
    """One Z_SD_CUSTOMERS_CHANGED row (KNA1 + address) as a customer record."""
    number = alpha(row["KUNNR"], 10)
    stamp = changed_at(row.get("UDATE"), row.get("UTIME"), tz)
    if stamp is None:
        raise ValueError(f"SAP ECC customer {number}: no change stamp (UDATE/UTIME)")
    country = char(row.get("LAND1"))
    record = {
        "Customer": number,
        "CustomerName": char(row.get("NAME1")),
        "Country": country,
        "CityName": char(row.get("ORT01")),
        "PostalCode": char(row.get("PSTLZ")),
        "StreetName": char(row.get("STRAS")),
        "Region": char(row.get("REGIO")),
        "PhoneNumber": char(row.get("TELF1")),
        # KNA1-TELF1 has no country of its own: it is dialled from the customer's.
        "DestinationLocationCountry": country if char(row.get("TELF1")) else None,
        "EmailAddress": char(row.get("SMTP_ADDR")),
        "CreationDate": day(row.get("ERDAT"), where=f"customer {number} ERDAT"),
        "LastChangeDateTime": utc_text(stamp),
    }
    return complete(record, CUSTOMER_FIELDS)
