"""``orderhub demo`` for SAP ECC: the ECC SOAP simulator on loopback, seeded."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from connectors.sap.ecc.simulator import EccSimulator, simulate


@dataclass
class EccDemoSource:
    """A running ECC simulator as the demo drives it."""

    simulator: EccSimulator
    description: str

    def tap_config(self) -> dict[str, Any]:
        """tap-sap settings (``protocol: soap``) that point at the simulator."""
        return self.simulator.tap_config() | {"page_size": 100}

    def change(self, count: int) -> int:
        """Move ``count`` orders a step on (or create some); how many orders changed."""
        return len(self.simulator.change(count)["orders"])


@contextmanager
def demo_source(folder: pathlib.Path, orders: int = 200) -> Iterator[EccDemoSource]:
    """A seeded ECC service on 127.0.0.1 (``folder`` is unused: nothing is written)."""
    with simulate(seed=42, count=orders) as simulator:
        yield EccDemoSource(
            simulator,
            f"SAP ECC web service ZSD_SALESORDERS (simulated, SOAP) at {simulator.url}: "
            f"{orders} sales orders, server time {simulator.timezone}",
        )
