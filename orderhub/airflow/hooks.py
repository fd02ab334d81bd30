"""Airflow connection types, one per source: where a source's settings and secrets live.

A connection of type ``orderhub_<source>`` overlays its pipeline's ``config`` when Airflow
runs the sync. Its ``extra`` JSON holds tap settings by their own names; the form's
standard fields (host, port, schema, login, password) map to the settings named in
:attr:`OrderhubSourceHook.fields`, and a standard field wins over the same setting in
``extra``. The password field is the one Airflow masks and encrypts: every source maps
its main secret there.
"""

from __future__ import annotations

from typing import Any, ClassVar

from airflow.sdk import BaseHook

from orderhub.exceptions import ConfigurationError

_STANDARD_FIELDS = ("host", "port", "schema", "login", "password")


class OrderhubSourceHook(BaseHook):
    """A source's connection as tap settings. Subclass per source: set ``source`` and
    ``fields`` (Airflow field -> tap setting)."""

    conn_name_attr = "orderhub_conn_id"
    default_conn_name = "orderhub_default"
    conn_type = "orderhub"
    hook_name = "orderhub source (extra = tap settings)"
    source: ClassVar[str] = ""
    fields: ClassVar[dict[str, str]] = {}

    def __init__(self, orderhub_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.orderhub_conn_id = orderhub_conn_id

    def tap_settings(self) -> dict[str, Any]:
        """The connection's values by tap setting name."""
        connection = self.get_connection(self.orderhub_conn_id)
        try:
            extra = connection.extra_dejson
        except Exception:  # Airflow says what is wrong with the JSON in its own log
            extra = None
        if not isinstance(extra, dict):
            raise ConfigurationError(
                f"Airflow connection {self.orderhub_conn_id}: extra must be a JSON object "
                "of tap settings (see docs/operations.md, Connections)"
            )
        settings = dict(extra)
        for field, setting in self.fields.items():
            value = getattr(connection, field, None)
            if value not in (None, ""):
                settings[setting] = value
        return settings

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """The connection form: fields this source does not use are hidden, the others
        are labelled with the tap setting they fill."""
        return {
            "hidden_fields": [f for f in _STANDARD_FIELDS if f not in cls.fields],
            "relabeling": {field: setting for field, setting in cls.fields.items()},
            "placeholders": {"extra": '{"start_date": "2024-01-01T00:00:00Z"}'},
        }


class ShopifyHook(OrderhubSourceHook):
    """Shopify Admin GraphQL: host = the GraphQL endpoint URL, password = the access token."""

    conn_type = "orderhub_shopify"
    hook_name = "orderhub: Shopify"
    source = "shopify"
    fields: ClassVar[dict[str, str]] = {"host": "api_url", "password": "access_token"}


class SapHook(OrderhubSourceHook):
    """SAP S/4HANA OData (or ECC SOAP via extra ``protocol``): host = the service URL."""

    conn_type = "orderhub_sap"
    hook_name = "orderhub: SAP"
    source = "sap"
    fields: ClassVar[dict[str, str]] = {
        "host": "service_url",
        "login": "username",
        "password": "password",
    }


class OracleEbsHook(OrderhubSourceHook):
    """Oracle EBS database: host, port, schema = the service name, login, password."""

    conn_type = "orderhub_oracle_ebs"
    hook_name = "orderhub: Oracle EBS"
    source = "oracle_ebs"
    fields: ClassVar[dict[str, str]] = {
        "host": "host",
        "port": "port",
        "schema": "service_name",
        "login": "user",
        "password": "password",
    }


class U8Hook(OrderhubSourceHook):
    """Yonyou U8 (SQL Server): password = the whole ODBC connection string (it holds the
    login), schema = the U8 database (UFDATA_<account>_<year>)."""

    conn_type = "orderhub_u8"
    hook_name = "orderhub: Yonyou U8"
    source = "u8"
    fields: ClassVar[dict[str, str]] = {"password": "odbc_connection_string", "schema": "database"}


SOURCE_HOOKS: dict[str, type[OrderhubSourceHook]] = {
    hook.source: hook for hook in (ShopifyHook, SapHook, OracleEbsHook, U8Hook)
}


def hook_for(source: str, conn_id: str) -> OrderhubSourceHook:
    """The hook reading ``conn_id`` for ``source`` (a source without its own connection
    type reads the generic one: every setting in ``extra``)."""
    return SOURCE_HOOKS.get(source, OrderhubSourceHook)(orderhub_conn_id=conn_id)
