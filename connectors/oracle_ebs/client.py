"""The connection to EBS and the one place statements are executed.

Production is python-oracledb in thin mode (no Oracle Client libraries) through
SQLAlchemy: ``oracle+oracledb://user:pass@host:1521/?service_name=EBSDB``, or the same
from separate ``host``/``port``/``service_name``/``user``/``password`` settings. Tests run
the identical statements against an EBS-shaped PostgreSQL or SQLite database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.sql import Select

from orderhub.exceptions import ConfigurationError, RetryableSourceError

#: Called with (query name, statement, parameters) before each execution (tests use it).
Listener = Callable[[str, Select, Mapping[str, Any]], None]

#: Server answers that mean "these credentials", not "this address" (PostgreSQL, Oracle).
_AUTH_PATTERNS = re.compile(
    r"password authentication failed|role \"[^\"]*\" does not exist|not permitted to log in"
    r"|ORA-01017|ORA-28000|ORA-01045|DPY-4001"
)
_UNREACHABLE_MARKERS = (
    "Connection refused",
    "could not connect",
    "connection failed",
    "timed out",
    "Name or service not known",
    "DPY-6005",
    "ORA-12541",
    "ORA-12514",
    "unable to open database file",
    "does not exist",
)


def connection_url(config: Mapping[str, Any]) -> sa.URL:
    """The SQLAlchemy URL from ``sqlalchemy_url`` or from the separate settings."""
    if config.get("sqlalchemy_url"):
        try:
            return sa.make_url(str(config["sqlalchemy_url"]))
        except sa.exc.ArgumentError:
            raise ConfigurationError(
                "sqlalchemy_url is not a SQLAlchemy URL; expected e.g. "
                "oracle+oracledb://APPS_RO:***@ebs-db:1521/?service_name=EBSDB"
            ) from None
    missing = [name for name in ("host", "service_name", "user") if not config.get(name)]
    if missing:
        raise ConfigurationError(
            "set sqlalchemy_url, or host, port, service_name, user and password "
            f"(missing: {', '.join(missing)})"
        )
    return sa.URL.create(
        "oracle+oracledb",
        username=str(config["user"]),
        password=config.get("password"),
        host=str(config["host"]),
        port=int(config.get("port") or 1521),
        query={"service_name": str(config["service_name"])},
    )


class EbsClient:
    """Runs the tap's statements (from :class:`~connectors.oracle_ebs.queries.EbsQueries`)."""

    #: Test hook: every execution is reported here with the query's name.
    listeners: ClassVar[list[Listener]] = []

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self.url = connection_url(config)
        options: dict[str, Any] = {}
        if config.get("schema"):
            # EBS objects are owned by product schemas (ONT, AR, WSH) and reached through
            # APPS synonyms or a custom read-only schema's synonyms: one prefix for all.
            options["schema_translate_map"] = {None: str(config["schema"])}
        self.engine = sa.create_engine(self.url, pool_pre_ping=True, execution_options=options)
        self._connection: sa.Connection | None = None

    def _settings_for(self, problem: str) -> str:
        if self.config.get("sqlalchemy_url"):
            return "sqlalchemy_url"
        return "user, password" if problem == "auth" else "host, port, service_name"

    def _redacted(self, text: str) -> str:
        secret = self.url.password
        return text.replace(str(secret), "***") if secret else text

    def connection(self) -> sa.Connection:
        """The open connection, opened on first use; connect errors name the setting."""
        if self._connection is None:
            try:
                self._connection = self.engine.connect()
            except sa.exc.DBAPIError as exc:
                raise self._connect_error(exc) from None
        return self._connection

    def _connect_error(self, exc: sa.exc.DBAPIError) -> Exception:
        detail = self._redacted(str(exc.orig).strip().splitlines()[0] if exc.orig else "")
        where = self.url.render_as_string(hide_password=True)
        if _AUTH_PATTERNS.search(str(exc)):
            return ConfigurationError(
                f"the EBS database at {where} rejected the credentials ({detail}); "
                f"check the setting(s) {self._settings_for('auth')}"
            )
        if any(marker in str(exc) for marker in _UNREACHABLE_MARKERS):
            return ConfigurationError(
                f"cannot reach the EBS database at {where} ({detail}); "
                f"check the setting(s) {self._settings_for('network')} and the network path"
            )
        return RetryableSourceError(f"the EBS database at {where} failed: {detail}")

    def rows(self, name: str, statement: Select, **params: Any) -> Sequence[RowMapping]:
        """Execute one named statement; every row as a mapping."""
        for listener in self.listeners:
            listener(name, statement, params)
        return self.connection().execute(statement, params).mappings().all()

    def chunks(self, ids: Sequence[int], size: int) -> Iterator[list[int]]:
        """``ids`` in lists of at most ``size`` (Oracle allows 1000 binds in one IN)."""
        for start in range(0, len(ids), size):
            yield list(ids[start : start + size])

    def close(self) -> None:
        """Release the connection and the pool."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self.engine.dispose()
