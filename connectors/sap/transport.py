"""One OData GET with SAP's auth, retries and error bodies turned into clear errors.

- 429 waits ``Retry-After``; 5xx, timeouts, connection errors and a 200 whose body is
  not JSON (a truncated page) back off exponentially, at most ``max_attempts`` tries;
- 401 renews an OAuth token once; a second 401 (or one with basic auth) is a
  :class:`ConfigurationError` naming the credential and ``sap_client`` settings: SAP
  answers 401 for a user that does not exist *in that client*;
- an OData error body (``{"error": {"code", "message": {"value"}}}`` or its XML form) is
  quoted with the entity set it concerns;
- URLs in messages lose their query and user info; secrets never appear.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import httpx
from lxml import etree

from connectors.sap.auth import Credentials
from orderhub.connector_kit.http import MAX_WAIT_SECONDS, short
from orderhub.exceptions import ConfigurationError, RetryableSourceError, SourceError

logger = logging.getLogger("tap-sap")
_ODATA_METADATA_NS = "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"


def plain_url(url: str) -> str:
    """``scheme://host:port/path``: no query (it may carry tokens), no user info."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return parts._replace(netloc=netloc, query="", fragment="").geturl()


def odata_error(body: bytes) -> str | None:
    """``code: message`` of an OData v2 error body (JSON or XML), else None."""
    text = body.strip()
    if text.startswith(b"{"):
        try:
            error = json.loads(text).get("error")
        except (ValueError, AttributeError):
            return None
        if not isinstance(error, dict):
            return None
        message = error.get("message")
        value = message.get("value") if isinstance(message, dict) else message
        return f"{error.get('code', '?')}: {value}"
    if text.startswith(b"<"):
        try:
            root = etree.fromstring(text, parser=etree.XMLParser(resolve_entities=False))
        except etree.XMLSyntaxError:
            return None
        if etree.QName(root).localname != "error":
            return None
        code = root.findtext(f"{{{_ODATA_METADATA_NS}}}code") or root.findtext("code") or "?"
        message = root.findtext(f"{{{_ODATA_METADATA_NS}}}message") or root.findtext("message")
        return f"{code}: {message}"
    return None


class ODataErrorAnswer(SourceError):
    """SAP answered a request with an OData error body (``message``: its code and text),
    after retries if it was a 5xx: the request is refused, not the connection."""

    def __init__(self, text: str, message: str) -> None:
        super().__init__(text)
        self.message = message


class ODataTransport:
    """GETs against one SAP system with the tap's retry policy (see module docstring)."""

    def __init__(
        self,
        http: httpx.Client,
        credentials: Credentials,
        *,
        max_attempts: int = 6,
        backoff_factor: float = 1.0,
        url_setting: str = "service_url",
    ) -> None:
        self.http, self.credentials = http, credentials
        self.max_attempts, self.backoff_factor = max(1, max_attempts), backoff_factor
        self.url_setting = url_setting

    def get(
        self, url: str, params: Mapping[str, Any] | None, *, entity_set: str, as_json: bool = True
    ) -> Any:
        """The parsed JSON body (or raw bytes with ``as_json=False``) of a GET."""
        where = f"entity set {entity_set} at {plain_url(url)}"
        renewed = False
        last: str = ""
        answered: str | None = None  # the OData error body of the last 5xx, if any
        for attempt in range(self.max_attempts):
            headers = {"Accept": "application/json" if as_json else "application/xml"}
            auth = self.credentials.apply(headers)
            try:
                response = self.http.get(url, params=params, headers=headers, auth=auth)
            except httpx.TimeoutException as exc:
                last = f"timed out ({type(exc).__name__})"
                self._wait(attempt, None, where, last)
                continue
            except httpx.TransportError as exc:
                last = f"cannot connect ({type(exc).__name__})"
                self._wait(attempt, None, where, last)
                continue
            status = response.status_code
            if status == HTTPStatus.UNAUTHORIZED:
                if not renewed and self.credentials.renew():
                    renewed = True
                    continue
                settings = ", ".join(f"`{s}`" for s in (*self.credentials.settings, "sap_client"))
                raise ConfigurationError(
                    f"SAP rejected the credentials (HTTP 401) for {where}; check the "
                    f"{settings} settings (a user exists per client)."
                )
            if status == HTTPStatus.FORBIDDEN:
                raise ConfigurationError(
                    f"SAP denied access (HTTP 403) to {where}: {self._reason(response)}; the "
                    "communication user needs the arrangement for this service (SAP_COM_0109)."
                )
            if status == HTTPStatus.TOO_MANY_REQUESTS or status >= 500:
                last = f"HTTP {status}: {self._reason(response)}"
                answered = odata_error(response.content) if status >= 500 else None
                self._wait(attempt, response, where, last)
                continue
            if status >= 400:
                text = f"SAP refused the request for {where} (HTTP {status}): "
                body = odata_error(response.content)
                if body is not None:
                    raise ODataErrorAnswer(text + body, body)
                raise SourceError(text + self._reason(response))
            answered = None
            if not as_json:
                return response.content
            try:
                return response.json()
            except ValueError:
                last = f"malformed JSON in HTTP {status}"
                self._wait(attempt, None, where, last)
        if last.startswith("cannot connect"):
            raise ConfigurationError(
                f"Cannot reach {where} after {self.max_attempts} attempts ({last}); check "
                f"the `{self.url_setting}` setting."
            )
        text = f"Giving up on {where} after {self.max_attempts} attempts: {last}"
        if answered is not None:
            raise ODataErrorAnswer(text, answered)
        raise RetryableSourceError(text)

    @staticmethod
    def _reason(response: httpx.Response) -> str:
        return odata_error(response.content) or short(response.text or "(no body)")

    def _wait(self, attempt: int, response: httpx.Response | None, where: str, what: str) -> None:
        if attempt + 1 >= self.max_attempts:
            return
        seconds = self.backoff_factor * 2**attempt * (1 + 0.1 * random.random())
        if response is not None and response.status_code == HTTPStatus.TOO_MANY_REQUESTS:
            try:
                seconds = float(response.headers.get("Retry-After", "2"))
            except ValueError:
                seconds = 2.0
        seconds = min(MAX_WAIT_SECONDS, seconds)
        logger.warning(
            "Retrying %s in %.2f s after attempt %d: %s", where, seconds, attempt + 1, what
        )
        time.sleep(seconds)
