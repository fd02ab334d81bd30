"""Alembic environment: runs against the engine orderhub hands over."""

from __future__ import annotations

from alembic import context

from orderhub.warehouse.schema import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
