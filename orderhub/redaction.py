"""Redaction of secret values from every text orderhub writes: console, runs, logs, dead letters.

What is secret is not guessed from setting names: each Singer executable says so itself
(``--about --format json`` marks a setting ``"secret": true`` or ``writeOnly``), and the
*values* of those settings are redacted whatever their type, since a numeric token leaks
as easily as a string one. A URL-valued secret (a database URL) also has the password
inside it redacted, because drivers print URLs with the password but without the rest.

Matching is on token boundaries: a secret whose first (last) character is a letter or
digit only matches where the text has no letter or digit just before (after) it, so the
secret ``pass`` never turns ``password`` into ``***word``. Secrets shorter than
:data:`MIN_SECRET_LENGTH` characters are not redacted at all: they would turn every
``1`` or ``on`` of a log into ``***``, and a secret that short protects nothing anyway.
Booleans and nulls are never secrets for the same reason.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from functools import cache
from typing import Any
from urllib.parse import quote, quote_plus

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

MASK = "***"
#: Shorter secrets are not redacted (see the module docstring).
MIN_SECRET_LENGTH = 4
#: Seconds an executable gets to answer ``--about``.
ABOUT_TIMEOUT = 120.0


def _is_word_char(character: str) -> bool:
    return character.isalnum()


def _pattern(secret: str) -> str:
    before = r"(?<![^\W_])" if _is_word_char(secret[0]) else ""
    after = r"(?![^\W_])" if _is_word_char(secret[-1]) else ""
    return f"{before}{re.escape(secret)}{after}"


def _url_password(value: str) -> str | None:
    if "://" not in value:
        return None
    try:
        return make_url(value).password
    except (ArgumentError, ValueError):
        return None


def _forms(value: str) -> set[str]:
    """The ways a secret appears in text: as is, JSON-escaped, URL-encoded."""
    forms = {value, json.dumps(value)[1:-1], quote(value, safe=""), quote_plus(value)}
    password = _url_password(value)
    if password:
        forms |= _forms(password)
    return forms


def _leaves(value: Any) -> Iterable[str]:
    """Every scalar inside a secret setting's value, as text (numbers too)."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, str | int | float | Decimal):
        yield str(value)


class Redactor:
    """Replaces known secret values in text; built once per run, used for every output."""

    def __init__(self, secrets: Iterable[Any] = ()) -> None:
        values = {form for leaf in _leaves(list(secrets)) for form in _forms(leaf)}
        self.values: frozenset[str] = frozenset(v for v in values if len(v) >= MIN_SECRET_LENGTH)
        # Longest first: a secret containing another is masked whole, not in pieces.
        ordered = sorted(self.values, key=len, reverse=True)
        self._regex = re.compile("|".join(map(_pattern, ordered))) if ordered else None

    @classmethod
    def from_config(cls, config: Mapping[str, Any], settings_schema: Mapping[str, Any]) -> Redactor:
        """A redactor of the values of the settings a JSON schema marks secret."""
        return cls(secret_values(config, settings_schema))

    def merged(self, other: Redactor) -> Redactor:
        """One redactor for the secrets of both."""
        return Redactor([*self.values, *other.values])

    def __call__(self, text: str) -> str:
        """``text`` with every secret replaced by ``***``."""
        if self._regex is None or not text:
            return text
        return self._regex.sub(MASK, text)

    def redact_bytes(self, data: bytes) -> bytes:
        """Bytes of a log, redacted; undecodable bytes pass through unchanged."""
        if self._regex is None:
            return data
        return self(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")


def _is_secret(property_schema: Mapping[str, Any]) -> bool:
    return bool(property_schema.get("secret") or property_schema.get("writeOnly"))


def secret_values(config: Mapping[str, Any], settings_schema: Mapping[str, Any]) -> list[Any]:
    """The values in ``config`` of every setting ``settings_schema`` marks secret (nested
    objects included), and the password of any URL a setting holds."""
    found: list[Any] = []
    for name, property_schema in settings_schema.get("properties", {}).items():
        if name not in config or not isinstance(property_schema, Mapping):
            continue
        value = config[name]
        if _is_secret(property_schema):
            found.append(value)
        elif isinstance(value, Mapping) and "properties" in property_schema:
            found += secret_values(value, property_schema)
        elif isinstance(value, str) and (password := _url_password(value)):
            found.append(password)  # user:password@ in a URL setting not marked secret
    return found


@cache
def about_settings(command: tuple[str, ...]) -> Mapping[str, Any]:
    """The settings schema a Singer executable reports with ``--about --format json``.

    Cached per executable for the life of the process (it takes seconds to start one).
    Raises OSError / ValueError / subprocess errors when the executable cannot answer.
    """
    done = subprocess.run(
        [*command, "--about", "--format", "json"],
        capture_output=True,
        check=True,
        timeout=ABOUT_TIMEOUT,
    )
    about = json.loads(done.stdout)
    settings = about.get("settings", {})
    if not isinstance(settings, Mapping):
        raise ValueError("--about gave no settings schema")
    return settings


def everything_secret(config: Mapping[str, Any]) -> dict[str, Any]:
    """A schema treating every text setting as secret: for an executable that cannot say.

    Over-redacting a URL or a date is the lesser harm than leaking a token.
    """
    return {"properties": {n: {"secret": True} for n, v in config.items() if isinstance(v, str)}}


def setting_names_in(text: str, names: Sequence[str]) -> list[str]:
    """The setting names mentioned in ``text`` (an error message), in schema order."""
    return [n for n in names if re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", text)]
