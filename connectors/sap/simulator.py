"""A local S/4HANA: API_SALES_ORDER_SRV and API_BUSINESS_PARTNER over OData v2.

Served under SAP's paths (``/sap/opu/odata/sap/<service>/``) on 127.0.0.1, with:

- ``$metadata`` from the EDMX documents in ``metadata/``;
- the query options of :mod:`connectors.sap.sim_service` (filters, paging, expand);
- ``sap-client``: another client than the system's is a 401, as a user exists per client;
- basic auth for the communication user, and OAuth 2.0 client credentials at
  ``/sap/bc/sec/oauth2/token`` (tokens expire after ``token_lifetime`` seconds);
- OData error bodies, JSON or XML (``$format``/``Accept``), with SAP's codes;
- the kit's faults: 429 + Retry-After, 503, slow answers, truncated pages, expired tokens.

Run it with ``python -m connectors.sap.simulator``; it prints the tap settings.
"""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from connectors.sap.sim_data import PARTNER_CODES, SapStore
from connectors.sap.sim_odata import QueryError
from connectors.sap.sim_rows import order_rows, partner_row
from connectors.sap.sim_service import SimulatedService
from orderhub.connector_kit.http_simulator import (
    Answer,
    FaultCounters,
    LoopbackServer,
    Request,
    json_answer,
)
from orderhub.connector_kit.source import Fault

ODATA_ROOT = "/sap/opu/odata/sap"
TOKEN_PATH = "/sap/bc/sec/oauth2/token"
SALES = "API_SALES_ORDER_SRV"
PARTNERS = "API_BUSINESS_PARTNER"


class SapSimulator(LoopbackServer):
    """The simulated system (see the module docstring); the kit's SimulatedSource."""

    retry_after_seconds = 1.0
    slow_seconds = 1.5

    def __init__(
        self,
        *,
        seed: int = 7,
        count: int = 40,
        port: int = 0,
        host: str = "127.0.0.1",
        sap_client: str = "100",
        username: str = "ORDERHUB_COMM",
        password: str = "Welcome-S4-2024!",
        client_id: str = "ORDERHUB_OAUTH",
        client_secret: str = "oauth-secret-8f3a1c",
        token_lifetime: float = 3600.0,
    ) -> None:
        super().__init__(host=host, port=port)
        self.store = SapStore(seed=seed, count=count)
        self.sap_client, self.username, self.password = sap_client, username, password
        self.client_id, self.client_secret = client_id, client_secret
        self.token_lifetime = token_lifetime
        self.tokens: dict[str, float] = {}
        self.faults = FaultCounters()
        self.lock = threading.RLock()
        self.partner_codes = "internal"
        #: Error bodies as XML even when JSON was asked for (some gateways do).
        self.xml_errors = False
        #: Every API request (method, path, query), for tests to inspect.
        self.requests: list[Request] = []
        self.services = {
            SALES: SimulatedService(SALES, {"A_SalesOrder": self._order_rows}),
            PARTNERS: SimulatedService(PARTNERS, {"A_BusinessPartner": self._partner_rows}),
        }
        self.services[SALES].server_page_size = 6

    # -- data as the services see it ---------------------------------------------------

    def _order_rows(self) -> list[dict[str, Any]]:
        with self.store.lock:
            return order_rows(self.store, PARTNER_CODES[self.partner_codes])

    def _partner_rows(self) -> list[dict[str, Any]]:
        with self.store.lock:
            return [partner_row(p) for p in self.store.partners.values()]

    # -- HTTP --------------------------------------------------------------------------

    def handle(self, request: Request) -> Answer:
        if request.path == "/_simulator/health":
            return json_answer(200, {"ok": True})
        if request.path == "/_simulator/faults" and request.method == "POST":
            for name, count in json.loads(request.body or b"{}").items():
                self.inject(Fault(name), int(count))
            return json_answer(200, asdict(self.faults))
        if request.path == TOKEN_PATH:
            return self._token(request)
        with self.lock:
            self.requests.append(request)
        service_name, _, rest = request.path.removeprefix(ODATA_ROOT + "/").partition("/")
        service = self.services.get(service_name)
        if not request.path.startswith(ODATA_ROOT + "/") or service is None:
            return self._error(
                request,
                404,
                "/IWFND/MED/170",
                f"No service found for namespace '/SAP/', name '{service_name}', version '0001'",
            )
        client = request.query.get("sap-client", self.sap_client)
        if client != self.sap_client or not self._authorized(request):
            return (
                401,
                {
                    "Content-Type": "text/plain; charset=utf-8",
                    "WWW-Authenticate": f'Basic realm="SAP NetWeaver Application Server '
                    f'[S4H/{client}]"',
                },
                b"Logon failed",
            )
        if answer := self._fault():
            return answer
        # __next links name the host the client asked for, as a gateway behind a DNS name
        # does: a simulator serving 0.0.0.0 in a container is reached as sap-simulator:8766.
        origin = f"http://{request.headers['host']}" if "host" in request.headers else None
        base = f"{origin or self.base_url}{ODATA_ROOT}/{service_name}"
        if rest == "$metadata":
            return 200, {"Content-Type": "application/xml"}, service.document
        try:
            with self.store.lock:
                body = service.answer(base, rest, request.query)
        except QueryError as exc:
            return self._error(request, exc.status, exc.code, str(exc))
        payload = json.dumps(body, ensure_ascii=False).encode()
        if self._take("malformed_page"):
            payload = payload[: max(1, len(payload) // 2)]
        return (
            200,
            {"Content-Type": "application/json; charset=utf-8", "DataServiceVersion": "2.0"},
            payload,
        )

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            return secrets.compare_digest(header[6:], expected)
        if header.startswith("Bearer "):
            with self.lock:
                expires = self.tokens.get(header[7:])
            return expires is not None and time.monotonic() < expires
        return False

    def _token(self, request: Request) -> Answer:
        form = {k: v[-1] for k, v in parse_qs(request.body.decode()).items()}
        header = request.headers.get("authorization", "")
        given = base64.b64decode(header[6:]).decode() if header.startswith("Basic ") else ""
        if form.get("grant_type") != "client_credentials":
            return json_answer(400, {"error": "unsupported_grant_type"})
        if given != f"{self.client_id}:{self.client_secret}":
            return json_answer(
                401,
                {"error": "invalid_client", "error_description": "Client authentication failed"},
            )
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = time.monotonic() + self.token_lifetime
        return json_answer(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": int(self.token_lifetime),
                "scope": form.get("scope", "API_SALES_ORDER_SRV_0001"),
            },
        )

    def _error(self, request: Request, status: int, code: str, message: str) -> Answer:
        wants_xml = self.xml_errors or (
            request.query.get("$format") != "json"
            and "json" not in request.headers.get("accept", "")
        )
        if wants_xml:
            body = (
                '<?xml version="1.0" encoding="utf-8"?><error xmlns="http://schemas.microsoft.'
                f'com/ado/2007/08/dataservices/metadata"><code>{code}</code><message '
                f'xml:lang="en">{message}</message></error>'
            ).encode()
            return status, {"Content-Type": "application/xml"}, body
        return json_answer(
            status,
            {
                "error": {
                    "code": code,
                    "message": {"lang": "en", "value": message},
                    "innererror": {
                        "transactionid": secrets.token_hex(16).upper(),
                        "timestamp": datetime.now(UTC).strftime("%Y%m%d%H%M%S.%f"),
                        "Error_Resolution": {
                            "SAP_Transaction": "Run transaction "
                            "/IWFND/ERROR_LOG on SAP Gateway hub system"
                        },
                        "errordetails": [],
                    },
                }
            },
        )

    # -- faults ------------------------------------------------------------------------

    def inject(self, fault: Fault, count: int) -> None:
        """Make the next ``count`` API requests fail with ``fault``; an expired token
        invalidates every token issued so far."""
        with self.lock:
            if fault is Fault.EXPIRED_TOKEN:
                self.tokens.clear()
                return
            setattr(self.faults, fault.value, getattr(self.faults, fault.value) + count)

    def _take(self, name: str) -> bool:
        with self.lock:
            left = getattr(self.faults, name)
            if left > 0:
                setattr(self.faults, name, left - 1)
            return left > 0

    def _fault(self) -> Answer | None:
        if self._take("rate_limited"):
            return json_answer(
                429,
                {"error": {"code": "429", "message": {"lang": "en", "value": "Too many requests"}}},
                {"Retry-After": str(self.retry_after_seconds)},
            )
        if self._take("server_error"):
            return 503, {"Content-Type": "text/html"}, b"<html>Service unavailable</html>"
        if self._take("timeout"):
            time.sleep(self.slow_seconds)
        return None

    # -- the connector kit's SimulatedSource ---------------------------------------------

    @property
    def service_url(self) -> str:
        return f"{self.base_url}{ODATA_ROOT}/{SALES}"

    def tap_config(self) -> dict[str, Any]:
        """OAuth settings; small pages so windows and server pages both cross; fast retries."""
        return {
            "service_url": self.service_url,
            "auth_method": "oauth2",
            "oauth_token_url": f"{self.base_url}{TOKEN_PATH}",
            "oauth_client_id": self.client_id,
            "oauth_client_secret": self.client_secret,
            "oauth_scope": "API_SALES_ORDER_SRV_0001",
            "sap_client": self.sap_client,
            "sap_language": "EN",
            "page_size": 15,
            "lookback_minutes": 10,
            "backoff_factor": 0.01,
            "request_timeout": 1,
        }

    def basic_config(self) -> dict[str, Any]:
        """The same system with the communication user's basic auth."""
        config = {k: v for k, v in self.tap_config().items() if not k.startswith("oauth")}
        return {
            **config,
            "auth_method": "basic",
            "username": self.username,
            "password": self.password,
        }

    def current(self, stream: str) -> dict[str, str]:
        if stream == "orders":
            return self.store.order_versions()
        return self.store.partner_versions()

    def change(self, count: int) -> dict[str, set[str]]:
        return {
            "orders": self.store.change_orders(count),
            "customers": self.store.change_partners(max(1, count // 3)),
        }

    def change_late(self, count: int, before: timedelta) -> dict[str, set[str]]:
        at = datetime.now(UTC) - before
        return {
            "orders": self.store.change_orders(count, at=at),
            "customers": self.store.change_partners(max(1, count // 3), at=at),
        }

    def corrupt(self, kind: str) -> str:
        """Make one order send bad input, as a broken customising or gateway would:
        ``malformed_decimal`` (TotalNetAmount "12,50"), ``unknown_status``
        (OverallSDProcessStatus "X"), ``null_key`` (SalesOrder "") or ``gateway_error``
        (every read of it fails with a 500 and an OData error body); its number."""
        bad = {
            "malformed_decimal": {"TotalNetAmount": "12,50"},
            "unknown_status": {"OverallSDProcessStatus": "X"},
            "null_key": {"SalesOrder": ""},
            # a unit missing from T006: the gateway fails every page holding the order
            "gateway_error": {"_poison": "Unit of measure PCE is not defined (table T006)"},
        }[kind]
        with self.store.lock:
            taken = {n for n, o in self.store.orders.items() if o.extra}
            number = sorted(set(self.store.orders) - taken)[len(taken)]
            order = self.store.orders[number]
            order.extra.update(bad)
            order.changed = datetime.now(UTC)
        return number

    def delete(self, count: int) -> dict[str, set[str]]:
        raise NotImplementedError("OData v2 shows no deletes: the connector does not detect them")


@contextmanager
def simulate(seed: int = 7, count: int = 40) -> Iterator[SapSimulator]:
    """A started, seeded S/4HANA simulator (stopped afterwards)."""
    simulator = SapSimulator(seed=seed, count=count)
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.stop()


def main() -> None:
    """Serve a seeded simulator until interrupted; prints tap settings for it."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="0.0.0.0: reachable from other hosts")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    simulator = SapSimulator(seed=args.seed, count=args.orders, host=args.host, port=args.port)
    try:
        simulator.start()
        print(json.dumps(simulator.basic_config(), indent=2), flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()


if __name__ == "__main__":
    main()
