"""connectors.sap.demo: seeds, syncs in-process, changes, syncs again."""

from __future__ import annotations

from pathlib import Path

from connectors.sap.demo import demo_source
from connectors.sap.tap import TapSap
from orderhub.connector_kit.run import run_tap


def test_demo_source_serves_changes_and_stops(tmp_path: Path) -> None:
    with demo_source(tmp_path, orders=25) as source:
        assert "API_SALES_ORDER_SRV" in source.description
        first = run_tap(TapSap, source.tap_config())
        assert len(first.records("orders")) == 25 and first.records("customers")
        assert source.change(4) == 4
        second = run_tap(TapSap, source.tap_config(), state=first.final_state)
        changed = {r["SalesOrder"] for r in second.records("orders")}
        assert 4 <= len(changed) < 25
        config = {**source.tap_config(), "max_attempts": 1}
    try:
        run_tap(TapSap, config, streams=("orders",))
    except Exception as error:  # stopped: nothing answers there any more
        assert "`service_url`" in str(error)
    else:
        raise AssertionError("the simulator still answers after the demo ended")
