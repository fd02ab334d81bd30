"""Retry behaviour every HTTP stream of a connector should have, in one mixin.

Put :class:`ResilientHTTPMixin` before singer-sdk's ``RESTStream``/``GraphQLStream``:

- 401/403 -> ``FatalAPIError`` naming the credential setting (never its value);
- 429 -> retried after ``Retry-After``; 5xx, timeouts, connection errors -> exponential
  backoff (``backoff_factor`` x 2^attempt, capped), at most ``max_attempts`` tries;
- a 200 whose body is not JSON (a truncated page) -> retried, then a clear error;
- retries are logged without request arguments (they carry the auth header);
- when retries run out, one ``FatalAPIError`` says which stream and URL gave up.

Sources with their own signals (Shopify's THROTTLED, Douyin's error codes) override
:meth:`classify_payload` and :meth:`retry_wait`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

MAX_WAIT_SECONDS = 60.0


def short(text: str, limit: int = 300) -> str:
    """A response body cut to one readable line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "..."


class ResilientHTTPMixin:
    """Mixin for singer-sdk HTTP streams (see the module docstring)."""

    #: The setting an auth error tells the user to check.
    credential_setting = "access_token"
    name: str
    config: Any
    logger: Any

    if TYPE_CHECKING:

        @property
        def url_base(self) -> str: ...

    @property
    def timeout(self) -> int:
        """Per-request timeout in seconds, from ``request_timeout`` (default 30)."""
        value: int = self.config.get("request_timeout", 30)
        return value

    def where(self, response: requests.Response | None = None) -> str:
        """``stream 'x' at <url without query>`` for messages."""
        url = response.url if response is not None else self.url_base
        return f"stream '{self.name}' at {url.split('?', 1)[0]}"

    def validate_response(self, response: requests.Response) -> None:
        """Classify an answer: fatal, retriable, or fine (then :meth:`classify_payload`)."""
        status = response.status_code
        where = self.where(response)
        if status in {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}:
            raise FatalAPIError(
                f"The source rejected the credentials (HTTP {status}) for {where}: "
                f"{short(response.text)}. Check the `{self.credential_setting}` setting."
            )
        if status == HTTPStatus.TOO_MANY_REQUESTS or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            raise RetriableAPIError(f"HTTP {status} from {where}: {short(response.text)}", response)
        if status >= HTTPStatus.BAD_REQUEST:
            raise FatalAPIError(f"HTTP {status} from {where}: {short(response.text)}")
        self.classify_payload(response)

    def classify_payload(self, response: requests.Response) -> None:
        """Check a 2xx body; the default wants parseable JSON."""
        try:
            response.json()
        except ValueError as exc:
            raise RetriableAPIError(
                f"Malformed JSON in HTTP {response.status_code} response for "
                f"{self.where(response)}: {exc}",
                response,
            ) from exc

    def backoff_max_tries(self) -> int:
        """Attempts per request (first try included), from ``max_attempts`` (default 6)."""
        return int(self.config.get("max_attempts", 6))

    def backoff_jitter(self, value: float) -> float:
        """No extra jitter: :meth:`retry_wait` adds its own where it belongs."""
        return value

    def backoff_wait_generator(self) -> Generator[float, Any, None]:
        """Waits chosen per failure by :meth:`retry_wait`."""
        attempt = 0
        exception = yield 0.0  # priming value, discarded by backoff
        while True:
            exception = yield self.retry_wait(exception, attempt)
            attempt += 1

    def retry_wait(self, exception: BaseException | None, attempt: int) -> float:
        """Seconds before the next try: ``Retry-After`` if given, else exponential."""
        response = getattr(exception, "response", None)
        if response is not None and response.status_code == HTTPStatus.TOO_MANY_REQUESTS:
            try:
                return min(MAX_WAIT_SECONDS, float(response.headers.get("Retry-After", "2")))
            except ValueError:
                return 2.0
        factor = float(self.config.get("backoff_factor", 1.0))
        return min(MAX_WAIT_SECONDS, factor * 2**attempt * (1 + 0.1 * random.random()))

    def backoff_handler(self, details: Any) -> None:
        """Log a retry without request arguments (they carry the auth header)."""
        self.logger.warning(
            "Retrying %s in %.2f s after attempt %d: %s",
            self.where(),
            details.get("wait") or 0.0,
            details.get("tries") or 0,
            details.get("exception"),
        )

    def before_request(self) -> None:
        """Hook run before every attempt (client-side rate limiting)."""

    def request_decorator(self, func: Callable) -> Callable:
        """Run :meth:`before_request` per attempt; turn exhausted retries into one error."""

        def paced(prepared_request: requests.PreparedRequest, context: Any) -> Any:
            self.before_request()
            return func(prepared_request, context)

        retrying = super().request_decorator(paced)  # type: ignore[misc]

        def guarded(prepared_request: requests.PreparedRequest, context: Any) -> Any:
            try:
                return retrying(prepared_request, context)
            except (RetriableAPIError, requests.exceptions.RequestException) as exc:
                raise FatalAPIError(
                    f"Giving up on {self.where()} after {self.backoff_max_tries()} attempts: {exc}"
                ) from exc

        return guarded
