"""A local ECC web service: ZSD_SALESORDERS as SOAMANAGER exposes it, over EccStore.

It answers the way the tap relies on the real system answering:

- the ICF path ``/sap/bc/srt/rfc/sap/zsd_salesorders/100/zsd_salesorders/
  zsd_salesorders_binding`` (``?wsdl`` serves the WSDL), ``sap-client`` as the logon client
  (absent: the system's default client; unknown: 401 "Logon failed");
- HTTP basic logon: a wrong or expired password gets 401 with ``WWW-Authenticate``;
- SOAP 1.1 only; an envelope it cannot deserialize, an unknown operation or an unknown
  element gets a ``soap-env:Client`` fault (HTTP 500), an ABAP exception a fault whose
  ``detail`` names it; the function module's own checks answer in RETURN (BAPIRET2);
- rows changed at or after IV_CHANGED_DATE/TIME (server wall time), ordered by (stamp,
  number), IV_MAX_ROWS per call and a continuation key, as the function module pages;
- the kit's faults: 429 + Retry-After, 503 from the ICM, slow answers, truncated bodies.
"""

from __future__ import annotations

import argparse
import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from connectors.sap.ecc.client import MAX_ROWS, WSDL
from connectors.sap.ecc.sim_soap import (
    HTML,
    N0,
    OPERATIONS,
    PATH,
    SYSTEM,
    XML,
    E,
    ReturnError,
    SoapFault,
    empty_answer,
    envelope,
    fault_body,
    html_page,
    note_row,
    parse_call,
    return_table,
    stamp_argument,
    table,
)
from connectors.sap.ecc.sim_store import EccStore
from connectors.sap.ecc.stamps import zone
from orderhub.connector_kit.http_simulator import (
    Answer,
    FaultCounters,
    LoopbackServer,
    Request,
    json_answer,
)
from orderhub.connector_kit.source import Fault

#: What the SOAP runtime answers when the function module dumps (e.g. TIME_OUT).
DUMP = (
    "Web service processing error; more details in the web service error log on provider "
    "side (UTC timestamp 20241027013000; Transaction ID 5E2C1A9B7F3D4E11A2B3C4D5E6F70819)"
)


class EccSimulator(LoopbackServer):
    """The service on 127.0.0.1; also the kit's SimulatedSource for ECC."""

    retry_after_seconds = 1.0
    slow_seconds = 1.5

    def __init__(
        self,
        *,
        seed: int = 7,
        count: int = 40,
        timezone: str = "Europe/Berlin",
        username: str = "ORDERHUB_RFC",
        password: str = "Init-Pass-2024!",
        client: str = "100",
        invalid_dates: int = 0,
        port: int = 0,
    ) -> None:
        super().__init__(port=port)
        self.timezone = timezone
        self.store = EccStore(zone(timezone), seed=seed, count=count, invalid_dates=invalid_dates)
        self.username, self.password, self.client = username, password, client
        self.password_expired = False
        #: Sales organisations the user has no V_VBAK_VKO authorization for.
        self.denied_sales_orgs: set[str] = set()
        self.faults = FaultCounters()
        self.lock = self.store.lock
        self.calls: list[dict[str, str]] = []  # arguments of every operation call, in order
        #: The next calls that end in a short dump (a ``soap-env:Server`` fault).
        self.dumps = 0
        #: W/I/S messages every successful call adds to RETURN.
        self.notes: list[ReturnError] = []

    @property
    def url(self) -> str:
        """The binding's endpoint (the tap's ``soap_url``)."""
        return f"{self.base_url}{PATH}"

    # -- the kit's SimulatedSource ----------------------------------------------------------

    def tap_config(self) -> dict[str, Any]:
        return {
            "protocol": "soap",
            "soap_url": self.url,
            "username": self.username,
            "password": self.password,
            "sap_client": self.client,
            "timezone": self.timezone,
            "lookback_minutes": 10,
            "page_size": 15,  # several pages even for the sample
            "backoff_factor": 0.01,
            "request_timeout": 1,
        }

    def current(self, stream: str) -> dict[str, str]:
        return self.store.current(stream)

    def change(self, count: int) -> dict[str, set[str]]:
        return self.store.change(count)

    def change_late(self, count: int, before: timedelta) -> dict[str, set[str]]:
        return self.store.change_late(count, before)

    def delete(self, count: int) -> dict[str, set[str]]:
        raise NotImplementedError("ECC change stamps do not show deletions (see sap.md)")

    def inject(self, fault: Fault, count: int) -> None:
        """The next ``count`` calls fail with ``fault``; an expired password stays expired."""
        with self.lock:
            if fault is Fault.EXPIRED_TOKEN:
                self.password_expired = True
                return
            name = fault.value
            setattr(self.faults, name, getattr(self.faults, name) + count)

    def _take(self, name: str) -> bool:
        with self.lock:
            left = getattr(self.faults, name)
            if left > 0:
                setattr(self.faults, name, left - 1)
            return bool(left > 0)

    # -- HTTP -------------------------------------------------------------------------------

    def handle(self, request: Request) -> Answer:
        """ICF: path, client, logon, faults; then the SOAP runtime."""
        if request.path == "/_simulator/health":
            return json_answer(200, {"ok": True})
        if request.path != PATH:
            return 404, HTML, html_page("Service cannot be reached", f"{request.path}: no ICF node")
        client = request.query.get("sap-client", self.client)
        if client != self.client:
            return self._unauthorized(f"Logon failed: client {client} does not exist in {SYSTEM}")
        if not self._logged_on(request.headers.get("authorization", "")):
            reason = "password expired" if self.password_expired else "name or password incorrect"
            return self._unauthorized(f"Logon failed: {reason}")
        if request.method == "GET" and "wsdl" in {k.lower() for k in request.query}:
            return 200, XML, WSDL.read_bytes()
        if request.method != "POST":
            return 405, HTML, html_page("Method not allowed", "POST SOAP 1.1 envelopes here")
        if self._take("rate_limited"):
            headers = {**HTML, "Retry-After": str(self.retry_after_seconds)}
            return 429, headers, html_page("Too many requests", "Web Dispatcher: limit reached")
        if self._take("server_error"):
            return 503, HTML, html_page("Service unavailable", "ICM: no work process is free")
        if self._take("timeout"):
            threading.Event().wait(self.slow_seconds)
        status, headers, body = self.soap(request)
        if status == 200 and self._take("malformed_page"):
            body = body[: max(1, len(body) // 2)]
        return status, headers, body

    def _logged_on(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        ok = user.upper() == self.username and password == self.password
        return ok and not self.password_expired

    def _unauthorized(self, text: str) -> Answer:
        realm = f'Basic realm="SAP NetWeaver Application Server [{SYSTEM}/{self.client}]"'
        return 401, {**HTML, "WWW-Authenticate": realm}, html_page("Logon Error Message", text)

    # -- SOAP -------------------------------------------------------------------------------

    def soap(self, request: Request) -> Answer:
        """One operation call: a response envelope, or a fault."""
        try:
            if "text/xml" not in request.headers.get("content-type", ""):
                raise SoapFault("Client", "SRT: Unsupported content type (SOAP 1.1: text/xml)")
            name, arguments = parse_call(request.body)
            with self.lock:
                self.calls.append({"operation": name, **arguments})
                if self.dumps > 0:
                    self.dumps -= 1
                    raise SoapFault("Server", DUMP)
                try:
                    response = self.operation(name, arguments)
                except ReturnError as error:
                    response = N0(f"{name}Response", *empty_answer(name), return_table(error))
        except SoapFault as fault:
            return 500, XML, envelope(fault_body(fault))
        return 200, XML, envelope(response)

    def operation(self, name: str, arguments: dict[str, str]) -> Any:
        """The function module: checks, selection, one page."""
        key = OPERATIONS[name]
        since = stamp_argument(arguments, "IV_CHANGED_DATE", "IV_CHANGED_TIME")
        rows_wanted = arguments.get("IV_MAX_ROWS", "")
        if not rows_wanted.lstrip("-").isdigit():
            raise SoapFault("Client", f"Deserialization failed: IV_MAX_ROWS {rows_wanted!r}")
        if not 1 <= int(rows_wanted) <= MAX_ROWS:
            raise ReturnError(
                "ZSD_OH", "002", f"IV_MAX_ROWS must be from 1 to {MAX_ROWS}", "IV_MAX_ROWS"
            )
        cont_fields = ("IV_CONT_DATE", "IV_CONT_TIME", f"IV_CONT_{key}")
        given = [f for f in cont_fields if arguments.get(f)]
        after = None
        if given:
            if len(given) != 3:
                raise SoapFault(
                    "Client",
                    "INVALID_CONTINUATION",
                    f"Pass all of {', '.join(cont_fields)} from the previous call, or none",
                    operation=name,
                )
            stamp = stamp_argument(arguments, "IV_CONT_DATE", "IV_CONT_TIME")
            after = (stamp, arguments[f"IV_CONT_{key}"].strip().zfill(10))
        if name == "Z_SD_SALESORDERS_CHANGED":
            return self._orders(since, after, int(rows_wanted))
        return self._customers(since, after, int(rows_wanted))

    def _select(
        self, rows: list[dict[str, Any]], key: str, since: datetime | None, after: Any, size: int
    ) -> tuple[list[dict[str, Any]], Any]:
        def stamp(row: dict[str, Any]) -> tuple[datetime, str]:
            return datetime.fromisoformat(f"{row['UDATE']}T{row['UTIME']}"), row[key]

        chosen = sorted(
            (
                r
                for r in rows
                if (since is None or stamp(r)[0] >= since) and (after is None or stamp(r) > after)
            ),
            key=stamp,
        )
        page = chosen[:size]
        more = len(chosen) > size
        last = stamp(page[-1]) if page else None
        continuation = [
            E.EV_CONT_DATE(last[0].date().isoformat() if more and last else "0000-00-00"),
            E.EV_CONT_TIME(last[0].time().isoformat("seconds") if more and last else "00:00:00"),
            getattr(E, f"EV_CONT_{key}")(last[1] if more and last else ""),
            E.EV_MORE_DATA("X" if more else ""),
        ]
        return page, continuation

    def _orders(self, since: datetime | None, after: Any, size: int) -> Any:
        headers = [o["header"] for o in self.store.orders.values()]
        page, continuation = self._select(headers, "VBELN", since, after, size)
        if denied := sorted({h["VKORG"] for h in page} & self.denied_sales_orgs):
            raise ReturnError(
                "ZSD_OH",
                "010",
                f"No authorization for sales organization {denied[0]} (object V_VBAK_VKO, "
                "activity 03)",
            )
        chosen = [self.store.orders[h["VBELN"]] for h in page]
        return N0.Z_SD_SALESORDERS_CHANGEDResponse(
            table("ET_HEADERS", page),
            table("ET_ITEMS", [i for o in chosen for i in o["items"]]),
            table("ET_PARTNERS", [p for o in chosen for p in o["partners"]]),
            *continuation,
            self._notes(),
        )

    def _customers(self, since: datetime | None, after: Any, size: int) -> Any:
        rows = [
            {k: v for k, v in row.items() if k != "VKORG"} for row in self.store.customers.values()
        ]
        page, continuation = self._select(rows, "KUNNR", since, after, size)
        return N0.Z_SD_CUSTOMERS_CHANGEDResponse(
            table("ET_CUSTOMERS", page), *continuation, self._notes()
        )

    def _notes(self) -> Any:
        return table("RETURN", [note_row(note) for note in self.notes])

    def counters(self) -> dict[str, int]:
        """Faults still to fire (for tests)."""
        return asdict(self.faults)


@contextmanager
def simulate(seed: int = 7, count: int = 40, **options: Any) -> Iterator[EccSimulator]:
    """A started, seeded ECC service (stopped afterwards)."""
    service = EccSimulator(seed=seed, count=count, **options)
    service.start()
    try:
        yield service
    finally:
        service.stop()


def main() -> None:
    """Serve a seeded ECC SOAP service until interrupted; prints the tap settings."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--orders", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timezone", default="Europe/Berlin")
    args = parser.parse_args()
    service = EccSimulator(
        seed=args.seed, count=args.orders, timezone=args.timezone, port=args.port
    )
    service.start()
    for name, value in service.tap_config().items():
        print(f"{name}: {value}", flush=True)
    with suppress(KeyboardInterrupt):
        threading.Event().wait()
    service.stop()


if __name__ == "__main__":
    main()
