"""Fault injection, the cost bucket and the request log of the Shopify simulator.

Kept apart from the HTTP plumbing so tests can exercise the bucket arithmetic and fault
bookkeeping directly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields
from typing import Any

__all__ = ["Faults", "LeakyBucket", "RequestRecord"]


@dataclass
class Faults:
    """Faults to inject into the next GraphQL requests; counters decrement as they fire.

    ``slow_seconds`` delays every request while it is positive; when ``slow_requests`` is
    positive only that many requests are delayed, after which ``slow_seconds`` resets to 0.
    ``faults_after`` requests are answered normally before the error faults fire: an
    outage in the middle of a sync.
    """

    http_500: int = 0
    http_429: int = 0
    slow_seconds: float = 0.0
    slow_requests: int = 0
    malformed_pages: int = 0
    throttle_next: int = 0
    faults_after: int = 0

    def update(self, values: dict[str, Any]) -> None:
        """Set fields from a JSON object, rejecting unknown names."""
        known = {f.name: f.type for f in fields(self)}
        for name, value in values.items():
            if name not in known:
                raise ValueError(f"Unknown fault {name!r}; known: {sorted(known)}")
            setattr(self, name, float(value) if name == "slow_seconds" else int(value))


class LeakyBucket:
    """Shopify's cost bucket: ``size`` points, refilled at ``restore_rate`` points/second."""

    def __init__(self, size: float, restore_rate: float) -> None:
        self.size = float(size)
        self.restore_rate = float(restore_rate)
        self._level = float(size)
        self._stamp = time.monotonic()

    def available(self) -> float:
        """Points available now (after refilling for the elapsed time)."""
        now = time.monotonic()
        self._level = min(self.size, self._level + (now - self._stamp) * self.restore_rate)
        self._stamp = now
        return self._level

    def take(self, points: float) -> bool:
        """Deduct ``points`` if available; False means the request must be throttled."""
        if self.available() < points:
            return False
        self._level -= points
        return True

    def give_back(self, points: float) -> None:
        """Refund the difference between requested and actual cost."""
        self._level = min(self.size, self.available() + points)

    def status(self) -> dict[str, Any]:
        """The ``throttleStatus`` object Shopify reports."""
        return {
            "maximumAvailable": self.size,
            "currentlyAvailable": int(self.available()),
            "restoreRate": self.restore_rate,
        }


@dataclass(frozen=True)
class RequestRecord:
    """One request as seen by the simulator (for assertions in tests)."""

    path: str
    status: int
    outcome: str
    requested_cost: int | None = None
