"""Airflow for the DAG tests: its own home and SQLite metadata database per session.

Airflow reads its configuration when first imported, so the environment is set here,
before any test module of this folder imports it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOME = Path(tempfile.mkdtemp(prefix="orderhub-airflow-home-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(HOME),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{HOME / 'airflow.db'}",
        "AIRFLOW__OPENLINEAGE__DISABLED": "true",
    }
)


@pytest.fixture(scope="session")
def airflow_db() -> Iterator[Path]:
    """A migrated Airflow metadata database (SQLite), for ``dag.test()``."""
    from airflow.utils.db import initdb

    initdb()
    yield HOME / "airflow.db"


def write_config(folder: Path, text: str) -> Path:
    """An orderhub.yml in ``folder``."""
    path = folder / "orderhub.yml"
    path.write_text(text, encoding="utf-8")
    return path
