"""Carrier scans move an order on; a source that has not caught up does not move it back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select

from orderhub.warehouse import schema
from tests.integration.test_target_load import run_target
from tests.shopify_records import BASE_TIME, iso, messages, order


def scanned(number: int, *scans: tuple[str, int], hours: int = 0, **fields: Any) -> dict:
    """A fulfilled order version ``hours`` after the base, with scans at minute offsets."""
    record = order(number, updated=BASE_TIME + timedelta(hours=hours), fulfillment="FULFILLED")
    record.update(fields)
    record["fulfillments"][0]["events"] = [
        {
            "id": f"gid://shopify/FulfillmentEvent/{number}{index}",
            "status": status,
            "happenedAt": iso(BASE_TIME + timedelta(minutes=minute)),
            "city": None,
            "province": None,
            "country": "US",
            "message": None,
        }
        for index, (status, minute) in enumerate(scans)
    ]
    return record


def order_state(engine: Engine) -> tuple[str, str]:
    with engine.connect() as connection:
        row = connection.execute(
            select(schema.orders.c.status, schema.orders.c.status_set_by)
        ).one()
    return row.status, row.status_set_by


def history(engine: Engine) -> list[tuple]:
    table = schema.order_status_history
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                table.c.previous_status, table.c.status, table.c.status_raw, table.c.accepted
            ).order_by(table.c.occurred_at, table.c.id)
        )
        return [tuple(row) for row in rows]


def test_a_delivery_scan_moves_a_shipped_order_to_delivered(
    warehouse: Engine, warehouse_url: str
) -> None:
    run_target(warehouse_url, messages([scanned(1, ("IN_TRANSIT", 70), ("DELIVERED", 90))]))
    assert order_state(warehouse) == ("delivered", "tracking")
    assert history(warehouse)[-1] == ("shipped", "delivered", "tracking:DELIVERED", True)


def test_the_lagging_source_does_not_move_it_back_nor_count_as_refused(
    warehouse: Engine, warehouse_url: str
) -> None:
    run_target(warehouse_url, messages([scanned(1, ("DELIVERED", 90))]))
    before = history(warehouse)
    # A later version (a note edited) still says FULFILLED, i.e. shipped.
    later = scanned(1, ("DELIVERED", 90), hours=5, note="gift wrap")
    target = run_target(warehouse_url, messages([later]))
    assert order_state(warehouse) == ("delivered", "tracking")
    assert history(warehouse) == before
    assert target.counts["orders"].rejected_transitions == 0


def test_the_source_catching_up_takes_the_status_back(
    warehouse: Engine, warehouse_url: str
) -> None:
    run_target(warehouse_url, messages([scanned(1, ("DELIVERED", 90))]))
    closed = scanned(1, ("DELIVERED", 90), hours=6, closedAt=iso(BASE_TIME + timedelta(hours=6)))
    run_target(warehouse_url, messages([closed]))
    assert order_state(warehouse) == ("completed", "source")
    previous, status, raw, accepted = history(warehouse)[-1]
    assert (previous, status, accepted) == ("delivered", "completed", True)
    assert not raw.startswith("tracking:")


def test_a_real_conflict_after_a_scan_is_still_refused(
    warehouse: Engine, warehouse_url: str
) -> None:
    run_target(warehouse_url, messages([scanned(1, ("DELIVERED", 90))]))
    # Cancelled after delivery: no path leads from cancelled to delivered, so this is not
    # a source lagging behind but an impossible transition (a pending payment would lag:
    # cash on delivery is paid at the door).
    cancelled = scanned(1, ("DELIVERED", 90), hours=7, cancelledAt=iso(BASE_TIME))
    target = run_target(warehouse_url, messages([cancelled]))
    assert order_state(warehouse) == ("delivered", "tracking")
    previous, status, _, accepted = history(warehouse)[-1]
    assert (previous, status, accepted) == ("delivered", "cancelled", False)
    assert target.counts["orders"].rejected_transitions == 1


def test_scans_that_say_nothing_or_come_too_late_change_nothing(
    warehouse: Engine, warehouse_url: str
) -> None:
    cancelled = scanned(1, ("IN_TRANSIT", 70), cancelledAt=iso(BASE_TIME))
    run_target(warehouse_url, messages([cancelled]))
    assert order_state(warehouse) == ("cancelled", "source")
    run_target(warehouse_url, messages([scanned(2, ("LABEL_PRINTED", 70), ("DELAYED", 80))]))
    with warehouse.connect() as connection:
        statuses = dict(
            connection.execute(select(schema.orders.c.source_id, schema.orders.c.status)).all()
        )
    assert statuses == {"1": "cancelled", "2": "shipped"}
    assert all(not raw.startswith("tracking:") for _, _, raw, _ in history(warehouse))


def test_the_latest_scan_decides_and_a_rerun_changes_nothing(
    warehouse: Engine, warehouse_url: str
) -> None:
    # Scans in any order within the payload: the latest one (delivered) decides.
    record = scanned(1, ("DELIVERED", 90), ("OUT_FOR_DELIVERY", 80), ("IN_TRANSIT", 70))
    run_target(warehouse_url, messages([record]))
    first = (order_state(warehouse), history(warehouse))
    run_target(warehouse_url, messages([record]))
    assert (order_state(warehouse), history(warehouse)) == first
    assert first[0] == ("delivered", "tracking")
