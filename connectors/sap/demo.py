"""The SAP source for ``orderhub demo``: the simulated S/4HANA on loopback.

``demo_source`` starts :class:`~connectors.sap.simulator.SapSimulator` seeded with
``orders`` sales orders and yields what the demo needs: tap settings pointing at it,
a way to change orders there, and a one-line description.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from connectors.sap.simulator import SapSimulator


@dataclass
class SapDemoSource:
    """A running simulated S/4HANA, as the demo drives it."""

    simulator: SapSimulator
    description: str

    def tap_config(self) -> dict[str, Any]:
        """Basic auth of the communication user; the whole history on the first sync."""
        return {
            **self.simulator.basic_config(),
            "start_date": "2000-01-01T00:00:00Z",
            "page_size": 200,
            "request_timeout": 30,
            "backoff_factor": 0.5,
        }

    def change(self, count: int) -> int:
        """Move ``count`` orders a step on (deliver, bill, release a block...)."""
        return len(self.simulator.store.change_orders(count))


@contextmanager
def demo_source(folder: pathlib.Path, orders: int = 200) -> Iterator[SapDemoSource]:
    """A seeded S/4HANA simulator on 127.0.0.1 (``folder`` is unused: nothing on disk)."""
    simulator = SapSimulator(seed=7, count=orders)
    simulator.start()
    try:
        yield SapDemoSource(
            simulator,
            f"SAP S/4HANA (simulated): API_SALES_ORDER_SRV with {orders} sales orders and "
            f"API_BUSINESS_PARTNER, sap-client {simulator.sap_client}, at {simulator.service_url}",
        )
    finally:
        simulator.stop()
