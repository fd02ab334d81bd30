"""Connecting to the warehouse and bringing its schema up to date with Alembic."""

from __future__ import annotations

import re
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from orderhub import jsonutil
from orderhub.exceptions import ConfigurationError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
DEFAULT_SQLITE_PATH = Path(".orderhub") / "warehouse.db"


# A scheme followed by ':' but not '://' (postgresql:/host) is a mistyped URL, not a path.
_SCHEME_ONLY = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:(?!//)")
# user:password@ masked on the URL as written, not as parsed: an unescaped '@', '/' or
# '?' in a password makes a parser see part of it as the host. Greedy up to the last '@'.
_URL_PASSWORD = re.compile(r"(://[^/:@\s]*:)\S*@")
_LOOSE_PASSWORD = re.compile(r"([^/:@\s]+:)\S*@")  # no '://' (a mistyped scheme)
_CHECK = {
    "sqlite": "that the file is a SQLite database and its folder is writable",
    "postgresql": (
        "that the server runs and accepts connections at that host and port, the database "
        "exists (createdb) and the user and password are right"
    ),
}


def mask_url(url: str) -> str:
    """``url`` with its password replaced by ``***``, even when it does not parse."""
    return (_URL_PASSWORD if "://" in url else _LOOSE_PASSWORD).sub(r"\1***@", url)


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and plain paths; use the psycopg 3 driver for PostgreSQL."""
    if "://" not in url:
        if _SCHEME_ONLY.match(url):
            raise _invalid(url, "a scheme needs '://' after it")
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def create_warehouse_engine(url: str, *, must_exist: bool = False) -> Engine:
    """An engine for the warehouse at ``url`` (SQLite file or PostgreSQL).

    Nothing is created for a URL that cannot work: a SQLite file's folder must exist
    (only the embedded default ``.orderhub/`` folder is made), and with ``must_exist``
    (read-only commands) the file itself must exist too.
    """
    try:
        parsed = make_url(normalise_url(url))
    except (ArgumentError, ValueError) as exc:
        why = "the port is not a number" if "int()" in str(exc) else str(exc)
        raise _invalid(url, why) from None
    if parsed.get_backend_name() != "sqlite" and url.count("@") > 1:
        raise _invalid(url, "more than one '@': write an '@' in the password as %40")
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        _check_sqlite_path(Path(parsed.database), url, must_exist=must_exist)
    connect_args = {"connect_timeout": 10} if parsed.get_backend_name() == "postgresql" else {}
    try:
        engine = create_engine(
            parsed,
            json_serializer=jsonutil.dumps,
            json_deserializer=jsonutil.loads,
            connect_args=connect_args,
        )
    except (ArgumentError, ImportError) as exc:
        raise ConfigurationError(
            f"warehouse {mask_url(url)}: unknown database driver {parsed.drivername!r} ({exc}); "
            "check the scheme: sqlite:///path/to/warehouse.db or postgresql://user@host:5432/db"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def connect_warehouse(url: str, *, must_exist: bool = False) -> Engine:
    """:func:`create_warehouse_engine`, then one connection to prove the warehouse answers.

    A failure is one line naming the URL (password masked) and what to check.
    """
    engine = create_warehouse_engine(url, must_exist=must_exist)
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        engine.dispose()
        raise unreachable(engine, exc) from None
    return engine


def unreachable(engine: Engine, exc: DBAPIError) -> ConfigurationError:
    """The driver's first line, the URL with its password masked, and what to check."""
    message = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
    password = engine.url.password
    if password:
        message = message.replace(str(password), "***")
    check = _CHECK.get(engine.url.get_backend_name(), "the URL")
    return ConfigurationError(
        f"cannot open warehouse {engine.url.render_as_string(hide_password=True)}: "
        f"{message}; check {check}"
    )


def _invalid(url: str, why: str) -> ConfigurationError:
    return ConfigurationError(
        f"warehouse URL {mask_url(url)} is not valid ({why}); check it against e.g. "
        "sqlite:///.orderhub/warehouse.db or postgresql://user@host:5432/db"
    )


def _check_sqlite_path(path: Path, url: str, *, must_exist: bool) -> None:
    folder = path.parent
    where = f"warehouse {mask_url(url)}"
    is_default = folder.name == DEFAULT_SQLITE_PATH.parent.name
    if is_default and not must_exist and not folder.exists() and folder.parent.is_dir():
        folder.mkdir()  # the embedded default's own folder, inside an existing project
    if not folder.is_dir():
        raise ConfigurationError(
            f"{where}: folder {folder} does not exist; check the path, or create the folder"
        )
    if must_exist and not path.is_file():
        raise ConfigurationError(
            f"{where}: no warehouse at {path} yet; check the path, or create it with "
            "`orderhub migrate` or a sync"
        )


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
