"""OData v2 values and $metadata as SAP sends them (dates, decimals, codes, EDMX)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.sap.edm import (
    EPOCH,
    EdmProperty,
    EdmValueError,
    parse_calendar_date,
    parse_decimal,
    parse_json_moment,
    parse_metadata,
    shipped_metadata,
)
from connectors.sap.odata import nav_rows, unwrap
from orderhub.exceptions import SourceError

moments = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
).map(lambda m: m.replace(microsecond=m.microsecond // 1000 * 1000))
offsets = st.integers(min_value=-1439, max_value=1439)


def _ms(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


def _json_date(ms: int, offset: int | None = None) -> str:
    if offset is None:
        return f"/Date({ms})/"
    return f"/Date({ms}{'+' if offset >= 0 else '-'}{abs(offset):04d})/"


@given(moments, offsets)
def test_a_datetimeoffset_is_its_utc_instant_whatever_the_offset(
    moment: datetime, offset: int
) -> None:
    # The offset (minutes) says how the server would show it; the ms are the instant.
    assert parse_json_moment(_json_date(_ms(moment), offset)) == moment
    assert parse_json_moment(_json_date(_ms(moment))) == moment


@given(moments)
def test_iso_forms_with_seven_fraction_digits_and_no_offset_are_utc(moment: datetime) -> None:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "7"
    assert parse_json_moment(text + "Z") == moment
    assert parse_json_moment(text) == moment  # no offset: UTC, as OData v2 defines
    shifted = moment.astimezone(timezone(timedelta(hours=-5, minutes=-30)))
    assert parse_json_moment(shifted.isoformat()) == moment


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1)))
def test_a_calendar_date_is_its_utc_midnight_never_shifted(day: date) -> None:
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    prop = EdmProperty("SalesOrderDate", "Edm.DateTime", display_format="Date")
    assert prop.parse(_json_date(_ms(midnight))) == day.isoformat()
    assert parse_calendar_date(day.isoformat() + "T00:00:00") == day


def test_known_forms() -> None:
    assert parse_json_moment("/Date(-86400000)/") == datetime(1969, 12, 31, tzinfo=UTC)
    assert parse_json_moment("\\/Date(1000+0030)\\/") == EPOCH + timedelta(seconds=1)
    assert parse_json_moment("/Date(1714557600123-0130)/") == datetime(
        2024, 5, 1, 10, 0, 0, 123000, tzinfo=UTC
    )
    stamp = EdmProperty("LastChangeDateTime", "Edm.DateTimeOffset")
    assert stamp.parse("/Date(1714557600123+0000)/") == "2024-05-01T10:00:00.123000+00:00"
    assert stamp.parse("") is None and stamp.parse(None) is None
    assert EdmProperty("T", "Edm.Time").parse("PT09H05M30S") == "09:05:30"
    for bad in ("/Date(abc)/", "yesterday", "2024-13-01T00:00:00"):
        with pytest.raises(EdmValueError):
            parse_json_moment(bad)


decimals = st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**13), max_value=10**13)


@given(decimals, st.integers(min_value=0, max_value=6))
def test_decimals_are_exact_text_never_floats(number: Decimal, places: int) -> None:
    value = number.quantize(Decimal(1).scaleb(-places))
    text = format(value, "f")
    parsed = parse_decimal(text)
    assert Decimal(parsed) == value and parsed == text  # scale kept: "1.500" stays
    assert EdmProperty("NetAmount", "Edm.Decimal").parse(text) == text


@given(st.text(alphabet="0123456789,.-+eE x", min_size=1, max_size=12))
def test_malformed_decimals_are_refused_or_exact(text: str) -> None:
    try:
        parsed = parse_decimal(text)
    except EdmValueError:
        # passed on unchanged, so the mapping dead-letters it naming the field
        assert EdmProperty("NetAmount", "Edm.Decimal").parse(text) == text
    else:
        assert Decimal(parsed) == Decimal(text.strip())


def test_decimal_examples() -> None:
    assert parse_decimal("0.1") == "0.1"
    assert parse_decimal("125000.000") == "125000.000"  # JPY, scale 3 of the property
    assert parse_decimal(12) == "12"
    for bad in ("12,50", "1.2.3", "", "NaN", "Infinity", True):
        with pytest.raises(EdmValueError):
            parse_decimal(bad)


def test_empty_codes_become_null_and_text_stays() -> None:
    code = EdmProperty("DeliveryBlockReason", "Edm.String")
    assert code.parse("") is None and code.parse("01") == "01" and code.parse(" ") == " "


def test_the_real_sales_order_metadata() -> None:
    metadata = parse_metadata(shipped_metadata("API_SALES_ORDER_SRV"))
    header = metadata.entity_set("A_SalesOrder")
    assert header.keys == ("SalesOrder",)
    props = header.properties
    assert props["LastChangeDateTime"].type == "Edm.DateTimeOffset"
    assert props["SalesOrderDate"].is_calendar_date and props["CreationDate"].is_calendar_date
    assert props["TotalNetAmount"].type == "Edm.Decimal" and props["TotalNetAmount"].scale == 3
    assert "OverallTotalDeliveryStatus" in props and "OverallDeliveryStatus" not in props
    item = metadata.navigation(header, "to_Item")
    assert item.name == "A_SalesOrderItemType" and item.keys == ("SalesOrder", "SalesOrderItem")
    assert header.navigations["to_Item"] == ("A_SalesOrderItemType", True)
    partner = metadata.navigation(header, "to_Partner")
    assert set(partner.properties) >= {"PartnerFunction", "Customer", "Supplier"}
    assert len(metadata.entity_sets) >= 11
    with pytest.raises(KeyError, match="A_Nothing"):
        metadata.entity_set("A_Nothing")


def test_metadata_parsing_drops_metadata_and_deferred() -> None:
    metadata = parse_metadata(shipped_metadata("API_SALES_ORDER_SRV"))
    partner = metadata.entity_set("A_SalesOrderHeaderPartner")
    row = {
        "__metadata": {"uri": "x", "type": "API_SALES_ORDER_SRV.A_SalesOrderHeaderPartnerType"},
        "SalesOrder": "0000010000",
        "PartnerFunction": "AG",
        "Customer": "0017100001",
        "Supplier": "",
        "to_Customer": {"__deferred": {"uri": "x/to_Customer"}},
    }
    parsed = partner.parse(row)
    assert parsed["Supplier"] is None and "__metadata" not in parsed
    assert not any(k.startswith("to_") for k in parsed)


def test_both_v2_collection_shapes_and_error_bodies() -> None:
    rows = [{"SalesOrder": "1"}]
    assert unwrap({"d": {"results": rows, "__count": "91"}}, "x") == (rows, 91, None)
    assert unwrap({"d": rows}, "x") == (rows, None, None)
    with pytest.raises(SourceError, match=r"A_SalesOrder.*SY/530: Not authorized"):
        unwrap(
            {"error": {"code": "SY/530", "message": {"lang": "en", "value": "Not authorized"}}},
            "entity set A_SalesOrder",
        )
    with pytest.raises(SourceError, match="without a d/results"):
        unwrap({"value": []}, "entity set A_SalesOrder")
    assert nav_rows({"__deferred": {"uri": "u"}}) is None
    assert nav_rows({"results": rows}) == rows and nav_rows(rows) == rows
    assert nav_rows(None) == [] and nav_rows({"SalesOrder": "1"}) == [{"SalesOrder": "1"}]


@given(moments)
def test_what_the_simulator_renders_the_client_reads_back(moment: datetime) -> None:
    from connectors.sap.sim_odata import render_value

    stamp = EdmProperty("LastChangeDateTime", "Edm.DateTimeOffset")
    day = EdmProperty("SalesOrderDate", "Edm.DateTime", display_format="Date")
    assert parse_json_moment(render_value(stamp, moment)) == moment
    assert day.parse(render_value(day, moment.date())) == moment.date().isoformat()
