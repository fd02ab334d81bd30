"""The load transaction: raw landing, unified upserts, status history, dead letters, state.

A :class:`LoadTransaction` holds one database transaction open while the target drains
its sinks into it, and commits the data together with the Singer state that covers it.
A crash before :meth:`LoadTransaction.commit` loses the whole uncommitted step, and the
tap resends it on rerun from the committed state; version-guarded upserts then make the
replay land each record exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from orderhub import jsonutil
from orderhub.model.entities import UnifiedEntity
from orderhub.warehouse import schema
from orderhub.warehouse.bulk import BulkWriter, key_in, not_older_guard, version_guard
from orderhub.warehouse.order_status import OrderStatusKeeper
from orderhub.warehouse.records import (
    DeadLetter,
    IncomingRecord,
    LoadCounts,
    MappedRecord,
    Triage,
    row_of,
)
from orderhub.warehouse.storable import storable_payload, storable_text


def _now() -> datetime:
    return datetime.now(UTC)


def _latest_by_key(records: Iterable[IncomingRecord]) -> list[IncomingRecord]:
    """One record per key, the newest version (the last one sent among equals)."""
    latest: dict[str, IncomingRecord] = {}
    floor = datetime.min.replace(tzinfo=UTC)
    for record in records:
        held = latest.get(record.key)
        if held is None or (record.version or floor) >= (held.version or floor):
            latest[record.key] = record
    return list(latest.values())


class LoadTransaction:
    """One open transaction of the target against the warehouse."""

    def __init__(
        self, engine: Engine, *, run_id: str | None = None, rederive: bool = False
    ) -> None:
        """``rederive``: ``orderhub remap``, which re-derives rows instead of applying
        newer source versions (see :class:`OrderStatusKeeper`)."""
        self.connection: Connection = engine.connect()
        self.transaction = self.connection.begin()
        self.bulk = BulkWriter(self.connection)
        self.run_id = run_id
        self.statuses = OrderStatusKeeper(self.connection, self.bulk, run_id, rederive=rederive)
        # A re-derived row is rewritten even when its mapped content is the same: its
        # status and mapping version must become what a fresh load would give.
        self._entity_guard = not_older_guard if rederive else version_guard

    # raw landing ------------------------------------------------------------------

    def triage(
        self, source: str, stream: str, records: Sequence[IncomingRecord], mapping_version: str
    ) -> Triage:
        """Split records into those to map and those already landed and mapped as is."""
        latest = _latest_by_key(records)
        table = schema.raw_records
        held: dict[str, tuple[str, datetime | None, str | None]] = {}
        keys = [r.key for r in latest]
        for chunk_start in range(0, len(keys), 5000):
            chunk = keys[chunk_start : chunk_start + 5000]
            rows = self.connection.execute(
                select(
                    table.c.record_key,
                    table.c.payload_hash,
                    table.c.source_version,
                    table.c.mapped_version,
                ).where(
                    table.c.source_system == source,
                    table.c.stream == stream,
                    key_in(table.c.record_key, chunk, self.bulk.dialect),
                )
            )
            held.update({row[0]: (row[1], row[2], row[3]) for row in rows})
        triage = Triage(unchanged=len(records) - len(latest))
        for record in latest:
            stored = held.get(record.key)
            if stored is None:
                triage.to_map.append(record)
                continue
            stored_hash, stored_version, mapped_version = stored
            is_stale = stored_version and record.version and record.version < stored_version
            same_payload = stored_hash == record.payload_hash
            if is_stale or (same_payload and mapped_version == mapping_version):
                triage.unchanged += 1
                continue
            triage.to_map.append(record)
            if same_payload:
                triage.corrections.add(record.key)
        return triage

    def land_raw(
        self,
        source: str,
        stream: str,
        records: Sequence[IncomingRecord],
        mapped_version: dict[str, str | None],
    ) -> None:
        """Land the newest payload of each record, remembering which mapping version took it."""
        now = _now()
        rows = [
            {
                "source_system": source,
                "stream": stream,
                "record_key": r.key,
                "payload": r.payload,
                "payload_hash": r.payload_hash,
                "source_version": r.version,
                "mapped_version": mapped_version.get(r.key),
                "first_seen_at": now,
                "last_seen_at": now,
                "last_run_id": self.run_id,
            }
            for r in records
        ]
        table = schema.raw_records

        def newer_or_equal(target: Any, excluded: Any) -> Any:
            return (target.c.source_version.is_(None)) | (
                target.c.source_version <= excluded.source_version
            )

        self.bulk.upsert(
            table,
            rows,
            conflict=("source_system", "stream", "record_key"),
            update=(
                "payload",
                "payload_hash",
                "source_version",
                "mapped_version",
                "last_seen_at",
                "last_run_id",
            ),
            guard=newer_or_equal,
        )

    # unified entities -------------------------------------------------------------

    def upsert_entities(
        self,
        stream: str,
        mapped: Sequence[MappedRecord],
        mapping_version: str,
        corrections: Set[str] = frozenset(),
    ) -> int:
        """Upsert every entity; returns the number of refused status transitions.

        Entities of ``corrections`` (records whose payload is the one already landed, so
        only the mapping changed) are re-derived as ``orderhub remap`` does.
        """
        now = _now()
        by_kind: dict[str, dict[str, dict[str, Any]]] = {}
        for item in mapped:
            for entity in item.entities:
                row = self._entity_row(entity, stream, item.record.key, mapping_version, now)
                row["deleted_at"] = item.deleted_at_of(entity)
                rows = by_kind.setdefault(entity.KIND, {})
                held = rows.get(entity.source_id)
                if held is None or held["source_updated_at"] <= row["source_updated_at"]:
                    rows[entity.source_id] = row
        order_rows = list(by_kind.get("order", {}).values())
        rejected = (
            self.statuses.apply_source_statuses(order_rows, now, corrections) if order_rows else 0
        )
        for kind, rows in by_kind.items():
            corrected = [r for r in rows.values() if r["source_record_key"] in corrections]
            for group, guard in (
                ([r for r in rows.values() if r["source_record_key"] not in corrections], None),
                (corrected, not_older_guard),
            ):
                self.bulk.upsert(
                    schema.ENTITY_TABLES[kind],
                    group,
                    conflict=("source_system", "source_id"),
                    guard=guard or self._entity_guard,
                )
        if order_rows:
            self._soft_delete_dropped_children(order_rows, stream, now)
        scans = by_kind.get("tracking_event", {}).values()
        self.statuses.advance_by_tracking(
            list({row["shipment_key"] for row in scans if row["deleted_at"] is None}), now
        )
        return rejected

    @staticmethod
    def _entity_row(
        entity: UnifiedEntity, stream: str, record_key: str, mapping_version: str, now: datetime
    ) -> dict[str, Any]:
        row = row_of(entity)
        row["row_hash"] = jsonutil.content_hash(row)
        row[entity.KEY_COLUMN] = entity.key
        row.update(
            source_stream=stream,
            source_record_key=record_key,
            mapping_version=mapping_version,
            loaded_at=now,
            deleted_at=None,
        )
        return row

    def _soft_delete_dropped_children(
        self, order_rows: list[dict[str, Any]], stream: str, now: datetime
    ) -> None:
        """Lines, payments and shipments an order no longer has are marked deleted.

        Children carry their order's version; one older than the order's current version
        was not in the order's latest payload. Only children the same stream produced
        count: a source whose shipments come in a stream of their own (EBS delivery
        details, U8 dispatch notes) does not drop them by re-sending the order.
        """
        keys = [row["order_key"] for row in order_rows]
        orders = schema.orders
        for child in (schema.order_lines, schema.payments, schema.shipments):
            current_version = (
                select(orders.c.source_updated_at)
                .where(orders.c.order_key == child.c.order_key)
                .scalar_subquery()
            )
            self.connection.execute(
                update(child)
                .where(
                    key_in(child.c.order_key, keys, self.bulk.dialect),
                    child.c.source_stream == stream,
                    child.c.deleted_at.is_(None),
                    child.c.source_updated_at < current_version,
                )
                .values(deleted_at=now)
            )

    def soft_delete_records(
        self, source: str, stream: str, deleted: Sequence[tuple[str, datetime]], root: str | None
    ) -> None:
        """Soft-delete what records of ``stream`` produced, for key-only tombstones.

        A source that deletes rows outright (EBS) can only say which key is gone, not
        what the record held, so such a tombstone does not map. Every unified row keeps
        its source record's key: the rows that record produced are marked deleted. A
        buyer carried inside another record is not deleted with it (``root`` is the
        kind of the stream's first entity).
        """
        for key, when in deleted:
            for kind, table in schema.ENTITY_TABLES.items():
                if kind == "customer" and root != "customer":
                    continue
                self.connection.execute(
                    update(table)
                    .where(
                        table.c.source_system == source,
                        table.c.source_stream == stream,
                        table.c.source_record_key == key,
                        table.c.deleted_at.is_(None),
                    )
                    .values(deleted_at=when)
                )

    # dead letters, state, runs ----------------------------------------------------

    def dead_letter(
        self, source: str, stream: str, letters: Sequence[DeadLetter], mapping_version: str | None
    ) -> None:
        """Record bad records; the same bad payload seen again bumps its attempts."""
        if not letters:
            return
        now = _now()
        table = schema.dead_letters
        # A dead letter must itself be storable, whatever the record held: names and
        # reasons get NULs and lone surrogates escaped, payloads are kept losslessly.
        stream = storable_text(stream)
        rows = {
            (d.key, d.payload_hash): {
                "source_system": storable_text(source),
                "stream": stream,
                "record_key": storable_text(d.key),
                "payload": storable_payload(d.payload),
                "payload_hash": d.payload_hash,
                "rule": d.rule,
                "field": None if d.field is None else storable_text(d.field),
                "reason": storable_text(d.reason),
                "mapping_version": mapping_version,
                "run_id": self.run_id,
                "attempts": 1,
                "first_seen_at": now,
                "last_seen_at": now,
                "resolved_at": None,
            }
            for d in letters
        }
        self.bulk.upsert(
            table,
            list(rows.values()),
            conflict=("source_system", "stream", "record_key", "payload_hash"),
            update=("rule", "field", "reason", "mapping_version", "run_id", "last_seen_at"),
            increment=("attempts",),
            guard=None,
        )

    def resolve_dead_letters(self, source: str, stream: str, keys: Sequence[str]) -> None:
        """A record that now loads closes its open dead letters."""
        table = schema.dead_letters
        for start in range(0, len(keys), 5000):
            self.connection.execute(
                update(table)
                .where(
                    table.c.source_system == source,
                    table.c.stream == stream,
                    key_in(table.c.record_key, keys[start : start + 5000], self.bulk.dialect),
                    table.c.resolved_at.is_(None),
                )
                .values(resolved_at=_now())
            )

    def save_state(self, pipeline: str, state: dict[str, Any]) -> None:
        """Store the Singer state that the data in this transaction is covered by."""
        self.bulk.upsert(
            schema.sync_state,
            [{"pipeline": pipeline, "state": state, "run_id": self.run_id, "updated_at": _now()}],
            conflict=("pipeline",),
            guard=None,
        )

    def save_counts(self, counts: dict[str, LoadCounts], *, invalid_messages: int = 0) -> None:
        """Write the run's running totals, so a crashed run still reports what it committed.

        ``invalid_messages`` counts input lines that were not Singer messages; they are
        committed with the data, so a run's status can be decided from sync_runs alone.
        """
        if self.run_id is None:
            return
        total = LoadCounts()
        for stream_counts in counts.values():
            total.add(stream_counts)
        totals: dict[str, Any] = {k: v for k, v in vars(total).items() if k in schema.sync_runs.c}
        totals["invalid_messages"] = invalid_messages
        per_stream = {storable_text(name): vars(c) for name, c in counts.items()}
        self.connection.execute(
            update(schema.sync_runs)
            .where(schema.sync_runs.c.run_id == self.run_id)
            .values(**totals, stream_counts=per_stream)
        )

    def commit(self) -> None:
        """Commit everything staged so far and start the next transaction."""
        self.transaction.commit()
        self.transaction = self.connection.begin()

    def close(self) -> None:
        """Roll back anything uncommitted and release the connection."""
        if self.transaction.is_active:
            self.transaction.rollback()
        self.connection.close()
