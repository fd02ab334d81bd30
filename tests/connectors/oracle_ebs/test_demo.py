"""The demo's EBS source: a seeded SQLite file the same tap reads."""

from __future__ import annotations

from pathlib import Path

from connectors.oracle_ebs.demo import demo_source
from connectors.oracle_ebs.tap import TapOracleEbs
from orderhub.connector_kit.run import run_tap
from orderhub.mapping.catalog import MappingCatalog


def test_the_demo_source_seeds_syncs_changes_and_syncs_again(tmp_path: Path) -> None:
    with demo_source(tmp_path, orders=25) as source:
        assert "SQLite" in source.description and str(tmp_path) in source.description
        first = run_tap(TapOracleEbs, source.tap_config())
        assert len(first.records("orders")) == 25
        assert first.records("customers") and first.records("shipments")
        catalog = MappingCatalog.load(sources={"oracle_ebs"})
        for stream in ("orders", "customers", "shipments"):
            for record in first.records(stream):
                catalog.get("oracle_ebs", stream).map(record)  # SQLite values map too
        changed = source.change(5)
        assert changed == 5
        second = run_tap(TapOracleEbs, source.tap_config(), state=first.final_state)
        emitted = {r["HEADER_ID"] for r in second.records("orders")}
        assert 5 <= len(emitted) < 25
    assert (tmp_path / "oracle_ebs.db").exists()
