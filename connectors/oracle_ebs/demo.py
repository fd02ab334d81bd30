"""The EBS source of `orderhub demo`: an EBS-shaped SQLite file, seeded and changed.

The same tap reads it as it reads Oracle (and PostgreSQL in the tests): the statements
are the same, only the SQLAlchemy URL differs.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from connectors.oracle_ebs.clock import ServerClock
from connectors.oracle_ebs.schema import metadata
from connectors.oracle_ebs.sim_changes import EbsChanges
from connectors.oracle_ebs.sim_data import EbsData
from connectors.oracle_ebs.simulator import SERVER_TIMEZONE


@dataclass
class EbsDemoSource:
    """A seeded EBS SQLite file: its tap settings, and a way to change orders in it."""

    path: pathlib.Path
    orders: int
    changes: EbsChanges = field(repr=False)

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    @property
    def description(self) -> str:
        return (
            f"Oracle EBS: {self.orders} orders in OE_ORDER_HEADERS_ALL/LINES_ALL, HZ_* "
            f"customers and WSH deliveries in the SQLite file {self.path} "
            f"(server time zone {SERVER_TIMEZONE})"
        )

    def tap_config(self) -> dict[str, Any]:
        """Settings that point tap-oracle-ebs at the file."""
        return {
            "sqlalchemy_url": self.url,
            "timezone": SERVER_TIMEZONE,
            "lookback_minutes": 10,
            "reconcile_deletes_hours": 24,
        }

    def change(self, count: int) -> int:
        """Move ``count`` orders on (bookings, line progress, holds); how many changed."""
        return len(self.changes.change(count).get("orders", set()))


@contextmanager
def demo_source(folder: pathlib.Path, orders: int = 200) -> Iterator[EbsDemoSource]:
    """Seed ``folder``/oracle_ebs.db with ``orders`` EBS orders (a fresh file each time)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "oracle_ebs.db"
    path.unlink(missing_ok=True)
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        metadata.create_all(engine)
        data = EbsData(engine, ServerClock(SERVER_TIMEZONE))
        data.seed(orders)
        yield EbsDemoSource(path, orders, EbsChanges(data))
    finally:
        engine.dispose()
