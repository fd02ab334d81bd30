"""Connecting to the warehouse and bringing its schema up to date with Alembic."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from orderhub import jsonutil
from orderhub.exceptions import ConfigurationError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
DEFAULT_SQLITE_PATH = Path(".orderhub") / "warehouse.db"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and plain paths; use the psycopg 3 driver for PostgreSQL."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def create_warehouse_engine(url: str) -> Engine:
    """An engine for the warehouse at ``url`` (SQLite file or PostgreSQL)."""
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError:
        raise ConfigurationError(
            "warehouse URL is not valid; expected e.g. sqlite:///.orderhub/warehouse.db or "
            "postgresql://user@host:5432/db"
        ) from None
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, json_serializer=jsonutil.dumps, json_deserializer=jsonutil.loads)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # WAL lets `orderhub` read while a sync writes; a busy timeout rides out short locks.
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the warehouse schema to ``revision`` (idempotent)."""
    command.upgrade(_alembic_config(engine), revision)


def is_current(engine: Engine) -> bool:
    """True if the warehouse schema is at the newest migration."""
    head = ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head
