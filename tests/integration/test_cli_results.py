"""The CLI never misleads: whole result tables, --json results, unknown names fail."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from orderhub.warehouse import schema
from orderhub.warehouse.engine import create_warehouse_engine
from tests.integration.test_cli_edges import BIN, invoke, project, run


def remap_runs(root: Path) -> int:
    engine = create_warehouse_engine(f"sqlite:///{root / '.orderhub' / 'warehouse.db'}")
    with engine.connect() as connection:
        query = select(func.count()).where(schema.sync_runs.c.pipeline.like("remap/%"))
        return int(connection.execute(query).scalar_one())


def bookmarks(root: Path) -> dict[str, object]:
    code, output = invoke("state", "show", "shop", "--json", "--config", str(root / "orderhub.yml"))
    assert code == 0, output
    (state,) = json.loads(output)
    return dict(state["state"]["bookmarks"])


# --- remap ------------------------------------------------------------------------------


@pytest.mark.parametrize("columns", [30, 80])
def test_the_piped_remap_table_is_whole(tmp_path: Path, columns: int) -> None:
    root = project(tmp_path / "project")
    done = run("remap", "--source", "shopify", "--all", cwd=root, columns=columns)
    assert done.returncode == 0, done.stderr
    assert "…" not in done.stdout
    for header in ("stream", "in", "upserted", "unchanged", "dead-lettered", "refused status"):
        assert header in done.stdout
    orders = next(line for line in done.stdout.splitlines() if "│ orders" in line)
    assert [cell.strip() for cell in orders.split("│")[1:-1]] == ["orders", "2", "1", "0", "1", "0"]


def test_remap_json_is_the_run_and_its_counts(tmp_path: Path) -> None:
    root = project(tmp_path / "project")
    config = ("--config", str(root / "orderhub.yml"))
    code, output = invoke("remap", "--source", "shopify", "--all", "--json", *config, columns=30)
    assert code == 0, output
    result = json.loads(output)
    code, listed = invoke("runs", "--json", *config)
    newest = json.loads(listed)[0]
    assert newest["pipeline"] == "remap/shopify" and result["run_id"] == newest["run_id"]
    assert result["status"] == "succeeded" and result["pipeline"] == "remap/shopify"
    assert result["streams"]["orders"] == {
        "records_in": 2,
        "upserted": 1,
        "unchanged": 0,
        "dead_lettered": 1,
        "rejected_transitions": 0,
    }
    assert result["totals"]["records_in"] == newest["records_in"]


@pytest.mark.parametrize(
    ("names", "said"),
    [
        (["--source", "nope"], "unknown source 'nope': the warehouse has raw records of shopify"),
        (
            ["--source", "shopify", "--stream", "orders", "--stream", "nope"],
            "unknown stream(s) 'nope' of source 'shopify': the warehouse has raw records of orders",
        ),
    ],
)
def test_remap_of_an_unknown_name_fails_and_writes_no_run(
    tmp_path: Path, names: list[str], said: str
) -> None:
    root = project(tmp_path / "project")
    code, output = invoke("remap", *names, "--config", str(root / "orderhub.yml"))
    assert code == 1 and said in output, output
    assert remap_runs(root) == 0


# --- state reset --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "said"),
    [
        (["nope"], "unknown pipeline 'nope'"),
        (["shop", "--stream", "nope"], "unknown stream 'nope' of pipeline 'shop'"),
    ],
)
def test_state_reset_of_an_unknown_name_fails_without_asking(
    tmp_path: Path, names: list[str], said: str
) -> None:
    root = project(tmp_path / "project")
    done = run("state", "reset", *names, cwd=root)
    assert done.returncode == 1 and said in done.stderr, done.stderr
    assert "shop" in done.stderr.split(said, 1)[1] or "orders" in done.stderr
    assert "Reset the bookmark" not in done.stdout + done.stderr
    assert "orders" in bookmarks(root)


def test_state_reset_names_the_known_streams(tmp_path: Path) -> None:
    root = project(tmp_path / "project")
    done = run("state", "reset", "shop", "--stream", "nope", cwd=root)
    assert "it has bookmarks of orders" in done.stderr


def test_a_prompt_without_a_terminal_says_to_pass_yes(tmp_path: Path) -> None:
    root = project(tmp_path / "project")
    done = subprocess.run(  # stdin: not a terminal, and nothing to read
        [str(BIN / "orderhub"), "state", "reset", "shop"],
        cwd=root,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "pass --yes" in done.stderr and "unexpected" not in done.stderr, done.stderr
    assert "orders" in bookmarks(root)
    done = run("state", "reset", "shop", "--stream", "orders", "--yes", cwd=root)
    assert done.returncode == 0 and bookmarks(root) == {}


def test_a_configured_pipeline_without_state_has_nothing_to_reset(tmp_path: Path) -> None:
    root = project(tmp_path / "project")
    config = str(root / "orderhub.yml")
    assert invoke("state", "reset", "shop", "--yes", "--config", config)[0] == 0
    code, output = invoke("state", "reset", "shop", "--config", config)
    assert code == 0 and "no committed state for shop" in output
