"""JSON schemas of the tap's records, derived from the EBS table definitions.

``NUMBER`` columns are exact decimal text (JSON numbers would pass through floats);
``DATE`` columns are UTC date-times; ids are integers.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from connectors.oracle_ebs.schema import (
    HZ_CUST_ACCOUNTS,
    HZ_LOCATIONS,
    OE_ORDER_HEADERS_ALL,
    OE_ORDER_HOLDS_ALL,
    OE_ORDER_LINES_ALL,
    WSH_DELIVERY_DETAILS,
)

JsonSchema = dict[str, Any]
_TEXT: JsonSchema = {"type": ["string", "null"]}
_INT: JsonSchema = {"type": ["integer", "null"]}
_TIME: JsonSchema = {"type": ["string", "null"], "format": "date-time"}


def _column(column: sa.Column) -> JsonSchema:
    if isinstance(column.type, sa.DateTime):
        return dict(_TIME)
    if isinstance(column.type, sa.BigInteger | sa.Integer):
        return dict(_INT)
    return dict(_TEXT)  # VARCHAR2, and NUMBER as exact decimal text


def _columns(table: sa.Table, drop: tuple[str, ...] = ()) -> dict[str, JsonSchema]:
    return {c.name: _column(c) for c in table.columns if c.name not in drop}


def _object(properties: dict[str, JsonSchema]) -> JsonSchema:
    return {"type": ["object", "null"], "properties": properties}


def _array(properties: dict[str, JsonSchema]) -> JsonSchema:
    return {"type": ["array", "null"], "items": {"type": "object", "properties": properties}}


def _stream(key: str, properties: dict[str, JsonSchema]) -> JsonSchema:
    properties[key] = {"type": ["integer"]}
    properties["LAST_UPDATE_DATE"] = {"type": ["string"], "format": "date-time"}
    properties["_sdc_deleted_at"] = dict(_TIME)
    return {"type": "object", "properties": properties, "required": [key, "LAST_UPDATE_DATE"]}


_ADDRESS = {
    "SITE_USE_ID": _INT,
    "SITE_USE_CODE": _TEXT,
    **_columns(HZ_LOCATIONS, drop=("LOCATION_ID", "CREATION_DATE", "CREATED_BY")),
}

ORDERS = _stream(
    "HEADER_ID",
    {
        **_columns(OE_ORDER_HEADERS_ALL),
        "lines": _array(
            {
                **_columns(OE_ORDER_LINES_ALL, drop=("HEADER_ID",)),
                "SIGNED_ORDERED_QUANTITY": _TEXT,
                "LINE_TOTAL": _TEXT,
            }
        ),
        "holds": _array(_columns(OE_ORDER_HOLDS_ALL, drop=("HEADER_ID",))),
        "ORDER_TOTAL": _TEXT,
        "HOLD_ACTIVE_FLAG": _TEXT,
        "LINES_FLOW_STATUS_CODE": _TEXT,
        "SHIP_TO_ADDRESS": _object(dict(_ADDRESS)),
        "INVOICE_TO_ADDRESS": _object(dict(_ADDRESS)),
    },
)

_SITE = {
    "CUST_ACCT_SITE_ID": _INT,
    "ORG_ID": _INT,
    "STATUS": _TEXT,
    "SITE_LAST_UPDATE_DATE": _TIME,
    "SITE_USE_ID": _INT,
    "SITE_USE_CODE": _TEXT,
    "PRIMARY_FLAG": _TEXT,
    "USE_LAST_UPDATE_DATE": _TIME,
    "PARTY_SITE_ID": _INT,
    "PARTY_SITE_LAST_UPDATE_DATE": _TIME,
    "LOCATION_ID": _INT,
    **{
        name: _TEXT
        for name in (
            "ADDRESS1",
            "ADDRESS2",
            "ADDRESS3",
            "ADDRESS4",
            "CITY",
            "STATE",
            "PROVINCE",
            "POSTAL_CODE",
            "COUNTRY",
        )
    },
    "LOCATION_LAST_UPDATE_DATE": _TIME,
}

CUSTOMERS = _stream(
    "CUST_ACCOUNT_ID",
    {
        **_columns(HZ_CUST_ACCOUNTS),
        "PARTY_NUMBER": _TEXT,
        "PARTY_NAME": _TEXT,
        "PARTY_TYPE": _TEXT,
        "PERSON_FIRST_NAME": _TEXT,
        "PERSON_LAST_NAME": _TEXT,
        "EMAIL_ADDRESS": _TEXT,
        "PARTY_LAST_UPDATE_DATE": _TIME,
        "contact_points": _array(
            {
                "CONTACT_POINT_ID": _INT,
                "CONTACT_POINT_TYPE": _TEXT,
                "OWNER_TABLE_NAME": _TEXT,
                "OWNER_TABLE_ID": _INT,
                "STATUS": _TEXT,
                "PRIMARY_FLAG": _TEXT,
                "PHONE_LINE_TYPE": _TEXT,
                "PHONE_COUNTRY_CODE": _TEXT,
                "PHONE_AREA_CODE": _TEXT,
                "PHONE_NUMBER": _TEXT,
                "EMAIL_ADDRESS": _TEXT,
                "CREATION_DATE": _TIME,
                "CREATED_BY": _INT,
                "LAST_UPDATE_DATE": _TIME,
                "LAST_UPDATED_BY": _INT,
            }
        ),
        "sites": _array(dict(_SITE)),
        "PRIMARY_EMAIL": _TEXT,
        "PRIMARY_PHONE": _TEXT,
        "BILL_TO_ADDRESS": _object({"CUST_ACCOUNT_ID": _INT, **_SITE}),
    },
)

SHIPMENTS = _stream(
    "DELIVERY_DETAIL_ID",
    {
        **_columns(WSH_DELIVERY_DETAILS),
        "DELIVERY_ID": _INT,
        "ASSIGNMENT_LAST_UPDATE_DATE": _TIME,
        "DELIVERY_NAME": _TEXT,
        "DELIVERY_STATUS_CODE": _TEXT,
        "WAYBILL": _TEXT,
        "DELIVERY_SHIP_METHOD_CODE": _TEXT,
        "INITIAL_PICKUP_DATE": _TIME,
        "ULTIMATE_DROPOFF_DATE": _TIME,
        "CONFIRM_DATE": _TIME,
        "DELIVERY_LAST_UPDATE_DATE": _TIME,
    },
)
