"""tap-oracle-ebs: orders, customers and shipments from Oracle E-Business Suite.

Reads the ``_ALL`` tables of Order Management (OE), Trading Community (HZ) and Shipping
(WSH) with SQL over python-oracledb thin mode; incremental on LAST_UPDATE_DATE per table
with a lookback, deletes by key reconciliation. See docs/sources/oracle_ebs.md.
"""

from __future__ import annotations

from typing import Any

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.exceptions import ConfigValidationError

from connectors.oracle_ebs.clock import ServerClock
from connectors.oracle_ebs.streams import STREAM_TYPES
from orderhub.exceptions import ConfigurationError

#: Oracle refuses more than 1000 expressions in one IN list (ORA-01795).
MAX_PAGE_SIZE = 1000


class TapOracleEbs(Tap):
    """Singer tap for Oracle EBS Order Management, TCA customers and shipping."""

    name = "tap-oracle-ebs"
    package_name = "orderhub"
    message_writer_class = MsgSpecWriter
    config_jsonschema = th.PropertiesList(
        th.Property(
            "sqlalchemy_url",
            th.StringType,
            secret=True,
            description=(
                "SQLAlchemy URL of the EBS database, e.g. "
                "oracle+oracledb://APPS_RO:pw@ebs-db:1521/?service_name=EBSDB (holds the "
                "password); or leave it out and set host, port, service_name, user, password"
            ),
        ),
        th.Property("host", th.StringType, description="Database host (instead of the URL)"),
        th.Property("port", th.IntegerType, default=1521, description="Listener port"),
        th.Property("service_name", th.StringType, description="Oracle service name, e.g. EBSDB"),
        th.Property("user", th.StringType, description="Read-only database user, e.g. APPS_RO"),
        th.Property("password", th.StringType, secret=True, description="The user's password"),
        th.Property(
            "schema",
            th.StringType,
            description="Owner or synonym schema of the EBS tables (e.g. APPS); empty: the "
            "user's own synonyms",
        ),
        th.Property(
            "timezone",
            th.StringType,
            default="UTC",
            description="IANA time zone of the database server (EBS DATE values are naive "
            "server-local times), e.g. America/Los_Angeles",
        ),
        th.Property(
            "org_ids",
            th.ArrayType(th.IntegerType),
            default=[],
            description="Operating units (ORG_ID) to read; empty: every operating unit",
        ),
        th.Property("start_date", th.DateTimeType, description="Read changes from here"),
        th.Property(
            "lookback_minutes",
            th.NumberType,
            default=60,
            description="Re-read this far before the bookmark: catches rows of transactions "
            "that committed late and server clock skew (Oracle BI Apps' 'prune days')",
        ),
        th.Property(
            "reconcile_deletes_hours",
            th.NumberType,
            default=24,
            description="Compare the source's keys with the remembered ones this often to "
            "find deletes (0: every sync; negative: never)",
        ),
        th.Property(
            "page_size",
            th.IntegerType,
            default=500,
            description=f"Rows per keyset page and ids per IN list (at most {MAX_PAGE_SIZE})",
        ),
    ).to_dict()

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        errors = super()._validate_config(raise_errors=raise_errors)
        problems = self._problems()
        if problems and raise_errors:
            raise ConfigValidationError(
                "Config validation failed: " + "; ".join(problems), errors=problems
            )
        return [*errors, *problems]

    def _problems(self) -> list[str]:
        config: dict[str, Any] = dict(self.config)
        problems = []
        if not config.get("sqlalchemy_url") and not config.get("host"):
            problems.append("set sqlalchemy_url, or host, service_name, user and password")
        try:
            ServerClock(str(config.get("timezone") or "UTC"))
        except ConfigurationError as exc:
            problems.append(str(exc))
        size = int(config.get("page_size") or 500)
        if not 1 <= size <= MAX_PAGE_SIZE:
            problems.append(f"page_size must be between 1 and {MAX_PAGE_SIZE} (got {size})")
        return problems

    def discover_streams(self) -> list[Stream]:
        return [stream_type(self) for stream_type in STREAM_TYPES]


if __name__ == "__main__":
    TapOracleEbs.cli()
