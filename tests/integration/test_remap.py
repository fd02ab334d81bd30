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
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from orderhub.exceptions import ConfigurationError
from orderhub.remap import remap
from orderhub.reports import summary
from orderhub.warehouse import schema
from orderhub.warehouse.engine import create_warehouse_engine, migrate
from tests.conftest import ROOT, scratch_pg_database
from tests.integration.remap_scenarios import (
    assert_same_tables,
    event_keys,
    history_count,
    load_fresh,
    order_lives,
    refusal_counts,
    spec_s,
    spec_s0,
    statuses,
    sync_rounds,
    tables,
)
from tests.integration.test_cli import invoke, settings_file


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
    with scratch_pg_database() as url:
        yield url


@pytest.fixture
def fresh(fresh_url: str) -> Iterator[Engine]:
    engine = create_warehouse_engine(fresh_url)
    migrate(engine)
    yield engine
    engine.dispose()


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
    """Any lives, either spec first, any remap batch size: remap(S) == fresh load under S,
    and every run (syncs and the remap) counted exactly the refusal rows it wrote."""
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
            runs = refusal_counts(engines[0])
            assert all(counted == written for _, counted, written in runs), runs
        finally:
            for engine in engines:
                engine.dispose()


def test_an_interrupted_remap_is_cancelled_and_the_next_one_finishes_it(
    warehouse: Engine, warehouse_url: str, fresh: Engine, fresh_url: str, mappings: Path
) -> None:
    spec_s0(mappings)
    sync_rounds(warehouse_url, mappings, order_lives(random.Random(11), orders=20, rounds=3))
    spec_s(mappings)

    def interrupt(stream: str, size: int) -> None:
        raise KeyboardInterrupt  # Ctrl-C after the first batch committed

    with pytest.raises(KeyboardInterrupt):
        remap(warehouse, "shopify", mappings_dir=mappings, batch_size=6, on_batch=interrupt)
    with warehouse.connect() as connection:
        run = connection.execute(
            select(schema.sync_runs.c.status, schema.sync_runs.c.message).where(
                schema.sync_runs.c.pipeline == "remap/shopify"
            )
        ).one()
    assert run.status == "cancelled" and "again" in run.message

    finished = remap(warehouse, "shopify", mappings_dir=mappings, batch_size=6)
    assert finished["orders"].upserted == 14 and finished["orders"].unchanged == 6
    load_fresh(warehouse, fresh_url, mappings)
    assert_same_tables(warehouse, fresh)


def test_a_remap_that_cannot_start_leaves_a_failed_run_saying_what_to_do(
    warehouse: Engine, tmp_path: Path
) -> None:
    with pytest.raises(ConfigurationError):
        remap(warehouse, "shopify", mappings_dir=tmp_path / "no-such-folder")
    with warehouse.connect() as connection:
        run = connection.execute(select(schema.sync_runs)).one()
    assert (run.pipeline, run.status) == ("remap/shopify", "failed")
    assert "ConfigurationError" in run.message and run.finished_at is not None


def test_a_full_sync_after_a_spec_change_corrects_like_a_remap(
    warehouse: Engine, warehouse_url: str, fresh: Engine, fresh_url: str, mappings: Path
) -> None:
    # A hostile tester's case: after a spec change the user re-syncs (--full-refresh)
    # instead of remapping. The source re-sends the payloads already landed: only the
    # mapping changed, so the change is a correction, never a source transition. Then a
    # revert and another full sync; afterwards a remap has nothing left to do.
    lives = order_lives(random.Random(11), orders=40, rounds=4)
    sync_rounds(warehouse_url, mappings, lives)

    def resync() -> int:
        return sync_rounds(warehouse_url, mappings, [list(_latest_payloads(warehouse))])

    spec_s0(mappings)
    refused_under_s0 = resync()
    spec_s(mappings)
    refused_after_revert = resync()
    counts = remap(warehouse, "shopify", mappings_dir=mappings)
    load_fresh(warehouse, fresh_url, mappings)

    assert refused_under_s0 == 0 and refused_after_revert == 0
    assert counts["orders"].upserted == 0 and counts["orders"].unchanged == 40
    assert_same_tables(warehouse, fresh)


def _latest_payloads(engine: Engine) -> list[dict]:
    table = schema.raw_records
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(table.c.payload).where(table.c.stream == "orders").order_by(table.c.id)
            ).scalars()
        )
