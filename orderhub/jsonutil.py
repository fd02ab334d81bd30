"""JSON encoding shared by the target, the warehouse and the runner.

Singer records carry exact decimals (msgspec decodes JSON numbers to Decimal), so every
encoder here writes Decimal as a JSON number, never a float, and decoding keeps them
exact. Keys are sorted, so the same record always hashes the same.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import uuid
from typing import Any

import msgspec


def _enc_hook(obj: Any) -> Any:
    if isinstance(obj, datetime.datetime | datetime.date):
        return obj.isoformat()
    if isinstance(obj, uuid.UUID):
        return str(obj)
    raise NotImplementedError(f"cannot encode {type(obj).__name__} as JSON")


_encoder = msgspec.json.Encoder(enc_hook=_enc_hook, decimal_format="number", order="sorted")
_decoder = msgspec.json.Decoder(float_hook=decimal.Decimal)


def dumps(obj: Any) -> str:
    """Canonical JSON text (sorted keys, exact decimals)."""
    return _encoder.encode(obj).decode()


def dumps_bytes(obj: Any) -> bytes:
    """Canonical JSON bytes (sorted keys, exact decimals)."""
    return _encoder.encode(obj)


def loads(data: str | bytes) -> Any:
    """Parse JSON keeping non-integer numbers exact as Decimal."""
    return _decoder.decode(data)


def content_hash(obj: Any) -> str:
    """SHA-256 of the canonical JSON of ``obj``: equal content, equal hash."""
    return hashlib.sha256(_encoder.encode(obj)).hexdigest()


def safe_repr(value: Any, limit: int = 80) -> str:
    """A short repr for error reasons; never raises (repr of a 5000-digit int does)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 3_300:
        return f"<an integer of about {int(value.bit_length() * 0.30103)} digits>"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
