"""tap-sap: SAP sales orders and customers.

Two protocols, one record shape:

* ``protocol: odata`` (default) - S/4HANA's API_SALES_ORDER_SRV (OData v2) at
  ``service_url``, customers from API_BUSINESS_PARTNER next to it; basic auth
  (``username``/``password``) or OAuth 2.0 client credentials.
* ``protocol: soap`` - SAP ECC over SOAP at ``soap_url`` (connectors/sap/ecc), with
  ``username``/``password`` and the server's ``timezone``.

Secrets (``password``, ``oauth_client_secret``) are singer-sdk secrets: never logged.
"""

from __future__ import annotations

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.contrib.msgspec import MsgSpecWriter

from connectors.sap.streams import CustomersStream, OrdersStream


class TapSap(Tap):
    """Singer tap for SAP sales orders and customers, incremental on LastChangeDateTime."""

    name = "tap-sap"
    package_name = "orderhub"
    message_writer_class = MsgSpecWriter
    config_jsonschema = th.PropertiesList(
        th.Property(
            "protocol",
            th.StringType,
            default="odata",
            allowed_values=["odata", "soap"],
            description="odata: S/4HANA API_SALES_ORDER_SRV; soap: SAP ECC web services",
        ),
        th.Property(
            "service_url",
            th.StringType,
            description="OData: URL of API_SALES_ORDER_SRV, e.g. "
            "https://my-s4.example.com/sap/opu/odata/sap/API_SALES_ORDER_SRV",
        ),
        th.Property(
            "business_partner_url",
            th.StringType,
            description="OData: URL of API_BUSINESS_PARTNER (default: next to service_url)",
        ),
        th.Property("soap_url", th.StringType, description="SOAP: ECC endpoint URL"),
        th.Property(
            "auth_method",
            th.StringType,
            default="basic",
            allowed_values=["basic", "oauth2"],
            description="OData: basic (communication user) or oauth2 (client credentials)",
        ),
        th.Property("username", th.StringType, description="Communication user (both)"),
        th.Property(
            "password", th.StringType, secret=True, description="Its password (both protocols)"
        ),
        th.Property("oauth_token_url", th.StringType, description="OAuth2: token endpoint"),
        th.Property("oauth_client_id", th.StringType, description="OAuth2: client id"),
        th.Property(
            "oauth_client_secret", th.StringType, secret=True, description="OAuth2: secret"
        ),
        th.Property("oauth_scope", th.StringType, description="OAuth2: scope, if required"),
        th.Property(
            "sap_client",
            th.StringType,
            description="SAP client (Mandant), sent as sap-client, e.g. 100",
        ),
        th.Property(
            "sap_language",
            th.StringType,
            default="EN",
            description="Logon language (sap-language): texts and messages",
        ),
        th.Property(
            "timezone",
            th.StringType,
            default="UTC",
            description="SOAP only: time zone of the ECC server's dates and times",
        ),
        th.Property(
            "bp_timezone",
            th.StringType,
            default="UTC",
            description="OData: system time zone of business partner change dates/times",
        ),
        th.Property("start_date", th.DateTimeType, description="Read changes from here"),
        th.Property(
            "lookback_minutes",
            th.NumberType,
            default=10,
            description="Re-read this far before the bookmark (update tasks commit late)",
        ),
        th.Property("page_size", th.IntegerType, default=200, description="Rows per request"),
        th.Property(
            "follow_next",
            th.BooleanType,
            default=True,
            description="Follow the server's __next links; false: restart each page at the "
            "last timestamp read (for gateways whose $skiptoken is a plain offset)",
        ),
        th.Property(
            "request_timeout",
            th.NumberType,
            default=60,
            description="Seconds to wait for one answer before retrying",
        ),
        th.Property(
            "max_attempts",
            th.IntegerType,
            default=6,
            description="Tries per request (the first included) before the sync fails",
        ),
        th.Property(
            "backoff_factor",
            th.NumberType,
            default=1.0,
            description="First retry wait in seconds; doubles per attempt",
        ),
    ).to_dict()

    def discover_streams(self) -> list[Stream]:
        return [OrdersStream(self), CustomersStream(self)]


if __name__ == "__main__":
    TapSap.cli()
