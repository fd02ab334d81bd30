"""The CLI never misleads: where orderhub.yml is, which secrets a command needs, what a
bad warehouse URL says, listings printed whole, and masked dead letters."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, insert, select
from typer.testing import CliRunner

from orderhub.cli import app
from orderhub.mapping.catalog import MappingCatalog
from orderhub.mapping.lineage import catalog_lineage
from orderhub.warehouse import schema
from orderhub.warehouse.engine import create_warehouse_engine
from tests.conftest import ROOT
from tests.integration.test_target_load import run_target
from tests.shopify_records import messages, order, variant

BIN = Path(sys.executable).parent
cli = CliRunner()
UNSET = "ORDERHUB_TEST_NEVER_SET_TOKEN"


def invoke(*args: str, columns: int = 200, **env: str | None) -> tuple[int, str]:
    result = cli.invoke(
        app, list(args), env={"COLUMNS": str(columns), "ORDERHUB_CONFIG": None, **env}
    )
    return result.exit_code, result.output


def run(*args: str, cwd: Path, columns: int = 40) -> subprocess.CompletedProcess[str]:
    """`orderhub` as a user runs it: its own process, stdout piped, a narrow terminal."""
    env = {k: v for k, v in os.environ.items() if k not in ("ORDERHUB_CONFIG", UNSET)}
    return subprocess.run(
        [str(BIN / "orderhub"), *args],
        cwd=cwd,
        env={**env, "COLUMNS": str(columns)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def project(folder: Path) -> Path:
    """A project whose orderhub.yml uses relative paths and a secret nobody exported,
    and whose embedded warehouse holds one sync of pipeline `shop` (with a dead letter)."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = {
        "warehouse": "sqlite:///.orderhub/warehouse.db",
        "pipelines": {"shop": {"source": "shopify", "config": {"access_token": f"${{{UNSET}}}"}}},
    }
    (folder / "orderhub.yml").write_text(yaml.safe_dump(settings))
    (folder / ".orderhub").mkdir()
    bad = variant(order(2), currencyCode="XYZ", email="wei.zhang@example.com")
    url = f"sqlite:///{folder / '.orderhub' / 'warehouse.db'}"
    run_target(url, messages([order(1), bad]), pipeline="shop")
    return folder


def run_id(folder: Path) -> str:
    engine = create_warehouse_engine(f"sqlite:///{folder / '.orderhub' / 'warehouse.db'}")
    with engine.connect() as connection:
        return str(connection.execute(select(schema.sync_runs.c.run_id)).scalar_one())


# --- finding orderhub.yml -----------------------------------------------------------------


def test_every_folder_of_the_project_sees_the_same_warehouse(tmp_path: Path) -> None:
    root = project(tmp_path / "project")
    deep = root / "connectors" / "acme"
    deep.mkdir(parents=True)
    outputs = [run("runs", "--json", cwd=folder) for folder in (root, deep)]
    assert [o.returncode for o in outputs] == [0, 0], outputs[1].stderr
    assert outputs[0].stdout == outputs[1].stdout
    assert [r["run_id"] for r in json.loads(outputs[1].stdout)] == [run_id(root)]
    assert not (deep / ".orderhub").exists()  # no stray warehouse where the command ran


def test_a_missing_orderhub_yml_says_where_it_was_looked_for(tmp_path: Path) -> None:
    folder = tmp_path / "elsewhere" / "deeper"
    folder.mkdir(parents=True)
    done = run("runs", cwd=folder)
    assert done.returncode == 1
    assert f"no orderhub.yml found: looked in {folder}, {folder.parent}, " in done.stderr
    assert "create one or pass --config" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert list(folder.iterdir()) == []


def test_an_empty_orderhub_yml_is_reported_as_empty(tmp_path: Path) -> None:
    (tmp_path / "orderhub.yml").write_text("")
    code, output = invoke("runs", "--config", str(tmp_path / "orderhub.yml"))
    assert code == 1 and f"{tmp_path / 'orderhub.yml'} is empty" in output


def test_environment_variable_names_the_file(tmp_path: Path) -> None:
    root = project(tmp_path / "project")
    code, output = invoke("runs", "--json", ORDERHUB_CONFIG=str(root / "orderhub.yml"))
    assert code == 0 and json.loads(output)[0]["run_id"] == run_id(root)


def test_mappings_commands_work_from_outside_any_project(tmp_path: Path) -> None:
    done = run("mappings", "check", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"valid in {ROOT / 'mappings'}" in done.stdout.replace("\n", "")


# --- secrets -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["runs"],
        ["state", "show"],
        ["deadletters", "list"],
        ["mappings", "check"],
        ["mappings", "doc", "--source", "shopify"],
        ["dedupe", "review"],
        ["dedupe", "export"],
    ],
)
def test_read_only_commands_need_no_pipeline_secret(tmp_path: Path, command: list[str]) -> None:
    root = project(tmp_path / "project")
    code, output = invoke(*command, "--config", str(root / "orderhub.yml"))
    assert code == 0, output


def test_sync_still_names_its_own_missing_secret(tmp_path: Path) -> None:
    root = project(tmp_path / "project")
    code, output = invoke("sync", "shop", "--config", str(root / "orderhub.yml"))
    assert code == 1
    assert f"pipelines.shop.config.access_token: environment variable {UNSET} is not set" in output


# --- warehouse URLs ------------------------------------------------------------------------

BAD_URLS = [
    ("postgresql://postgres:s3cret@127.0.0.1:notaport/test", "is not valid"),
    ("nodriver://postgres:s3cret@127.0.0.1/test", "unknown database driver"),
    ("postgresql://postgres:s3cret@host@127.0.0.1/test", "write an '@' in the password as %40"),
    ("postgresql+nodriver://postgres:s3cret@127.0.0.1/test", "unknown database driver"),
    ("postgresql:/postgres:s3cret@127.0.0.1/test", "is not valid"),
    ("sqlite:///{tmp}/missing/folder/warehouse.db", "missing/folder does not exist"),
    ("{tmp}/missing/folder/warehouse.db", "missing/folder does not exist"),
    ("sqlite:///{tmp}/absent.db", "no warehouse at"),
    ("sqlite:///{tmp}/garbage.db", "file is not a database"),
    ("postgresql://postgres:s3cret@127.0.0.1:1/test", "127.0.0.1:1/test: connection"),
    ("postgresql://postgres:s3cret@127.0.0.1:5432/orderhub_no_such_db", "does not exist"),
    ("postgresql://orderhub_no_such_role:s3cret@127.0.0.1:5432/test", "orderhub_no_such_role"),
]


@pytest.mark.parametrize(("url", "says"), BAD_URLS)
@pytest.mark.parametrize("command", [["runs"], ["deadletters", "list"], ["state", "show"]])
def test_a_bad_warehouse_url_is_one_line_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, says: str, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "garbage.db").write_text("not a database, not empty either\n" * 100)
    before = sorted(tmp_path.rglob("*"))
    code, output = invoke(*command, "--warehouse", url.format(tmp=tmp_path))
    assert code == 1
    assert len(output.strip().splitlines()) == 1, output
    assert says in output and "check" in output
    assert "s3cret" not in output and "Traceback" not in output
    assert sorted(tmp_path.rglob("*")) == before


@pytest.mark.parametrize(("url", "says"), [u for u in BAD_URLS if "absent" not in u[0]])
def test_migrate_creates_nothing_for_a_bad_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, says: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "garbage.db").write_text("not a database, not empty either\n" * 100)
    before = sorted(tmp_path.rglob("*"))
    code, output = invoke("migrate", "--warehouse", url.format(tmp=tmp_path))
    assert code == 1 and says in output and "s3cret" not in output
    assert sorted(tmp_path.rglob("*")) == before


def test_sync_reports_an_unreachable_warehouse_before_starting(tmp_path: Path) -> None:
    root = project(tmp_path / "project")
    url = "postgresql://postgres:s3cret@127.0.0.1:1/test"
    code, output = invoke(
        "sync", "shop", "--config", str(root / "orderhub.yml"), "--warehouse", url, **{UNSET: "x"}
    )
    assert code == 1 and len(output.strip().splitlines()) == 1
    assert "cannot open warehouse postgresql+psycopg://postgres:***@127.0.0.1:1/test" in output


def test_migrate_creates_the_default_warehouse_folder_of_a_project(tmp_path: Path) -> None:
    (tmp_path / "orderhub.yml").write_text("pipelines: {}\n")
    done = run("migrate", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / ".orderhub" / "warehouse.db").is_file()


@pytest.mark.parametrize("how", [["--debug"], []])
def test_tracebacks_only_with_debug(tmp_path: Path, how: list[str]) -> None:
    url = f"sqlite:///{tmp_path}/missing/w.db"
    code, output = invoke(*how, "runs", "--warehouse", url)
    assert code == 1 and ("Traceback" in output) == bool(how)
    code, output = invoke("runs", "--warehouse", url, ORDERHUB_DEBUG="1")
    assert code == 1 and "Traceback" in output


# --- listings ------------------------------------------------------------------------------


def test_listings_print_ids_and_bookmarks_whole_when_piped_and_narrow(tmp_path: Path) -> None:
    root = project(tmp_path / "project")
    run_uuid = run_id(root)
    runs = run("runs", cwd=root)
    state = run("state", "show", cwd=root)
    letters = run("deadletters", "list", cwd=root)
    for done in (runs, state, letters):
        assert done.returncode == 0, done.stderr
        assert "…" not in done.stdout
    assert run_uuid in runs.stdout and run_uuid in state.stdout
    assert "2024-05-01T10:02:00Z" in state.stdout  # the bookmark
    assert "gid://shopify/Order/2" in letters.stdout


@pytest.mark.parametrize("columns", [40, 80])
def test_listings_are_whole_in_a_narrow_terminal_too(tmp_path: Path, columns: int) -> None:
    root = project(tmp_path / "project")
    config = str(root / "orderhub.yml")
    code, output = invoke("runs", "--config", config, columns=columns)
    assert code == 0 and run_id(root) in output and "…" not in output
    code, output = invoke("mappings", "doc", "--source", "shopify", columns=columns)
    assert code == 0
    for row in catalog_lineage(MappingCatalog.load(None), "shopify"):
        assert f"{row.source}/{row.stream}" in output and row.source_paths in output


def test_every_listing_has_json(tmp_path: Path) -> None:
    root = project(tmp_path / "project")
    config = ("--config", str(root / "orderhub.yml"))
    code, output = invoke("runs", "--json", *config)
    (only,) = json.loads(output)
    assert code == 0 and only["run_id"] == run_id(root) and only["status"] == "succeeded"
    assert {"records_in", "upserted", "dead_lettered", "started_at"} <= set(only)
    code, output = invoke("state", "show", "--json", *config)
    (state,) = json.loads(output)
    assert state["pipeline"] == "shop"
    assert state["state"]["bookmarks"]["orders"]["replication_key_value"] == "2024-05-01T10:02:00Z"
    code, output = invoke("deadletters", "list", "--json", *config)
    (letter,) = json.loads(output)
    assert letter["record_key"] == "gid://shopify/Order/2" and letter["rule"] == "iso4217"
    code, output = invoke("mappings", "check", "--json")
    assert code == 0 and {(s["source"], s["stream"]) for s in json.loads(output)} >= {
        ("shopify", "orders")
    }
    for flag in (["--json"], ["--format", "json"]):
        code, output = invoke("mappings", "doc", "--source", "shopify", *flag)
        rows = json.loads(output)
        assert code == 0 and {"source", "stream", "entity", "field"} <= set(rows[0])


# --- unknown values ------------------------------------------------------------------------


def test_an_unknown_format_fails_listing_the_allowed_ones() -> None:
    code, output = invoke("mappings", "doc", "--format", "yaml")
    assert code == 2 and "'table', 'md', 'json'" in output


def test_an_unknown_source_fails() -> None:
    code, output = invoke("mappings", "doc", "--source", "nope")
    assert code == 1 and "no mapping specs for source 'nope'" in output and "shopify" in output


def test_deadletters_of_a_source_the_warehouse_never_saw_fail(tmp_path: Path) -> None:
    root = project(tmp_path / "project")
    code, output = invoke(
        "deadletters", "list", "--source", "nope", "--config", str(root / "orderhub.yml")
    )
    assert code == 1 and "unknown source 'nope'" in output and "shopify" in output
    code, output = invoke(
        "deadletters", "list", "--source", "shopify", "--config", str(root / "orderhub.yml")
    )
    assert code == 0 and "gid://shopify/Order/2" in output


# --- PII -----------------------------------------------------------------------------------

PII = ("jane.doe", "example", "13812345678", "138 1234", "Jane.Doe")


def add_dead_letter(engine: Engine) -> None:
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(schema.dead_letters).values(
                source_system="shopify",
                stream="customers",
                record_key="customer:Jane.Doe+VIP@Mail.Example.COM",
                payload={"email": "jane.doe@example.com"},
                payload_hash="0" * 64,
                rule="email",
                field="customer[jane.doe@example.com].phone",
                reason='phone: "+86 138 1234 5678" / 13812345678 of mailto:jane.doe@example.com',
                attempts=1,
                first_seen_at=now,
                last_seen_at=now,
            )
        )


@pytest.mark.parametrize("as_json", [False, True])
def test_dead_letters_mask_pii_in_every_column(
    warehouse: Engine, warehouse_url: str, as_json: bool
) -> None:
    add_dead_letter(warehouse)
    flags = ["--json"] if as_json else []
    code, output = invoke("deadletters", "list", "--warehouse", warehouse_url, *flags, columns=60)
    assert code == 0, output
    for secret in PII:
        assert secret not in output
    assert "customer:J***@M***.COM" in output and "5678" in output


def test_a_database_that_is_not_a_warehouse_is_one_line(tmp_path: Path) -> None:
    database = tmp_path / "other.db"
    sqlite3.connect(database).execute("CREATE TABLE raw_records (x INTEGER)").connection.commit()
    code, output = invoke("runs", "--warehouse", f"sqlite:///{database}")
    assert code == 1 and len(output.strip().splitlines()) == 1, output
    assert "raw_records already exists" in output and "check the warehouse URL" in output
    code, output = invoke("--debug", "runs", "--warehouse", f"sqlite:///{database}")
    assert code == 1 and "Traceback" in output


def test_state_of_an_unknown_pipeline_fails_naming_the_known_ones(tmp_path: Path) -> None:
    root = project(tmp_path / "project")
    settings = yaml.safe_load((root / "orderhub.yml").read_text())
    settings["pipelines"]["never_synced"] = {"source": "shopify"}
    (root / "orderhub.yml").write_text(yaml.safe_dump(settings))
    config = ("--config", str(root / "orderhub.yml"))
    code, output = invoke("state", "show", "nope", *config)
    assert code == 1 and "unknown pipeline 'nope'" in output
    assert "(pipelines: never_synced, shop)" in output
    code, output = invoke("state", "show", "never_synced", "--json", *config)
    assert code == 0 and json.loads(output) == []


def test_sync_without_an_orderhub_yml_says_so_even_with_a_warehouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = invoke("sync", "shop", "--warehouse", f"sqlite:///{tmp_path}/w.db")
    assert code == 1 and f"no orderhub.yml found: looked in {tmp_path}" in output
    assert list(tmp_path.iterdir()) == []


def test_run_messages_are_masked(warehouse: Engine, warehouse_url: str) -> None:
    now = datetime.now(UTC)
    with warehouse.begin() as connection:
        connection.execute(
            insert(schema.sync_runs).values(
                run_id="123e4567-e89b-12d3-a456-426614174000",
                pipeline="shop",
                source_system="shopify",
                status="failed",
                started_at=now,
                message="tap-shopify failed on customer jane.doe@example.com (+86 138 1234 5678)",
            )
        )
    for flags in ([], ["--json"]):
        code, output = invoke("runs", "--warehouse", warehouse_url, *flags, columns=50)
        assert code == 0 and "123e4567-e89b-12d3-a456-426614174000" in output
        assert "jane.doe" not in output and "138 1234" not in output and "j***@e***.com" in output


def test_mappings_need_no_warehouse_variable(tmp_path: Path) -> None:
    (tmp_path / "orderhub.yml").write_text(f"warehouse: ${{{UNSET}}}\nmappings_dir: specs\n")
    shutil.copytree(ROOT / "mappings", tmp_path / "specs")
    code, output = invoke("mappings", "check", "--config", str(tmp_path / "orderhub.yml"))
    assert code == 0, output
    assert f"valid in {tmp_path / 'specs'}" in output.replace("\n", "")
