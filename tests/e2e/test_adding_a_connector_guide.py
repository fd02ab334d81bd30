"""docs/adding-a-connector.md, run as written in a copy of the project."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from orderhub.connector_kit.sql_source import drop_database
from orderhub.warehouse import schema
from orderhub.warehouse.engine import create_warehouse_engine
from tests.conftest import ROOT

GUIDE = ROOT / "docs" / "adding-a-connector.md"
VENV_BIN = str(Path(sys.executable).parent)


def project_copy(target: Path) -> Path:
    """The project's files (tracked and new, not ignored) copied to ``target``."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    return target


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(), flags=re.S)


def run(command: str, cwd: Path) -> str:
    command = command.replace(".venv/bin/", f"{VENV_BIN}/")
    done = subprocess.run(
        command, shell=True, cwd=cwd, capture_output=True, text=True, timeout=600,
        env={**os.environ, "COLUMNS": "160"},
    )  # fmt: skip
    assert done.returncode == 0, f"`{command}` failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.timeout(900)
def test_the_guide_works_as_written(tmp_path: Path) -> None:
    project = project_copy(tmp_path / "project")
    (yaml_block,) = blocks("yaml")
    (project / "orderhub.yml").write_text(yaml_block + "mappings_dir: mappings\n")
    outputs = []
    try:
        for block in blocks("sh"):
            for command in filter(None, (line.strip() for line in block.splitlines())):
                outputs.append(run(command, project))
    finally:
        drop_database("acme_source")
    assert "tap-acme" in (project / "meltano.yml").read_text()
    assert (
        'tap-acme = "connectors.acme.tap:TapAcme.cli"' in (project / "pyproject.toml").read_text()
    )
    assert any("| order | total_amount | `total`" in o or "total_amount" in o for o in outputs)

    engine = create_warehouse_engine(f"sqlite:///{project / '.orderhub' / 'warehouse.db'}")
    with engine.connect() as connection:
        orders = connection.execute(
            select(func.count())
            .select_from(schema.orders)
            .where(schema.orders.c.source_system == "acme")
        ).scalar()
        runs = connection.execute(
            select(schema.sync_runs.c.status, schema.sync_runs.c.upserted).order_by(
                schema.sync_runs.c.started_at
            )
        ).all()
    assert orders == 40
    assert [tuple(r) for r in runs] == [("succeeded", 40), ("succeeded", 0)]
