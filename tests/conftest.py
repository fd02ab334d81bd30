"""Shared fixtures: warehouses on the real SQLite and PostgreSQL of this machine."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings
from sqlalchemy import Engine

from orderhub.warehouse.engine import create_warehouse_engine, migrate

PG_ADMIN_URL = os.environ.get("ORDERHUB_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
ROOT = Path(__file__).resolve().parents[1]

# Properties are about correctness, not speed: a slower CI machine must not turn a
# per-example time limit into a failure.
settings.register_profile("orderhub", deadline=None, print_blob=True)
settings.load_profile("orderhub")


@contextmanager
def scratch_pg_database() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped when the block ends."""
    name = f"orderhub_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    with scratch_pg_database() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite warehouse file for one test."""
    return f"sqlite:///{tmp_path / 'warehouse.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def warehouse_url(request: pytest.FixtureRequest) -> str:
    """The same test on the embedded default and on production PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def warehouse(warehouse_url: str) -> Iterator[Engine]:
    """A migrated warehouse engine."""
    engine = create_warehouse_engine(warehouse_url)
    migrate(engine)
    yield engine
    engine.dispose()
