"""Airflow hooks reading a source's connection as tap settings (see connection_types.py).

A connection of type ``orderhub_<source>`` (or the generic ``orderhub``) overlays its
pipeline's ``config`` when Airflow runs the sync. Its ``extra`` JSON holds tap settings
by their own names; the form's standard fields map to the settings its type names, and
a standard field wins over the same setting in ``extra``. The password field is the one
Airflow masks and encrypts: every source maps its main secret there.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from airflow.sdk import BaseHook
from airflow.sdk.exceptions import AirflowNotFoundException

from orderhub.airflow.connection_types import BY_SOURCE, GENERIC, ConnectionType
from orderhub.exceptions import ConfigurationError

_GUIDE = "see docs/operations.md, Connections"


class OrderhubSourceHook(BaseHook):
    """A source's connection as tap settings; subclasses set ``kind`` per source."""

    kind: ClassVar[ConnectionType] = GENERIC
    conn_name_attr = "orderhub_conn_id"
    default_conn_name = "orderhub_default"
    conn_type = GENERIC.conn_type
    hook_name = GENERIC.hook_name

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Airflow reads these class attributes; a subclass names only its ``kind``.
        super().__init_subclass__(**kwargs)
        cls.conn_type = cls.kind.conn_type
        cls.hook_name = cls.kind.hook_name

    def __init__(self, orderhub_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.orderhub_conn_id = orderhub_conn_id

    def tap_settings(self) -> dict[str, Any]:
        """The connection's values by tap setting name; a ConfigurationError saying what
        to fix when the connection is missing, of another type, or its extra is not a
        JSON object."""
        name = self.orderhub_conn_id
        try:
            connection = self.get_connection(name)
        except AirflowNotFoundException:
            raise ConfigurationError(
                f"Airflow connection {name} does not exist: create it with type "
                f"{self.kind.conn_type} ({_GUIDE})"
            ) from None
        if connection.conn_type not in (self.kind.conn_type, GENERIC.conn_type):
            raise ConfigurationError(
                f"Airflow connection {name} is of type {connection.conn_type!r}: this "
                f"pipeline reads type {self.kind.conn_type} (or {GENERIC.conn_type}, every "
                f"setting in extra); {_GUIDE}"
            )
        settings = _extra(name, connection.extra)
        if connection.conn_type == self.kind.conn_type:
            for form_field, setting in self.kind.fields.items():
                value = getattr(connection, form_field, None)
                if value not in (None, ""):
                    settings[setting] = value
        return settings

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return cls.kind.ui_field_behaviour()


def _extra(name: str, raw: str | None) -> dict[str, Any]:
    # Airflow's own extra_dejson turns broken JSON into {} with a log line: that would
    # drop every setting in it without failing the sync.
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as error:
        raise ConfigurationError(
            f"Airflow connection {name}: extra is not valid JSON ({error.args[0]}): "
            f"write a JSON object of tap settings; {_GUIDE}"
        ) from None
    if not isinstance(value, dict):
        raise ConfigurationError(
            f"Airflow connection {name}: extra must be a JSON object of tap settings; {_GUIDE}"
        )
    return value


class ShopifyHook(OrderhubSourceHook):
    """Shopify Admin GraphQL: host = the GraphQL endpoint URL, password = the token."""

    kind = BY_SOURCE["shopify"]


class SapHook(OrderhubSourceHook):
    """SAP S/4HANA OData (or ECC SOAP via extra ``protocol``): host = the service URL."""

    kind = BY_SOURCE["sap"]


class OracleEbsHook(OrderhubSourceHook):
    """Oracle EBS: host, port, schema = the service name, login, password."""

    kind = BY_SOURCE["oracle_ebs"]


class U8Hook(OrderhubSourceHook):
    """Yonyou U8: password = the whole ODBC connection string, schema = the database."""

    kind = BY_SOURCE["u8"]


SOURCE_HOOKS: dict[str, type[OrderhubSourceHook]] = {
    "shopify": ShopifyHook,
    "sap": SapHook,
    "oracle_ebs": OracleEbsHook,
    "u8": U8Hook,
}


def hook_for(source: str, conn_id: str) -> OrderhubSourceHook:
    """The hook reading ``conn_id`` for ``source`` (the generic one if it has none)."""
    return SOURCE_HOOKS.get(source, OrderhubSourceHook)(orderhub_conn_id=conn_id)
