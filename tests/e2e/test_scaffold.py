"""`orderhub new-connector` of every kind: the scaffold passes its own tests untouched
and `orderhub sync` loads it from its simulator."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import select

from orderhub.connector_kit.scaffold import KINDS
from orderhub.warehouse import schema
from orderhub.warehouse.engine import create_warehouse_engine
from tests.e2e.test_adding_a_connector_guide import project_copy

BIN = Path(sys.executable).parent

SYNC_TWICE = """
import subprocess, sys, yaml
from connectors.{name}.connector import CONNECTOR
with CONNECTOR.simulator() as source:
    pipeline = {{"source": "{name}", "config": source.tap_config()}}
    settings = {{"warehouse": "sqlite:///.orderhub/warehouse.db", "mappings_dir": "mappings",
                "pipelines": {{"{name}": pipeline}}}}
    open("orderhub.yml", "w").write(yaml.safe_dump(settings))
    for _ in range(2):
        subprocess.run(["{orderhub}", "sync", "{name}"], check=True)
"""


def run(command: list[str], cwd: Path) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"


@pytest.mark.timeout(1200)
@pytest.mark.parametrize("kind", KINDS)
def test_a_scaffold_passes_its_tests_and_syncs(kind: str, tmp_path: Path) -> None:
    project = project_copy(tmp_path / "project")
    name = f"acme_{kind}"
    run([str(BIN / "orderhub"), "new-connector", name, "--kind", kind], project)
    run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         f"tests/connectors/{name}"], project)  # fmt: skip
    scaffolded = [f"connectors/{name}", f"tests/connectors/{name}"]
    run([str(BIN / "ruff"), "check", *scaffolded], project)
    run([str(BIN / "ruff"), "format", "--check", *scaffolded], project)
    run([str(BIN / "mypy"), f"connectors/{name}"], project)
    script = SYNC_TWICE.format(name=name, orderhub=BIN / "orderhub")
    run([sys.executable, "-c", textwrap.dedent(script)], project)
    engine = create_warehouse_engine(f"sqlite:///{project / '.orderhub' / 'warehouse.db'}")
    with engine.connect() as connection:
        runs = connection.execute(
            select(schema.sync_runs.c.status, schema.sync_runs.c.upserted).order_by(
                schema.sync_runs.c.started_at
            )
        ).all()
        orders = connection.execute(select(schema.orders.c.source_id)).scalars().all()
    assert [status for status, _ in runs] == ["succeeded", "succeeded"]
    assert runs[0][1] == len(orders) > 0 and runs[1][1] == 0
