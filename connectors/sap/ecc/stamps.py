"""ECC change stamps (date + time, server local time, no zone) and UTC instants.

ECC stamps changes as a calendar date and a wall-clock time of the application server
(CDHDR-UDATE/UTIME, VBAK-ERDAT/ERZET): no zone, no DST flag, one-second resolution.
Two rules keep change-data capture right across DST:

- :func:`to_utc` reads an ambiguous wall time (the hour repeated when clocks go back) as
  its *earlier* instant, and a wall time that never existed (the hour skipped when clocks
  go forward) as the moment of the jump. Both keep the conversion monotone: a later stamp
  never becomes an earlier instant, so records stay sorted by ``LastChangeDateTime``.
- :func:`changed_since` (the service's lower bound) starts at the beginning of the
  repeated hour when the bookmark lies in its first pass: a change in the second pass
  carries an earlier wall time than the bookmark. (Bookmarks written from
  :func:`to_utc` always lie in the first pass.) It never reads more than the shift again.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orderhub.exceptions import ConfigurationError

#: The longest DST shift in the tz database (Antarctica/Troll): how far back a repeated
#: hour can hide a later change.
MAX_SHIFT = timedelta(hours=2)


def zone(name: str | None) -> ZoneInfo:
    """The ``timezone`` setting as a zone; a clear error names the setting."""
    if not name:
        raise ConfigurationError(
            "SAP ECC: set `timezone` to the ECC application server's time zone (IANA name "
            "such as Europe/Berlin; transaction STZAC shows it): change stamps are local time"
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"SAP ECC: `timezone` {name!r} is not an IANA time zone name (e.g. Europe/Berlin)"
        ) from None


def is_ambiguous(wall: datetime, tz: ZoneInfo) -> bool:
    """True if the wall time occurs twice (clocks went back over it)."""
    first, second = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
    return first.utcoffset() != second.utcoffset() and _exists(wall, tz)


def _exists(wall: datetime, tz: ZoneInfo) -> bool:
    back = wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return back == wall


def to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """A naive server wall time as an aware UTC instant (monotone; see module docstring)."""
    if _exists(wall, tz):
        return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    # Skipped by a forward jump: the jump lies between the two readings of ``wall``
    # (with the offset after it, and before it); find it to the second.
    low = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    before = low.astimezone(tz).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = (low + (high - low) / 2).replace(microsecond=0)
        if middle.astimezone(tz).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high


def to_wall(moment: datetime, tz: ZoneInfo) -> datetime:
    """An aware instant as the server's naive wall time, cut to whole seconds."""
    return moment.astimezone(tz).replace(tzinfo=None, microsecond=0)


def changed_since(moment: datetime, tz: ZoneInfo) -> datetime:
    """The wall time to ask the service for so that no change at or after ``moment`` is
    missed: its wall time, or, if ``moment`` is in the first pass of a repeated stretch,
    the start of that stretch (the second pass shows earlier wall times)."""
    wall = to_wall(moment, tz)
    if not is_ambiguous(wall, tz) or moment.astimezone(tz).fold == 1:
        return wall
    low, high = wall - MAX_SHIFT, wall
    if is_ambiguous(low, tz):
        return low
    while high - low > timedelta(seconds=1):
        middle = low + timedelta(seconds=(high - low).total_seconds() // 2)
        if is_ambiguous(middle, tz):
            high = middle
        else:
            low = middle
    return high


def parse_stamp(day: str | None, clock: str | time | None) -> datetime | None:
    """SAP date (``2024-05-01`` or ``20240501``) and time into a naive wall time; an
    initial date (``0000-00-00``/``00000000``/empty) is None."""
    parsed = parse_date(day)
    if parsed is None:
        return None
    if isinstance(clock, time):
        return datetime.combine(parsed, clock.replace(tzinfo=None))
    text = (clock or "000000").replace(":", "")
    if len(text) != 6 or not text.isdigit():
        raise ValueError(f"{clock!r} is not an SAP time (HH:MM:SS)")
    return datetime.combine(parsed, time(int(text[:2]), int(text[2:4]), int(text[4:])))


def parse_date(day: str | date | None) -> date | None:
    """An SAP DATS value as a date; initial values are None."""
    if isinstance(day, date):
        return day
    text = (day or "").strip().replace("-", "")
    if not text or set(text) == {"0"}:
        return None
    try:
        if len(text) != 8 or not text.isdigit():
            raise ValueError("not eight digits")
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as exc:
        raise ValueError(f"{day!r} is not an SAP date (YYYY-MM-DD): {exc}") from None
