"""Loading batches of source records: admit, key, triage, map, validate, upsert,
dead-letter.

Whatever a record holds, it is loaded or it becomes one dead letter and the rest of its
batch loads (see orderhub.admission for the checks made before anything is written).

Shared by target-orderhub (records from a tap) and ``orderhub remap`` (records from
raw_records after a mapping change), so both apply exactly the same rules.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from orderhub.admission import (
    DEFAULT_VERSION_TOLERANCE,
    SchemaCheck,
    VersionHorizon,
    entity_problem,
)
from orderhub.exceptions import RecordError
from orderhub.mapping.catalog import MappingCatalog
from orderhub.mapping.compiler import CompiledMapping
from orderhub.mapping.transforms import REGISTRY
from orderhub.model.entities import UnifiedEntity
from orderhub.warehouse import storable
from orderhub.warehouse.loader import LoadTransaction
from orderhub.warehouse.records import DeadLetter, IncomingRecord, LoadCounts, MappedRecord
from orderhub.warehouse.storable import Refusal

#: mapping_version of raw records no spec has mapped yet.
UNMAPPED = "unmapped"
logger = logging.getLogger(__name__)
_PARSE_ISO = REGISTRY["iso_datetime"].factory(None)


def record_key(record: dict, key_properties: list[str]) -> str | None:
    """The record's key as text (``a|b`` for compound keys); None if a part is missing."""
    parts = [record.get(name) for name in key_properties]
    if not key_properties or any(p is None or p == "" for p in parts):
        return None
    return "|".join(_key_part(p) for p in parts)


def _key_part(part: Any) -> str:
    # str() of an int past 4300 digits raises; such a key is refused as too long anyway.
    if isinstance(part, int) and part.bit_length() > 3_300:
        return f"<integer of {part.bit_length()} bits>"
    return str(part)


def _letter(key: str, payload: Any, problem: Refusal, stream: str, about: str) -> DeadLetter:
    """One dead letter; its payload and hash are of the storable form of the record."""
    kept = storable.storable_payload(payload)
    data, _ = storable.encode_payload(kept)
    payload_hash = storable.hash_of(data) if data is not None else ""
    reason = f"{stream} {about}: {problem.rule}: {problem.reason}"
    return DeadLetter(key, kept, payload_hash, problem.rule, problem.field, reason)


def _version(mapping: CompiledMapping | None, payload: dict) -> datetime | None:
    """The record's source version; a broken one is reported when the record is mapped.

    A tombstone that holds only its key has no version of its own: the time of the delete
    stands in, so it is landed over the record it deletes (and remap replays it).
    """
    if mapping is None:
        return None
    with contextlib.suppress(RecordError):
        version = mapping.version_of(payload)
        return version if isinstance(version, datetime) else None
    return _tombstone(payload) if isinstance(payload, dict) else None


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
    """Loads batches of one source's streams into an open load transaction.

    Whatever a record holds, it is loaded or becomes one dead letter, and the rest of
    its batch loads: records in = upserted + unchanged + dead-lettered (+ unmapped).
    """

    def __init__(
        self,
        source: str,
        transaction: LoadTransaction,
        mappings_dir: Path | None = None,
        *,
        version_tolerance: timedelta = DEFAULT_VERSION_TOLERANCE,
    ) -> None:
        self.source = source
        self.transaction = transaction
        self.catalog = MappingCatalog.load(mappings_dir, sources={source})
        self.counts: dict[str, LoadCounts] = {}
        self.version_tolerance = version_tolerance
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
                storable.storable_text(stream),
                self.catalog.root / self.source / f"{storable.storable_text(stream)}.yml",
                self.source,
            )
        return mapping

    def load(
        self,
        stream: str,
        key_properties: list[str],
        records: list[Any],
        schema_check: SchemaCheck | None = None,
    ) -> LoadCounts:
        """Land, map, validate and upsert one batch of tap records; returns its counts.

        ``records`` are the RECORD messages' values as sent, objects or not.
        """
        mapping = self.mapping_for(stream)
        admit = _Admission(stream, key_properties, mapping, schema_check, self._horizon())
        incoming: list[IncomingRecord] = []
        letters: list[DeadLetter] = []
        for payload in records:
            admitted = admit(payload)
            if isinstance(admitted, IncomingRecord):
                incoming.append(admitted)
            else:
                letters.append(admitted)
        return self._load(stream, mapping, incoming, letters)

    def load_landed(self, stream: str, landed: list[tuple[str, dict]]) -> LoadCounts:
        """Load ``(record_key, payload)`` pairs already in raw_records (``orderhub remap``)."""
        mapping = self.mapping_for(stream)
        horizon = self._horizon()
        incoming: list[IncomingRecord] = []
        letters: list[DeadLetter] = []
        for key, payload in landed:
            data, _ = storable.encode_payload(payload)
            payload_hash = storable.hash_of(data) if data is not None else ""
            version = _version(mapping, payload)
            problem = horizon.problem(version, "record_version")
            if problem is not None:
                letters.append(_letter(key, payload, problem, stream, f"record {key}"))
                continue
            incoming.append(IncomingRecord(key, payload, payload_hash, version))
        return self._load(stream, mapping, incoming, letters)

    def _horizon(self) -> VersionHorizon:
        return VersionHorizon(self.version_tolerance)

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
        erased: list[tuple[str, datetime]] = []
        if mapping is None:
            batch.unmapped = len(triage.to_map)
        else:
            mapped = self._map_records(
                stream, mapping, triage.to_map, letters, self._horizon(), erased
            )
        taken = [m.record.key for m in mapped] + [key for key, _ in erased]
        transaction.land_raw(self.source, stream, triage.to_map, dict.fromkeys(taken, tag))
        batch.rejected_transitions = transaction.upsert_entities(
            stream, mapped, tag, triage.corrections
        )
        if erased and mapping is not None:
            root = mapping.entities[0].name if mapping.entities else None
            transaction.soft_delete_records(self.source, stream, erased, root)
        transaction.dead_letter(self.source, stream, letters, tag)
        transaction.resolve_dead_letters(self.source, stream, taken)
        batch.upserted = len(mapped) + len(erased)
        batch.unchanged = triage.unchanged
        batch.dead_lettered = len(letters)
        self.counts.setdefault(stream, LoadCounts()).add(batch)
        return batch

    @staticmethod
    def _map_records(
        stream: str,
        mapping: CompiledMapping,
        records: list[IncomingRecord],
        letters: list[DeadLetter],
        horizon: VersionHorizon,
        erased: list[tuple[str, datetime]] | None = None,
    ) -> list[MappedRecord]:
        """Map records to unified entities; a bad one becomes a dead letter.

        A tombstone that does not map (a source that deletes rows knows only the key) is
        put in ``erased``: what earlier versions of that record produced is soft-deleted.
        """
        mapped: list[MappedRecord] = []
        claims = _ChildClaims()
        for record in records:
            try:
                entities = mapping.map(record.payload)
            except RecordError as exc:
                deleted_at = _tombstone(record.payload)
                if deleted_at is not None and erased is not None:
                    erased.append((record.key, deleted_at))
                    continue
                reason = f"{stream} record {record.key}: {exc.reason()}"
                letters.append(
                    DeadLetter(
                        record.key, record.payload, record.payload_hash, exc.rule, exc.field, reason
                    )
                )
                continue
            problem = entity_problem(entities, horizon) or claims.problem(entities, record.key)
            if problem is not None:
                about = f"record {record.key}"
                letters.append(_letter(record.key, record.payload, problem, stream, about))
                continue
            mapped.append(MappedRecord(record, entities, _tombstone(record.payload)))
        return mapped


class _ChildClaims:
    """Which record of the batch each child entity (line, payment, shipment, scan) came from.

    A child is keyed by its own source id, so two records naming the same child would
    move it from one order to the other: the later record is refused instead. A buyer is
    not a child: many orders name the same customer.
    """

    def __init__(self) -> None:
        self.owner: dict[tuple[str, str], str] = {}

    def problem(self, entities: list[UnifiedEntity], record_key: str) -> Refusal | None:
        """Why the record's children clash with each other or another record's; or None."""
        root = entities[0].KIND if entities else None
        children: set[tuple[str, str]] = set()
        for entity in entities:
            if entity.KIND in (root, "customer"):
                continue
            claim = (entity.KIND, entity.source_id)
            field = f"{entity.KIND}.source_id"
            if claim in children:
                return Refusal(
                    "duplicate_key",
                    field,
                    f"two {entity.KIND} entities of this record have source_id "
                    f"{entity.source_id!r}; one would overwrite the other",
                )
            other = self.owner.get(claim)
            if other is not None and other != record_key:
                return Refusal(
                    "duplicate_key",
                    field,
                    f"{entity.KIND} {entity.source_id!r} also belongs to record {other} of "
                    "this batch; loading both would move it from one order to the other",
                )
            children.add(claim)
        self.owner.update(dict.fromkeys(children, record_key))
        return None


class _Admission:
    """Turns one tap record into an incoming record, or into its dead letter."""

    def __init__(
        self,
        stream: str,
        key_properties: list[str],
        mapping: CompiledMapping | None,
        schema_check: SchemaCheck | None,
        horizon: VersionHorizon,
    ) -> None:
        self.stream = stream
        self.key_properties = key_properties
        self.mapping = mapping
        self.schema_check = schema_check
        self.horizon = horizon
        # The stream name is the same for the whole batch: check it once.
        self.stream_problem = storable.RAW_RECORDS.problem({"stream": stream}, "raw_records")

    def __call__(self, payload: Any) -> IncomingRecord | DeadLetter:
        stream = self.stream
        if not isinstance(payload, dict):
            kind = "null" if payload is None else type(payload).__name__
            refusal = Refusal(
                "not_an_object",
                "(record)",
                f"the record is {kind}, not a JSON object; the tap must send each record as "
                "an object (it is kept here as sent)",
            )
            return _letter("", payload, refusal, stream, "record")
        data, problem = storable.encode_payload(payload)
        key = record_key(payload, self.key_properties)
        about = f"record {key}" if key is not None else "record"
        if problem is not None or data is None:
            problem = problem or Refusal("unstorable", "(payload)", "cannot be encoded")
            return _letter(key or "", payload, problem, stream, about)
        payload_hash = storable.hash_of(data)
        if key is None:
            reason = f"missing_key: {'/'.join(self.key_properties) or '(none declared)'}"
            return DeadLetter("", payload, payload_hash, "missing_key", None, reason)
        version = _version(self.mapping, payload)
        found = (
            self.stream_problem
            or storable.text_problem(key, "record key")
            or (self.schema_check.problem(payload) if self.schema_check else None)
            or self.horizon.problem(version, "record_version")
        )
        if found is not None:
            return _letter(key, payload, found, stream, about)
        return IncomingRecord(key, payload, payload_hash, version)
