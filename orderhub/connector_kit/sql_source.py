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


def database_url(name: str) -> str:
    """The SQLAlchemy URL of database ``name`` on the admin URL's server."""
    base = _admin_url().rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}"


def database_exists(name: str) -> bool:
    """Whether the server has a database ``name`` (a seeded source to keep, say)."""
    with psycopg.connect(_admin_url(), autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        return found.fetchone() is not None


def recreate_database(name: str) -> str:
    """Drop ``name`` if it exists, create it empty, return its SQLAlchemy URL."""
    with psycopg.connect(_admin_url(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return database_url(name)


def replace_database(name: str, source: str) -> str:
    """Rename database ``source`` to ``name``, dropping a ``name`` there was; its URL.

    Seeding under another name first and renaming at the end means ``name`` only ever
    exists complete: a seed interrupted half way leaves no database a --keep would keep.
    """
    with psycopg.connect(_admin_url(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'ALTER DATABASE "{source}" RENAME TO "{name}"')
    return database_url(name)


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
