"""The ECC demo source: seed, sync in-process, change, sync again."""

from __future__ import annotations

from pathlib import Path

from connectors.sap.ecc.demo import demo_source
from connectors.sap.tap import TapSap
from orderhub.connector_kit.run import run_tap


def test_the_demo_source_syncs_and_changes(tmp_path: Path) -> None:
    with demo_source(tmp_path, orders=30) as source:
        assert "ZSD_SALESORDERS" in source.description and "127.0.0.1" in source.description
        config = source.tap_config()
        assert config["protocol"] == "soap"
        first = run_tap(TapSap, config, streams=("orders", "customers"))
        assert len(first.records("orders")) == 30
        assert first.records("customers")
        assert source.change(4) == 4
        second = run_tap(TapSap, config, state=first.final_state, streams=("orders",))
        keys = [r["SalesOrder"] for r in second.records("orders")]
        # The four changes, plus what the lookback re-reads: never the whole history.
        assert len(set(keys)) >= 4 and len(keys) < 30
        assert not list(tmp_path.iterdir()), "an HTTP demo source writes nothing"
