"""SIGTERM and SIGINT turn into an orderly stop of a running sync.

systemd, Kubernetes and Airflow stop a task with SIGTERM, a person with Ctrl-C (SIGINT).
Either one asks the sync to stop at a committed point: the runner stops the tap, lets
the target read to the end and commit, and marks the run cancelled. A second signal
while stopping means "now": the children are killed (the target's open transaction is
rolled back by the database, so nothing half-written stays).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any

HANDLED = (signal.SIGTERM, signal.SIGINT)


class StopSignals:
    """Catches SIGTERM/SIGINT while a sync runs and tells the runner what to do.

    Handlers are only installed in the main thread (Python allows no other); a sync run
    from another thread keeps the process's own handling.
    """

    def __init__(self) -> None:
        self.received: int | None = None
        self.count = 0
        self._on_signal: Callable[[int], None] | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in HANDLED:
                self._previous[signum] = signal.signal(signum, self._handle)
                self._adopt(self._previous[signum])
        return self

    def _adopt(self, previous: Any) -> None:
        """A stop an earlier StopSignals caught (see :func:`catch_early`) counts here too."""
        earlier = getattr(previous, "__self__", None)
        if isinstance(earlier, StopSignals) and earlier.count and not self.count:
            self.received, self.count = earlier.received, earlier.count

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def on_signal(self, callback: Callable[[int], None] | None) -> None:
        """Call ``callback(count)`` on every signal from now on (1: stop, 2+: kill)."""
        self._on_signal = callback
        if callback is not None and self.count:
            callback(self.count)  # a signal came before there was anything to stop

    def stopping(self) -> bool:
        """True once a stop was asked for."""
        return self.received is not None

    @property
    def name(self) -> str:
        """The first signal's name, e.g. SIGTERM."""
        return signal.Signals(self.received).name if self.received else ""

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self.count += 1
        if self.received is None:
            self.received = signum
        if self._on_signal is not None:
            self._on_signal(self.count)


def catch_early() -> StopSignals:
    """Catch SIGTERM/SIGINT from now on for the rest of the process; the sync adopts them.

    Call it first thing in a command that syncs: between here and the sync taking its
    lock (settings, engine, migrations) a signal is then a clean "cancelled" instead of
    the default silent death. Before this call, during Python's start-up and imports,
    the default action remains: harmless, as nothing has started.
    """
    return StopSignals().__enter__()
