"""How tap-sap proves who it is: HTTP basic, or OAuth 2.0 client credentials.

S/4HANA exposes API_SALES_ORDER_SRV through a communication arrangement (SAP_COM_0109);
its communication user logs on with basic auth, or the system's OAuth 2.0 server issues
tokens for a client id/secret. Errors name the setting to fix, never its value.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from orderhub.exceptions import ConfigurationError, RetryableSourceError

#: A token is renewed this many seconds before the server says it expires.
EXPIRY_MARGIN_SECONDS = 30.0


class Credentials:
    """Adds credentials to a request; :meth:`renew` after the server rejected them."""

    #: The settings an authentication error tells the user to check.
    settings: tuple[str, ...] = ()

    def apply(self, headers: dict[str, str]) -> httpx.Auth | None:
        """Set auth headers (or return an httpx auth) for one request."""
        raise NotImplementedError

    def renew(self) -> bool:
        """Get fresh credentials after a 401; False if there is nothing to renew."""
        return False


class BasicCredentials(Credentials):
    """The communication user's name and password."""

    settings = ("username", "password")

    def __init__(self, username: str, password: str) -> None:
        self._auth = httpx.BasicAuth(username, password)

    def apply(self, headers: dict[str, str]) -> httpx.Auth | None:
        return self._auth


class OAuthClientCredentials(Credentials):
    """OAuth 2.0 client credentials: a bearer token fetched, cached and renewed."""

    settings = ("oauth_client_id", "oauth_client_secret")

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str | None,
        http: httpx.Client,
    ) -> None:
        self.token_url, self.scope, self._http = token_url, scope, http
        self._client = httpx.BasicAuth(client_id, client_secret)
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def apply(self, headers: dict[str, str]) -> httpx.Auth | None:
        with self._lock:
            if self._token is None or time.monotonic() >= self._expires_at:
                self._fetch()
            headers["Authorization"] = f"Bearer {self._token}"
        return None

    def renew(self) -> bool:
        with self._lock:
            self._fetch()
        return True

    def _fetch(self) -> None:
        """POST the client credentials grant; the client authenticates with HTTP basic
        (RFC 6749 2.3.1), as SAP's OAuth servers expect."""
        form = {"grant_type": "client_credentials"}
        if self.scope:
            form["scope"] = self.scope
        where = urlsplit(self.token_url)._replace(query="", fragment="").geturl()
        try:
            response = self._http.post(self.token_url, data=form, auth=self._client)
        except httpx.TransportError as exc:
            raise RetryableSourceError(
                f"Cannot reach the OAuth token endpoint {where} ({type(exc).__name__}); "
                "check the `oauth_token_url` setting."
            ) from None
        if response.status_code in (400, 401, 403):
            raise ConfigurationError(
                f"The OAuth token endpoint {where} refused the client credentials "
                f"(HTTP {response.status_code}, {_oauth_error(response)}); check the "
                "`oauth_client_id`, `oauth_client_secret` and `oauth_scope` settings."
            )
        if response.status_code >= 500:
            raise RetryableSourceError(
                f"The OAuth token endpoint {where} failed (HTTP {response.status_code})."
            )
        try:
            body: Mapping[str, Any] = response.json()
            token = str(body["access_token"])
        except (ValueError, KeyError, TypeError):
            raise ConfigurationError(
                f"The OAuth token endpoint {where} answered without an access_token; "
                "check the `oauth_token_url` setting."
            ) from None
        lifetime = float(body.get("expires_in") or 3600)
        self._token = token
        self._expires_at = time.monotonic() + max(0.0, lifetime - EXPIRY_MARGIN_SECONDS)


def _oauth_error(response: httpx.Response) -> str:
    """The RFC 6749 ``error`` code only: descriptions may quote what was sent."""
    try:
        return str(response.json().get("error", "no error code"))
    except (ValueError, AttributeError):
        return "no error code"


def credentials_from(config: Mapping[str, Any], http: httpx.Client) -> Credentials:
    """Basic or OAuth credentials, as ``auth_method`` says; names missing settings."""
    method = config.get("auth_method") or "basic"
    if method == "basic":
        missing = [s for s in ("username", "password") if not config.get(s)]
        if missing:
            raise ConfigurationError(f"auth_method basic needs the settings {missing}")
        return BasicCredentials(str(config["username"]), str(config["password"]))
    if method == "oauth2":
        needed = ("oauth_token_url", "oauth_client_id", "oauth_client_secret")
        missing = [s for s in needed if not config.get(s)]
        if missing:
            raise ConfigurationError(f"auth_method oauth2 needs the settings {missing}")
        return OAuthClientCredentials(
            token_url=str(config["oauth_token_url"]),
            client_id=str(config["oauth_client_id"]),
            client_secret=str(config["oauth_client_secret"]),
            scope=config.get("oauth_scope"),
            http=http,
        )
    raise ConfigurationError(f"auth_method must be 'basic' or 'oauth2', not {method!r}")
