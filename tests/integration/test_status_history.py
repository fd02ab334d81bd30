"""order_status_history: every refusal is recorded once, counted once, and tagged."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select

from orderhub.reports import summary
from orderhub.warehouse import schema
from tests.integration.test_target_load import run_target
from tests.integration.test_tracking_moves_orders import scanned
from tests.shopify_records import BASE_TIME, messages, order, variant

HISTORY = schema.order_status_history


def history_rows(engine: Engine) -> list[tuple]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                HISTORY.c.previous_status,
                HISTORY.c.status,
                HISTORY.c.accepted,
                HISTORY.c.origin,
                HISTORY.c.run_id,
            ).order_by(HISTORY.c.id)
        )
        return [tuple(row) for row in rows]


def run_refusals(engine: Engine, run_id: str) -> tuple[int, int]:
    """(rejected_transitions in the run's sync_runs row, refusal rows the run wrote)."""
    with engine.connect() as connection:
        counted = connection.execute(
            select(schema.sync_runs.c.rejected_transitions).where(
                schema.sync_runs.c.run_id == run_id
            )
        ).scalar_one()
        written = connection.execute(
            select(HISTORY.c.id).where(HISTORY.c.run_id == run_id, HISTORY.c.accepted.is_(False))
        ).all()
    return counted, len(written)


def test_a_flapping_status_at_one_source_version_records_its_refusal(
    warehouse: Engine, warehouse_url: str
) -> None:
    # The old unique key (order, occurred_at, status) made "shipped -> paid refused" the
    # same row as the first "paid": the refusal vanished while the run counted it.
    moment = BASE_TIME + timedelta(hours=1)
    paid = order(1, updated=moment)
    shipped = order(1, updated=moment, fulfillment="FULFILLED")
    paid_again = variant(paid, note="flapped back")
    targets = [run_target(warehouse_url, messages([r])) for r in (paid, shipped, paid_again)]

    rows = history_rows(warehouse)
    assert [row[:4] for row in rows] == [
        (None, "paid", True, "source"),
        ("paid", "shipped", True, "source"),
        ("shipped", "paid", False, "source"),
    ]
    assert rows[2][4] == targets[2].run_id
    assert targets[2].counts["orders"].rejected_transitions == 1
    assert run_refusals(warehouse, targets[2].run_id) == (1, 1)
    assert summary(warehouse).rejected_transitions == 1


def test_the_same_refusal_seen_again_is_one_row_counted_once(
    warehouse: Engine, warehouse_url: str
) -> None:
    moment = BASE_TIME + timedelta(hours=1)
    run_target(warehouse_url, messages([order(1, updated=moment, fulfillment="FULFILLED")]))
    refused = order(1, updated=moment)
    first = run_target(warehouse_url, messages([refused]))
    again = run_target(warehouse_url, messages([variant(refused, note="edited")]))

    assert run_refusals(warehouse, first.run_id) == (1, 1)
    assert run_refusals(warehouse, again.run_id) == (0, 0)
    assert [row[:3] for row in history_rows(warehouse)] == [
        (None, "shipped", True),
        ("shipped", "paid", False),
    ]


def test_history_rows_name_their_origin_and_mapping_version(
    warehouse: Engine, warehouse_url: str
) -> None:
    run_target(warehouse_url, messages([scanned(1, ("IN_TRANSIT", 70), ("DELIVERED", 90))]))
    with warehouse.connect() as connection:
        version = connection.execute(select(schema.orders.c.mapping_version)).scalar_one()
        rows = connection.execute(
            select(HISTORY.c.origin, HISTORY.c.mapping_version, HISTORY.c.status_raw).order_by(
                HISTORY.c.occurred_at
            )
        ).all()
    assert version.startswith("shopify/orders@")
    assert [tuple(row) for row in rows] == [
        ("source", version, "PAID/FULFILLED"),
        ("tracking", version, "tracking:DELIVERED"),
    ]
