"""ECC field values -> the OData record shape: padding, blanks, dates, decimals, phones."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from connectors.sap.ecc import records
from connectors.sap.ecc.stamps import zone

BERLIN = zone("Europe/Berlin")


def header(**fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "VBELN": "12345",
        "AUART": "OR  ",
        "VKORG": "1000",
        "VTWEG": "10",
        "SPART": "00",
        "KUNNR": "100017",
        "BSTNK": "",
        "AUDAT": "2024-05-01",
        "ERDAT": "2024-05-01",
        "ERZET": "09:15:00",
        "AEDAT": "0000-00-00",
        "VDATU": "00000000",
        "NETWR": Decimal("1234.5000"),
        "WAERK": "EUR",
        "LIFSK": "",
        "FAKSK": " ",
        "GBSTK": "A",
        "LFGSK": "",
        "FKSAK": "",
        "ABSTK": "A",
        "CMGST": "B",
        "UDATE": "2024-05-01",
        "UTIME": "12:00:00",
    }
    return row | fields


ITEM = {
    "VBELN": "0000012345",
    "POSNR": "20",
    "MATNR": "000000000000100234",
    "ARKTX": "Pump housing",
    "KWMENG": Decimal("2.000"),
    "VRKME": "PC",
    "NETWR": Decimal("299.80"),
    "WAERK": "EUR",
    "ABGRU": "",
    "GBSTA": "A",
    "LFSTA": "A",
    "FKSAA": "",
}


def test_an_order_in_the_odata_shape() -> None:
    partners = [
        {"VBELN": "12345", "POSNR": "000000", "PARVW": "AG", "KUNNR": "100017"},
        {"VBELN": "12345", "POSNR": "000020", "PARVW": "WE", "KUNNR": "100099"},  # item
    ]
    first = ITEM | {"POSNR": "000010", "MATNR": "TG-1100"}
    record = records.order_record(header(), [ITEM, first], partners, BERLIN)
    assert set(record) == set(records.ORDER_FIELDS), "the OData shape, exactly"
    assert all(set(i) == set(records.ITEM_FIELDS) for i in record["items"])
    assert record["SalesOrder"] == "0000012345"
    assert record["SoldToParty"] == "0000100017"
    assert record["SalesOrderType"] == "OR"
    # Berlin is UTC+2 in May: 12:00 local is 10:00Z.
    assert record["LastChangeDateTime"] == "2024-05-01T10:00:00.000000+00:00"
    assert record["SalesOrderDate"] == "2024-05-01"
    assert record["RequestedDeliveryDate"] is None  # 00000000
    assert record["TotalNetAmount"] == "1234.5000"
    assert record["PurchaseOrderByCustomer"] is None
    assert record["HeaderBillingBlockReason"] is None  # blank CHAR
    assert record["OverallTotalDeliveryStatus"] is None
    assert record["TotalCreditCheckStatus"] == "B"
    assert [i["SalesOrderItem"] for i in record["items"]] == ["000010", "000020"]
    assert record["items"][0]["Material"] == "TG-1100"
    assert record["items"][1]["Material"] == "100234"
    assert record["items"][1]["RequestedQuantity"] == "2.000"
    assert record["items"][1]["SalesOrder"] == "0000012345"
    assert [(p["PartnerFunction"], p["Customer"]) for p in record["partners"]] == [
        ("AG", "0000100017")
    ]
    assert record["LastChangeDate"] is None  # AEDAT initial: never changed in VBAK


def test_an_order_never_changed_uses_its_creation_stamp() -> None:
    record = records.order_record(
        header(UDATE="0000-00-00", UTIME="00:00:00", ERZET=time(9, 15)), [], [], BERLIN
    )
    assert record["LastChangeDateTime"] == "2024-05-01T07:15:00.000000+00:00"


def test_an_impossible_date_is_passed_on_for_the_mapping_to_reject() -> None:
    record = records.order_record(header(VDATU="2023-02-30"), [], [], BERLIN)
    assert record["RequestedDeliveryDate"] == "2023-02-30"


def test_a_customer_keeps_its_phone_as_sap_holds_it() -> None:
    row = {
        "KUNNR": "100017",
        "NAME1": "Müller Maschinenbau GmbH",
        "LAND1": "DE",
        "ORT01": "Berlin",
        "PSTLZ": "10115",
        "STRAS": "Invalidenstr. 12",
        "REGIO": "11",
        "TELF1": "0049 30 5550137",
        "SMTP_ADDR": "",
        "ERDAT": "2023-11-02",
        "UDATE": "2024-01-10",
        "UTIME": "08:00:00",
    }
    record = records.customer_record(row, BERLIN)
    assert set(record) == set(records.CUSTOMER_FIELDS), "the OData shape, exactly"
    assert {k: v for k, v in record.items() if v is not None} == {
        "Customer": "0000100017",
        "CustomerName": "Müller Maschinenbau GmbH",
        "Country": "DE",
        "CityName": "Berlin",
        "PostalCode": "10115",
        "StreetName": "Invalidenstr. 12",
        "Region": "11",
        "PhoneNumber": "0049 30 5550137",
        "DestinationLocationCountry": "DE",
        "CreationDate": "2023-11-02",
        "LastChangeDateTime": "2024-01-10T07:00:00.000000+00:00",  # CET in January
    }


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=4, min_value=-(10**18), max_value=10**18
    )
)
def test_amounts_are_exact_text(value: Decimal) -> None:
    text = records.amount(value)
    assert text is not None and "E" not in text.upper()
    assert Decimal(text) == value


@given(st.text(alphabet="0123456789", min_size=1, max_size=10))
def test_numeric_document_numbers_are_ten_digits(number: str) -> None:
    padded = records.alpha(number, 10)
    assert padded is not None and len(padded) == 10 and int(padded) == int(number)
    assert records.alpha(padded, 10) == padded


def test_alphanumeric_numbers_and_blanks() -> None:
    assert records.alpha("CUST-01 ", 10) == "CUST-01"
    assert records.alpha("   ", 10) is None
    assert records.numc("10", 6) == "000010"
    assert records.material("000000000000000000") == "0"
