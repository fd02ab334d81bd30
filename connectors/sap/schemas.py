"""JSON schemas of the records, derived from the shipped ``$metadata``.

Discovery needs no network, so the schemas come from the EDMX shipped in ``metadata/``;
property names and types are SAP's own (see docs/sources/sap.md, "Record shape").
"""

from __future__ import annotations

from typing import Any

from connectors.sap.edm import EdmProperty, EntityType, parse_metadata, shipped_metadata

_NULLABLE_STRING = {"type": ["string", "null"]}


def property_schema(prop: EdmProperty) -> dict[str, Any]:
    """The JSON schema of one parsed property value."""
    if prop.type == "Edm.Boolean":
        return {"type": ["boolean", "null"]}
    if prop.type in {"Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte"}:
        return {"type": ["integer", "null"]}
    if prop.type == "Edm.Double":
        return {"type": ["number", "null"]}
    if prop.type == "Edm.DateTimeOffset" or (
        prop.type == "Edm.DateTime" and not prop.is_calendar_date
    ):
        return {"type": ["string", "null"], "format": "date-time"}
    if prop.is_calendar_date:
        return {"type": ["string", "null"], "format": "date"}
    # Decimals are exact text; strings, codes and Edm.Time (HH:MM:SS) are text.
    return dict(_NULLABLE_STRING)


def entity_schema(entity: EntityType) -> dict[str, dict[str, Any]]:
    return {name: property_schema(prop) for name, prop in entity.properties.items()}


def _order_schema() -> dict[str, Any]:
    metadata = parse_metadata(shipped_metadata("API_SALES_ORDER_SRV"))
    header = metadata.entity_set("A_SalesOrder")
    item = metadata.navigation(header, "to_Item")
    partner = metadata.navigation(header, "to_Partner")
    properties = entity_schema(header)
    properties["SalesOrder"] = {"type": ["string", "null"]}
    properties["OverallOrdReltdBillgStatus"] = dict(_NULLABLE_STRING)
    # set only on an order SAP could not deliver (see records.error_record)
    properties["_source_error"] = dict(_NULLABLE_STRING)
    # Derived by the tap: the items' NetAmount summed, rejected items included (as ordered).
    properties["OrderedNetAmount"] = dict(_NULLABLE_STRING)
    properties["items"] = {
        "type": ["array", "null"],
        "items": {"type": "object", "properties": entity_schema(item)},
    }
    partner_props = entity_schema(partner)
    properties["partners"] = {
        "type": ["array", "null"],
        "items": {
            "type": "object",
            "properties": {
                k: partner_props[k]
                for k in ("PartnerFunction", "Customer", "Supplier", "Personnel", "ContactPerson")
            },
        },
    }
    return {"type": "object", "properties": properties}


CUSTOMER_FIELDS = (
    "Customer",
    "CustomerName",
    "BusinessPartner",
    "Country",
    "CityName",
    "PostalCode",
    "StreetName",
    "HouseNumber",
    "Region",
    "PhoneNumber",
    "InternationalPhoneNumber",
    "DestinationLocationCountry",
    "EmailAddress",
)

ORDER_SCHEMA: dict[str, Any] = _order_schema()
CUSTOMER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        **{name: dict(_NULLABLE_STRING) for name in CUSTOMER_FIELDS},
        "PartnerFunctions": {"type": ["array", "null"], "items": {"type": "string"}},
        "CreationDate": {"type": ["string", "null"], "format": "date"},
        "LastChangeDateTime": {"type": ["string", "null"], "format": "date-time"},
    },
}
