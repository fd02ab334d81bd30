"""How a connector declares itself to the kit, and what its simulator must offer."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any, Protocol

from singer_sdk import Tap


class Fault(StrEnum):
    """Faults a simulator can inject, named the same for every source."""

    RATE_LIMITED = "rate_limited"  # HTTP 429 with Retry-After
    SERVER_ERROR = "server_error"  # HTTP 5xx
    TIMEOUT = "timeout"  # an answer slower than the tap's request timeout
    EXPIRED_TOKEN = "expired_token"  # the credential stops being accepted
    MALFORMED_PAGE = "malformed_page"  # HTTP 200 with a truncated body


class SimulatedSource(Protocol):
    """A running simulator, as the connector test kit drives it."""

    #: Seconds the simulator asks for in ``Retry-After`` when it rate-limits.
    retry_after_seconds: float

    def tap_config(self) -> dict[str, Any]:
        """Tap settings that point at this simulator (with fast retries for tests)."""

    def current(self, stream: str) -> Mapping[str, str]:
        """Every record key of a stream at the source, with its replication value."""

    def change(self, count: int) -> dict[str, set[str]]:
        """Change records at the source now; the changed keys per stream."""

    def inject(self, fault: Fault, count: int) -> None:
        """Make the next ``count`` requests fail with ``fault``."""

    def delete(self, count: int) -> dict[str, set[str]]:
        """Delete records at the source (only if the connector detects deletes)."""

    def change_late(self, count: int, before: timedelta) -> dict[str, set[str]]:
        """Change records with a replication value ``before`` in the past, as a long
        transaction committing late would (only for connectors with a lookback)."""


@dataclass(frozen=True)
class ConnectorSpec:
    """Everything the kit needs to know about one connector."""

    #: Source system name: ``mappings/<source>/`` and ``tap-<source>``.
    source: str
    tap_class: type[Tap]
    #: Starts a fresh simulator; used as ``with spec.simulator() as source``.
    simulator: Callable[[], AbstractContextManager[SimulatedSource]]
    #: Streams the tap emits and that are mapped into the unified model.
    streams: tuple[str, ...]
    #: Faults the simulator can inject (HTTP sources: all of them; SQL: none).
    faults: frozenset[Fault] = frozenset()
    #: True if the tap refreshes an expired token by itself; otherwise an expired token
    #: must fail with an error naming ``credential_setting``.
    refreshes_token: bool = False
    credential_setting: str = "access_token"
    #: Deletes are emitted as records with ``_sdc_deleted_at``.
    detects_deletes: bool = False
    #: How far back each sync re-reads before its bookmark (late commits), if at all.
    lookback: timedelta | None = None
    #: Per code table, every input the source can send: the kit checks each one maps.
    status_inputs: Mapping[str, Iterable[Any]] = field(default_factory=dict)
    #: A valid config for the tap that points nowhere: singer-sdk builds the tap when tests
    #: are collected, before any simulator runs. The kit swaps in the simulator's config.
    example_config: Mapping[str, Any] = field(default_factory=dict)
