"""Running a tap and the target as two processes joined by a relay that counts records.

The relay copies the tap's stdout to the target's stdin in large chunks and counts
RECORD messages per stream on the way, which is what the progress display shows; the
counts that are reported at the end come from the target's committed sync_runs row.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from orderhub.redaction import Redactor

#: A relay: copies a tap's stdout (first) into the target's stdin (second), counting.
Relay = Callable[[IO[bytes], IO[bytes], "RelayStats"], None]

_RECORD = re.compile(rb'"type":\s*"RECORD",\s*"stream":\s*"([^"]+)"')
CHUNK = 1 << 16
#: Seconds a process gets to stop after SIGTERM before it is killed.
STOP_GRACE = 10.0
#: Seconds the target gets to read to EOF and commit once a tap we stopped has ended.
#: Only after a stop: a normal run's last commit may take as long as it needs.
DRAIN_GRACE = 120.0


@dataclass
class RelayStats:
    """Records seen per stream so far; read by the progress display."""

    started: float = field(default_factory=time.monotonic)
    records: Counter[str] = field(default_factory=Counter)
    #: Records a windowed sync's relay left out, their key being outside the window.
    outside_window: Counter[str] = field(default_factory=Counter)
    bytes: int = 0
    broken_pipe: bool = False

    def rate(self, stream: str) -> float:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        return self.records[stream] / elapsed


def relay(source: IO[bytes], sink: IO[bytes], stats: RelayStats) -> None:
    """Copy source to sink until EOF, counting records; closes the sink at the end."""
    carry = b""
    try:
        while chunk := read_chunk(source, CHUNK):
            stats.bytes += len(chunk)
            data = carry + chunk
            cut = data.rfind(b"\n") + 1
            for stream in _RECORD.findall(data, 0, cut):
                stats.records[stream.decode()] += 1
            carry = data[cut:]
            if not write_or_stop(sink, chunk, source, stats):
                return
    finally:
        close_sink(sink, stats)


def read_chunk(source: IO[bytes], size: int) -> bytes:
    """Up to ``size`` bytes, as soon as any are there (``read1`` where the stream has it)."""
    return source.read1(size) if hasattr(source, "read1") else source.read(size)


def write_or_stop(sink: IO[bytes], data: bytes, source: IO[bytes], stats: RelayStats) -> bool:
    """Write ``data``; False when the reader is gone (the relay must stop).

    Closing the source then makes the writer's next write fail at once, instead of
    blocking it forever on a full pipe.
    """
    try:
        sink.write(data)
    except BrokenPipeError:
        stats.broken_pipe = True
        source.close()
        return False
    return True


def close_sink(sink: IO[bytes], stats: RelayStats) -> None:
    """Close the relay's end of the target's stdin (EOF: the target commits and ends)."""
    try:
        sink.close()
    except BrokenPipeError:
        stats.broken_pipe = True


def pump_log(source: IO[bytes], path: Path, redact: Redactor) -> None:
    """Copy a process's stderr into its log file line by line, with secrets redacted.

    Line by line so a secret is never split across two writes; the file is flushed per
    line so a crash leaves everything the process said.
    """
    with path.open("wb") as log:
        for line in iter(source.readline, b""):
            log.write(redact.redact_bytes(line))
            log.flush()
    source.close()


def _start_pump(process: subprocess.Popen[bytes], path: Path, redact: Redactor) -> threading.Thread:
    assert process.stderr is not None
    thread = threading.Thread(
        target=pump_log, args=(process.stderr, path, redact), name=f"log-{path.stem}", daemon=True
    )
    thread.start()
    return thread


@dataclass
class ProcessPair:
    """A running tap | target pair with their stderr redacted into log files.

    Both run in sessions of their own: a Ctrl-C on the terminal reaches only orderhub,
    which stops them in order (tap first, then the target drains and commits) instead of
    both dying at once mid-commit.
    """

    tap: subprocess.Popen[bytes]
    target: subprocess.Popen[bytes]
    relay_thread: threading.Thread
    stats: RelayStats
    tap_log: Path
    target_log: Path
    pumps: tuple[threading.Thread, ...] = ()
    _stop_requested: dict[int, float] = field(default_factory=dict)
    _tap_stopped_at: float | None = None

    @classmethod
    def start(
        cls,
        tap_command: list[str],
        target_command: list[str],
        log_dir: Path,
        redact: Redactor | None = None,
        relay: Relay = relay,
    ) -> ProcessPair:
        """Start target and tap joined by ``relay`` (a windowed sync passes its own)."""
        redact = redact or Redactor()
        log_dir.mkdir(parents=True, exist_ok=True)
        tap_log, target_log = log_dir / "tap.log", log_dir / "target.log"
        target = subprocess.Popen(
            target_command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        tap = subprocess.Popen(
            tap_command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
        assert tap.stdout is not None and target.stdin is not None
        pumps = (_start_pump(tap, tap_log, redact), _start_pump(target, target_log, redact))
        stats = RelayStats()
        thread = threading.Thread(
            target=relay, args=(tap.stdout, target.stdin, stats), name="singer-relay", daemon=True
        )
        thread.start()
        return cls(tap, target, thread, stats, tap_log, target_log, pumps)

    def running(self) -> bool:
        """True while either process runs; stops the tap once the target has died
        (nothing would take its data), and the target once it outstays its drain time
        after the tap was stopped."""
        for process in (self.tap, self.target):
            if process.pid in self._stop_requested or (
                process is self.tap and self.target.poll() is not None
            ):
                self._stop(process)
        if self.tap.poll() is not None and self._tap_stopped_at is None:
            self._tap_stopped_at = time.monotonic()
        if (
            self.tap.pid in self._stop_requested
            and self.target.pid not in self._stop_requested
            and self._tap_stopped_at is not None
            and time.monotonic() - self._tap_stopped_at > DRAIN_GRACE
        ):
            self._stop(self.target)
        return self.tap.poll() is None or self.target.poll() is None

    def wait(self, poll: float = 0.2) -> tuple[int, int]:
        """Wait for both processes; returns their exit codes (tap, target)."""
        while self.running():
            time.sleep(poll)
        self.relay_thread.join(timeout=10)
        for pump in self.pumps:
            pump.join(timeout=10)
        return int(self.tap.returncode), int(self.target.returncode)

    def stop_tap(self) -> None:
        """Ask the tap to stop (singer-sdk emits a last STATE); the target then reads to
        EOF and commits its last complete state. Escalates to SIGKILL after the grace."""
        self._stop(self.tap)

    def terminate(self) -> None:
        """Stop both processes: the tap first, so the target can commit what it has."""
        for process in (self.tap, self.target):
            self._stop(process)

    def kill(self) -> None:
        """Kill both at once: a second signal while stopping means "now"."""
        for process in (self.tap, self.target):
            if process.poll() is None:
                process.kill()

    def _stop(self, process: subprocess.Popen[bytes]) -> None:
        """SIGTERM once, then SIGKILL when the grace period is over.

        singer-sdk answers SIGTERM by writing a last STATE message, which can block on a
        pipe nobody reads any more; repeating SIGTERM would only re-enter that handler.
        """
        if process.poll() is not None:
            return
        asked = self._stop_requested.get(process.pid)
        if asked is None:
            self._stop_requested[process.pid] = time.monotonic()
            process.terminate()
        elif time.monotonic() - asked > STOP_GRACE:
            process.kill()


def log_tail(path: Path, lines: int = 12) -> str:
    """The last lines of a process log, for error messages."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])
