"""A seeded, changing set of orders for simulators built with the connector kit.

Every scaffolded simulator serves this store in its own protocol (REST pages, GraphQL
connections, SOAP envelopes, SQL tables), so the kit's CDC tests see the same behaviour:
records change over time, some are deleted, and some commit late.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

#: Source status codes of the sample store and the lifecycle step each may move to.
LIFECYCLE: dict[str, tuple[str, ...]] = {
    "NEW": ("PAID", "CANCELLED"),
    "PAID": ("PICKING",),
    "PICKING": ("SHIPPED",),
    "SHIPPED": ("DELIVERED",),
    "DELIVERED": ("CLOSED", "REFUNDED"),
    "CLOSED": (),
    "CANCELLED": (),
    "REFUNDED": (),
}
#: How a connector's code table maps the sample codes (used by scaffolded mappings).
CANONICAL = {
    "NEW": "pending_payment",
    "PAID": "paid",
    "PICKING": "packed",
    "SHIPPED": "shipped",
    "DELIVERED": "delivered",
    "CLOSED": "completed",
    "CANCELLED": "cancelled",
    "REFUNDED": "refunded",
}
_FIRST = ["Wei", "Li", "Anna", "James", "Mei", "Olivia", "Hao", "Lucas"]
_LAST = ["Zhang", "Wang", "Smith", "Chen", "Müller", "Liu", "Garcia", "Huang"]
_PRODUCTS = [
    ("TEA-01", "Oolong tea", "12.50"),
    ("CUP-02", "Tea cup", "8.00"),
    ("POT-03", "Clay teapot", "45.90"),
    ("SET-04", "Gift set", "99.00"),
]


@dataclass
class SampleOrderStore:
    """Orders keyed by id; each a JSON-ready dict with nested ``lines`` and ``customer``."""

    seed: int = 7
    count: int = 40
    currency: str = "USD"
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    _clock: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(days=30))
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        for number in range(1, self.count + 1):
            self._add(number, self._clock + timedelta(hours=12 * number / self.count))
        self._clock = datetime.now(UTC) - timedelta(days=1)

    # -- data ---------------------------------------------------------------------------

    def _add(self, number: int, moment: datetime) -> dict[str, Any]:
        rng = self.rng
        customer = rng.randrange(1, max(2, self.count // 3))
        lines: list[dict[str, Any]] = []
        for index in range(1, rng.randint(1, 4) + 1):
            sku, name, price = rng.choice(_PRODUCTS)
            lines.append(
                {
                    "line_no": index,
                    "sku": sku,
                    "name": name,
                    "quantity": rng.randint(1, 3),
                    "unit_price": price,
                }
            )
        total = sum(Decimal(line["unit_price"]) * line["quantity"] for line in lines)
        order: dict[str, Any] = {
            "id": f"SO-{number:06d}",
            "number": f"{number:06d}",
            "status": rng.choice(["NEW", "PAID", "PICKING", "SHIPPED", "DELIVERED"]),
            "currency": self.currency,
            "total": str(total),
            "customer": {
                "id": f"C-{customer:05d}",
                "name": f"{_FIRST[customer % 8]} {_LAST[(customer // 8) % 8]}",
                "email": f"customer{customer}@example.com",
                "phone": f"+86 138{customer:08d}",
            },
            "lines": lines,
            "created_at": moment,
            "updated_at": moment,
            "deleted_at": None,
        }
        self.orders[order["id"]] = order
        return order

    def _tick(self) -> datetime:
        """ "Now" in whole milliseconds, never earlier than the last change.

        Several changes may share a millisecond (one transaction, one timestamp), as at a
        real source; the clock never runs ahead of the wall clock, so a tap's sync start
        is never earlier than a change it has to read.
        """
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        self._clock = max(now, self._clock)
        return self._clock

    # -- what the kit's tests do to the source ------------------------------------------

    def live(self) -> list[dict[str, Any]]:
        """Orders not deleted."""
        return [o for o in self.orders.values() if o["deleted_at"] is None]

    def change(self, count: int) -> set[str]:
        """Move ``count`` orders one lifecycle step (or add new ones); returns their ids."""
        with self._lock:
            changed: set[str] = set()
            movable = [o for o in self.live() if LIFECYCLE[o["status"]]]
            for order in self.rng.sample(movable, min(count, len(movable))):
                order["status"] = self.rng.choice(LIFECYCLE[order["status"]])
                order["updated_at"] = self._tick()
                changed.add(order["id"])
            while len(changed) < count:
                order = self._add(len(self.orders) + 1, self._tick())
                order["status"] = "NEW"
                changed.add(order["id"])
            return changed

    def delete(self, count: int) -> set[str]:
        """Soft-delete ``count`` orders at the source (a tombstone with a new version)."""
        with self._lock:
            doomed = self.rng.sample(self.live(), min(count, len(self.live())))
            for order in doomed:
                order["deleted_at"] = order["updated_at"] = self._tick()
            return {o["id"] for o in doomed}

    def change_late(self, count: int, before: timedelta) -> set[str]:
        """Change orders with a version ``before`` in the past: a late-committing write."""
        with self._lock:
            moment = datetime.now(UTC) - before
            changed = set()
            for order in self.rng.sample(self.live(), min(count, len(self.live()))):
                order["status"] = "PAID" if order["status"] == "NEW" else order["status"]
                order["total"] = str(Decimal(order["total"]) + Decimal("0.01"))
                order["updated_at"] = moment
                changed.add(order["id"])
            return changed

    def since(self, updated_since: datetime | None) -> list[dict[str, Any]]:
        """Orders with ``updated_at >= updated_since``, oldest first (ties by id)."""
        with self._lock:
            rows = [
                o
                for o in self.orders.values()
                if updated_since is None or o["updated_at"] >= updated_since
            ]
            return sorted(rows, key=lambda o: (o["updated_at"], o["id"]))


def iso(moment: datetime | None) -> str | None:
    """ISO-8601 UTC with milliseconds and ``Z``, as most APIs send it."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class SampleStoreSource:
    """The kit's SimulatedSource methods for a simulator that serves one SampleOrderStore
    as the stream ``orders`` (mix in before the server class)."""

    store: SampleOrderStore
    lock: threading.RLock  # the server's lock: pages are never read mid-change

    def current(self, stream: str) -> dict[str, str]:
        with self.lock:
            return {o["id"]: str(iso(o["updated_at"])) for o in self.store.orders.values()}

    def change(self, count: int) -> dict[str, set[str]]:
        with self.lock:
            return {"orders": self.store.change(count)}

    def delete(self, count: int) -> dict[str, set[str]]:
        with self.lock:
            return {"orders": self.store.delete(count)}

    def change_late(self, count: int, before: timedelta) -> dict[str, set[str]]:
        with self.lock:
            return {"orders": self.store.change_late(count, before)}
