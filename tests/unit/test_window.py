"""Time windows: the range a backfill window covers, how a range splits, sizes, the relay."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderhub.exceptions import ConfigurationError
from orderhub.runner.process import RelayStats
from orderhub.runner.window import (
    MAX_WINDOWS,
    Window,
    parse_moment,
    parse_window_size,
    split_windows,
)
from orderhub.runner.window_relay import WindowFilter, bounded_streams, window_relay

JAN = datetime(2024, 1, 1, tzinfo=UTC)
FEB = datetime(2024, 2, 1, tzinfo=UTC)


def test_window_key_and_run_name() -> None:
    window = Window(JAN, FEB)
    assert window.key == "2024-01-01T00:00:00Z..2024-02-01T00:00:00Z"
    assert window.run_name("shop") == "shop@2024-01-01T00:00:00Z..2024-02-01T00:00:00Z"
    assert window.cli_options == "--since 2024-01-01T00:00:00Z --until 2024-02-01T00:00:00Z"


def test_naive_ends_are_utc_and_offsets_are_converted() -> None:
    paris = timezone(timedelta(hours=1))
    window = Window(datetime(2024, 1, 1), datetime(2024, 2, 1, 1, tzinfo=paris))
    assert window == Window(JAN, FEB)
    assert window.start.tzinfo is UTC


def test_start_inclusive_end_exclusive() -> None:
    window = Window(JAN, FEB)
    assert window.contains(JAN)
    assert window.contains(FEB - timedelta(seconds=1))
    assert not window.contains(FEB)
    assert not window.contains(JAN - timedelta(seconds=1))


@pytest.mark.parametrize("end", [JAN, JAN - timedelta(days=1)])
def test_an_empty_or_reversed_window_is_refused(end: datetime) -> None:
    with pytest.raises(ConfigurationError, match="is not before its end"):
        Window(JAN, end)


def test_a_run_name_too_long_for_its_column_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="too long for a windowed sync"):
        Window(JAN, FEB).run_name("p" * 100)


def test_split_clips_the_last_window() -> None:
    windows = split_windows(JAN, JAN + timedelta(days=2, hours=12), timedelta(days=1))
    assert [w.key for w in windows] == [
        "2024-01-01T00:00:00Z..2024-01-02T00:00:00Z",
        "2024-01-02T00:00:00Z..2024-01-03T00:00:00Z",
        "2024-01-03T00:00:00Z..2024-01-03T12:00:00Z",
    ]


@pytest.mark.parametrize("size", [timedelta(0), timedelta(days=-1)])
def test_split_refuses_a_size_that_is_not_positive(size: timedelta) -> None:
    with pytest.raises(ConfigurationError, match="must be positive"):
        split_windows(JAN, FEB, size)


def test_split_refuses_absurd_counts() -> None:
    with pytest.raises(ConfigurationError, match=f"at most {MAX_WINDOWS:,}"):
        split_windows(JAN, FEB, timedelta(minutes=1))  # 44,640 windows: "1m" meant a month?
    assert len(split_windows(JAN, JAN + timedelta(minutes=MAX_WINDOWS), timedelta(minutes=1))) == (
        MAX_WINDOWS
    )


moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=0))


@given(moments, st.integers(1, 400 * 86_400), st.integers(60, 40 * 86_400))
def test_windows_tile_the_range(start: datetime, length: int, size: int) -> None:
    end = start + timedelta(seconds=length)
    step = timedelta(seconds=size)
    if -(-length // size) > MAX_WINDOWS:
        with pytest.raises(ConfigurationError):
            split_windows(start, end, step)
        return
    windows = split_windows(start, end, step)
    assert windows[0].start == start and windows[-1].end == end
    for before, after in pairwise(windows):
        assert before.end == after.start  # no gap, no overlap
    assert all(w.end - w.start == step for w in windows[:-1])
    assert timedelta(0) < windows[-1].end - windows[-1].start <= step


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1d", timedelta(days=1)),
        ("6h", timedelta(hours=6)),
        ("30m", timedelta(minutes=30)),
        ("2w", timedelta(weeks=2)),
        ("90s", timedelta(seconds=90)),
        (" 12H ", timedelta(hours=12)),
    ],
)
def test_window_sizes(text: str, size: timedelta) -> None:
    assert parse_window_size(text) == size


@pytest.mark.parametrize("text", ["", "d", "1", "1.5d", "-1d", "0d", "1 month", "1y", "P1D"])
def test_a_bad_window_size_is_named(text: str) -> None:
    with pytest.raises(ConfigurationError, match=repr(text)):
        parse_window_size(text)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2024-01-01", JAN),
        ("2024-01-01T06:30:00", JAN + timedelta(hours=6, minutes=30)),
        ("2024-01-01T06:30:00Z", JAN + timedelta(hours=6, minutes=30)),
        ("2024-01-01T06:30:00+02:00", JAN + timedelta(hours=4, minutes=30)),
    ],
)
def test_moments(text: str, moment: datetime) -> None:
    assert parse_moment(text) == moment


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01", "01/02/2024"])
def test_a_bad_moment_is_named(text: str) -> None:
    with pytest.raises(ConfigurationError, match=f"--since {text!r} is not a date"):
        parse_moment(text, "--since")


# the relay of a windowed sync -----------------------------------------------------------

CATALOG = {
    "streams": [
        {
            "tap_stream_id": "orders",
            "schema": {"properties": {"updatedAt": {"type": ["string"], "format": "date-time"}}},
            "metadata": [{"breadcrumb": [], "metadata": {"replication-key": "updatedAt"}}],
        },
        {
            "tap_stream_id": "headers",
            "replication_key": "LAST_UPDATE_DATE",
            "schema": {
                "properties": {
                    "LAST_UPDATE_DATE": {"anyOf": [{"type": "string", "format": "date-time"}]}
                }
            },
            "metadata": [{"breadcrumb": [], "metadata": {}}],
        },
        {
            "tap_stream_id": "vouchers",
            "schema": {"properties": {"row_version": {"type": "integer"}}},
            "metadata": [{"breadcrumb": [], "metadata": {"replication-key": "row_version"}}],
        },
        {"tap_stream_id": "currencies", "schema": {"properties": {}}, "metadata": []},
    ]
}


def test_only_streams_with_a_moment_replication_key_are_bounded() -> None:
    assert bounded_streams(CATALOG) == {"orders": "updatedAt", "headers": "LAST_UPDATE_DATE"}


class Sink(io.BytesIO):
    def close(self) -> None:  # keep the bytes readable after the relay closes it
        pass


def _line(message: dict[str, object], spaced: bool) -> bytes:
    separators = (", ", ": ") if spaced else (",", ":")
    return json.dumps(message, separators=separators).encode() + b"\n"


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["orders", "vouchers", "currencies"]),
            st.integers(-3, 40),  # days after JAN; window is [JAN, JAN + 31 days)
        ),
        max_size=120,
    ),
    st.booleans(),
    st.integers(min_value=7, max_value=600),
    st.booleans(),
)
def test_the_relay_drops_exactly_the_records_outside_the_window(
    records: list[tuple[str, int]], spaced: bool, chunk: int, last_newline: bool
) -> None:
    window = Window(JAN, FEB)
    messages: list[dict[str, object]] = [
        {"type": "SCHEMA", "stream": "orders", "schema": {}, "key_properties": ["id"]}
    ]
    expected = []
    for index, (stream, day) in enumerate(records):
        moment = JAN + timedelta(days=day)
        value = moment.strftime("%Y-%m-%dT%H:%M:%SZ") if stream == "orders" else index
        message = {"type": "RECORD", "stream": stream, "record": {"id": index, "updatedAt": value}}
        messages += [message, {"type": "STATE", "value": {"i": index}}]
    data = b"".join(_line(m, spaced) for m in messages)
    for message in messages:
        record = message.get("record")
        dropped = message.get("stream") == "orders" and isinstance(record, dict)
        dropped = dropped and not window.contains(
            datetime.fromisoformat(str(record["updatedAt"]))  # type: ignore[index]
        )
        if not dropped:
            expected.append(_line(message, spaced))
    if not last_newline:
        data = data[:-1]
        expected[-1] = expected[-1][:-1]
    sink, stats = Sink(), RelayStats()
    keep = WindowFilter(window, {"orders": "updatedAt"})
    window_relay(io.BufferedReader(io.BytesIO(data)), sink, stats, keep, chunk=chunk)
    assert sink.getvalue() == b"".join(expected)
    outside = sum(1 for stream, day in records if stream == "orders" and not 0 <= day < 31)
    assert sum(stats.outside_window.values()) == outside
    assert sum(stats.records.values()) == len(records) - outside
    assert stats.bytes == len(data)


def test_records_without_a_readable_key_are_loaded() -> None:
    lines = [
        b'{"type": "RECORD", "stream": "orders", "record": {"id": 1}}\n',
        b'{"type": "RECORD", "stream": "orders", "record": {"id": 2, "updatedAt": null}}\n',
        b'{"type": "RECORD", "stream": "orders", "record": {"id": 3, "updatedAt": "soon"}}\n',
        b'{"type": "RECORD", "stream": "orders", "record": [1, 2]}\n',
        b'{"type": "RECORD", "stream": "orders", not json\n',
    ]
    sink = Sink()
    keep = WindowFilter(Window(JAN, FEB), {"orders": "updatedAt"})
    window_relay(io.BytesIO(b"".join(lines)), sink, RelayStats(), keep)
    assert sink.getvalue() == b"".join(lines)


def test_early_years_keep_four_digits_in_a_window_key() -> None:
    from orderhub.runner.window import Window, parse_moment

    window = Window(parse_moment("0999-01-01"), parse_moment("1000-01-01"))
    assert window.key == "0999-01-01T00:00:00Z..1000-01-01T00:00:00Z"
    assert parse_moment(window.start_text) == window.start  # the key reads back


def test_a_moment_past_the_calendar_in_utc_is_refused() -> None:
    from orderhub.exceptions import ConfigurationError
    from orderhub.runner.window import parse_moment

    with pytest.raises(ConfigurationError, match="outside the years 1 to 9999"):
        parse_moment("9999-12-31T23:00:00-05:00")
