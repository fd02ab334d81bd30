"""`orderhub dedupe run|review|export|show` on a real warehouse (SQLite and PostgreSQL),
and golden IDs surviving a re-sync through target-orderhub."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from orderhub.cli import app
from orderhub.warehouse.engine import create_warehouse_engine
from orderhub.warehouse.schema import customers, dedupe_pairs
from quality.dedupe import pairs
from quality.dedupe.pairs import Band
from tests.integration.test_target_load import run_target
from tests.quality.dedupe.warehouse import add_customer, fixed_linker, golden_ids
from tests.shopify_records import BASE_TIME, iso, messages, order, variant

cli = CliRunner()


def invoke(*args: str, columns: int = 200) -> tuple[int, str]:
    result = cli.invoke(app, list(args), env={"COLUMNS": str(columns), "ORDERHUB_CONFIG": None})
    return result.exit_code, result.output


def config_for(tmp_path: Path, url: str) -> str:
    path = tmp_path / "orderhub.yml"
    path.write_text(yaml.safe_dump({"warehouse": url, "pipelines": {}}))
    return str(path)


@pytest.fixture
def people(warehouse: Engine, monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[str, str]]:
    """Four customers; the linker matches a-b and is unsure about a-c."""
    keys = {
        "a": add_customer(
            warehouse, "a", name="Zhang Wei", phone="13812345678", email="zhang.wei@example.com"
        ),
        "b": add_customer(warehouse, "b", system="sap", name="ZHANG WEI", phone="13812345678"),
        "c": add_customer(warehouse, "c", system="u8", name="张伟", phone="13987654321"),
        "d": add_customer(warehouse, "d", system="u8", name="李娜"),
    }
    linker = fixed_linker(
        (keys["a"], keys["b"], 0.99, Band.MATCH), (keys["a"], keys["c"], 0.75, Band.REVIEW)
    )
    monkeypatch.setattr(pairs, "link", linker)
    return keys


def test_run_review_accept_and_export(
    warehouse: Engine, warehouse_url: str, people: dict[str, tuple[str, str]], tmp_path: Path
) -> None:
    config = config_for(tmp_path, warehouse_url)
    code, output = invoke("dedupe", "run", "--config", config)
    assert code == 0, output
    assert re.search(r"customers\s+│\s+4", output) and re.search(r"golden IDs\s+│\s+3", output)
    assert "1 pair(s) wait for review" in output

    code, output = invoke("dedupe", "review", "--config", config, columns=60)
    assert code == 0, output
    assert "张伟" in output and "Zhang Wei" in output
    assert "13812345678" not in output and "zhang.wei@example.com" not in output
    assert "5678" in output and "z***@e***.com" in output
    assert all(len(line) <= 60 for line in output.splitlines())  # a narrow terminal
    (pair_id,) = re.findall(r"pair (\d+) · score 0\.750", output)

    code, output = invoke("dedupe", "review", "accept", pair_id, "--by", "mei", "--config", config)
    assert code == 0 and "next `orderhub dedupe run`" in output
    code, output = invoke("dedupe", "review", "--config", config)
    assert code == 0 and "no pairs wait for review" in output
    code, output = invoke("dedupe", "run", "--config", config)
    assert code == 0 and re.search(r"merges\s+│\s+1", output)
    ids = golden_ids(warehouse)
    assert ids[people["a"]] == ids[people["b"]] == ids[people["c"]] != ids[people["d"]]

    code, output = invoke("dedupe", "export", "--format", "csv", "--config", config)
    assert code == 0
    rows = list(csv.reader(io.StringIO(output)))
    assert rows[0] == ["source_system", "source_customer_id", "golden_customer_id"]
    assert {(s, i): g for s, i, g in rows[1:]} == {k: str(v) for k, v in ids.items()}
    target = tmp_path / "golden.csv"
    code, output = invoke("dedupe", "export", "-o", str(target), "--config", config)
    assert code == 0 and "wrote 4 customer(s)" in output
    assert target.read_text(encoding="utf-8").splitlines()[1:] == output_lines(rows)

    golden = str(ids[people["a"]])
    code, output = invoke("dedupe", "show", golden, "--config", config)
    assert code == 0, output
    assert "shopify/a" in output and "u8/c" in output and "merged" in output
    assert "13812345678" not in output


def output_lines(rows: list[list[str]]) -> list[str]:
    return [",".join(row) for row in rows[1:]]


def test_reject_by_cli_keeps_a_match_apart(
    warehouse: Engine, warehouse_url: str, people: dict[str, tuple[str, str]], tmp_path: Path
) -> None:
    config = config_for(tmp_path, warehouse_url)
    assert invoke("dedupe", "run", "--config", config)[0] == 0
    with warehouse.connect() as connection:
        match_id = connection.execute(
            select(dedupe_pairs.c.pair_id).where(dedupe_pairs.c.band == "match")
        ).scalar_one()
    code, output = invoke(
        "dedupe", "review", "reject", str(match_id), "--note", "twins", "--config", config
    )
    assert code == 0, output
    assert invoke("dedupe", "run", "--config", config)[0] == 0
    ids = golden_ids(warehouse)
    assert ids[people["a"]] != ids[people["b"]]


def test_errors_are_one_clear_line(
    warehouse: Engine, warehouse_url: str, people: dict[str, tuple[str, str]], tmp_path: Path
) -> None:
    config = config_for(tmp_path, warehouse_url)
    code, output = invoke("dedupe", "review", "accept", "424242", "--config", config)
    assert code == 1 and "no pair 424242" in output and "orderhub dedupe review" in output
    assert "Traceback" not in output
    code, output = invoke("dedupe", "export", "--format", "xlsx", "--config", config)
    assert code == 2 and "xlsx" in output and "csv" in output
    code, output = invoke("dedupe", "show", "not-a-uuid", "--config", config)
    assert code == 1 and "not a golden ID" in output


def test_a_resync_keeps_the_golden_id(sqlite_url: str, tmp_path: Path) -> None:
    """Loads never write golden_customer_id: target-orderhub's upsert of a changed
    customer leaves the ID dedupe gave it."""
    run_target(sqlite_url, messages([order(1), order(2)]), pipeline="shop")
    config = config_for(tmp_path, sqlite_url)
    assert invoke("dedupe", "run", "--config", config)[0] == 0
    engine = create_warehouse_engine(sqlite_url)
    before = golden_ids(engine)
    assert len(before) == 2 and None not in before.values()

    later = iso(BASE_TIME + timedelta(days=1))
    changed = variant(order(1), updatedAt=later)
    changed["customer"] = {**changed["customer"], "lastName": "Chang", "updatedAt": later}
    run_target(sqlite_url, messages([changed]), pipeline="shop")
    with engine.connect() as connection:
        names = set(connection.execute(select(customers.c.last_name)).scalars())
    assert "Chang" in names  # the customer row was rewritten
    assert golden_ids(engine) == before
    engine.dispose()
