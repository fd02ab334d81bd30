"""connectors/u8/demo.py: the same tap on a SQLite U8 file, no ODBC needed."""

from __future__ import annotations

from pathlib import Path

from connectors.u8.demo import demo_source
from connectors.u8.tap import TapU8
from orderhub.connector_kit.run import run_tap


def test_demo_source_seeds_syncs_changes_and_syncs_again(tmp_path: Path) -> None:
    with demo_source(tmp_path, orders=21) as source:
        assert str(tmp_path) in source.description
        first = run_tap(TapU8, source.tap_config())
        assert len(first.records("orders")) == 21
        assert first.records("customers") and first.records("shipments")
        assert {r["database"] for r in first.records("orders")} == {"UFDATA_999_2024"}
        changed = source.change(6)
        assert changed == 6
        second = run_tap(TapU8, source.tap_config(), state=first.final_state)
        assert len(second.records("orders")) == changed
        third = run_tap(TapU8, source.tap_config(), state=second.final_state)
        assert third.records("orders") == []
