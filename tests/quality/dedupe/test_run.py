"""A dedupe run over a real warehouse (SQLite and PostgreSQL): golden IDs written back
and stable, merges and splits recorded, steward decisions winning on later runs."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import Engine, func, select

from orderhub.warehouse.engine import create_warehouse_engine, migrate
from orderhub.warehouse.schema import dedupe_pairs, dedupe_runs, golden_id_events
from quality.dedupe.customer_table import DedupeInputError
from quality.dedupe.pairs import Band, CustomerRecord, ScoredPair
from quality.dedupe.review import DedupeError, decide, pending
from quality.dedupe.run import RunSummary, run_dedupe
from tests.quality.dedupe.warehouse import (
    add_customer,
    delete_customer,
    fixed_linker,
    golden_ids,
)

MATCH, REVIEW = Band.MATCH, Band.REVIEW


def _events(engine: Engine) -> list[tuple[str, str]]:
    query = select(golden_id_events.c.kind, golden_id_events.c.golden_customer_id).order_by(
        golden_id_events.c.id
    )
    with engine.connect() as connection:
        return [(kind, str(gid)) for kind, gid in connection.execute(query)]


def _pair_id(engine: Engine, left: tuple[str, str], right: tuple[str, str]) -> int:
    a, b = min(left, right), max(left, right)
    query = select(dedupe_pairs.c.pair_id).where(
        dedupe_pairs.c.left_source_system == a[0],
        dedupe_pairs.c.left_source_id == a[1],
        dedupe_pairs.c.right_source_system == b[0],
        dedupe_pairs.c.right_source_id == b[1],
    )
    with engine.connect() as connection:
        found = connection.execute(query).scalar()
    assert found is not None
    return int(found)


def test_the_default_linker_merges_one_person_and_a_rerun_changes_nothing(
    warehouse: Engine,
) -> None:
    # One person as two sources record them, alike in every field: any linker merges them.
    same = {"name": "Zhang Wei", "email": "zhang.wei@example.com", "city": "上海"}
    a = add_customer(warehouse, "1", phone="+86 138 1234 5678", **same)
    b = add_customer(warehouse, "S-9", system="sap", phone="13812345678", **same)
    c = add_customer(warehouse, "2", name="Li Na", email="li.na@example.com")
    first = run_dedupe(warehouse)
    ids = golden_ids(warehouse)
    assert ids[a] is not None and ids[a] == ids[b] != ids[c] is not None
    assert (first.customers, first.golden_ids, first.created, first.changed) == (3, 2, 2, 3)
    events = _events(warehouse)

    again = run_dedupe(warehouse)
    assert golden_ids(warehouse) == ids
    assert (again.changed, again.created, again.merges, again.splits, again.retired) == (0,) * 5
    assert _events(warehouse) == events  # a rerun records nothing
    with warehouse.connect() as connection:
        # nor rewrites the evidence: each pair row is still the first run's
        written_by = set(connection.execute(select(dedupe_pairs.c.run_id)).scalars())
    assert written_by == {first.run_id}
    with warehouse.connect() as connection:
        assert connection.execute(select(func.count()).select_from(dedupe_runs)).scalar() == 2


def test_adding_customers_keeps_every_existing_id(warehouse: Engine) -> None:
    a = add_customer(warehouse, "a")
    b = add_customer(warehouse, "b")
    linker = fixed_linker((a, b, 0.99, MATCH))
    run_dedupe(warehouse, linker=linker)
    before = golden_ids(warehouse)
    c = add_customer(warehouse, "c", system="u8")
    d = add_customer(warehouse, "d", system="u8")
    after_run = run_dedupe(warehouse, linker=fixed_linker((a, b, 0.99, MATCH), (b, c, 0.98, MATCH)))
    after = golden_ids(warehouse)
    assert {k: after[k] for k in before} == before
    assert after[c] == after[a] and after[d] not in (None, after[a])
    assert (after_run.changed, after_run.created, after_run.merges) == (2, 1, 0)


def test_a_merge_and_a_split_are_recorded(warehouse: Engine) -> None:
    a, b, c = (add_customer(warehouse, k) for k in "abc")
    d, e = (add_customer(warehouse, k, system="sap") for k in "de")
    run_dedupe(
        warehouse,
        linker=fixed_linker((a, b, 0.99, MATCH), (b, c, 0.99, MATCH), (d, e, 0.99, MATCH)),
    )
    first = golden_ids(warehouse)
    big, small = first[a], first[d]

    merged = run_dedupe(
        warehouse,
        linker=fixed_linker(
            (a, b, 0.99, MATCH), (b, c, 0.99, MATCH), (d, e, 0.99, MATCH), (c, d, 0.95, MATCH)
        ),
    )
    assert set(golden_ids(warehouse).values()) == {big}
    assert (merged.merges, merged.retired, merged.changed) == (1, 1, 2)
    assert _events(warehouse)[-2:] == [("merged", str(big)), ("retired", str(small))]

    # The bridge goes: the larger part keeps the ID, the other gets a new one.
    split = run_dedupe(
        warehouse,
        linker=fixed_linker((a, b, 0.99, MATCH), (b, c, 0.99, MATCH), (d, e, 0.99, MATCH)),
    )
    now = golden_ids(warehouse)
    assert now[a] == now[b] == now[c] == big
    assert now[d] == now[e] not in (big, small)  # a retired ID is never reissued
    with warehouse.connect() as connection:
        assert connection.execute(select(func.count()).select_from(dedupe_pairs)).scalar() == 3
    assert (split.splits, split.created) == (1, 1)
    with warehouse.connect() as connection:
        kinds = dict(
            connection.execute(
                select(golden_id_events.c.kind, golden_id_events.c.other_ids).where(
                    golden_id_events.c.run_id == split.run_id
                )
            ).all()
        )
    assert kinds["split"] == {str(now[d]): 2}
    assert kinds["created"] == {str(big): 2}


def test_an_accept_merges_even_when_the_linker_stops_proposing_the_pair(
    warehouse: Engine,
) -> None:
    a = add_customer(warehouse, "a", name="Wang Fang")
    b = add_customer(warehouse, "b", system="u8", name="王芳")
    run_dedupe(warehouse, linker=fixed_linker((a, b, 0.7, REVIEW)))
    assert golden_ids(warehouse)[a] != golden_ids(warehouse)[b]
    pair_id = _pair_id(warehouse, a, b)
    decide(warehouse, pair_id, "accept", by="steward", note="same buyer")
    assert pending(warehouse)[1] == 0  # decided pairs leave the queue at once

    run_dedupe(warehouse, linker=fixed_linker())  # not proposed at all any more
    ids = golden_ids(warehouse)
    assert ids[a] == ids[b]
    assert _pair_id(warehouse, a, b) == pair_id  # the steward's pair keeps its id
    rerun = run_dedupe(warehouse, linker=fixed_linker((a, b, 0.2, REVIEW)))
    assert rerun.pending_review == 0 and pending(warehouse)[1] == 0
    assert golden_ids(warehouse) == ids


def test_a_reject_keeps_two_customers_apart_even_against_a_match(warehouse: Engine) -> None:
    a = add_customer(warehouse, "a", name="Zhang Wei")
    b = add_customer(warehouse, "b", system="sap", name="Zhang Wei")
    c = add_customer(warehouse, "c", system="u8", name="Zhang Wei")
    run_dedupe(warehouse, linker=fixed_linker((a, b, 0.8, REVIEW)))
    decide(warehouse, _pair_id(warehouse, a, b), "reject", by="steward")

    # Later scored a match, and joined through a third customer: still apart.
    linker = fixed_linker((a, b, 0.99, MATCH), (a, c, 0.97, MATCH), (b, c, 0.96, MATCH))
    run_dedupe(warehouse, linker=linker)
    ids = golden_ids(warehouse)
    assert ids[a] != ids[b]
    assert ids[c] in (ids[a], ids[b])
    assert pending(warehouse)[1] == 0


def test_a_decision_can_be_changed_and_an_unknown_pair_is_a_clear_error(
    warehouse: Engine,
) -> None:
    import pytest

    from quality.dedupe.review import DedupeError

    a, b = add_customer(warehouse, "a"), add_customer(warehouse, "b")
    run_dedupe(warehouse, linker=fixed_linker((a, b, 0.7, REVIEW)))
    pair_id = _pair_id(warehouse, a, b)
    assert decide(warehouse, pair_id, "accept", by="x").replaced is None
    assert decide(warehouse, pair_id, "reject", by="y").replaced == "accept"
    run_dedupe(warehouse, linker=fixed_linker((a, b, 0.99, MATCH)))
    assert golden_ids(warehouse)[a] != golden_ids(warehouse)[b]
    with pytest.raises(DedupeError, match=r"no pair 999999 .*orderhub dedupe review"):
        decide(warehouse, 999_999, "accept", by="x")


def test_deleted_customers_are_not_linked_and_keep_their_id(warehouse: Engine) -> None:
    a, b, c = (add_customer(warehouse, k) for k in "abc")
    linker = fixed_linker((a, b, 0.99, MATCH), (b, c, 0.99, MATCH))
    run_dedupe(warehouse, linker=linker)
    before = golden_ids(warehouse)
    delete_customer(warehouse, c)
    summary = run_dedupe(warehouse, linker=linker)
    assert (summary.customers, summary.deleted, summary.changed) == (2, 1, 0)
    assert golden_ids(warehouse) == before


def test_review_lists_pending_pairs_with_pii_masked(warehouse: Engine) -> None:
    a = add_customer(
        warehouse,
        "a",
        name="Zhang Wei",
        phone="13812345678",
        email="zhang.wei@example.com",
        city="上海",
    )
    b = add_customer(warehouse, "b", system="u8", name="张伟", phone="13812345679", city="上海")
    c = add_customer(warehouse, "c", system="sap", name="Li Na")
    run_dedupe(warehouse, linker=fixed_linker((a, b, 0.8, REVIEW), (a, c, 0.99, MATCH)))
    pairs, total = pending(warehouse)
    assert total == 1
    (pair,) = pairs
    assert {pair.left.label, pair.right.label} == {"shopify/a", "u8/b"}
    left = pair.left if pair.left.label == "shopify/a" else pair.right
    assert left.name == "Zhang Wei" and left.city == "上海"
    assert "12345678" not in left.phone and left.phone.endswith("5678")
    assert left.email == "z***@e***.com"


def test_a_retired_id_is_not_revived_by_a_customer_coming_back(warehouse: Engine) -> None:
    from sqlalchemy import update

    from orderhub.warehouse.schema import customers

    a, b = add_customer(warehouse, "a"), add_customer(warehouse, "b")
    c, d = add_customer(warehouse, "c", system="u8"), add_customer(warehouse, "d", system="u8")
    run_dedupe(warehouse, linker=fixed_linker((a, b, 0.99, MATCH), (c, d, 0.99, MATCH)))
    retiring = golden_ids(warehouse)[c]
    delete_customer(warehouse, c)  # c keeps `retiring` while deleted
    run_dedupe(warehouse, linker=fixed_linker((a, b, 0.99, MATCH), (a, d, 0.99, MATCH)))
    assert golden_ids(warehouse)[c] == retiring and golden_ids(warehouse)[d] != retiring
    with warehouse.begin() as connection:  # c is loaded again, undeleted
        connection.execute(
            update(customers).where(customers.c.source_id == "c").values(deleted_at=None)
        )
    back = run_dedupe(warehouse, linker=fixed_linker((a, b, 0.99, MATCH), (a, d, 0.99, MATCH)))
    ids = golden_ids(warehouse)
    assert retiring not in ids.values()
    assert (back.created, back.changed) == (1, 1)


def test_a_sqlite_run_overtaken_by_another_writes_nothing(sqlite_url: str) -> None:
    # Two runs at once, made deterministic: a second run starts and finishes while the
    # first is linking. Before the fix both wrote, each "creating" every golden ID.
    engine = create_warehouse_engine(sqlite_url)
    migrate(engine)
    try:
        a = add_customer(engine, "1", name="Zhang Wei", email="zw@example.com")
        b = add_customer(engine, "2", system="sap", name="Zhang Wei", email="zw@example.com")
        linker = fixed_linker((a, b, 0.99, MATCH))
        overtaken: list[RunSummary] = []

        def slow_linker(records: Sequence[CustomerRecord]) -> list[ScoredPair]:
            overtaken.append(run_dedupe(engine, linker=linker))
            return linker(records)

        with pytest.raises(DedupeError, match="another `orderhub dedupe run` finished"):
            run_dedupe(engine, linker=slow_linker)
        assert len(overtaken) == 1
        assert [kind for kind, _ in _events(engine)] == ["created"]
        with engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(dedupe_runs)).scalar() == 1
        # and the next run, alone, goes through and changes nothing
        assert run_dedupe(engine, linker=linker).changed == 0
    finally:
        engine.dispose()


def test_a_decider_name_too_long_or_blank_is_a_clear_error(warehouse: Engine) -> None:
    # On PostgreSQL a 300-character --by failed as "the warehouse failed: value too
    # long ... check the warehouse URL"; SQLite stored it.
    a = add_customer(warehouse, "1", name="Li Na")
    b = add_customer(warehouse, "2", name="Li Na")
    run_dedupe(warehouse, linker=fixed_linker((a, b, 0.8, REVIEW)))
    pair = _pair_id(warehouse, a, b)
    for by in ("x" * 256, "  "):
        with pytest.raises(DedupeError, match="--by must name who decides"):
            decide(warehouse, pair, "accept", by=by)
    assert decide(warehouse, pair, "accept", by="x" * 255).decision == "accept"


def test_a_malformed_address_names_the_customer_and_changes_nothing(sqlite_url: str) -> None:
    # SQLite keeps any text in a JSON column; the read used to die with "unexpected
    # DecodeError" naming no customer.
    engine = create_warehouse_engine(sqlite_url)
    migrate(engine)
    try:
        add_customer(engine, "ok", name="Li Lei", city="上海")
        bad = add_customer(engine, "13812345678", system="u8", name="Li Lei")
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "UPDATE customers SET default_address = '{bad' WHERE source_system = 'u8'"
            )
        with pytest.raises(DedupeInputError) as raised:
            run_dedupe(engine, linker=fixed_linker())
        message = str(raised.value)
        assert "u8/*******5678" in message and "default_address" in message
        assert "13812345678" not in message  # the source id is masked like any phone
        assert set(golden_ids(engine).values()) == {None}
        with engine.begin() as connection:
            connection.exec_driver_sql("UPDATE customers SET default_address = NULL")
        run_dedupe(engine, linker=fixed_linker())
        assert golden_ids(engine)[bad] is not None
    finally:
        engine.dispose()
