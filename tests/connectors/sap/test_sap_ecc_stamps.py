"""ECC change stamps (server wall time, no zone) <-> UTC, across DST: properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.sap.ecc.stamps import (
    MAX_SHIFT,
    changed_since,
    is_ambiguous,
    parse_date,
    parse_stamp,
    to_utc,
    to_wall,
    zone,
)
from orderhub.exceptions import ConfigurationError

ZONES = st.sampled_from(
    [
        "Europe/Berlin",
        "America/New_York",
        "America/Sao_Paulo",
        "Australia/Lord_Howe",  # 30-minute DST shift
        "Antarctica/Troll",  # 2-hour DST shift
        "Pacific/Chatham",
        "Asia/Kolkata",
        "Asia/Shanghai",
        "UTC",
    ]
).map(zone)
INSTANTS = st.datetimes(
    min_value=datetime(1995, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=0))
WALLS = st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2040, 12, 31)).map(
    lambda wall: wall.replace(microsecond=0)
)
#: Instants close to a DST change, where the hard cases are.
NEAR_FALL_BACK = st.integers(min_value=-3 * 3600, max_value=3 * 3600).map(
    lambda seconds: datetime(2024, 10, 27, 1, tzinfo=UTC) + timedelta(seconds=seconds)
)


@given(ZONES, WALLS, WALLS)
def test_a_later_stamp_is_never_an_earlier_instant(tz, first, second) -> None:
    early, late = sorted((first, second))
    assert to_utc(early, tz) <= to_utc(late, tz)


@given(ZONES, INSTANTS)
def test_a_stamp_reads_back_as_its_instant_or_up_to_one_shift_earlier(tz, moment) -> None:
    read = to_utc(to_wall(moment, tz), tz)
    assert moment - MAX_SHIFT <= read <= moment
    if not is_ambiguous(to_wall(moment, tz), tz):
        assert read == moment


@given(ZONES, INSTANTS, st.integers(min_value=0, max_value=6 * 3600))
def test_no_change_after_the_bookmark_falls_below_the_lower_bound(tz, bookmark, later) -> None:
    change = bookmark + timedelta(seconds=later)
    bound = changed_since(bookmark, tz)
    assert bound <= to_wall(change, tz)
    assert to_utc(bound, tz) >= bookmark - MAX_SHIFT - timedelta(seconds=1)


@given(NEAR_FALL_BACK, st.integers(min_value=0, max_value=4 * 3600))
def test_changes_in_the_repeated_hour_are_not_missed(bookmark, later) -> None:
    # Berlin, 27 Oct 2024: 02:00-03:00 happens twice (00:00-01:00Z and 01:00-02:00Z).
    tz = zone("Europe/Berlin")
    change = bookmark + timedelta(seconds=later)
    bound = changed_since(bookmark, tz)
    assert bound <= to_wall(change, tz)
    # Reads at most one hour (the shift) more: the earliest instant it asks for.
    earliest = to_utc(bound, tz)
    assert earliest >= bookmark - timedelta(hours=1) - timedelta(seconds=1)


def test_the_repeated_and_the_skipped_hour() -> None:
    tz = zone("Europe/Berlin")
    # Clocks went back: 02:30 is 00:30Z (CEST) or 01:30Z (CET); the earlier is taken.
    assert to_utc(datetime(2024, 10, 27, 2, 30), tz) == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    # A bookmark in the first pass asks from the start of the repeated hour (a change in
    # the second pass shows an earlier wall time); one in the second pass from itself.
    first_pass = datetime(2024, 10, 27, 0, 45, tzinfo=UTC)
    assert changed_since(first_pass, tz) == datetime(2024, 10, 27, 2, 0)
    second_pass = datetime(2024, 10, 27, 1, 45, tzinfo=UTC)
    assert changed_since(second_pass, tz) == datetime(2024, 10, 27, 2, 45)
    # Clocks went forward: 02:30 never happened; it reads as the jump, 01:00Z.
    jump = datetime(2024, 3, 31, 1, 0, tzinfo=UTC)
    assert to_utc(datetime(2024, 3, 31, 2, 30), tz) == jump
    assert to_utc(datetime(2024, 3, 31, 3, 0), tz) == jump
    assert to_utc(datetime(2024, 3, 31, 1, 59, 59), tz) == jump - timedelta(seconds=1)
    # New York in winter is UTC-5.
    assert to_wall(datetime(2024, 1, 5, 15, tzinfo=UTC), zone("America/New_York")) == datetime(
        2024, 1, 5, 10
    )


@pytest.mark.parametrize(
    ("day", "clock", "expected"),
    [
        ("2024-05-01", "10:00:00", datetime(2024, 5, 1, 10)),
        ("20240501", "100000", datetime(2024, 5, 1, 10)),
        ("0000-00-00", "00:00:00", None),
        ("00000000", "", None),
        ("", None, None),
    ],
)
def test_sap_dates_and_times(day, clock, expected) -> None:
    assert parse_stamp(day, clock) == expected


@pytest.mark.parametrize("day", ["2024-02-30", "2024-13-01", "24-05-01", "abcdefgh"])
def test_impossible_dates_are_errors(day) -> None:
    with pytest.raises(ValueError, match="SAP date"):
        parse_date(day)


@pytest.mark.parametrize("name", [None, "", "CET+1", "Mars/Olympus"])
def test_the_timezone_setting_is_required_and_checked(name) -> None:
    with pytest.raises(ConfigurationError, match="`timezone`"):
        zone(name)
