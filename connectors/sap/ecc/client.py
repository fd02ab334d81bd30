"""SAP ECC sales orders and customers through the ZSD_SALESORDERS SOAP service (zeep).

ECC has no API_SALES_ORDER_SRV: the orders come from a custom RFC function module exposed
as a web service in SOAMANAGER (Z_SD_SALESORDERS.wsdl, docs/sources/sap.md "ECC (SOAP)").
:class:`EccClient` reads it and yields records in exactly the shape tap-sap's OData
streams emit (see :mod:`connectors.sap.ecc.records`), so one mapping serves both.

Change-data capture: the service selects by change stamp, a date + time in the ECC
server's local time. tap-sap's streams pass ``since`` = bookmark minus
``lookback_minutes`` (changes commit after their stamp is taken); the client turns it into
that wall time with the ``timezone`` setting (widened over a repeated DST hour, see
:mod:`connectors.sap.ecc.stamps`), pages by the continuation key (stamp, number) the
service returns, and drops a version it already yielded in this run. Deletes are not
visible to it.

The WSDL is the local copy (a real one sits behind the same logon); only the endpoint
comes from ``soap_url``; ``sap_client`` is sent as the ``sap-client`` query parameter.
"""

from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
import zeep
from lxml import etree
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from zeep import exceptions as zeep_errors
from zeep.helpers import serialize_object

from connectors.sap.ecc import records
from connectors.sap.ecc.stamps import changed_since, zone
from orderhub.connector_kit.http import ResilientHTTPMixin, short
from orderhub.exceptions import ConfigurationError

WSDL = Path(__file__).with_name("Z_SD_SALESORDERS.wsdl")
NAMESPACE = "urn:sap-com:document:sap:rfc:functions"
BINDING = f"{{{NAMESPACE}}}ZSD_SALESORDERS_BINDING"
#: A body that is cut off or not the operation's answer: a malformed page, retried.
MALFORMED = (
    etree.XMLSyntaxError,
    zeep_errors.XMLSyntaxError,
    zeep_errors.XMLParseError,
    zeep_errors.UnexpectedElementError,
    zeep_errors.ValidationError,
)
#: The service's own bound on IV_MAX_ROWS.
MAX_ROWS = 5000


class EccServiceError(FatalAPIError):
    """The service answered, but with an error (a BAPIRET2 E/A message or a SOAP fault)."""


@dataclass(frozen=True)
class Operation:
    """One function module of the service and how it pages."""

    name: str
    stream: str
    #: The continuation key's document-number parameter (IV_CONT_<key>/EV_CONT_<key>).
    key: str


ORDERS = Operation("Z_SD_SALESORDERS_CHANGED", "orders", "VBELN")
CUSTOMERS = Operation("Z_SD_CUSTOMERS_CHANGED", "customers", "KUNNR")


class EccClient(ResilientHTTPMixin):
    """Changed orders and customers of one ECC client, page by page.

    Retries (attempts, exponential backoff, ``Retry-After``) are the kit's
    ResilientHTTPMixin, so ECC fails and recovers like the REST sources; zeep's errors
    are classified here instead of HTTP responses.
    """

    credential_setting = "password"

    def __init__(self, config: Mapping[str, Any], logger: logging.Logger | None = None) -> None:
        self.config = config
        self.logger = logger or logging.getLogger("tap-sap.ecc")
        self.name = ORDERS.stream
        self.operation = ORDERS.name
        self.tz = zone(config.get("timezone"))
        self.page_size = int(config.get("page_size") or 100)
        if not 1 <= self.page_size <= MAX_ROWS:
            raise ConfigurationError(
                f"SAP ECC: `page_size` must be from 1 to {MAX_ROWS}, not {self.page_size}"
            )
        for setting in ("soap_url", "username", "password"):
            if not config.get(setting):
                raise ConfigurationError(f"SAP ECC: set `{setting}` (protocol soap)")
        self.address = endpoint(str(config["soap_url"]), config.get("sap_client"))
        #: zeep's errors drop the HTTP response; a 429's ``Retry-After`` is read from here.
        self.last_response: requests.Response | None = None
        session = requests.Session()
        session.auth = (str(config["username"]), str(config["password"]))
        session.hooks["response"].append(self._remember)
        transport = zeep.Transport(session=session, operation_timeout=self.timeout)
        client = zeep.Client(str(WSDL), transport=transport)
        self.service = client.create_service(BINDING, self.address)

    @property
    def url_base(self) -> str:
        """The SOAP endpoint without user info or query (the mixin names it in messages)."""
        return redact(self.address)

    def where(self, response: requests.Response | None = None) -> str:
        """``SAP ECC operation X (stream y) at <endpoint>`` for messages."""
        return f"SAP ECC operation {self.operation} (stream '{self.name}') at {self.url_base}"

    def _remember(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.last_response = response

    # -- the interface tap-sap calls ------------------------------------------------------

    def orders(self, since: datetime | None) -> Iterator[dict[str, Any]]:
        """Orders changed at or after ``since`` (all if None), by LastChangeDateTime."""
        for answer in self.pages(ORDERS, since):
            items: dict[str, list[dict[str, Any]]] = defaultdict(list)
            partners: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for item in rows(answer, "ET_ITEMS"):
                items[str(item["VBELN"]).strip()].append(item)
            for partner in rows(answer, "ET_PARTNERS"):
                partners[str(partner["VBELN"]).strip()].append(partner)
            for header in rows(answer, "ET_HEADERS"):
                number = str(header["VBELN"]).strip()
                yield self.convert(
                    records.order_record, header, items[number], partners[number], self.tz
                )

    def customers(self, since: datetime | None) -> Iterator[dict[str, Any]]:
        """Customers changed at or after ``since`` (all if None), by LastChangeDateTime."""
        for answer in self.pages(CUSTOMERS, since):
            for row in rows(answer, "ET_CUSTOMERS"):
                yield self.convert(records.customer_record, row, self.tz)

    # -- paging ---------------------------------------------------------------------------

    def pages(self, operation: Operation, since: datetime | None) -> Iterator[dict[str, Any]]:
        """Each answer of ``operation`` from ``since`` on, following the continuation key.

        A version already read in this run (the same number and stamp) is dropped from
        later pages: an order changed mid-run is read again with its new stamp only.
        """
        self.name, self.operation = operation.stream, operation.name
        arguments: dict[str, Any] = {"IV_MAX_ROWS": self.page_size}
        if since is None:
            arguments.update(IV_CHANGED_DATE="0000-00-00", IV_CHANGED_TIME="00:00:00")
        else:
            wall = changed_since(since, self.tz)
            arguments.update(
                IV_CHANGED_DATE=wall.date().isoformat(),
                IV_CHANGED_TIME=wall.time().isoformat(timespec="seconds"),
            )
        seen: set[tuple[str, str, str]] = set()
        previous: tuple[Any, ...] | None = None
        while True:
            answer = self.call(operation, **arguments)
            table = "ET_HEADERS" if operation is ORDERS else "ET_CUSTOMERS"
            fresh = []
            for row in rows(answer, table):
                version = (str(row[operation.key]).strip(), str(row["UDATE"]), str(row["UTIME"]))
                if version not in seen:
                    seen.add(version)
                    fresh.append(row)
            answer[table] = {"item": fresh}
            yield answer
            if (answer.get("EV_MORE_DATA") or "").strip() != "X":
                return
            key: tuple[Any, ...] = (
                answer.get("EV_CONT_DATE"),
                answer.get("EV_CONT_TIME"),
                answer.get(f"EV_CONT_{operation.key}"),
            )
            if key == previous or not all(key):
                raise EccServiceError(
                    f"{self.where()} said more data follows but returned the continuation "
                    f"key {key!r} ({'unchanged' if key == previous else 'incomplete'}): the "
                    "function module's paging is broken; check its continuation logic"
                )
            previous = key
            arguments.update(
                IV_CONT_DATE=key[0], IV_CONT_TIME=key[1], **{f"IV_CONT_{operation.key}": key[2]}
            )

    def convert(self, build: Any, *args: Any) -> dict[str, Any]:
        """One row as a record; a row without a change stamp stops the run, named."""
        try:
            record: dict[str, Any] = build(*args)
        except (ValueError, KeyError) as exc:
            raise EccServiceError(f"{self.where()}: unusable row: {exc}") from None
        return record

    # -- calls ------------------------------------------------------------------------------

    def call(self, operation: Operation, **arguments: Any) -> dict[str, Any]:
        """One answer of ``operation`` as plain dicts, retried like the kit's streams."""
        self.name, self.operation = operation.stream, operation.name
        attempts, attempt = self.backoff_max_tries(), 0
        while True:
            attempt += 1
            self.last_response = None
            try:
                method = getattr(self.service, operation.name)
                answer: dict[str, Any] = serialize_object(method(**arguments), dict)
                break
            except (zeep_errors.Error, etree.XMLSyntaxError, requests.RequestException) as exc:
                error = self.retriable(exc)
            if attempt >= attempts:
                raise FatalAPIError(
                    f"Giving up on {self.where()} after {attempts} attempts: {error}"
                ) from error
            wait = self.retry_wait(error, attempt - 1)
            self.backoff_handler({"wait": wait, "tries": attempt, "exception": error})
            time.sleep(wait)
        self.check_return(answer)
        return answer

    def check_return(self, answer: Mapping[str, Any]) -> None:
        """Raise for an E/A message in RETURN (BAPIRET2); log the others."""
        for message in rows(answer, "RETURN"):
            kind = (message.get("TYPE") or "").strip()
            text = bapiret_text(message)
            if kind in {"E", "A"}:
                raise EccServiceError(
                    f"{self.where()} returned an error: {text}. {advice(message)}"
                )
            if kind in {"W", "I", "S"} and text:
                self.logger.warning("%s says: %s", self.where(), text)

    def retriable(self, exc: Exception) -> RetriableAPIError:
        """``exc`` as a retriable error, or a ``FatalAPIError`` raised if retrying cannot help.

        The HTTP status decides first: zeep reads any XML-ish body (an ICF HTML page
        too) as a fault without a code, so only a fault with a ``faultcode`` is SOAP's.
        """
        where = self.where()
        response = self.last_response
        status = response.status_code if response is not None else None
        if isinstance(exc, zeep_errors.TransportError):
            status = exc.status_code
        if isinstance(exc, zeep_errors.Fault) and exc.code:
            message = f"SOAP fault {exc.code} from {where}: {fault_text(exc)}"
            if exc.code.endswith("Server"):  # a dump, a lock: may pass
                return RetriableAPIError(message)
            raise EccServiceError(
                f"{message}. The request was refused: check `soap_url` points at the "
                "ZSD_SALESORDERS binding and that the function module matches the WSDL"
            ) from None
        if status is not None and status != HTTPStatus.OK:
            return self.http_error(status, short(response.text) if response is not None else "")
        if isinstance(exc, requests.RequestException):  # a timeout, a refused connection
            return RetriableAPIError(f"{type(exc).__name__} for {where}: {redact_text(str(exc))}")
        if isinstance(exc, (*MALFORMED, zeep_errors.TransportError, zeep_errors.Fault)):
            return RetriableAPIError(f"Malformed answer (HTTP 200) from {where}: {exc}")
        raise FatalAPIError(f"{type(exc).__name__} calling {where}: {exc}") from exc

    def http_error(self, status: int, body: str) -> RetriableAPIError:
        """An HTTP error status: retriable (429, 5xx), or raised with what to fix."""
        where = self.where()
        if status == HTTPStatus.UNAUTHORIZED:
            raise FatalAPIError(
                f"SAP rejected the logon (HTTP 401) for {where}: {body}. Check the `username` "
                "and `password` settings (is the password expired or the user locked? SU01) "
                "and `sap_client`."
            )
        if status == HTTPStatus.FORBIDDEN:
            raise FatalAPIError(
                f"SAP refused the call (HTTP 403) for {where}: {body}. The user lacks an "
                "authorization: give it S_SERVICE for the service and S_RFC for function group "
                "ZSD_ORDERHUB (SU53 shows the failed check); `password` itself was accepted."
            )
        if status == HTTPStatus.TOO_MANY_REQUESTS or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            return RetriableAPIError(f"HTTP {status} from {where}: {body}", self.last_response)
        if status == HTTPStatus.NOT_FOUND:
            raise FatalAPIError(
                f"HTTP 404 from {where}: no service there. Check `soap_url` (SOAMANAGER shows "
                "the binding's URL) and that the ICF node is active (SICF)."
            )
        raise FatalAPIError(f"HTTP {status} from {where}: {body}")


# -- helpers --------------------------------------------------------------------------------


def rows(answer: Mapping[str, Any], table: str) -> list[dict[str, Any]]:
    """The ``<item>`` rows of a table parameter (absent or empty -> [])."""
    value = answer.get(table) or {}
    items = value.get("item") if isinstance(value, Mapping) else value
    return list(items or [])


def bapiret_text(message: Mapping[str, Any]) -> str:
    """A BAPIRET2 row as ``E ZSD_OH/010: text (parameter IV_X, field Y)``."""
    kind = (message.get("TYPE") or "").strip()
    ident = f"{(message.get('ID') or '').strip()}/{(message.get('NUMBER') or '').strip()}"
    text = " ".join(str(message.get("MESSAGE") or "").split())
    pairs = (("parameter", message.get("PARAMETER")), ("field", message.get("FIELD")))
    where = [f"{label} {value.strip()}" for label, value in pairs if value and value.strip()]
    return f"{kind} {ident}: {text}" + (f" ({', '.join(where)})" if where else "")


def advice(message: Mapping[str, Any]) -> str:
    """What to fix for a RETURN error, from its parameter or message."""
    parameter = (message.get("PARAMETER") or "").strip()
    if parameter == "IV_MAX_ROWS":
        return f"Lower the `page_size` setting (1 to {MAX_ROWS})."
    if parameter in {"IV_CHANGED_DATE", "IV_CHANGED_TIME"}:
        return "Check the `start_date` setting and the stream's bookmark."
    if "authoriz" in str(message.get("MESSAGE") or "").lower():
        return "Give the ECC user the missing authorization (SU53 shows it), then sync again."
    return "See the message in SE91 and the function module's documentation."


def fault_text(fault: zeep_errors.Fault) -> str:
    """faultstring plus an ABAP exception's name and text from ``detail``, if any."""
    text = " ".join(str(fault.message or "").split())
    detail = fault.detail
    if detail is not None:
        names = [e.text for e in detail.iter() if etree.QName(e).localname == "Name" and e.text]
        texts = [e.text for e in detail.iter() if etree.QName(e).localname == "Text" and e.text]
        if names:
            text += f" [exception {names[0]}{': ' + texts[0] if texts else ''}]"
    return text


def endpoint(url: str, sap_client: Any) -> str:
    """``soap_url`` with ``sap-client`` set (replacing one already in the URL)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigurationError(f"SAP ECC: `soap_url` must be an http(s) URL, not {redact(url)!r}")
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "sap-client"]
    if sap_client not in (None, ""):
        client = str(sap_client)
        if not (client.isdigit() and len(client) == 3):
            raise ConfigurationError(
                f"SAP ECC: `sap_client` must be three digits such as 100, not {client!r}"
            )
        query.append(("sap-client", client))
    return urlunsplit(parts._replace(query=urlencode(query)))


def redact(url: str) -> str:
    """A URL without user info or query: safe in messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def redact_text(text: str) -> str:
    """A transport error's text with any ``user:password@`` removed."""
    return re.sub(r"//[^/@\s]+@", "//", text)
