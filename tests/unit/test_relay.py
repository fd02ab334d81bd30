"""The runner's relay copies every byte and counts records per stream."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderhub.runner import process
from orderhub.runner.process import ProcessPair, RelayStats, relay


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


# A tap that behaves like singer-sdk on SIGTERM: its handler writes a last message to
# stdout and exits; it keeps writing records until then.
STUBBORN_TAP = """
import signal, sys
def last_state(signum, frame):
    with open(sys.argv[1], "a") as log:
        log.write("SIGTERM\\n")
    sys.stdout.write('{"type": "STATE", "value": {}}\\n' * 1000)
    sys.exit(0)
signal.signal(signal.SIGTERM, last_state)
while True:
    sys.stdout.write('{"type": "RECORD", "stream": "orders", "record": {}}\\n')
"""


def test_a_dead_target_stops_a_tap_that_handles_sigterm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(process, "STOP_GRACE", 2.0)
    pair = ProcessPair.start(
        [sys.executable, "-c", STUBBORN_TAP, str(tmp_path / "signals")],
        [sys.executable, "-c", "import sys; sys.stdin.read(100_000); sys.exit(3)"],
        tmp_path,
    )
    tap_code, target_code = pair.wait(poll=0.05)
    assert target_code == 3
    assert tap_code != 0
    assert pair.stats.broken_pipe and not pair.relay_thread.is_alive()
    signals = tmp_path / "signals"
    # Asked once (or not at all, if the closed pipe stopped it first); never re-entered.
    assert (signals.read_text().count("SIGTERM") if signals.exists() else 0) <= 1
