"""Bases for HTTP simulators: a loopback server, and the kit's auth and faults on top.

:class:`LoopbackServer` serves :meth:`~LoopbackServer.handle` on 127.0.0.1 from a
background thread (keep-alive HTTP/1.1, as real APIs speak); a simulator whose source
has its own auth and fault semantics (Shopify's cost bucket) builds on it directly.

A scaffolded simulator subclasses :class:`HTTPSimulator` and implements :meth:`answer`
for its API (REST pages, GraphQL, SOAP envelopes); faults, auth and the admin endpoints
behave the same for every source:

- ``Authorization: Bearer <token>`` is required; a rotated (expired) token gets 401;
- faults fire on the next requests: 429 + ``Retry-After``, 503, a slow answer, a
  truncated body;
- ``POST /_simulator/faults`` (JSON) and ``GET /_simulator/health`` for other processes.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from orderhub.connector_kit.source import Fault


@dataclass
class FaultCounters:
    """How many of the next requests fail, per fault."""

    rate_limited: int = 0
    server_error: int = 0
    timeout: int = 0
    malformed_page: int = 0


@dataclass(frozen=True)
class Request:
    """One API request as a simulator sees it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    simulator: LoopbackServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out has hung up; its broken pipe is expected, not news.
        if not isinstance(sys.exc_info()[1], BrokenPipeError | ConnectionResetError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body are separate writes; without TCP_NODELAY each keep-alive response
    # waits ~40 ms for a delayed ACK (Nagle), which would dominate test time.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.simulator.verbose:
            super().log_message(format, *args)

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(
            method=method,
            path=parts.path,
            query={k: v[-1] for k, v in parse_qs(parts.query).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        status, headers, body = self.server.simulator.handle(request)
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
            self.close_connection = True

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")


Answer = tuple[int, dict[str, str], bytes]


def json_answer(status: int, payload: Any, headers: dict[str, str] | None = None) -> Answer:
    """A JSON response (UTF-8, non-ASCII kept as is, as most APIs send it)."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return status, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}, body


class LoopbackServer:
    """Serves :meth:`handle` on ``host:port`` (port 0: any free one) until stopped."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> None:
        self.host, self.port, self.verbose = host, port, verbose
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Start serving in a background thread (idempotent); returns the base URL."""
        if self._server is None:
            server = _Server((self.host, self.port), _Handler)
            server.simulator = self
            self._server = server
            self._thread = threading.Thread(
                target=server.serve_forever, args=(0.05,), name=type(self).__name__, daemon=True
            )
            self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running server."""
        if self._server is None:
            raise RuntimeError("the simulator is not running: call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def handle(self, request: Request) -> Answer:
        """Answer one request; subclasses implement it (called from server threads)."""
        raise NotImplementedError


class HTTPSimulator(LoopbackServer):
    """Serves :meth:`answer` on 127.0.0.1 with auth and faults (see module docstring)."""

    retry_after_seconds = 1.0
    slow_seconds = 1.5

    def __init__(self, *, token: str = "simulator-token", port: int = 0) -> None:
        super().__init__(port=port)
        self.token = token
        self.accepted_token = token
        self.faults = FaultCounters()
        self.lock = threading.RLock()

    # -- faults ---------------------------------------------------------------------------

    def inject(self, fault: Fault, count: int) -> None:
        """Make the next ``count`` API requests fail with ``fault``."""
        with self.lock:
            if fault is Fault.EXPIRED_TOKEN:
                self.accepted_token = self.token + "-rotated"
                return
            name = fault.value
            setattr(self.faults, name, getattr(self.faults, name) + count)

    def _take(self, name: str) -> bool:
        with self.lock:
            left = getattr(self.faults, name)
            if left > 0:
                setattr(self.faults, name, left - 1)
                return True
            return False

    # -- requests -------------------------------------------------------------------------

    def handle(self, request: Request) -> Answer:
        """Admin endpoints, auth, faults, then :meth:`answer`."""
        if request.path == "/_simulator/health":
            return json_answer(200, {"ok": True})
        if request.path == "/_simulator/faults" and request.method == "POST":
            for name, count in json.loads(request.body or b"{}").items():
                self.inject(Fault(name), int(count))
            return json_answer(200, asdict(self.faults))
        if request.headers.get("authorization") != f"Bearer {self.accepted_token}":
            return json_answer(401, {"error": "invalid_token", "message": "token expired"})
        if self._take("rate_limited"):
            retry_after = {"Retry-After": str(self.retry_after_seconds)}
            return json_answer(429, {"error": "rate_limited"}, retry_after)
        if self._take("server_error"):
            return json_answer(503, {"error": "unavailable"})
        if self._take("timeout"):
            time.sleep(self.slow_seconds)
        status, headers, body = self.answer(request)
        if status == 200 and self._take("malformed_page"):
            body = body[: max(1, len(body) // 2)]
        return status, headers, body

    def answer(self, request: Request) -> Answer:
        """The API itself; subclasses implement it."""
        raise NotImplementedError
