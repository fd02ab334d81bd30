"""EBS ``DATE`` values are naive wall-clock times of the database server's time zone.

The tap emits UTC and keeps its bookmark in UTC, but it compares in the server's local
time: ``LAST_UPDATE_DATE >= :since`` with a naive local ``:since`` is what an index on
``LAST_UPDATE_DATE`` can serve (converting the column instead would scan the table).

Two facts of wall clocks shape this module:

* In the autumn fold (e.g. 01:00-02:00 in America/Los_Angeles happens twice) a later
  instant can show an *earlier* wall time. "Every row changed at or after instant T" is
  therefore "``LAST_UPDATE_DATE >= local_floor(T)``", the smallest wall time any instant
  from T to now shows, not simply T's own wall time.
* A naive value is converted with ``fold=0``: an ambiguous wall time is read as its first
  occurrence, and a wall time inside the spring gap (which a well-behaved server never
  writes) is read with the offset before the gap. Both conversions are total: no value
  stops a sync.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orderhub.exceptions import ConfigurationError

_STEP = timedelta(hours=1)


class ServerClock:
    """Converts between UTC instants and the EBS server's naive wall-clock times."""

    def __init__(self, zone: str) -> None:
        try:
            self.zone = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigurationError(
                f"timezone: {zone!r} is not an IANA time zone name (e.g. America/Los_Angeles); "
                "set it to the EBS database server's time zone"
            ) from None
        self.name = zone

    def to_utc(self, local: datetime) -> datetime:
        """A naive server wall time as an aware UTC instant (first occurrence in a fold)."""
        if local.tzinfo is not None:
            return local.astimezone(UTC)
        return local.replace(tzinfo=self.zone, fold=0).astimezone(UTC)

    def to_local(self, instant: datetime) -> datetime:
        """An aware instant as the server's naive wall time (what a DATE column holds)."""
        if instant.tzinfo is None:
            raise ValueError("to_local needs an aware datetime")
        return instant.astimezone(self.zone).replace(tzinfo=None, fold=0)

    def local_floor(self, instant: datetime, until: datetime) -> datetime:
        """The smallest wall time any instant in ``[instant, until]`` shows.

        ``LAST_UPDATE_DATE >= local_floor(T, now)`` selects every row written at or after
        T, including rows written in a DST fold after T whose wall time went backwards.
        """
        floor = self.to_local(instant)
        moment = instant
        offset = instant.astimezone(self.zone).utcoffset()
        while moment < until:
            following = min(moment + _STEP, until)
            next_offset = following.astimezone(self.zone).utcoffset()
            if offset is not None and next_offset is not None and next_offset < offset:
                floor = min(floor, self.to_local(self._transition(moment, following)))
            moment, offset = following, next_offset
        return floor

    def _transition(self, before: datetime, after: datetime) -> datetime:
        """The first whole second with ``after``'s offset (zones change on whole seconds)."""
        target = after.astimezone(self.zone).utcoffset()
        low, high = int(before.timestamp()), int(after.timestamp()) + 1
        while high - low > 1:
            middle = (low + high) // 2
            if datetime.fromtimestamp(middle, self.zone).utcoffset() == target:
                high = middle
            else:
                low = middle
        return datetime.fromtimestamp(high, UTC)

    @staticmethod
    def now() -> datetime:
        """The current instant (UTC), truncated to the second as DATE values are."""
        return datetime.now(UTC).replace(microsecond=0)
