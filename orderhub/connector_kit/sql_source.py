"""Scratch databases for SQL-kind simulators: a fresh PostgreSQL database per use."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

#: Server the SQL simulators create their scratch databases on.
ADMIN_URL_VARIABLE = "ORDERHUB_TEST_PG_URL"
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _admin_url() -> str:
    return os.environ.get(ADMIN_URL_VARIABLE, DEFAULT_ADMIN_URL)


def recreate_database(name: str) -> str:
    """Drop ``name`` if it exists, create it empty, return its SQLAlchemy URL."""
    admin = _admin_url()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    base = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}"


def drop_database(name: str) -> None:
    """Drop a scratch database."""
    with psycopg.connect(_admin_url(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def scratch_database(prefix: str = "orderhub_source") -> Iterator[str]:
    """Create an empty database, yield its SQLAlchemy URL, drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    url = recreate_database(name)
    try:
        yield url
    finally:
        drop_database(name)
