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
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from orderhub.exceptions import ConfigurationError


class SampleProduct(BaseModel):
    """An item the simulated source sells."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: str = Field(min_length=1)
    name: str = Field(min_length=1)
    unit_price: Decimal = Field(gt=0, decimal_places=4)


class SampleData(BaseModel):
    """What a simulator's orders look like: a connector's ``sample_data.yml``.

    The file makes the simulator speak the source's own vocabulary (its status codes and
    how an order moves through them, its products, currency and phone numbers), so the
    connector's code tables and mappings are tested against what the real system sends.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    #: Source status code -> the codes an order in it may move to next.
    lifecycle: dict[str, tuple[str, ...]] = Field(min_length=1)
    #: Codes a seeded order starts in (new orders start in the first lifecycle code).
    seeded_statuses: tuple[str, ...] = Field(min_length=1)
    products: tuple[SampleProduct, ...] = Field(min_length=1)
    first_names: tuple[str, ...] = Field(min_length=1)
    last_names: tuple[str, ...] = Field(min_length=1)
    #: Customer phones are this prefix plus an 8-digit customer number.
    phone_prefix: str = "+86 138"

    @model_validator(mode="after")
    def _codes_are_declared(self) -> SampleData:
        declared = set(self.lifecycle)
        used = {c for nexts in self.lifecycle.values() for c in nexts} | set(self.seeded_statuses)
        if undeclared := sorted(used - declared):
            raise ValueError(f"status codes used but not declared in lifecycle: {undeclared}")
        return self

    @property
    def status_codes(self) -> list[str]:
        """Every source status code the simulator can send."""
        return list(self.lifecycle)

    @classmethod
    def load(cls, path: Path) -> SampleData:
        """Read and check a ``sample_data.yml``; errors name the file and the field."""
        try:
            return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigurationError(f"{path}: {exc}") from exc
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}"
                for e in exc.errors()
            )
            raise ConfigurationError(f"{path}: {problems}") from exc


#: The kit's own sample: the file every scaffold starts its sample_data.yml from.
DEFAULT_SAMPLE = SampleData.load(
    Path(__file__).parent / "templates/common/connectors/<<name>>/sample_data.yml.tmpl"
)


@dataclass
class SampleOrderStore:
    """Orders keyed by id; each a JSON-ready dict with nested ``lines`` and ``customer``."""

    seed: int = 7
    count: int = 40
    sample: SampleData = DEFAULT_SAMPLE
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
        rng, sample = self.rng, self.sample
        customer = rng.randrange(1, max(2, self.count // 3))
        lines: list[dict[str, Any]] = []
        for index in range(1, rng.randint(1, 4) + 1):
            product = rng.choice(sample.products)
            lines.append(
                {
                    "line_no": index,
                    "sku": product.sku,
                    "name": product.name,
                    "quantity": rng.randint(1, 3),
                    "unit_price": str(product.unit_price),
                }
            )
        total = sum(Decimal(line["unit_price"]) * line["quantity"] for line in lines)
        order: dict[str, Any] = {
            "id": f"SO-{number:06d}",
            "number": f"{number:06d}",
            "status": rng.choice(sample.seeded_statuses),
            "currency": sample.currency,
            "total": str(total),
            "customer": {
                "id": f"C-{customer:05d}",
                "name": _name(sample, customer),
                "email": f"customer{customer}@example.com",
                "phone": f"{sample.phone_prefix}{customer:08d}",
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
            lifecycle = self.sample.lifecycle
            movable = [o for o in self.live() if lifecycle[o["status"]]]
            for order in self.rng.sample(movable, min(count, len(movable))):
                order["status"] = self.rng.choice(lifecycle[order["status"]])
                order["updated_at"] = self._tick()
                changed.add(order["id"])
            while len(changed) < count:
                order = self._add(len(self.orders) + 1, self._tick())
                order["status"] = self.sample.status_codes[0]
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


def _name(sample: SampleData, customer: int) -> str:
    first, last = sample.first_names, sample.last_names
    return f"{first[customer % len(first)]} {last[(customer // len(first)) % len(last)]}"


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
