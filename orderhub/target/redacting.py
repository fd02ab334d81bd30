"""A load transaction whose dead-letter reasons never carry a secret.

A reason quotes what a record held or what an error said; either can contain a token or
a database URL with its password (a source echoing credentials, a driver error). The
payload itself is kept as the source sent it: it is the record, and raw_records holds it
the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy import Engine

from orderhub.redaction import Redactor
from orderhub.warehouse.loader import LoadTransaction
from orderhub.warehouse.records import DeadLetter


class RedactingLoadTransaction(LoadTransaction):
    """:class:`LoadTransaction` that redacts every dead letter's reason before writing it."""

    def __init__(self, engine: Engine, *, run_id: str | None, redact: Redactor) -> None:
        super().__init__(engine, run_id=run_id)
        self.redact = redact

    def dead_letter(
        self, source: str, stream: str, letters: Sequence[DeadLetter], mapping_version: str | None
    ) -> None:
        redacted = [dataclasses.replace(d, reason=self.redact(d.reason)) for d in letters]
        super().dead_letter(source, stream, redacted, mapping_version)
