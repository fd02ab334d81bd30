"""Loading batches of source records: key, triage, map, validate, upsert, dead-letter.

Shared by target-orderhub (records from a tap) and ``orderhub remap`` (records from
raw_records after a mapping change), so both apply exactly the same rules.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime
from pathlib import Path

from orderhub import jsonutil
from orderhub.exceptions import RecordError
from orderhub.mapping.catalog import MappingCatalog
from orderhub.mapping.compiler import CompiledMapping
from orderhub.mapping.transforms import REGISTRY
from orderhub.warehouse.loader import LoadTransaction
from orderhub.warehouse.records import DeadLetter, IncomingRecord, LoadCounts, MappedRecord

#: mapping_version of raw records no spec has mapped yet.
UNMAPPED = "unmapped"
logger = logging.getLogger(__name__)
_PARSE_ISO = REGISTRY["iso_datetime"].factory(None)


def record_key(record: dict, key_properties: list[str]) -> str | None:
    """The record's key as text (``a|b`` for compound keys); None if a part is missing."""
    parts = [record.get(name) for name in key_properties]
    if not key_properties or any(p is None or p == "" for p in parts):
        return None
    return "|".join(str(p) for p in parts)


def _version(mapping: CompiledMapping | None, payload: dict) -> datetime | None:
    """The record's source version; a broken one is reported when the record is mapped."""
    if mapping is None:
        return None
    with contextlib.suppress(RecordError):
        version = mapping.version_of(payload)
        return version if isinstance(version, datetime) else None
    return None


def _tombstone(payload: dict) -> datetime | None:
    """When the source deleted this record (Singer's ``_sdc_deleted_at``), if it did."""
    value = payload.get("_sdc_deleted_at")
    if not value:
        return None
    try:
        moment: datetime = _PARSE_ISO(value)
        return moment
    except RecordError:
        return datetime.now(UTC)  # deleted at an unreadable time: still deleted


class StreamLoader:
    """Loads batches of one source's streams into an open load transaction."""

    def __init__(
        self, source: str, transaction: LoadTransaction, mappings_dir: Path | None = None
    ) -> None:
        self.source = source
        self.transaction = transaction
        self.catalog = MappingCatalog.load(mappings_dir, sources={source})
        self.counts: dict[str, LoadCounts] = {}
        self._warned_unmapped: set[str] = set()

    def mapping_for(self, stream: str) -> CompiledMapping | None:
        """The compiled mapping of a stream, or None if no spec maps it yet."""
        mapping = self.catalog.mappings.get((self.source, stream))
        if mapping is None and stream not in self._warned_unmapped:
            self._warned_unmapped.add(stream)
            logger.warning(
                "No mapping spec for %s/%s: its records are landed in raw_records only. "
                "Add %s and run `orderhub remap --source %s` to map them.",
                self.source,
                stream,
                self.catalog.root / self.source / f"{stream}.yml",
                self.source,
            )
        return mapping

    def load(self, stream: str, key_properties: list[str], records: list[dict]) -> LoadCounts:
        """Land, map, validate and upsert one batch of tap records; returns its counts."""
        mapping = self.mapping_for(stream)
        incoming, letters = self._key_records(records, key_properties, mapping)
        return self._load(stream, mapping, incoming, letters)

    def load_landed(self, stream: str, landed: list[tuple[str, dict]]) -> LoadCounts:
        """Load ``(record_key, payload)`` pairs already in raw_records (``orderhub remap``)."""
        mapping = self.mapping_for(stream)
        incoming = [
            IncomingRecord(key, payload, jsonutil.content_hash(payload), _version(mapping, payload))
            for key, payload in landed
        ]
        return self._load(stream, mapping, incoming, [])

    def _load(
        self,
        stream: str,
        mapping: CompiledMapping | None,
        incoming: list[IncomingRecord],
        letters: list[DeadLetter],
    ) -> LoadCounts:
        tag = mapping.version_tag if mapping else UNMAPPED
        batch = LoadCounts(records_in=len(incoming) + len(letters))
        transaction = self.transaction
        triage = transaction.triage(self.source, stream, incoming, tag)
        mapped: list[MappedRecord] = []
        if mapping is None:
            batch.unmapped = len(triage.to_map)
        else:
            mapped = self._map_records(stream, mapping, triage.to_map, letters)
        transaction.land_raw(
            self.source, stream, triage.to_map, {m.record.key: tag for m in mapped}
        )
        batch.rejected_transitions = transaction.upsert_entities(stream, mapped, tag)
        transaction.dead_letter(self.source, stream, letters, tag)
        transaction.resolve_dead_letters(self.source, stream, [m.record.key for m in mapped])
        batch.upserted = len(mapped)
        batch.unchanged = triage.unchanged
        batch.dead_lettered = len(letters)
        self.counts.setdefault(stream, LoadCounts()).add(batch)
        return batch

    @staticmethod
    def _key_records(
        records: list[dict], key_properties: list[str], mapping: CompiledMapping | None
    ) -> tuple[list[IncomingRecord], list[DeadLetter]]:
        """Key, hash and version every record; one without its key is dead-lettered."""
        incoming: list[IncomingRecord] = []
        letters: list[DeadLetter] = []
        for payload in records:
            payload_hash = jsonutil.content_hash(payload)
            key = record_key(payload, key_properties)
            if key is None:
                reason = f"missing_key: {'/'.join(key_properties) or '(none declared)'}"
                letters.append(DeadLetter("", payload, payload_hash, "missing_key", None, reason))
                continue
            incoming.append(IncomingRecord(key, payload, payload_hash, _version(mapping, payload)))
        return incoming, letters

    @staticmethod
    def _map_records(
        stream: str,
        mapping: CompiledMapping,
        records: list[IncomingRecord],
        letters: list[DeadLetter],
    ) -> list[MappedRecord]:
        """Map records to unified entities; a bad one becomes a dead letter."""
        mapped: list[MappedRecord] = []
        for record in records:
            try:
                entities = mapping.map(record.payload)
                mapped.append(MappedRecord(record, entities, _tombstone(record.payload)))
            except RecordError as exc:
                reason = f"{stream} record {record.key}: {exc.reason()}"
                letters.append(
                    DeadLetter(
                        record.key, record.payload, record.payload_hash, exc.rule, exc.field, reason
                    )
                )
        return mapped
