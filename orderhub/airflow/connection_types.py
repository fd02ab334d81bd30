"""The Airflow connection type of each source, as plain data.

Both the hooks (which read connections at run time) and the provider info (which Airflow
reads while it discovers providers, before any hook may be imported) take their
descriptions from here: importing Airflow's hook base from the provider module would
start that discovery again from inside itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

STANDARD_FIELDS = ("host", "port", "schema", "login", "password")


@dataclass(frozen=True)
class ConnectionType:
    """One connection type: its name, its hook class, and which standard field of the
    connection form fills which tap setting."""

    conn_type: str
    hook_name: str
    hook_class: str
    fields: Mapping[str, str] = field(default_factory=dict)

    def ui_field_behaviour(self) -> dict[str, Any]:
        """The connection form: unused fields hidden, the others labelled with the tap
        setting they fill."""
        return {
            "hidden_fields": [f for f in STANDARD_FIELDS if f not in self.fields],
            "relabeling": dict(self.fields),
            "placeholders": {"extra": '{"start_date": "2024-01-01T00:00:00Z"}'},
        }


_HOOKS = "orderhub.airflow.hooks"
#: Every setting in ``extra``: what a source without a type of its own reads.
GENERIC = ConnectionType(
    "orderhub", "orderhub source (extra = tap settings)", f"{_HOOKS}.OrderhubSourceHook"
)
BY_SOURCE: dict[str, ConnectionType] = {
    "shopify": ConnectionType(
        "orderhub_shopify",
        "orderhub: Shopify",
        f"{_HOOKS}.ShopifyHook",
        {"host": "api_url", "password": "access_token"},
    ),
    "sap": ConnectionType(
        "orderhub_sap",
        "orderhub: SAP",
        f"{_HOOKS}.SapHook",
        {"host": "service_url", "login": "username", "password": "password"},
    ),
    "oracle_ebs": ConnectionType(
        "orderhub_oracle_ebs",
        "orderhub: Oracle EBS",
        f"{_HOOKS}.OracleEbsHook",
        {
            "host": "host",
            "port": "port",
            "schema": "service_name",
            "login": "user",
            "password": "password",
        },
    ),
    # U8's login lives inside its ODBC string: the whole string is the secret.
    "u8": ConnectionType(
        "orderhub_u8",
        "orderhub: Yonyou U8",
        f"{_HOOKS}.U8Hook",
        {"password": "odbc_connection_string", "schema": "database"},
    ),
}


def connection_type(source: str) -> ConnectionType:
    """The connection type a source's pipelines read (the generic one if it has none)."""
    return BY_SOURCE.get(source, GENERIC)
