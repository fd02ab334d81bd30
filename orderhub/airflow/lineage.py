"""Names of what a sync reads and writes, for Airflow Assets and OpenLineage.

Unified tables are named as OpenLineage's naming conventions name database tables
(``postgres://host:port`` + ``database.schema.table``); their Asset URIs follow Airflow's
(``postgres://host:port/database/schema/table``). A source stream is named by its source
and pipeline. No credential of the warehouse URL ever reaches a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from orderhub.exceptions import ConfigurationError

_SCHEMES = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite"}
_DEFAULT_PORTS = {"postgres": 5432, "mysql": 3306}


@dataclass(frozen=True)
class DatasetName:
    """An OpenLineage dataset: namespace + name."""

    namespace: str
    name: str


@dataclass(frozen=True)
class Warehouse:
    """Where the unified tables live, without credentials."""

    scheme: str
    authority: str  # host:port, or the SQLite file's absolute path
    database: str
    schema: str | None

    @classmethod
    def from_url(cls, url: str) -> Warehouse:
        try:
            parsed = make_url(url)
        except (ArgumentError, ValueError):
            raise ConfigurationError(
                "warehouse: not a database URL (e.g. postgresql+psycopg://user@host/db)"
            ) from None
        backend = parsed.get_backend_name()
        scheme = _SCHEMES.get(backend, backend)
        if scheme == "sqlite":
            path = str(Path(parsed.database or ":memory:").resolve())
            return cls(scheme, path, "main", None)
        port = parsed.port or _DEFAULT_PORTS.get(scheme)
        authority = f"{parsed.host or 'localhost'}:{port}" if port else parsed.host or "localhost"
        schema = "public" if scheme == "postgres" else None
        return cls(scheme, authority, parsed.database or "", schema)

    def table(self, table: str) -> DatasetName:
        """A unified table as an OpenLineage dataset."""
        if self.scheme == "sqlite":
            return DatasetName(f"sqlite://{self.authority}", table)
        parts = [self.database, self.schema, table] if self.schema else [self.database, table]
        return DatasetName(f"{self.scheme}://{self.authority}", ".".join(parts))

    def table_uri(self, table: str) -> str:
        """A unified table as an Airflow Asset URI."""
        if self.scheme == "sqlite":
            return f"sqlite://{self.authority}/{table}"
        parts = [self.database, self.schema, table] if self.schema else [self.database, table]
        return f"{self.scheme}://{self.authority}/" + "/".join(parts)


def source_stream(source: str, pipeline: str, stream: str) -> DatasetName:
    """A source stream a pipeline reads, as an OpenLineage input dataset."""
    return DatasetName(f"orderhub-source://{source}/{pipeline}", stream)
