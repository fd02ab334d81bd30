"""The message reader of target-orderhub: a bad input line is recorded, never fatal.

singer-sdk's reader stops the target on the first line that is not a Singer message
(blank, broken JSON, a bare ``NaN``, an unknown ``type``, a RECORD before its SCHEMA),
and everything read before it is lost with the uncommitted transaction. This reader
hands each such line, with its 1-based line number and raw text, to ``on_invalid`` and
goes on; the target dead-letters and counts it.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from singer_sdk.contrib.msgspec import MsgSpecReader
from singer_sdk.exceptions import RecordsWithoutSchemaException
from singer_sdk.singerlib.exceptions import InvalidInputLine

from orderhub.jsonutil import loads

#: Required keys of each message type and what their values must be.
_SHAPES: dict[str, dict[str, Callable[[Any], bool]]] = {
    "RECORD": {"stream": lambda v: isinstance(v, str) and v != "", "record": lambda v: True},
    "SCHEMA": {
        "stream": lambda v: isinstance(v, str) and v != "",
        "schema": lambda v: isinstance(v, dict) and isinstance(v.get("properties"), dict),
    },
    # The state is handed back to the tap on the next run: anything but an object would
    # break every later sync of the pipeline.
    "STATE": {"value": lambda v: isinstance(v, dict) and isinstance(v.get("bookmarks", {}), dict)},
    "ACTIVATE_VERSION": {
        "stream": lambda v: isinstance(v, str) and v != "",
        "version": lambda v: isinstance(v, int) and not isinstance(v, bool),
    },
    "BATCH": {
        "stream": lambda v: isinstance(v, str) and v != "",
        "encoding": lambda v: isinstance(v, dict),
        "manifest": lambda v: isinstance(v, list),
    },
}


@dataclass(frozen=True)
class InvalidLine:
    """An input line that is not a Singer message, and why."""

    number: int
    text: str
    reason: str
    stream: str | None = None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _decode(line: str) -> Any:
    """The line's JSON value; msgspec first, Python's parser for what msgspec refuses.

    msgspec refuses escaped lone surrogates (``"\\ud800"``) and very long integers, which
    are valid JSON text; such a record is read here and dead-lettered by the load step
    with its field.
    """
    try:
        return loads(line)
    except ValueError:
        return json.loads(
            line, parse_float=Decimal, parse_int=_parse_int, parse_constant=_refuse_constant
        )


def _parse_int(text: str) -> int | Decimal:
    # Python refuses int() of more than 4300 digits; the load step refuses such a number
    # with its field if the warehouse cannot hold it.
    return int(text) if len(text) <= 4_000 else Decimal(text)


def _shape_problem(message: Any) -> str | None:
    """Why a decoded line is not a Singer message this target can process, or None."""
    if not isinstance(message, dict):
        return f"a Singer message is a JSON object, this line is {type(message).__name__}"
    kind = message.get("type")
    shape = _SHAPES.get(kind) if isinstance(kind, str) else None
    if shape is None:
        return f"unknown message type {kind!r} (expected one of {', '.join(_SHAPES)})"
    for key, valid in shape.items():
        if key not in message:
            return f"{kind} message without {key!r}"
        if not valid(message[key]):
            return f"{kind} message with an invalid {key!r}"
    keys = message.get("key_properties")
    if kind == "SCHEMA" and not (
        keys is None or (isinstance(keys, list) and all(isinstance(k, str) for k in keys))
    ):
        return "SCHEMA message whose 'key_properties' is not a list of property names"
    return None


class OrderhubReader(MsgSpecReader):
    """Reads Singer messages; hands every line that is not one to ``on_invalid``."""

    default_input = sys.stdin

    def __init__(self) -> None:
        super().__init__()
        self.line_number = 0
        self.on_invalid: Callable[[InvalidLine], None] | None = None

    def process_lines(
        self, file_input: IO[str] | None, callbacks: dict[str, Callable[[dict], None]]
    ) -> Counter[str]:
        stats: Counter[str] = Counter()
        for line in file_input or self.default_input:
            self.line_number += 1
            self._current_message = line
            kind = self._process_line(line.rstrip("\r\n"), callbacks)
            stats[kind] += 1
        return stats

    def _process_line(self, text: str, callbacks: dict[str, Callable[[dict], None]]) -> str:
        """Dispatch one line; returns its message type, or ``INVALID``."""
        if not text.strip():
            return self._invalid(text, "blank line", None)
        try:
            message = _decode(text)
        except (ValueError, RecursionError) as exc:
            return self._invalid(text, f"not valid JSON ({exc})", None)
        problem = _shape_problem(message)
        if problem is not None:
            return self._invalid(text, problem, None)
        kind = str(message["type"])
        try:
            callbacks[kind](message)
        except (InvalidInputLine, RecordsWithoutSchemaException) as exc:
            # Raised before the target changed anything: the line alone is refused.
            stream = message.get("stream")
            return self._invalid(text, str(exc), stream if isinstance(stream, str) else None)
        return kind

    def _invalid(self, text: str, reason: str, stream: str | None) -> str:
        if self.on_invalid is None:
            raise InvalidInputLine(f"line {self.line_number}: {reason}")
        self.on_invalid(InvalidLine(self.line_number, text, reason, stream))
        return "INVALID"
