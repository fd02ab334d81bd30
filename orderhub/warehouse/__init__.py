"""The warehouse: schema, migrations and the set-based load transaction."""

from orderhub.warehouse.engine import create_warehouse_engine, migrate

__all__ = ["create_warehouse_engine", "migrate"]
