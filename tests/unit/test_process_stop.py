"""Stopping a tap | target pair: in order, time-bound, escalating; logs are redacted."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from orderhub.redaction import Redactor
from orderhub.runner import process
from orderhub.runner.process import ProcessPair
from orderhub.runner.signals import StopSignals

# A tap that ignores SIGTERM and keeps sending; only SIGKILL ends it.
DEAF_TAP = """
import signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
while True:
    sys.stdout.write('{"type": "RECORD", "stream": "orders", "record": {}}\\n')
    sys.stdout.flush()
    time.sleep(0.01)
"""
# A target that reads everything and then hangs instead of exiting.
STUCK_TARGET = """
import signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
sys.stdin.read()
time.sleep(3600)
"""
READER = "import sys; sys.stdin.read()"


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def sending(pair: ProcessPair) -> ProcessPair:
    """Wait until the tap sends (so it has set up its signal handling)."""
    deadline = time.monotonic() + 60
    while not pair.stats.records and time.monotonic() < deadline:
        time.sleep(0.02)
    assert pair.stats.records, "the tap never sent a record"
    return pair


def test_a_tap_deaf_to_sigterm_is_killed_after_the_grace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(process, "STOP_GRACE", 1.0)
    pair = sending(ProcessPair.start(python(DEAF_TAP), python(READER), tmp_path))
    began = time.monotonic()
    pair.stop_tap()
    tap_code, target_code = pair.wait(poll=0.05)
    assert tap_code == -signal.SIGKILL and target_code == 0  # the target read to EOF
    assert time.monotonic() - began < 30


def test_a_target_that_does_not_finish_after_a_stop_is_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(process, "STOP_GRACE", 1.0)
    monkeypatch.setattr(process, "DRAIN_GRACE", 1.0)
    pair = sending(ProcessPair.start(python(DEAF_TAP), python(STUCK_TARGET), tmp_path))
    pair.stop_tap()
    began = time.monotonic()
    assert pair.wait(poll=0.05) == (-signal.SIGKILL, -signal.SIGKILL)
    assert time.monotonic() - began < 30


def test_kill_ends_both_at_once(tmp_path: Path) -> None:
    pair = sending(ProcessPair.start(python(DEAF_TAP), python(STUCK_TARGET), tmp_path))
    pair.stop_tap()
    pair.kill()
    assert pair.wait(poll=0.05) == (-signal.SIGKILL, -signal.SIGKILL)


def test_children_do_not_get_the_terminals_signals(tmp_path: Path) -> None:
    pair = ProcessPair.start(python(DEAF_TAP), python(READER), tmp_path)
    try:
        for child in (pair.tap, pair.target):
            assert os.getpgid(child.pid) != os.getpgid(0)
    finally:
        pair.kill()
        pair.wait(poll=0.05)


def test_stderr_reaches_the_logs_redacted(tmp_path: Path) -> None:
    secret = 4711081512
    tap = f"import sys; sys.stderr.write('token {secret} passed; tokens {secret}9 stay\\n')"
    target = f"import sys; sys.stdin.read(); sys.stderr.write('url {secret}\\n')"
    pair = ProcessPair.start(python(tap), python(target), tmp_path, Redactor([secret]))
    assert pair.wait(poll=0.05) == (0, 0)
    assert pair.tap_log.read_text() == f"token *** passed; tokens {secret}9 stay\n"
    assert pair.target_log.read_text() == "url ***\n"


def test_stop_signals_count_and_restore(tmp_path: Path) -> None:
    heard: list[int] = []
    before = signal.getsignal(signal.SIGTERM)
    with StopSignals() as signals:
        os.kill(os.getpid(), signal.SIGTERM)  # before there is anything to stop
        signals.on_signal(heard.append)
        os.kill(os.getpid(), signal.SIGINT)
        assert signals.stopping() and signals.name == "SIGTERM"
    assert heard == [1, 2] and signals.count == 2
    assert signal.getsignal(signal.SIGTERM) is before
