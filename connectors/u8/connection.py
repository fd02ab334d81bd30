"""Where the U8 data lives: the connection settings, the account-year database, and
connection errors an operator can act on.

U8 keeps one SQL Server database per account and fiscal year, ``UFDATA_<acc>_<year>``
(``UFDATA_999_2024``). The tap reads one of them per run; its account and year become
part of every document key (see docs/sources/u8.md, "Year rollover").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import sqlalchemy as sa

from orderhub.exceptions import ConfigurationError

DATABASE_NAME = re.compile(r"^UFDATA_(?P<account>\d{3})_(?P<year>\d{4})$", re.IGNORECASE)
_ODBC_DATABASE = re.compile(r"(?i)(?:^|;)\s*DATABASE\s*=\s*([^;]*)")
#: SQLSTATEs of a refused login (ODBC 28000; MariaDB's driver reports 28000 too).
_LOGIN_REFUSED = ("28000",)


@dataclass(frozen=True)
class U8Location:
    """The account-year database one run reads."""

    database: str
    account: str
    year: str

    @property
    def account_year(self) -> str:
        """``999_2024``: the prefix that keeps document keys unique across years."""
        return f"{self.account}_{self.year}"


@dataclass(frozen=True)
class U8Connection:
    """An engine on one account-year database, and which setting configured it."""

    url: sa.URL
    setting: str
    location: U8Location
    secrets: tuple[str, ...]


def _odbc_with_database(odbc: str, database: str | None) -> str:
    if not database:
        return odbc
    if _ODBC_DATABASE.search(odbc):
        return _ODBC_DATABASE.sub(lambda m: m.group(0).replace(m.group(1), database), odbc)
    return odbc.rstrip(";") + f";DATABASE={database}"


def _odbc_password(odbc: str) -> str | None:
    found = re.search(r"(?i)(?:^|;)\s*PWD\s*=\s*(\{[^}]*\}|[^;]*)", odbc)
    return found.group(1).strip("{}") if found else None


def _resolve_url(
    config: Mapping[str, Any], database: str | None
) -> tuple[sa.URL, str, str | None, tuple[str, ...]]:
    """The SQLAlchemy URL, the setting it came from, its database and its secrets."""
    if config.get("odbc_connection_string"):
        odbc = str(config["odbc_connection_string"])
        found = _ODBC_DATABASE.search(odbc)
        database = database or (found.group(1).strip() if found else None)
        odbc = _odbc_with_database(odbc, database)
        dialect = str(config.get("odbc_dialect") or "mssql")
        url = sa.make_url(f"{dialect}+pyodbc:///?odbc_connect={quote_plus(odbc)}")
        secrets = tuple(s for s in (odbc, _odbc_password(odbc)) if s)
        return url, "odbc_connection_string", database, secrets
    if not config.get("sqlalchemy_url"):
        raise ConfigurationError("set sqlalchemy_url or odbc_connection_string to reach U8")
    try:
        url = sa.make_url(str(config["sqlalchemy_url"]))
    except sa.exc.ArgumentError:
        raise ConfigurationError(
            "sqlalchemy_url is not a SQLAlchemy URL (mssql+pyodbc://user:password@host/"
            "UFDATA_999_2024?driver=FreeTDS): fix setting sqlalchemy_url"
        ) from None
    secrets = tuple(s for s in (str(config["sqlalchemy_url"]), url.password) if s)
    odbc_query = url.query.get("odbc_connect")
    if isinstance(odbc_query, str):
        found = _ODBC_DATABASE.search(odbc_query)
        database = database or (found.group(1).strip() if found else None)
        odbc = _odbc_with_database(odbc_query, database)
        url = url.update_query_dict({"odbc_connect": odbc})
        secrets += tuple(s for s in (odbc_query, _odbc_password(odbc_query)) if s)
    elif url.get_backend_name() != "sqlite":
        database = database or url.database
        url = url.set(database=database)
    else:
        database = database or url.database
    return url, "sqlalchemy_url", database, secrets


def resolve(config: Mapping[str, Any]) -> U8Connection:
    """Settings -> the database to read and the account-year of its documents."""
    url, setting, database, secrets = _resolve_url(config, config.get("database"))
    if not database and config.get("account") and config.get("year"):
        # Neither the setting nor the URL names a database: the account-year's own.
        derived = f"UFDATA_{config['account']}_{config['year']}"
        url, setting, database, secrets = _resolve_url(config, derived)
    named = DATABASE_NAME.match(database or "")
    account = str(config.get("account") or (named.group("account") if named else ""))
    year = str(config.get("year") or (named.group("year") if named else ""))
    if not (account and year):
        raise ConfigurationError(
            f"cannot tell the U8 account and year of database {database!r}: point {setting} "
            "at a UFDATA_<account>_<year> database, or set account and year"
        )
    location = U8Location(database or f"UFDATA_{account}_{year}", account, year)
    return U8Connection(url, setting, location, secrets)


def connection_for(config: Mapping[str, Any], database: str) -> U8Connection:
    """The connection to ``database``: the configured one, or another account-year
    database of the same account (found by year-rollover discovery, year from its name)."""
    configured = resolve(config)
    if database == configured.location.database:
        return configured
    return resolve({**config, "database": database, "year": None})


def later_years(configured: U8Location, names: list[str]) -> list[str]:
    """The configured database and the same account's databases of later years, in
    year order: what a tap following year rollover reads."""
    found = {configured.database: configured.year}
    for name in names:
        named = DATABASE_NAME.match(name)
        same_account = named is not None and named.group("account") == configured.account
        if named and same_account and named.group("year") >= configured.year:
            found.setdefault(name, named.group("year"))
    return sorted(found, key=lambda name: (found[name], name))


def create_engine(connection: U8Connection, login_timeout: int) -> sa.Engine:
    """An engine on the account-year database; pyodbc logins time out."""
    arguments: dict[str, Any] = {}
    if connection.url.get_driver_name() == "pyodbc":
        arguments["timeout"] = login_timeout
    return sa.create_engine(connection.url, pool_pre_ping=True, connect_args=arguments)


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def connect_error(exc: sa.exc.DBAPIError, connection: U8Connection) -> ConfigurationError:
    """A failed connection as an error that says which setting to fix, without secrets."""
    original = exc.orig
    args = getattr(original, "args", ())
    state = str(args[0]) if args else ""
    detail = _scrub(str(args[-1] if args else original), connection.secrets)
    where = f"U8 database {connection.location.database}"
    lowered = detail.lower()
    # MariaDB/MySQL say "Access denied for user ... to database ..." for a database the
    # login may not open (or that does not exist): that is about the database, not the password.
    if any(s in lowered for s in ("unknown database", "cannot open database", "to database")):
        advice = (
            f"the database does not exist or the login may not open it: check database "
            f"(or year, or the database in {connection.setting}) and the login's access"
        )
    elif state in _LOGIN_REFUSED or "access denied" in lowered or "login failed" in lowered:
        advice = f"the login was refused: check the user name and password in {connection.setting}"
    else:
        advice = (
            f"the server could not be reached: check host, port and driver in "
            f"{connection.setting} (and that the server is running)"
        )
    return ConfigurationError(f"cannot connect to {where}: {advice} [{detail.strip()}]")


#: What the read-only login must be allowed to read (docs/sources/u8.md).
TABLES = "SO_SOMain, SO_SODetails, DispatchList, DispatchLists and Customer"


def query_error(exc: sa.exc.DBAPIError, connection: U8Connection) -> ConfigurationError:
    """A query the database refused (a table missing or not granted) as advice."""
    args = getattr(exc.orig, "args", ())
    detail = _scrub(str(args[-1] if args else exc.orig), connection.secrets).strip()
    return ConfigurationError(
        f"reading U8 database {connection.location.database} failed [{detail}]: check that "
        f"it is a U8 account-year database and that the login may SELECT from {TABLES}"
    )
