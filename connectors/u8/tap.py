"""tap-u8: sales orders, customers and dispatch notes from a Yonyou U8 database."""

from __future__ import annotations

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.contrib.msgspec import MsgSpecWriter

from connectors.u8.streams import CustomersStream, OrdersStream, ShipmentsStream


class TapU8(Tap):
    """Singer tap for Yonyou U8 (SQL Server), incremental on the ``ufts`` rowversion."""

    name = "tap-u8"
    package_name = "orderhub"
    message_writer_class = MsgSpecWriter
    config_jsonschema = th.PropertiesList(
        th.Property(
            "sqlalchemy_url",
            th.StringType,
            secret=True,
            description=(
                "SQLAlchemy URL of the U8 database, e.g. mssql+pyodbc://reader:pw@host:1433/"
                "UFDATA_999_2024?driver=FreeTDS&TDS_Version=7.4 (it holds the password)"
            ),
        ),
        th.Property(
            "odbc_connection_string",
            th.StringType,
            secret=True,
            description=(
                "Instead of sqlalchemy_url: an ODBC connection string, e.g. DRIVER={FreeTDS};"
                "SERVER=host;PORT=1433;DATABASE=UFDATA_999_2024;UID=reader;PWD=...;TDS_Version=7.4"
            ),
        ),
        th.Property(
            "odbc_dialect",
            th.StringType,
            default="mssql",
            description="SQL dialect behind odbc_connection_string (mssql for a real U8)",
        ),
        th.Property(
            "database",
            th.StringType,
            description=(
                "Account-year database to read (default: the URL's, else UFDATA_<account>_<year>)"
            ),
        ),
        th.Property(
            "account",
            th.StringType,
            description="U8 account number (default: from the database name)",
        ),
        th.Property(
            "year", th.StringType, description="Fiscal year (default: from the database name)"
        ),
        th.Property(
            "follow_new_years",
            th.BooleanType,
            default=False,
            description=(
                "Also read the account's later year databases (UFDATA_<account>_<later year>) "
                "found on the server: year rollover without a config change"
            ),
        ),
        th.Property(
            "timezone",
            th.StringType,
            default="Asia/Shanghai",
            description="Time zone of the U8 server: its datetimes are naive local time",
        ),
        th.Property("page_size", th.IntegerType, default=500, description="Documents per query"),
        th.Property(
            "login_timeout", th.IntegerType, default=15, description="Seconds (ODBC login)"
        ),
    ).to_dict()

    def discover_streams(self) -> list[Stream]:
        return [OrdersStream(self), CustomersStream(self), ShipmentsStream(self)]


if __name__ == "__main__":
    TapU8.cli()
