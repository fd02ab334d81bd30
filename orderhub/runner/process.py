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
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

_RECORD = re.compile(rb'"type":\s*"RECORD",\s*"stream":\s*"([^"]+)"')
CHUNK = 1 << 16
#: Seconds a process gets to stop after SIGTERM before it is killed.
STOP_GRACE = 10.0


@dataclass
class RelayStats:
    """Records seen per stream so far; read by the progress display."""

    started: float = field(default_factory=time.monotonic)
    records: Counter[str] = field(default_factory=Counter)
    bytes: int = 0
    broken_pipe: bool = False

    def rate(self, stream: str) -> float:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        return self.records[stream] / elapsed


def relay(source: IO[bytes], sink: IO[bytes], stats: RelayStats) -> None:
    """Copy source to sink until EOF, counting records; closes the sink at the end."""
    carry = b""
    try:
        while chunk := source.read1(CHUNK) if hasattr(source, "read1") else source.read(CHUNK):
            stats.bytes += len(chunk)
            data = carry + chunk
            cut = data.rfind(b"\n") + 1
            for stream in _RECORD.findall(data, 0, cut):
                stats.records[stream.decode()] += 1
            carry = data[cut:]
            try:
                sink.write(chunk)
            except BrokenPipeError:
                # The reader is gone: closing our end makes the writer's next write fail
                # at once, instead of blocking it forever on a full pipe.
                stats.broken_pipe = True
                source.close()
                return
    finally:
        try:
            sink.close()
        except BrokenPipeError:
            stats.broken_pipe = True


@dataclass
class ProcessPair:
    """A running tap | target pair with their stderr captured to log files."""

    tap: subprocess.Popen[bytes]
    target: subprocess.Popen[bytes]
    relay_thread: threading.Thread
    stats: RelayStats
    tap_log: Path
    target_log: Path
    _stop_requested: dict[int, float] = field(default_factory=dict)

    @classmethod
    def start(cls, tap_command: list[str], target_command: list[str], log_dir: Path) -> ProcessPair:
        log_dir.mkdir(parents=True, exist_ok=True)
        tap_log, target_log = log_dir / "tap.log", log_dir / "target.log"
        with tap_log.open("wb") as tap_err, target_log.open("wb") as target_err:
            target = subprocess.Popen(
                target_command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=target_err
            )
            tap = subprocess.Popen(tap_command, stdout=subprocess.PIPE, stderr=tap_err)
        assert tap.stdout is not None and target.stdin is not None
        stats = RelayStats()
        thread = threading.Thread(
            target=relay, args=(tap.stdout, target.stdin, stats), name="singer-relay", daemon=True
        )
        thread.start()
        return cls(tap, target, thread, stats, tap_log, target_log)

    def running(self) -> bool:
        """True while either process runs; stops the tap once the target has died
        (nothing would take its data)."""
        for process in (self.tap, self.target):
            if process.pid in self._stop_requested or (
                process is self.tap and self.target.poll() is not None
            ):
                self._stop(process)
        return self.tap.poll() is None or self.target.poll() is None

    def wait(self, poll: float = 0.2) -> tuple[int, int]:
        """Wait for both processes; returns their exit codes (tap, target)."""
        while self.running():
            time.sleep(poll)
        self.relay_thread.join(timeout=10)
        return int(self.tap.returncode), int(self.target.returncode)

    def terminate(self) -> None:
        """Stop both processes: the tap first, so the target can commit what it has."""
        for process in (self.tap, self.target):
            self._stop(process)

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
