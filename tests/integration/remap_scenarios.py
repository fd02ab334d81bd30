"""Generated order lives for remap tests: specs S0 and S, sync rounds, fresh loads and
table-by-table comparison (surrogate ids and load times/run ids aside)."""

from __future__ import annotations

import random
import shutil
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, func, select

from orderhub.warehouse import schema
from tests.conftest import ROOT
from tests.integration.test_target_load import run_target
from tests.shopify_records import BASE_TIME, iso, messages, order

#: Code-table rows S0 changes, and what to: statuses that a revert must move *back*.
S0_CHANGES = {
    "[null, PAID, FULFILLED, null, shipped]": "[null, PAID, FULFILLED, null, delivered]",
    '[null, PAID, UNFULFILLED, "*", paid]': '[null, PAID, UNFULFILLED, "*", allocated]',
    '[null, PAID, IN_PROGRESS, "*", packed]': '[null, PAID, IN_PROGRESS, "*", paid]',
    '[null, PENDING, UNFULFILLED, "*", pending_payment]': (
        '[null, PENDING, UNFULFILLED, "*", on_hold]'
    ),
}
#: (financial, fulfillment, closed, cancelled) an order version can be in.
STATES = [
    ("PENDING", "UNFULFILLED", False, False),
    ("PAID", "UNFULFILLED", False, False),
    ("PAID", "IN_PROGRESS", False, False),
    ("PAID", "FULFILLED", False, False),
    ("PAID", "FULFILLED", True, False),
    ("PAID", "ON_HOLD", False, False),
    ("PAID", "UNFULFILLED", False, True),
    ("REFUNDED", "FULFILLED", False, False),
]
#: Carrier codes of tracking_status: moving scans, and ones that say nothing of the order.
SCANS = ["CARRIER_PICKED_UP", "IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED", "LABEL_PRINTED"]
SCANS += ["DELAYED"]
#: Columns that differ between two loads of the same data by nature: when and by which run.
VOLATILE = {"id", "loaded_at", "recorded_at", "run_id", "first_seen_at", "last_seen_at"}
VOLATILE |= {"last_run_id", "superseded_at"}


# specs ----------------------------------------------------------------------------


def spec_s0(folder: Path) -> None:
    """Turn a copy of the project's mappings into S0 (its order_status rows changed)."""
    text = (ROOT / "mappings" / "shopify" / "code_tables.yml").read_text()
    for old, new in S0_CHANGES.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    (folder / "shopify" / "code_tables.yml").write_text(text)


def spec_s(folder: Path) -> None:
    """Put the project's own code tables (S) back into the folder."""
    shutil.copy(ROOT / "mappings" / "shopify" / "code_tables.yml", folder / "shopify")


# generated order lives ----------------------------------------------------------------


def order_version(
    number: int, index: int, state: tuple[str, str, bool, bool], scans: list[str], shipped: bool
) -> dict[str, Any]:
    """Version ``index`` of order ``number``: its state, and its parcel's scans so far.

    Once an order has a fulfillment it keeps it and its scans only grow, so no version
    drops a child row (a fresh load never sees dropped rows; remap keeps them deleted).
    """
    financial, fulfillment, closed, cancelled = state
    updated = BASE_TIME + timedelta(hours=index, minutes=number)
    record = order(number, updated=updated, fulfillment="FULFILLED")
    record.update(
        displayFinancialStatus=financial,
        displayFulfillmentStatus=fulfillment,
        closedAt=iso(updated) if closed else None,
        cancelledAt=iso(updated) if cancelled else None,
    )
    if not shipped:
        record["fulfillments"] = []
        return record
    record["fulfillments"][0]["events"] = [
        {
            "id": f"gid://shopify/FulfillmentEvent/{number}-{at}",
            "status": scan,
            "happenedAt": iso(BASE_TIME + timedelta(hours=at, minutes=number + 30)),
            "city": None,
            "province": None,
            "country": "US",
            "message": None,
        }
        for at, scan in enumerate(scans)
    ]
    return record


def order_lives(rng: random.Random, orders: int, rounds: int) -> list[list[dict[str, Any]]]:
    """Per sync round, the versions of the orders that changed in it.

    Now and then the next round resends a version with another state at the same
    source version (a flapping source: refusals at one instant), or replays it as sent.
    """
    lives: list[list[dict[str, Any]]] = [[] for _ in range(rounds)]
    for number in range(1, orders + 1):
        ship_from = rng.choice([None, *range(rounds)])
        scans: list[str] = []
        for index in sorted(rng.sample(range(rounds), rng.randint(1, rounds))):
            shipped = ship_from is not None and index >= ship_from
            if shipped and rng.random() < 0.7:
                scans = [*scans, rng.choice(SCANS)]
            sent = order_version(number, index, rng.choice(STATES), scans, shipped)
            lives[index].append(sent)
            if index + 1 < rounds and rng.random() < 0.3:
                again = rng.choice(
                    [sent, order_version(number, index, rng.choice(STATES), scans, shipped)]
                )
                lives[index + 1].insert(0, again)
    return lives


# loading and comparing ------------------------------------------------------------


def sync_rounds(url: str, mappings: Path, lives: list[list[dict[str, Any]]]) -> int:
    """Load each round as one incremental sync; returns the refusals the syncs counted."""
    refused = 0
    for records in lives:
        if records:
            target = run_target(url, messages(records), mappings_dir=str(mappings))
            refused += sum(c.rejected_transitions for c in target.counts.values())
    return refused


def load_fresh(source: Engine, fresh_url: str, mappings: Path) -> None:
    """Load what raw_records of ``source`` holds into an empty warehouse, as a full sync."""
    table = schema.raw_records
    with source.connect() as connection:
        payloads = connection.execute(
            select(table.c.payload).where(table.c.stream == "orders").order_by(table.c.id)
        ).scalars()
        run_target(fresh_url, messages(list(payloads)), mappings_dir=str(mappings))


def rows_of(engine: Engine, table: Table, *where: Any) -> list[tuple]:
    columns = [c for c in table.c if c.name not in VOLATILE]
    with engine.connect() as connection:
        return sorted(
            (tuple(row) for row in connection.execute(select(*columns).where(*where))), key=repr
        )


def tables(engine: Engine) -> dict[str, list[tuple]]:
    """Every unified table, the live status history and the raw records, comparably.

    (dead_letters keep every bad version a sync met, which a fresh load never sees.)
    """
    history = schema.order_status_history
    return {
        "orders": rows_of(engine, schema.orders),
        "live history": rows_of(engine, history, history.c.superseded_at.is_(None)),
        **{t.name: rows_of(engine, t) for t in schema.ENTITY_TABLES.values()},
        "raw_records": rows_of(engine, schema.raw_records),
    }


def assert_same_tables(remapped: Engine, fresh: Engine) -> None:
    got, expected = tables(remapped), tables(fresh)
    for name in expected:
        assert got[name] == expected[name], f"{name} differs from a fresh load"


def statuses(engine: Engine) -> dict[str, tuple[str, str]]:
    orders = schema.orders
    with engine.connect() as connection:
        rows = connection.execute(
            select(orders.c.source_id, orders.c.status, orders.c.status_set_by)
        ).all()
    return {row.source_id: (row.status, row.status_set_by) for row in rows}


def refusal_counts(engine: Engine) -> list[tuple[str, int, int]]:
    """Per run: (pipeline, refused transitions it counted, refusal rows it wrote)."""
    runs, history = schema.sync_runs, schema.order_status_history
    written = (
        select(func.count())
        .where(history.c.run_id == runs.c.run_id, history.c.accepted.is_(False))
        .scalar_subquery()
    )
    with engine.connect() as connection:
        rows = connection.execute(
            select(runs.c.pipeline, runs.c.rejected_transitions, written).order_by(
                runs.c.started_at
            )
        ).all()
    return [tuple(row) for row in rows]


def event_keys(engine: Engine) -> set[uuid.UUID]:
    table = schema.order_status_history
    with engine.connect() as connection:
        return set(connection.execute(select(table.c.event_key)).scalars())


def history_count(engine: Engine, *where: Any) -> int:
    table = schema.order_status_history
    with engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
        )
