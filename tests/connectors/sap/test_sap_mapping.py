"""mappings/sap: the SD status table as an SD consultant reads it, and the record mapping."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderhub.exceptions import RecordError
from orderhub.mapping.catalog import MappingCatalog
from orderhub.model.entities import Customer, Order, OrderLine

CATALOG = MappingCatalog.load(sources={"sap"})
TABLE = CATALOG.code_tables["sap"]["order_status"]

# rejection, delivery block, billing block, credit, process, delivery, order-related billing
CASES = [
    ("new order, credit ok", ("A", None, None, "A", "A", "A", None), "pending_payment"),
    ("credit check not performed", (None, None, None, None, "A", "A", None), "pending_payment"),
    ("credit released by the rep", ("A", None, None, "D", "A", "A", None), "pending_payment"),
    ("blocked by credit check", ("A", None, None, "B", "A", "A", None), "on_hold"),
    ("credit partially released", ("A", None, None, "C", "B", "A", None), "on_hold"),
    ("delivery block", ("A", "01", None, "A", "A", "A", None), "on_hold"),
    ("billing block before delivery", ("A", None, "02", "A", "A", "A", None), "on_hold"),
    ("billing block after delivery", ("A", None, "02", "A", "B", "C", None), "shipped"),
    ("rest blocked after partial delivery", ("A", "01", None, "A", "B", "B", None), "shipped"),
    ("credit block after partial delivery", ("A", None, None, "C", "B", "B", None), "shipped"),
    ("partly delivered", ("A", None, None, "A", "B", "B", None), "shipped"),
    ("fully delivered, not billed", ("A", None, None, "A", "B", "C", None), "shipped"),
    ("delivered and billed", ("A", None, None, "A", "C", "C", None), "completed"),
    ("completed, stale billing block", ("A", None, "02", "A", "C", "C", None), "completed"),
    ("service order billed", ("A", None, None, "A", "B", None, "C"), "completed"),
    ("billed up front, not delivered", ("A", None, None, "A", "B", "A", "C"), "paid"),
    ("partly billed up front", ("A", None, None, "A", "B", "A", "B"), "paid"),
    ("some items rejected, rest open", ("B", None, None, "A", "A", "A", None), "pending_payment"),
    ("every item rejected", ("C", None, None, "A", "C", None, None), "cancelled"),
    ("rejected while blocked", ("C", "01", "02", "B", "C", "A", None), "cancelled"),
]


@pytest.mark.parametrize(("case", "codes", "status"), CASES, ids=[c[0] for c in CASES])
def test_sd_statuses_combine_as_sd_means_them(
    case: str, codes: tuple[Any, ...], status: str
) -> None:
    assert TABLE.lookup(codes) == status, case


@pytest.mark.parametrize(
    "codes",
    [
        ("A", None, None, "A", "X", "A", None),  # unknown process status
        ("A", None, None, "A", "A", "D", None),  # D is no delivery status
        ("Z", None, None, "A", "A", "A", None),  # unknown rejection status
        ("A", None, None, "E", "A", "A", None),  # unknown credit status
    ],
)
def test_an_unknown_code_is_a_record_error_not_a_guess(codes: tuple[Any, ...]) -> None:
    with pytest.raises(RecordError) as error:
        TABLE.lookup(codes)
    assert error.value.rule == "unknown_code" and "order_status" in str(error.value)


def order_record(**header: Any) -> dict[str, Any]:
    return {
        "SalesOrder": "0000012345",
        "SoldToParty": "0017100001",
        "LastChangeDateTime": "2024-05-01T10:00:00.123000+00:00",
        "SalesOrderDate": "2024-04-30",
        "CreationDate": "2024-04-30",
        "TotalNetAmount": "125000.000",
        "OrderedNetAmount": "125000.000",
        "TransactionCurrency": "JPY",
        "OverallSDDocumentRejectionSts": "A",
        "DeliveryBlockReason": None,
        "HeaderBillingBlockReason": "02",
        "TotalCreditCheckStatus": "A",
        "OverallSDProcessStatus": "B",
        "OverallTotalDeliveryStatus": "C",
        "OverallOrdReltdBillgStatus": None,
        "items": [
            {
                "SalesOrderItem": "000010",
                "Material": "TG11",
                "SalesOrderItemText": "Trading Good",
                "RequestedQuantity": "3.000",
                "NetAmount": "125000.000",
                "TransactionCurrency": "JPY",
            },
        ],
        "partners": [{"PartnerFunction": "AG", "Customer": "0017100001"}],
        **header,
    }


def test_an_order_record_maps_with_raw_codes_and_unshifted_date() -> None:
    entities = CATALOG.get("sap", "orders").map(order_record())
    order = next(e for e in entities if isinstance(e, Order))
    line = next(e for e in entities if isinstance(e, OrderLine))
    assert order.status == "shipped" and order.status_raw == "A/-/02/A/B/C/-"
    assert str(order.total_amount) == "125000.000" and order.currency == "JPY"
    assert order.ordered_at.isoformat() == "2024-04-30T00:00:00+00:00"
    assert order.customer_source_id == "0017100001"
    assert line.source_id == "0000012345/000010" and line.line_number == 10
    assert str(line.unit_price) == "41666.6667" and str(line.line_total) == "125000.000"


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"OrderedNetAmount": "12,50"}, "order.subtotal_amount", "decimal"),
        ({"TotalNetAmount": "12,50"}, "order.current_total_amount", "decimal"),
        ({"OverallSDProcessStatus": "X"}, "order.status", "unknown_code"),
        ({"SalesOrder": None}, "order.source_id", "required"),
        ({"_source_error": "/IWBEP/CM_MGW_RT/005: Unit PCE"}, "order.source_id", "source_error"),
    ],
)
def test_bad_input_names_the_field(change: dict[str, Any], field: str, rule: str) -> None:
    with pytest.raises(RecordError) as error:
        CATALOG.get("sap", "orders").map(order_record(**change))
    assert error.value.field == field and error.value.rule == rule


@pytest.mark.parametrize(
    ("phone", "international", "country", "expected"),
    [
        ("0049 30 1234567", None, "DE", "+49301234567"),
        ("0086 10 8888 6666", None, "CN", "+861088886666"),
        ("030 1234567", None, "DE", "+49301234567"),
        ("(201) 555-0123", "+1 201-555-0123", "US", "+12015550123"),
        ("03-1234-5678", None, "JP", "+81312345678"),
    ],
)
def test_customer_phones_become_e164_in_their_own_country(
    phone: str, international: str | None, country: str, expected: str
) -> None:
    record = {
        "Customer": "0017100001",
        "CustomerName": "Inlandskunde DE 1",
        "Country": "US",  # the address may be elsewhere: the phone's country wins
        "CityName": "Newark",
        "PhoneNumber": phone,
        "InternationalPhoneNumber": international,
        "DestinationLocationCountry": country,
        "EmailAddress": "Einkauf@Example.COM",
        "CreationDate": "2024-01-02",
        "LastChangeDateTime": "2024-05-01T10:00:00+00:00",
    }
    [customer] = CATALOG.get("sap", "customers").map(record)
    assert isinstance(customer, Customer)
    assert customer.phone == expected and customer.phone_raw == (international or phone)
    assert customer.email == "einkauf@example.com"


STATUS_CODES = st.sampled_from([None, "A", "B", "C"])
UNKNOWN = st.text(alphabet="DEFGXYZ0123456789", min_size=1, max_size=2).filter(
    lambda c: c not in {"A", "B", "C"}
)


@given(
    st.tuples(
        STATUS_CODES,
        st.sampled_from([None, "01", "Z9"]),
        st.sampled_from([None, "02"]),
        st.sampled_from([None, "A", "B", "C", "D"]),
        STATUS_CODES,
        STATUS_CODES,
        STATUS_CODES,
    ),
    st.sampled_from([4, 5, 6]),
    UNKNOWN,
)
def test_known_codes_always_map_and_an_unknown_one_never_does(
    codes: tuple[Any, ...], position: int, unknown: str
) -> None:
    assert TABLE.lookup(codes) in {
        "pending_payment",
        "paid",
        "shipped",
        "completed",
        "on_hold",
        "cancelled",
    }
    broken = list(codes)
    broken[position] = unknown  # process, delivery or billing status outside A/B/C
    if codes[0] == "C":
        assert TABLE.lookup(tuple(broken)) == "cancelled"  # rejection decides alone
    else:
        with pytest.raises(RecordError):
            TABLE.lookup(tuple(broken))
