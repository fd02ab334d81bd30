"""The runner's relay copies every byte and counts records per stream."""

from __future__ import annotations

import io
import json

from hypothesis import given
from hypothesis import strategies as st

from orderhub.runner import process
from orderhub.runner.process import RelayStats, relay


class Sink(io.BytesIO):
    def close(self) -> None:  # keep the bytes readable after the relay closes it
        self.closed_by_relay = True


def singer_lines(streams: list[str], spaced: bool) -> bytes:
    separators = (", ", ": ") if spaced else (",", ":")
    messages = [{"type": "SCHEMA", "stream": s, "schema": {}} for s in set(streams)]
    messages += [
        {"type": "RECORD", "stream": s, "record": {"id": i}} for i, s in enumerate(streams)
    ]
    return b"".join(json.dumps(m, separators=separators).encode() + b"\n" for m in messages)


@given(
    st.lists(st.sampled_from(["orders", "customers", "line_items"]), max_size=300),
    st.booleans(),
    st.integers(min_value=7, max_value=4096),
)
def test_every_byte_is_copied_and_records_counted(
    streams: list[str], spaced: bool, chunk: int
) -> None:
    data = singer_lines(streams, spaced)
    original, process.CHUNK = process.CHUNK, chunk  # force records across chunk borders
    try:
        sink, stats = Sink(), RelayStats()
        relay(io.BufferedReader(io.BytesIO(data)), sink, stats)
    finally:
        process.CHUNK = original
    assert sink.getvalue() == data
    assert dict(stats.records) == {s: streams.count(s) for s in set(streams)}
