"""The relay of a windowed sync: records outside the window never reach the target.

A tap is started at the window (its ``start_date``, and its ``end_date`` when it has
one), but not every tap has an end, a tap with a lookback re-reads before its start, and
a bookmark resumes at the last value read: the relay is what bounds the window whatever
the tap does. It drops RECORD messages whose replication-key value lies outside
``[start, end)`` and counts them per stream.

Which streams are bounded: those whose catalog entry names a replication key whose schema
is a date-time (or date). A stream without one (a full-table stream, or a key such as
U8's integer ``row_version`` that is no moment) cannot be placed in time and is loaded
whole; a record whose key is missing or unreadable is loaded too (the target dead-letters
what is malformed). STATE messages pass unchanged: a bookmark past the end only ever
follows every record of the window (the relay is in order), so a window whose state points
past its end is a finished window, and its rerun loads nothing. BATCH messages (files of
records) pass unchanged too: a tap that batches must bound them itself (its end_date).

Only RECORD lines of bounded streams are parsed; the relay of a sync without a window is
:func:`orderhub.runner.process.relay`, untouched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import IO, Any

import msgspec

from orderhub.runner.process import CHUNK, RelayStats, close_sink, read_chunk, write_or_stop
from orderhub.runner.window import Window, as_utc

_RECORD = re.compile(rb'^\s*\{\s*"type":\s*"RECORD",\s*"stream":\s*"([^"]+)"')
# A line with its newline (bytes.splitlines would also split at a stray \r).
_LINE = re.compile(rb"[^\n]*(?:\n|\Z)")
_MOMENT_FORMATS = frozenset({"date-time", "date"})


def _schema_is_moment(schema: Mapping[str, Any] | None) -> bool:
    if not isinstance(schema, Mapping):
        return False
    if schema.get("format") in _MOMENT_FORMATS:
        return True
    return any(_schema_is_moment(option) for option in schema.get("anyOf") or ())


def _replication_key(entry: Mapping[str, Any]) -> str | None:
    """A catalog entry's replication key: its stream-level metadata, else the entry's."""
    for metadata in entry.get("metadata") or ():
        if metadata.get("breadcrumb") == []:
            inner = metadata.get("metadata") or {}
            if inner.get("replication-key"):
                return str(inner["replication-key"])
            if entry.get("replication_key"):
                return str(entry["replication_key"])
            valid = inner.get("valid-replication-keys") or []
            return str(valid[0]) if len(valid) == 1 else None
    key = entry.get("replication_key")
    return str(key) if key else None


def bounded_streams(catalog: Mapping[str, Any]) -> dict[str, str]:
    """``{stream: replication key}`` of the catalog's streams a window can bound in time."""
    keys: dict[str, str] = {}
    for entry in catalog.get("streams") or ():
        key = _replication_key(entry)
        properties = (entry.get("schema") or {}).get("properties") or {}
        if key and _schema_is_moment(properties.get(key)):
            keys[str(entry.get("tap_stream_id") or entry.get("stream"))] = key
    return keys


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        return None


class WindowFilter:
    """Decides line by line which messages of a windowed sync go on to the target."""

    def __init__(self, window: Window, keys: Mapping[str, str]) -> None:
        self.window = window
        self.keys = {stream.encode(): key for stream, key in keys.items()}

    def keep(self, line: bytes, stats: RelayStats) -> bool:
        """True to pass ``line`` on; counts the records it passes or drops per stream."""
        found = _RECORD.match(line)
        if found is None:
            return True
        stream = found[1]
        name = stream.decode()
        key = self.keys.get(stream)
        if key is not None:
            try:
                record = msgspec.json.decode(line).get("record")
            except msgspec.DecodeError:
                record = None  # not JSON: the target dead-letters it
            value = _moment(record.get(key)) if isinstance(record, dict) else None
            if value is not None and not self.window.contains(value):
                stats.outside_window[name] += 1
                return False
        stats.records[name] += 1
        return True


def window_relay(
    source: IO[bytes], sink: IO[bytes], stats: RelayStats, keep: WindowFilter, chunk: int = CHUNK
) -> None:
    """Copy source to sink line by line through ``keep``; closes the sink at the end.

    Only whole lines are written (a dropped line must go whole), one write per chunk.
    """
    carry = b""
    try:
        while True:
            read = read_chunk(source, chunk)
            stats.bytes += len(read)
            data = carry + read
            # At EOF the last line goes too, even without its newline.
            cut = data.rfind(b"\n") + 1 if read else len(data)
            lines = (found[0] for found in _LINE.finditer(data, 0, cut))
            kept = b"".join(line for line in lines if line and keep.keep(line, stats))
            carry = data[cut:]
            if kept and not write_or_stop(sink, kept, source, stats):
                return
            if not read:
                return
    finally:
        close_sink(sink, stats)
