"""``orderhub remap`` re-derives: remap(S) leaves what a fresh load under S would leave.

Orders go through several versions (statuses moving, refused steps, carrier scans)
loaded under a spec S0 whose order_status code table differs from S; then the folder
is switched to S and remapped. A second warehouse loads the latest payloads (what
raw_records holds, what a fresh full sync would read) under S, and every unified table
and the live status history are compared table by table.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, Table, func, select

from orderhub.remap import remap
from orderhub.reports import summary
from orderhub.warehouse import schema
from orderhub.warehouse.engine import create_warehouse_engine, migrate
from tests.conftest import PG_ADMIN_URL, ROOT
from tests.integration.test_cli import invoke, settings_file
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


@pytest.fixture
def mappings(tmp_path: Path) -> Path:
    folder = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", folder)
    return folder


# a second warehouse on the same backend -----------------------------------------------


@pytest.fixture
def fresh_url(warehouse_url: str, tmp_path: Path) -> Iterator[str]:
    """Another empty warehouse on the backend of ``warehouse_url``, for the fresh load."""
    if warehouse_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"orderhub_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh(fresh_url: str) -> Iterator[Engine]:
    engine = create_warehouse_engine(fresh_url)
    migrate(engine)
    yield engine
    engine.dispose()


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
    """Per sync round, the versions of the orders that changed in it."""
    lives: list[list[dict[str, Any]]] = [[] for _ in range(rounds)]
    for number in range(1, orders + 1):
        ship_from = rng.choice([None, *range(rounds)])
        scans: list[str] = []
        for index in sorted(rng.sample(range(rounds), rng.randint(1, rounds))):
            shipped = ship_from is not None and index >= ship_from
            if shipped and rng.random() < 0.7:
                scans = [*scans, rng.choice(SCANS)]
            state = rng.choice(STATES)
            lives[index].append(order_version(number, index, state, scans, shipped))
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


# the tests --------------------------------------------------------------------------


def test_remap_equals_a_fresh_load_under_the_new_spec(
    warehouse: Engine, warehouse_url: str, fresh: Engine, fresh_url: str, mappings: Path
) -> None:
    lives = order_lives(random.Random(6), orders=40, rounds=4)
    spec_s0(mappings)
    refused = sync_rounds(warehouse_url, mappings, lives)
    under_s0 = statuses(warehouse)
    spec_s(mappings)

    counts = remap(warehouse, "shopify", mappings_dir=mappings)
    load_fresh(warehouse, fresh_url, mappings)

    assert_same_tables(warehouse, fresh)
    assert counts["orders"].upserted == 40 and counts["orders"].rejected_transitions == 0
    # The scenario is worth its name: the syncs refused steps, the spec change moved
    # orders, and carrier scans hold some statuses.
    assert refused > 0
    assert sum(under_s0[n] != now for n, now in statuses(warehouse).items()) >= 5
    assert any(set_by == "tracking" for _, set_by in statuses(warehouse).values())


def test_reverting_a_code_table_change_restores_every_order(
    warehouse: Engine, warehouse_url: str, fresh: Engine, fresh_url: str, mappings: Path
) -> None:
    # The case: S1 maps PAID/FULFILLED to delivered; reverting to S0 (shipped)
    # was taken as delivered -> shipped, refused, and left those orders delivered while
    # their mapping_version named S0.
    lives = order_lives(random.Random(7), orders=40, rounds=4)
    sync_rounds(warehouse_url, mappings, lives)
    spec_s0(mappings)
    remap(warehouse, "shopify", mappings_dir=mappings)
    spec_s(mappings)

    counts = remap(warehouse, "shopify", mappings_dir=mappings)
    load_fresh(warehouse, fresh_url, mappings)

    assert_same_tables(warehouse, fresh)
    assert counts["orders"].rejected_transitions == 0


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


def test_refused_counts_equal_refusal_rows_and_remap_keeps_the_old_history(
    warehouse: Engine, warehouse_url: str, mappings: Path
) -> None:
    history = schema.order_status_history
    spec_s0(mappings)
    sync_rounds(warehouse_url, mappings, order_lives(random.Random(8), orders=30, rounds=4))
    before = event_keys(warehouse)
    spec_s(mappings)
    remap(warehouse, "shopify", mappings_dir=mappings)

    runs = refusal_counts(warehouse)
    assert all(counted == written for _, counted, written in runs), runs
    assert sum(counted for _, counted, _ in runs) > 0
    assert runs[-1][0] == "remap/shopify"
    # What the old spec said is kept (superseded unless re-derived the same); only live
    # refusals are reported.
    assert before <= event_keys(warehouse)
    assert history_count(warehouse, history.c.superseded_at.is_not(None)) > 0
    assert summary(warehouse).rejected_transitions == history_count(
        warehouse, history.c.accepted.is_(False), history.c.superseded_at.is_(None)
    )
    assert summary(warehouse).rejected_transitions < sum(c for _, c, _ in runs)


def test_remap_again_changes_nothing_and_all_revives_the_same_rows(
    warehouse: Engine, warehouse_url: str, mappings: Path
) -> None:
    spec_s0(mappings)
    sync_rounds(warehouse_url, mappings, order_lives(random.Random(9), orders=30, rounds=3))
    spec_s(mappings)
    remap(warehouse, "shopify", mappings_dir=mappings)
    after_first, rows_first = tables(warehouse), history_count(warehouse)

    again = remap(warehouse, "shopify", mappings_dir=mappings)
    assert again["orders"].upserted == 0
    everything = remap(warehouse, "shopify", mappings_dir=mappings, everything=True)
    assert everything["orders"].upserted == 30
    assert tables(warehouse) == after_first
    assert history_count(warehouse) == rows_first  # revived, not written twice


def test_remap_all_from_the_cli_re_derives_orders_synced_under_the_new_spec(
    warehouse: Engine, warehouse_url: str, fresh: Engine, fresh_url: str, mappings: Path
) -> None:
    # Syncs ran under S before the remap: their versions were mapped under S already,
    # but the S0 -> S correction went into the history as a source transition.
    lives = order_lives(random.Random(10), orders=30, rounds=4)
    spec_s0(mappings)
    sync_rounds(warehouse_url, mappings, lives[:2])
    spec_s(mappings)
    sync_rounds(warehouse_url, mappings, lives[2:])
    config = str(settings_file(mappings.parent, warehouse_url, mappings))

    code, output = invoke("remap", "--source", "shopify", "--all", "--config", config)
    assert code == 0, output
    assert "refused status" in output
    load_fresh(warehouse, fresh_url, mappings)
    assert_same_tables(warehouse, fresh)


@settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rng=st.randoms(use_true_random=False),
    orders=st.integers(1, 8),
    rounds=st.integers(1, 3),
    batch_size=st.integers(1, 20),
    forward=st.booleans(),
)
def test_remap_equals_a_fresh_load_for_any_order_lives(
    mappings: Path, rng: random.Random, orders: int, rounds: int, batch_size: int, forward: bool
) -> None:
    """Any lives, either spec first, any remap batch size: remap(S) == fresh load under S."""
    first, then = (spec_s0, spec_s) if forward else (spec_s, spec_s0)
    with tempfile.TemporaryDirectory() as folder:
        urls = [f"sqlite:///{Path(folder) / name}.db" for name in ("synced", "fresh")]
        engines = [create_warehouse_engine(url) for url in urls]
        for engine in engines:
            migrate(engine)
        try:
            first(mappings)
            sync_rounds(urls[0], mappings, order_lives(rng, orders, rounds))
            then(mappings)
            remap(engines[0], "shopify", mappings_dir=mappings, batch_size=batch_size)
            load_fresh(engines[0], urls[1], mappings)
            assert_same_tables(*engines)
        finally:
            for engine in engines:
                engine.dispose()
