"""Run a tap in-process and collect the Singer messages it writes."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from singer_sdk import Tap


@dataclass
class TapOutput:
    """What one tap run wrote."""

    tap: Tap
    messages: list[dict[str, Any]] = field(default_factory=list)

    def records(self, stream: str) -> list[dict[str, Any]]:
        """RECORD payloads of a stream, in order."""
        return [
            m["record"] for m in self.messages if m["type"] == "RECORD" and m["stream"] == stream
        ]

    @property
    def states(self) -> list[dict[str, Any]]:
        """Every STATE value, in order."""
        return [m["value"] for m in self.messages if m["type"] == "STATE"]

    @property
    def final_state(self) -> dict[str, Any]:
        """The last STATE (what a runner would commit)."""
        return self.states[-1] if self.states else {}

    def bookmark(self, stream: str) -> Any:
        """The final replication value of a stream."""
        return self.final_state.get("bookmarks", {}).get(stream, {}).get("replication_key_value")

    @property
    def sync_start(self) -> datetime:
        """When the tap started (its bookmarks never pass this)."""
        return datetime.fromtimestamp(self.tap.initialized_at / 1000, tz=UTC)


def run_tap(
    tap_class: type[Tap],
    config: dict[str, Any],
    *,
    state: dict[str, Any] | None = None,
    streams: tuple[str, ...] | None = None,
    tap_hook: Callable[[Tap], None] | None = None,
) -> TapOutput:
    """A full sync of ``tap_class`` in this process; raises what the tap raises."""
    tap = tap_class(config=config, state=state, parse_env_config=False)
    if streams is not None:
        for name, stream in tap.streams.items():
            stream.selected = name in streams
    if tap_hook is not None:
        tap_hook(tap)
    # Taps may write bytes (msgspec writer) to stdout's buffer: give them one.
    buffer = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with redirect_stdout(buffer):
        tap.sync_all()
    buffer.flush()
    output = buffer.buffer.getvalue().decode()
    return TapOutput(tap, [json.loads(line) for line in output.splitlines() if line.strip()])
