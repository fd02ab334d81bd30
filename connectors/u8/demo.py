"""tap-u8 for ``orderhub demo``: an emulated U8 account-year database in a SQLite file.

The same tap reads it as it reads SQL Server through pyodbc: the tables, the rowversion
(emulated with triggers) and the Chinese data are the same; SQLite needs no ODBC driver.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from connectors.u8.simulator import U8Database, simulate_sqlite


@dataclass
class DemoSource:
    """A seeded U8 database file the demo syncs from and changes between syncs."""

    database: U8Database
    path: pathlib.Path

    @property
    def description(self) -> str:
        return f"Yonyou U8 account 999, year 2024 (UFDATA_999_2024 emulated) in {self.path}"

    def tap_config(self) -> dict[str, Any]:
        return {
            "sqlalchemy_url": self.database.url,
            "database": "UFDATA_999_2024",
            "timezone": "Asia/Shanghai",
        }

    def change(self, count: int) -> int:
        """Edit, verify and dispatch ``count`` orders as U8 users would."""
        return len(self.database.change(count)["orders"])


@contextmanager
def demo_source(folder: pathlib.Path, orders: int = 200) -> Iterator[DemoSource]:
    """Seed a fresh U8 database file in ``folder`` and serve it for the demo."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "u8_UFDATA_999_2024.sqlite"
    path.unlink(missing_ok=True)
    with simulate_sqlite(str(path), orders=orders) as database:
        yield DemoSource(database, path)
