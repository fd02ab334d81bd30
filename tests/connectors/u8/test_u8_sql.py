"""tap-u8's SQL: every statement as SQL Server gets it, the real pyodbc path, settings and
connection errors."""

from __future__ import annotations

import re
import socket
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

import pyodbc
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects.mssql import pyodbc as mssql_pyodbc
from sqlalchemy.schema import CreateTable

from connectors.u8 import queries, schema
from connectors.u8.client import U8Client
from connectors.u8.connection import connection_for, later_years, resolve
from connectors.u8.simulator import MARIADB_ODBC, U8Database, mariadb_odbc, odbc_url
from orderhub.exceptions import ConfigurationError
from tests.connectors.u8.conftest import sync

MSSQL = mssql_pyodbc.dialect()


def sql_server(statement: sa.ClauseElement) -> str:
    return str(statement.compile(dialect=MSSQL))


def test_every_statement_compiles_for_sql_server_as_u8_expects() -> None:
    statements = {name: sql_server(s) for name, s in queries.every_statement(7, 99, 250).items()}
    assert statements["upper_bound"] == ("SELECT CAST(MIN_ACTIVE_ROWVERSION() AS BIGINT) AS bound")
    for name, text in statements.items():
        assert "LIMIT" not in text and "SIGNED" not in text and "`" not in text, name
        # Rowversions are read (selected) as numbers, never as binary(8).
        selected = text.split("FROM")[0]
        for match in re.finditer(r"(\[\w+\])\.(ufts|pubufts)\b", selected):
            assert f"CAST({match.group(0)} AS BIGINT)" in selected, (name, match.group(0))
        # U8's mixed-case names are bracket-quoted.
        assert not re.search(r"(?<![\[\w])(SO_SOMain|SO_SODetails|DispatchList|Customer)\.", text)
    for name in ("orders.changed", "shipments.changed", "customers"):
        text = statements[name]
        assert text.startswith("SELECT TOP __[POSTCOMPILE_"), name
        assert "ORDER BY" in text, "TOP without ORDER BY would be any rows"
        # Compared raw with the number as BINARY(8): an index on the rowversion is usable.
        assert re.search(r"\]\.(ufts|pubufts) > CAST\(:after AS BINARY\(8\)\)", text), name
        assert re.search(r"\]\.(ufts|pubufts) < CAST\(:below AS BINARY\(8\)\)", text), name
    # A detail table's own rowversion counts: a line change finds its order.
    assert "[SO_SODetails].ufts > CAST(:after AS BINARY(8))" in statements["orders.changed"]
    assert "[DispatchLists].ufts > CAST(:after AS BINARY(8))" in statements["shipments.changed"]
    assert statements["customers"].endswith("ORDER BY [Customer].pubufts")
    assert "LEFT OUTER JOIN [SO_SODetails]" in statements["shipments.details"]


@given(st.integers(0, 2**63 - 1), st.integers(0, 2**63 - 1))
def test_binary8_order_is_the_number_order(a: int, b: int) -> None:
    """Why comparing ufts with CAST(:n AS BINARY(8)) equals comparing the BIGINT cast:
    SQL Server's BIGINT -> BINARY(8) is big-endian."""
    assert (a < b) == (a.to_bytes(8, "big") < b.to_bytes(8, "big"))


def test_page_size_is_rendered_into_top_and_values_are_bound() -> None:
    page = queries.ORDERS.changed(41, 77, 25).compile(
        dialect=MSSQL, compile_kwargs={"render_postcompile": True}
    )
    assert str(page).startswith("SELECT TOP 25 ")
    assert page.params["after"] == 41 and page.params["below"] == 77
    # Without an upper bound (SQLite, MariaDB emulations) there is no "< below".
    assert ":below" not in sql_server(queries.ORDERS.changed(41, None, 25))


def test_text_columns_are_unicode_for_sql_server() -> None:
    # NVARCHAR columns and unicode binds: Chinese text is never squeezed through a code page.
    ddl = str(CreateTable(schema.Customer).compile(dialect=MSSQL))
    assert "[cCusName] NVARCHAR(98)" in ddl
    literal = sa.select(schema.Customer.c.cCusCode).where(
        schema.Customer.c.cCusName == "北京华联商厦股份有限公司"
    )
    text = str(literal.compile(dialect=MSSQL, compile_kwargs={"literal_binds": True}))
    assert "N'北京华联商厦股份有限公司'" in text


def test_the_tap_reads_through_pyodbc_and_the_mariadb_odbc_driver(u8: U8Database) -> None:
    connection = resolve(u8.tap_config())
    client = U8Client(connection, zone=ZoneInfo("Asia/Shanghai"), page_size=5)
    try:
        with client.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert isinstance(raw, pyodbc.Connection)
            assert "maodbc" in raw.getinfo(pyodbc.SQL_DRIVER_NAME).lower()
            assert conn.dialect.driver == "pyodbc"
        assert len(list(client.documents(queries.ORDERS, 0))) == 14
    finally:
        client.close()


def test_an_odbc_connection_string_setting_works_too(u8: U8Database) -> None:
    odbc = dict(sa.make_url(u8.url).query)["odbc_connect"]
    config = {
        "odbc_connection_string": odbc,
        "odbc_dialect": "mysql",
        "account": "999",
        "year": "2024",
    }
    output = sync(config)
    assert len(output.records("orders")) == 14


def test_account_year_comes_from_the_database_name_or_the_settings() -> None:
    url = "mssql+pyodbc://reader:pw@u8host:1433/UFDATA_001_2025?driver=FreeTDS"
    assert resolve({"sqlalchemy_url": url}).location.account_year == "001_2025"
    odbc = "DRIVER={FreeTDS};SERVER=u8host;PORT=1433;DATABASE=UFDATA_002_2023;UID=r;PWD=p"
    found = resolve({"odbc_connection_string": odbc})
    assert found.location.account_year == "002_2023" and found.url.get_dialect().name == "mssql"
    # No database in the URL: account and year name it.
    bare = resolve(
        {
            "sqlalchemy_url": "mssql+pyodbc://r:p@u8host/?driver=FreeTDS",
            "account": "003",
            "year": "2026",
        }
    )
    assert bare.url.database == "UFDATA_003_2026"
    # A database setting wins (year rollover: point it at next year's database).
    moved = resolve({"sqlalchemy_url": url, "database": "UFDATA_001_2026"})
    assert moved.url.database == "UFDATA_001_2026" and moved.location.year == "2026"
    with pytest.raises(ConfigurationError, match="account and year"):
        resolve({"sqlalchemy_url": "mssql+pyodbc://r:p@u8host/reporting?driver=FreeTDS"})


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("setting", ["sqlalchemy_url", "odbc_connection_string"])
def test_unreachable_database_names_the_setting_and_hides_the_password(setting: str) -> None:
    password = "Pw-s3cret-闭"
    odbc = MARIADB_ODBC.replace("PORT=3306", f"PORT={_closed_port()}").replace(
        "PWD=;", f"PWD={password};"
    )
    value = odbc_url(odbc) if setting == "sqlalchemy_url" else odbc
    config = {setting: value, "odbc_dialect": "mysql", "account": "999", "year": "2024"}
    with pytest.raises(ConfigurationError) as error:
        sync(config)
    message = str(error.value)
    assert setting in message and "could not be reached" in message
    assert password not in message and "s3cret" not in repr(error.value)
    # The driver's exception (with its connection string) is not chained into the error.
    assert error.value.__cause__ is None and error.value.__suppress_context__


def test_a_wrong_password_names_the_setting_and_hides_the_password() -> None:
    password = "definitely-wrong-密码"
    odbc = mariadb_odbc("mysql").replace("PWD=;", f"PWD={password};")
    config = {"sqlalchemy_url": odbc_url(odbc), "account": "999", "year": "2024"}
    with pytest.raises(ConfigurationError) as error:
        sync(config)
    message = str(error.value)
    assert "login was refused" in message and "sqlalchemy_url" in message
    assert password not in message and "definitely-wrong" not in message


def test_an_unknown_time_zone_names_the_setting(u8: U8Database) -> None:
    with pytest.raises(ConfigurationError, match="fix setting timezone"):
        sync({**u8.tap_config(), "timezone": "Asia/Peking"})


def test_year_rollover_reads_later_years_of_the_same_account_only() -> None:
    configured = resolve({"sqlalchemy_url": "mssql+pyodbc://r:p@h/UFDATA_999_2024?driver=FreeTDS"})
    names = ["UFDATA_999_2023", "UFDATA_999_2025", "UFDATA_998_2025", "UFSystem", "UFDATA_999_2026"]
    assert later_years(configured.location, names) == [
        "UFDATA_999_2024",
        "UFDATA_999_2025",
        "UFDATA_999_2026",
    ]
    odbc = "DRIVER={FreeTDS};SERVER=h;DATABASE=UFDATA_999_2024;UID=r;PWD=p"
    moved = connection_for({"odbc_connection_string": odbc}, "UFDATA_999_2025")
    assert moved.location.account_year == "999_2025"
    assert "DATABASE=UFDATA_999_2025" in str(moved.url.query["odbc_connect"])


def test_a_missing_year_database_is_named_with_the_settings_to_check() -> None:
    config = {"sqlalchemy_url": odbc_url(mariadb_odbc()), "database": "UFDATA_999_1999"}
    with pytest.raises(ConfigurationError) as error:
        sync(config)
    message = str(error.value)
    assert "UFDATA_999_1999" in message and "does not exist" in message
    assert "check database" in message


def test_a_table_the_login_cannot_read_is_named_with_advice(u8: U8Database) -> None:
    with u8.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE DispatchLists")
    with pytest.raises(ConfigurationError) as error:
        sync(u8.tap_config())
    message = str(error.value)
    assert "DispatchLists" in message and "may SELECT from" in message


def test_a_database_the_login_may_not_open_names_the_database_not_the_password(
    u8: U8Database,
) -> None:
    admin = sa.create_engine(odbc_url(mariadb_odbc("mysql")), isolation_level="AUTOCOMMIT")
    user, password = "orderhub_u8_no_grant", "no-grant-Pw1"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'%'")
            connection.exec_driver_sql(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'")
        url = u8.url.replace(
            quote_plus("UID=root;PWD=;"), quote_plus(f"UID={user};PWD={password};")
        )
        assert url != u8.url
        config = {**u8.tap_config(), "sqlalchemy_url": url}
        with pytest.raises(ConfigurationError) as error:
            sync(config)
        message = str(error.value)
        assert "check database" in message and "login was refused" not in message
        assert password not in message
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'%'")
        admin.dispose()


@pytest.mark.parametrize("value", [-1, 0])
def test_a_page_size_below_one_is_refused_by_name(u8: U8Database, value: object) -> None:
    with pytest.raises(ConfigurationError, match="page_size must be a whole number"):
        sync({**u8.tap_config(), "page_size": value})
