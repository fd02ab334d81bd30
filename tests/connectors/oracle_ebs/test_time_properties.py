"""Server-local DATE handling, over every instant, including DST gaps and folds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from connectors.oracle_ebs.clock import ServerClock
from orderhub.exceptions import ConfigurationError

ZONES = ("America/Los_Angeles", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Shanghai", "UTC")
# 2026-11-01 08:00-10:00 UTC is 01:00-02:00 twice in Los Angeles (the autumn fold);
# 2026-03-08 10:00 UTC jumps from 02:00 to 03:00 local (the spring gap).
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=0))
zones = st.sampled_from(ZONES)
spans = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3))


@given(zones, instants)
@example("America/Los_Angeles", datetime(2026, 11, 1, 9, 30, tzinfo=UTC))  # second 01:30
@example("America/Los_Angeles", datetime(2026, 11, 1, 8, 30, tzinfo=UTC))  # first 01:30
def test_a_local_time_converts_back_to_its_instant_or_the_first_of_a_fold(
    zone: str, instant: datetime
) -> None:
    clock = ServerClock(zone)
    local = clock.to_local(instant)
    assert local.tzinfo is None and local.microsecond == 0
    back = clock.to_utc(local)
    assert back.tzinfo is UTC
    # Exact, except in the second pass of a fold, read as the first occurrence.
    assert back == instant or (back < instant and instant - back <= timedelta(hours=1))
    assert clock.to_local(back) == local


@given(zones, st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)))
@example("America/Los_Angeles", datetime(2026, 3, 8, 2, 30))  # in the spring gap
@example("Australia/Lord_Howe", datetime(2026, 10, 4, 2, 15))  # a half-hour gap
def test_every_naive_wall_time_converts_without_error(zone: str, local: datetime) -> None:
    moment = ServerClock(zone).to_utc(local)
    offset = local - moment.replace(tzinfo=None)
    assert timedelta(hours=-14) <= offset <= timedelta(hours=14)


@given(zones, instants, spans, st.data())
@example("America/Los_Angeles", datetime(2026, 11, 1, 8, 59, tzinfo=UTC), timedelta(hours=2), None)
def test_the_local_floor_selects_every_row_written_after_the_bookmark(
    zone: str, bookmark: datetime, span: timedelta, data: st.DataObject | None
) -> None:
    """``LAST_UPDATE_DATE >= local_floor(T)`` never misses a row written at or after T."""
    clock = ServerClock(zone)
    now = bookmark + span
    floor = clock.local_floor(bookmark, now)
    assert floor <= clock.to_local(bookmark)
    written = (
        data.draw(
            st.datetimes(
                min_value=bookmark.replace(tzinfo=None), max_value=now.replace(tzinfo=None)
            )
        )
        if data is not None
        else datetime(2026, 11, 1, 9, 5)
    )
    instant = written.replace(tzinfo=UTC, microsecond=0)
    assert clock.to_local(instant) >= floor
    # ... and it is tight: no earlier than an hour-and-a-bit before the bookmark's wall time.
    assert clock.to_local(bookmark) - floor <= timedelta(hours=2)


def test_the_floor_reaches_back_into_a_fold_after_the_bookmark() -> None:
    clock = ServerClock("America/Los_Angeles")
    bookmark = datetime(2026, 11, 1, 8, 50, tzinfo=UTC)  # 01:50 PDT
    floor = clock.local_floor(bookmark, datetime(2026, 11, 1, 12, tzinfo=UTC))
    # a row written at 09:10 UTC shows 01:10 PST: before the bookmark's own 01:50
    assert floor == datetime(2026, 11, 1, 1, 0)
    assert clock.local_floor(bookmark, bookmark) == datetime(2026, 11, 1, 1, 50)


def test_an_unknown_zone_names_the_setting() -> None:
    with pytest.raises(ConfigurationError, match="timezone"):
        ServerClock("Mars/Olympus_Mons")
