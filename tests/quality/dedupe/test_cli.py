"""`orderhub dedupe` as a steward and a careless or hostile user drive it: contradicting
decisions, impossible pair ids, a reader that stops reading the export."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert
from typer.testing import CliRunner

from orderhub.cli.app import app
from orderhub.warehouse.engine import create_warehouse_engine, migrate
from orderhub.warehouse.schema import customers
from quality.dedupe.pairs import Band
from quality.dedupe.review import decide
from quality.dedupe.run import run_dedupe
from tests.quality.dedupe.test_run import _pair_id
from tests.quality.dedupe.warehouse import add_customer, fixed_linker, golden_ids

runner = CliRunner()


def _migrated(url: str) -> Engine:
    engine = create_warehouse_engine(url)
    migrate(engine)
    return engine


def test_contradicting_decisions_are_reported_not_silently_dropped(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # accept a-b, accept b-c, reject a-c: no clustering satisfies all three. The run
    # used to drop one accept without a word while `show` said "accepted".
    engine = _migrated(sqlite_url)
    try:
        a, b, c = (add_customer(engine, str(i), name="Chen Jie") for i in range(3))
        linker = fixed_linker(
            (a, b, 0.9, Band.REVIEW), (b, c, 0.8, Band.REVIEW), (a, c, 0.7, Band.REVIEW)
        )
        run_dedupe(engine, linker=linker)
        ab, bc, ac = _pair_id(engine, a, b), _pair_id(engine, b, c), _pair_id(engine, a, c)
        for pair, decision in ((ab, "accept"), (bc, "accept"), (ac, "reject")):
            decide(engine, pair, decision, by="steward")
        summary = run_dedupe(engine, linker=linker)
        ids = golden_ids(engine)
        assert ids[a] != ids[c]  # the reject holds
        assert summary.overruled_accepts == 1
        kept_apart = bc if ids[a] == ids[b] else ab
    finally:
        engine.dispose()

    # The CLI runs the default linker: give it the same pairs.
    monkeypatch.setattr("quality.dedupe.pairs.link", linker)
    shown = runner.invoke(app, ["dedupe", "run", "-w", sqlite_url])
    as_json = runner.invoke(app, ["dedupe", "run", "-w", sqlite_url, "--json"])
    assert shown.exit_code == 0, shown.output
    assert "kept apart by a steward's reject" in shown.output
    assert f"(pair {kept_apart})" in shown.output
    body = json.loads(as_json.output)
    assert body["overruled_accepts"] == 1 and body["overruled_accept_pair_ids"] == [kept_apart]

    story = runner.invoke(app, ["dedupe", "show", str(ids[b]), "-w", sqlite_url])
    assert story.exit_code == 0, story.output
    assert "kept apart" in " ".join(story.output.split())


def test_pair_ids_and_limits_out_of_range_are_refused_before_the_warehouse(sqlite_url: str) -> None:
    _migrated(sqlite_url).dispose()
    for bad in ("99999999999999999999999", "0"):
        result = runner.invoke(app, ["dedupe", "review", "accept", bad, "-w", sqlite_url])
        assert result.exit_code == 2, result.output
        assert "unexpected" not in result.output and "Invalid value for 'pair_id'" in result.output
    huge = runner.invoke(app, ["dedupe", "review", "--limit", "9" * 20, "-w", sqlite_url])
    assert huge.exit_code == 2 and "Invalid value for '--limit'" in huge.output, huge.output


def test_export_to_a_reader_that_stops_early_is_quiet(sqlite_url: str) -> None:
    # More rows than a pipe buffers, so the writer really meets the closed pipe.
    engine = _migrated(sqlite_url)
    now = datetime.now(UTC)
    rows = [
        {
            "customer_key": uuid.uuid4(),
            "source_system": "shopify",
            "source_id": f"customer-{i:06d}",
            "source_updated_at": now,
            "source_stream": "customers",
            "source_record_key": str(i),
            "mapping_version": "t",
            "row_hash": "h",
            "loaded_at": now,
        }
        for i in range(20_000)
    ]
    with engine.begin() as connection:
        connection.execute(insert(customers), rows)
    engine.dispose()
    orderhub = Path(sys.executable).with_name("orderhub")
    export = subprocess.Popen(
        [str(orderhub), "dedupe", "export", "-w", sqlite_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert export.stdout is not None and export.stderr is not None
    assert export.stdout.readline().startswith(b"source_system,")
    export.stdout.close()  # as `| head -1` does
    errors = export.stderr.read().decode()
    # Quiet, with typer's exit code for a closed pipe (it used to print "unexpected
    # BrokenPipeError ... report it").
    assert export.wait(timeout=120) == 1, errors
    assert errors == ""


def test_show_of_a_retired_id_says_where_its_customers_went(sqlite_url: str) -> None:
    # It printed an empty members table and left the steward to decode the history.
    engine = _migrated(sqlite_url)
    try:
        a = add_customer(engine, "1", name="Wang Fang")
        b = add_customer(engine, "2", system="sap", name="Wang Fang")
        c = add_customer(engine, "3", system="u8", name="Wang Fang")
        apart = fixed_linker((a, b, 0.99, Band.MATCH), (b, c, 0.7, Band.REVIEW))
        run_dedupe(engine, linker=apart)
        retiring = golden_ids(engine)[c]
        decide(engine, _pair_id(engine, b, c), "accept", by="steward")
        run_dedupe(engine, linker=apart)
        survivor = golden_ids(engine)[c]
    finally:
        engine.dispose()
    assert survivor != retiring
    result = runner.invoke(app, ["dedupe", "show", str(retiring), "-w", sqlite_url])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert f"{retiring} was retired" in text
    assert f"orderhub dedupe show {survivor}" in text


def test_run_on_a_mistyped_path_creates_no_warehouse(tmp_path: Path) -> None:
    # `dedupe run -w sqlite:///typo.db` used to create an empty warehouse and report
    # "0 customers" as a success.
    typo = tmp_path / "typo.db"
    result = runner.invoke(app, ["dedupe", "run", "-w", f"sqlite:///{typo}"])
    assert result.exit_code == 1, result.output
    assert "no warehouse at" in result.output and "orderhub migrate" in result.output
    assert not typo.exists()


def test_run_on_an_empty_warehouse_says_what_to_do(sqlite_url: str) -> None:
    _migrated(sqlite_url).dispose()
    result = runner.invoke(app, ["dedupe", "run", "-w", sqlite_url])
    assert result.exit_code == 0, result.output
    assert "the customers table is empty" in " ".join(result.output.split())


def test_ctrl_c_mid_run_says_nothing_changed_and_changes_nothing(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _migrated(sqlite_url)
    a = add_customer(engine, "1", name="Wang Fang")
    b = add_customer(engine, "2", system="sap", name="Wang Fang")
    engine.dispose()

    def interrupted(records: object) -> list[object]:
        raise KeyboardInterrupt

    monkeypatch.setattr("quality.dedupe.pairs.link", interrupted)
    result = runner.invoke(app, ["dedupe", "run", "-w", sqlite_url])
    assert result.exit_code == 130, result.output
    assert "interrupted: nothing was changed" in " ".join(result.output.split())
    engine = create_warehouse_engine(sqlite_url)
    try:
        assert golden_ids(engine) == {a: None, b: None}
    finally:
        engine.dispose()
