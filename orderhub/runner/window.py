"""Time windows of a sync: a backfill split into ranges that run as syncs of their own.

A windowed sync runs under a name of its own (``shop@2024-01-01T00:00:00Z..2024-01-02T00:00:00Z``):
its lock, its sync_runs rows and its committed state are the window's, never the
pipeline's, so a backfill neither moves the pipeline's incremental bookmark nor waits
for it, windows run in parallel, and a retried window resumes from its own bookmark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from orderhub.exceptions import ConfigurationError

#: More windows than this is a size typo ("1m" for a month is a minute), not a plan.
MAX_WINDOWS = 10_000
#: sync_runs.pipeline, sync_state.pipeline and pipeline_locks.pipeline are String(128).
MAX_RUN_NAME = 128

_SIZE = re.compile(r"^\s*(?P<count>\d+)\s*(?P<unit>[smhdw])\s*$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _iso(moment: datetime) -> str:
    # isoformat, not strftime: glibc's %Y drops the leading zeros of years below 1000.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def as_utc(moment: datetime) -> datetime:
    """A moment in UTC; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Window:
    """The half-open range ``[start, end)`` of replication-key values a sync loads.

    Both ends are UTC-aware (a naive one is taken as UTC) and whole seconds, the
    precision of the key and of the ISO text taps get; start < end.
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, datetime):
                raise ConfigurationError(
                    f"window {name} must be a datetime, got {type(value).__name__}"
                )
            if value.microsecond:
                raise ConfigurationError(
                    f"window {name} {value.isoformat()} has a fraction of a second: "
                    "windows are whole seconds"
                )
            object.__setattr__(self, name, as_utc(value))
        if self.start >= self.end:
            raise ConfigurationError(
                f"window start {_iso(self.start)} is not before its end {_iso(self.end)}: "
                "the end must be later than the start"
            )

    @property
    def start_text(self) -> str:
        """The start as ISO 8601 UTC text (``2024-01-01T00:00:00Z``), as taps take it."""
        return _iso(self.start)

    @property
    def end_text(self) -> str:
        """The end as ISO 8601 UTC text."""
        return _iso(self.end)

    @property
    def key(self) -> str:
        """``2024-01-01T00:00:00Z..2024-01-02T00:00:00Z``: the window in a name."""
        return f"{self.start_text}..{self.end_text}"

    @property
    def cli_options(self) -> str:
        """``--since ... --until ...``: the options of ``orderhub sync`` that run this window."""
        return f"--since {self.start_text} --until {self.end_text}"

    def run_name(self, pipeline: str) -> str:
        """The name a windowed sync of ``pipeline`` runs, locks and keeps its state under."""
        name = f"{pipeline}@{self.key}"
        if len(name) > MAX_RUN_NAME:
            raise ConfigurationError(
                f"pipeline name {pipeline!r} is too long for a windowed sync: {name!r} must "
                f"fit {MAX_RUN_NAME} characters; shorten the pipeline's name in orderhub.yml"
            )
        return name

    def contains(self, moment: datetime) -> bool:
        """True when ``moment`` (naive = UTC) lies in ``[start, end)``."""
        return self.start <= as_utc(moment) < self.end


def split_windows(start: datetime, end: datetime, size: timedelta) -> list[Window]:
    """``[start, end)`` cut into consecutive windows of ``size``, the last clipped to end.

    The windows tile the range exactly: each starts where the one before ended.
    """
    whole = Window(start, end)  # checks the range and makes both ends UTC
    if size <= timedelta(0):
        raise ConfigurationError(f"window size must be positive, got {size}")
    if size % timedelta(seconds=1):
        raise ConfigurationError(f"window size {size} must be whole seconds")
    count = -(-(whole.end - whole.start) // size)  # ceiling division of timedeltas
    if count > MAX_WINDOWS:
        raise ConfigurationError(
            f"{whole.key} in windows of {size} makes {count:,} windows (at most "
            f"{MAX_WINDOWS:,}): choose a larger window size or a shorter range"
        )
    windows = []
    cursor = whole.start
    while cursor < whole.end:
        following = min(cursor + size, whole.end)
        windows.append(Window(cursor, following))
        cursor = following
    return windows


def parse_window_size(text: str) -> timedelta:
    """``"30m"``, ``"6h"``, ``"1d"``, ``"2w"`` (also ``"90s"``) as a timedelta."""
    match = _SIZE.match(text) if isinstance(text, str) else None
    if match is None:
        raise ConfigurationError(
            f"window size {text!r} is not a number and a unit: write it like 30m, 6h, 1d or "
            "2w (s = seconds, m = minutes, h = hours, d = days, w = weeks)"
        )
    count = int(match["count"])
    if count <= 0:
        raise ConfigurationError(f"window size {text!r} must be more than zero")
    return timedelta(**{_UNITS[match["unit"].lower()]: count})


def parse_moment(text: str, what: str = "moment") -> datetime:
    """A date (``2024-01-01``, midnight UTC) or an ISO 8601 datetime (naive = UTC)."""
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value), datetime.min.time())
        except ValueError:
            raise ConfigurationError(
                f"{what} {text!r} is not a date or datetime: write it like 2024-01-01, "
                "2024-01-01T06:00:00 (UTC) or 2024-01-01T06:00:00+02:00"
            ) from None
    if parsed.microsecond:
        raise ConfigurationError(f"{what} {text!r} has a fraction of a second: give whole seconds")
    try:
        return as_utc(parsed)
    except OverflowError:  # 9999-12-31T23:00:00-05:00 is past the last UTC moment
        raise ConfigurationError(
            f"{what} {text!r} is outside the years 1 to 9999 once in UTC: give a nearer moment"
        ) from None
