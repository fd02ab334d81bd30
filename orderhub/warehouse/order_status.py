"""Keeping each order's canonical status: its source's sightings and carriers' scans.

Two things move an order's status. Its source reports a status with every version of
the order; the state machine decides whether it applies, and every change, refusals
too, is written to order_status_history. Carrier scans move an order on (shipped,
delivered, returned) where the source has not caught up; the order then remembers that
a scan set its status (``status_set_by``), so the source's lagging status that follows
is taken as behind, not as an impossible step back.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence, Set
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, bindparam, select, update

from orderhub.model.entities import OrderStatusEvent
from orderhub.model.status import (
    ORDER_STATUS_OF_TRACKING,
    OrderStatus,
    TrackingStatus,
    advanced_by_tracking,
    decide,
    lags_behind,
)
from orderhub.warehouse import schema
from orderhub.warehouse.bulk import BulkWriter, key_in

SOURCE, TRACKING = "source", "tracking"
#: Namespace of history event keys (migration 0002 derives existing rows' keys the same way).
EVENT_NAMESPACE = uuid.UUID("0f6a1c8e-3b52-4d6e-9f1e-7c2b8d4a5e90")


def history_event_key(event: OrderStatusEvent, origin: str) -> uuid.UUID:
    """One key per distinct sighting: a replay of it is the same row, a refusal of a
    status the order once accepted at the same instant is another."""
    text = "\x1f".join(
        [
            str(event.order_key),
            event.occurred_at.isoformat(),
            event.previous_status or "",
            event.status,
            "1" if event.accepted else "0",
            origin,
        ]
    )
    return uuid.uuid5(EVENT_NAMESPACE, text)


#: Scans that can move an order, in the order a parcel goes through them.
_MOVING_SCANS = [s for s, moves in ORDER_STATUS_OF_TRACKING.items() if moves is not None]


class OrderStatusKeeper:
    """Applies status sightings and scans inside a load transaction.

    With ``rederive`` (``orderhub remap``) every order's source status is a first
    sighting and the order's history is written anew, as a fresh load would write it.
    """

    def __init__(
        self,
        connection: Connection,
        bulk: BulkWriter,
        run_id: str | None,
        *,
        rederive: bool = False,
    ) -> None:
        self.connection = connection
        self.bulk = bulk
        self.run_id = run_id
        self.rederive = rederive

    def apply_source_statuses(
        self, order_rows: list[dict[str, Any]], now: datetime, corrections: Set[str] = frozenset()
    ) -> int:
        """Set each order row's status before its upsert; returns the refusals recorded.

        An impossible transition keeps the previous status; a status behind one a
        carrier scan set keeps the scan's. The count is of refusal rows written, so a
        refusal seen again (the same sighting) is not counted twice. Orders of records in
        ``corrections`` (same payload, new mapping) are re-derived like a remap's.
        """
        held = self._held_statuses([row["order_key"] for row in order_rows])
        history: list[tuple[OrderStatusEvent, str | None]] = []
        rederived: list[uuid.UUID] = []
        for row in order_rows:
            row["status_set_by"] = SOURCE
            previous, held_version, set_by = held.get(row["order_key"], (None, None, None))
            if held_version is not None and held_version > row["source_updated_at"]:
                continue  # a stale replay: the version guard skips the row as well
            if self.rederive or row["source_record_key"] in corrections:
                rederived.append(row["order_key"])
                previous, set_by = None, None  # a correction, not a source transition
            event = self._sighting(row, previous, set_by)
            if event is not None:
                history.append((event, row.get("mapping_version")))
        self._supersede(rederived, now)
        return self._record(history, now, SOURCE)

    def _held_statuses(
        self, keys: list[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[OrderStatus, datetime, str]]:
        table = schema.orders
        return {
            row.order_key: (OrderStatus(row.status), row.source_updated_at, row.status_set_by)
            for row in self.connection.execute(
                select(
                    table.c.order_key,
                    table.c.status,
                    table.c.source_updated_at,
                    table.c.status_set_by,
                ).where(key_in(table.c.order_key, keys, self.bulk.dialect))
            )
        }

    @staticmethod
    def _sighting(
        row: dict[str, Any], previous: OrderStatus | None, set_by: str | None
    ) -> OrderStatusEvent | None:
        """Decide the row's status; the history event of the change, if it is one."""
        observed = OrderStatus(row["status"])
        if previous is not None and set_by == TRACKING and lags_behind(previous, observed):
            row["status"], row["status_set_by"] = previous, TRACKING
            return None
        decision = decide(previous, observed)
        if not decision.is_change:
            return None
        row["status"] = decision.resulting
        if not decision.accepted:
            row["status_set_by"] = set_by or SOURCE
        return OrderStatusEvent(
            order_key=row["order_key"],
            source_system=row["source_system"],
            source_id=row["source_id"],
            previous_status=previous,
            status=decision.observed,
            status_raw=row["status_raw"],
            occurred_at=row["source_updated_at"],
            accepted=decision.accepted,
            reason=decision.reason,
        )

    def _supersede(self, order_keys: list[uuid.UUID], now: datetime) -> None:
        """Retire the live history of orders being re-derived (kept: the old spec's say)."""
        if not order_keys:
            return
        table = schema.order_status_history
        self.connection.execute(
            update(table)
            .where(
                key_in(table.c.order_key, order_keys, self.bulk.dialect),
                table.c.superseded_at.is_(None),
            )
            .values(superseded_at=now)
        )

    def advance_by_tracking(self, shipment_keys: Sequence[uuid.UUID], now: datetime) -> None:
        """Move the orders of the shipments just scanned on by their latest live scan.

        A source sends an order's scans with the order (Shopify's fulfillment events),
        so every order loaded with scans is reached through its shipments.
        """
        if not shipment_keys:
            return
        latest: dict[uuid.UUID, Any] = {}
        for scan in self._moving_scans(shipment_keys):
            held = latest.get(scan.order_key)
            if held is None or _scan_order(scan) > _scan_order(held):
                latest[scan.order_key] = scan
        moves: list[dict[str, Any]] = []
        history: list[tuple[OrderStatusEvent, str | None]] = []
        for scan in latest.values():
            current = OrderStatus(scan.order_status)
            moved = advanced_by_tracking(current, TrackingStatus(scan.scan))
            if moved is None:
                continue
            moves.append({"key": scan.order_key, "moved": moved.value})
            event = OrderStatusEvent(
                order_key=scan.order_key,
                source_system=scan.source_system,
                source_id=scan.source_id,
                previous_status=current,
                status=moved,
                status_raw=f"tracking:{scan.scan_raw}",
                occurred_at=scan.occurred_at,
                accepted=True,
                reason=None,
            )
            history.append((event, scan.mapping_version))
        if moves:
            orders = schema.orders
            self.connection.execute(
                update(orders)
                .where(orders.c.order_key == bindparam("key"))
                .values(status=bindparam("moved"), status_set_by=TRACKING),
                moves,
            )
        self._record(history, now, TRACKING)

    def _moving_scans(self, shipment_keys: Sequence[uuid.UUID]) -> Any:
        events, shipments, orders = schema.tracking_events, schema.shipments, schema.orders
        return self.connection.execute(
            select(
                orders.c.order_key,
                orders.c.source_system,
                orders.c.source_id,
                orders.c.status.label("order_status"),
                events.c.status.label("scan"),
                events.c.status_raw.label("scan_raw"),
                events.c.occurred_at,
                events.c.mapping_version,
            )
            .join_from(events, shipments, shipments.c.shipment_key == events.c.shipment_key)
            .join(orders, orders.c.order_key == shipments.c.order_key)
            .where(
                key_in(shipments.c.shipment_key, list(shipment_keys), self.bulk.dialect),
                events.c.status.in_([s.value for s in _MOVING_SCANS]),
                events.c.deleted_at.is_(None),
                shipments.c.deleted_at.is_(None),
                orders.c.deleted_at.is_(None),
            )
        )

    def _record(
        self,
        history: list[tuple[OrderStatusEvent, str | None]],
        now: datetime,
        origin: str,
    ) -> int:
        """Write history rows; returns how many refusals were written.

        A sighting already live is left as it is (a replay); one that was superseded is
        revived, so re-deriving under a spec again gives back the same rows.
        """
        rows = {
            key: {
                **event.model_dump(),
                "origin": origin,
                "mapping_version": mapping_version,
                "event_key": key,
                "run_id": self.run_id,
                "recorded_at": now,
                "superseded_at": None,
            }
            for event, mapping_version in history
            for key in [history_event_key(event, origin)]
        }
        if not rows:
            return 0
        table = schema.order_status_history
        live = self._live_event_keys(list(rows))
        self.bulk.upsert(
            table,
            list(rows.values()),
            conflict=("event_key",),
            update=(
                "mapping_version",
                "status_raw",
                "reason",
                "run_id",
                "recorded_at",
                "superseded_at",
            ),
            guard=_superseded,
        )
        return sum(1 for key, row in rows.items() if not row["accepted"] and key not in live)

    def _live_event_keys(self, keys: list[uuid.UUID]) -> set[uuid.UUID]:
        table = schema.order_status_history
        return set(
            self.connection.execute(
                select(table.c.event_key).where(
                    key_in(table.c.event_key, keys, self.bulk.dialect),
                    table.c.superseded_at.is_(None),
                )
            ).scalars()
        )


def _superseded(table: Table, excluded: Any) -> ColumnElement[bool]:
    """Only a superseded row is rewritten (revived); a live one is the same sighting."""
    return table.c.superseded_at.is_not(None)


def _scan_order(scan: Any) -> tuple[datetime, int]:
    """Latest first; among scans of one instant, the one further along a parcel's life."""
    return scan.occurred_at, _MOVING_SCANS.index(TrackingStatus(scan.scan))
