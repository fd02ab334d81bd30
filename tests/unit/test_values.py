"""Money, currency, time and phone rules of the unified model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderhub.exceptions import RecordError
from orderhub.mapping.transforms import REGISTRY
from orderhub.model.values import (
    PhoneStatus,
    currency_code,
    deterministic_key,
    minor_to_major,
    money_amount,
    phone_e164,
    utc_datetime,
)


def apply(name: str, value: object, argument: object = None) -> object:
    return REGISTRY[name].factory(argument)(value)


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_fen_to_yuan_is_exact_and_reversible(fen: int) -> None:
    yuan = minor_to_major(fen, "CNY")
    assert yuan * 100 == fen
    assert apply("fen_to_yuan", fen) == yuan


@given(st.integers(min_value=0, max_value=10**9))
def test_minor_units_follow_the_currency_exponent(units: int) -> None:
    assert minor_to_major(units, "JPY") == units
    assert minor_to_major(units, "KWD") * 1000 == units


def test_fractional_minor_units_are_refused() -> None:
    with pytest.raises(RecordError) as error:
        minor_to_major("12.5", "CNY")
    assert error.value.rule == "minor_units"


@given(st.decimals(min_value=0, max_value=Decimal("1e13"), places=2, allow_nan=False))
def test_decimal_strings_round_trip_exactly(amount: Decimal) -> None:
    assert money_amount(str(amount)) == amount


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("-0.01", "non_negative_money"),
        ("1.23456", "money_precision"),
        ("abc", "decimal"),
        ("NaN", "decimal"),
        ("1e20", "money_range"),
        (True, "decimal"),
    ],
)
def test_bad_money_names_its_rule(value: object, rule: str) -> None:
    with pytest.raises(RecordError) as error:
        money_amount(value)
    assert error.value.rule == rule


@pytest.mark.parametrize("code", ["usd", "CNY", " eur "])
def test_currency_codes_are_normalised(code: str) -> None:
    assert currency_code(code) == code.strip().upper()


@pytest.mark.parametrize("code", ["XXY", "US", "", None, "RMB"])
def test_unknown_currency_is_refused(code: object) -> None:
    with pytest.raises(RecordError) as error:
        currency_code(code)
    assert error.value.rule == "iso4217"


@given(
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from(["Asia/Shanghai", "America/New_York", "Europe/Berlin", "UTC"]),
)
def test_tz_localize_converts_local_wall_time_to_utc(moment: datetime, zone: str) -> None:
    from zoneinfo import ZoneInfo

    converted = apply("tz_localize", moment.isoformat(), zone)
    assert isinstance(converted, datetime)
    assert converted.utcoffset() == timedelta(0)
    assert converted == moment.replace(tzinfo=ZoneInfo(zone))


@given(st.datetimes(timezones=st.timezones()))
def test_iso_datetime_always_yields_the_same_instant_in_utc(moment: datetime) -> None:
    text = moment.isoformat()
    converted = apply("iso_datetime", text)
    # Compare with the instant the text names: PEP 495 makes times in a DST gap compare
    # unequal across zones, whatever their offset.
    assert converted == datetime.fromisoformat(text)
    assert converted.tzinfo is UTC  # type: ignore[union-attr]


def test_naive_times_are_refused() -> None:
    with pytest.raises(RecordError) as error:
        apply("iso_datetime", "2024-05-01T10:00:00")
    assert error.value.rule == "tz_aware"
    with pytest.raises(RecordError):
        utc_datetime(datetime(2024, 5, 1))


def test_unix_seconds_are_utc() -> None:
    assert apply("unix_seconds", 1714557600) == datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_shanghai_wall_time_is_eight_hours_ahead() -> None:
    converted = apply("tz_localize", "2024-05-01 18:00:00", "Asia/Shanghai")
    assert converted == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert apply("tz_localize", "2024-05-01T18:00:00+09:00", "Asia/Shanghai") == datetime(
        2024, 5, 1, 9, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("138 1234 5678", "CN", "+8613812345678"),
        ("+86 138-1234-5678", None, "+8613812345678"),
        ("(0086) 13812345678", "CN", "+8613812345678"),
        ("13812345678-1234", "CN", "+8613812345678"),
        ("+1 415-692-0132", None, "+14156920132"),
    ],
)
def test_phones_become_e164(raw: str, region: str | None, expected: str) -> None:
    assert phone_e164(raw, region) == (expected, PhoneStatus.E164)


@pytest.mark.parametrize("raw", ["138****1234", "1********35"])
def test_masked_platform_phones_are_kept_and_flagged(raw: str) -> None:
    assert phone_e164(raw, "CN") == (raw, PhoneStatus.MASKED)


@pytest.mark.parametrize("raw", ["14812345678", "not a phone", "+1 012 345 6789"])
def test_invalid_phones_are_flagged_not_repaired(raw: str) -> None:
    assert phone_e164(raw, "CN") == (None, PhoneStatus.INVALID)


@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_keys_are_deterministic_and_distinct_per_kind(source: str, source_id: str) -> None:
    assert deterministic_key("order", source, source_id) == deterministic_key(
        "order", source, source_id
    )
    assert deterministic_key("order", source, source_id) != deterministic_key(
        "customer", source, source_id
    )


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("001 212 5550174", "US", "+12125550174"),  # the US's own prefix is 011
        ("0081 3 65550248", "JP", "+81365550248"),  # Japan's is 010
        ("0049 30 1234567", "DE", "+49301234567"),
    ],
)
def test_an_00_international_prefix_reads_as_plus_in_any_country(
    raw: str, region: str, e164: str
) -> None:
    assert phone_e164(raw, region) == (e164, PhoneStatus.E164)
