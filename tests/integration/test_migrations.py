"""Alembic migrations create exactly the schema the code declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from orderhub.warehouse.engine import is_current, migrate
from orderhub.warehouse.schema import metadata


def test_migrations_match_the_schema(warehouse: Engine) -> None:
    with warehouse.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    assert is_current(warehouse)


def test_migrating_twice_is_harmless(warehouse: Engine) -> None:
    migrate(warehouse)
    assert is_current(warehouse)
