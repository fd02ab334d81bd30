"""The run's columnar path (lists per field, the columnar linker, components) gives what
the record path gives: the same records read, pairs, evidence, golden IDs and events,
with steward decisions, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from orderhub.warehouse.schema import (
    customers,
    dedupe_decisions,
    dedupe_pairs,
    dedupe_runs,
    golden_id_events,
)
from quality.dedupe import linker
from quality.dedupe.customer_table import read_customer_table
from quality.dedupe.generator import SourceCustomer, generate
from quality.dedupe.pairs import Band, CustomerRecord, ScoredPair
from quality.dedupe.run import run_dedupe
from quality.dedupe.store import customer_record, key_columns
from tests.quality.dedupe.warehouse import golden_ids

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _row(k: int, r: SourceCustomer) -> dict[str, Any]:
    """Customers filled the ways sources fill them: full or split names, a standardised
    or raw phone or one in the address, an address with or without a second line."""
    split = k % 5 == 1 and r.name and " " in r.name
    first, _, last = (r.name or "").partition(" ")
    address: dict[str, Any] | None = {"city": r.city, "line1": r.address}
    if k % 7 == 3:
        address = {"city": r.city, "line1": r.address, "line2": "2F", "phone": r.phone}
    elif k % 11 == 5:
        address = None
    return {
        "customer_key": uuid.uuid4(),
        "source_system": r.source_system,
        "source_id": r.source_id,
        "source_updated_at": NOW,
        "full_name": None if split else r.name,
        "first_name": first if split else None,
        "last_name": last if split else None,
        "phone": r.phone if k % 3 == 0 else None,
        "phone_raw": None if k % 3 == 0 or k % 7 == 3 else r.phone,
        "email": r.email,
        "default_address": address,
        "deleted_at": NOW if k % 97 == 13 else None,
        "source_stream": "customers",
        "source_record_key": r.source_id,
        "mapping_version": "test",
        "row_hash": "0" * 64,
        "loaded_at": NOW,
    }


def _load(engine: Engine, people: int) -> None:
    rows = [_row(k, r) for k, r in enumerate(generate(people, seed=11))]
    with engine.begin() as connection:
        connection.execute(insert(customers), rows)


def _record_path(records: Sequence[CustomerRecord]) -> list[ScoredPair]:
    """The built-in linker, but not the same function: the run takes the record path."""
    return linker.link(records)


def _outcome(engine: Engine) -> tuple[object, ...]:
    pairs = select(
        dedupe_pairs.c.left_source_system,
        dedupe_pairs.c.left_source_id,
        dedupe_pairs.c.right_source_system,
        dedupe_pairs.c.right_source_id,
        dedupe_pairs.c.score,
        dedupe_pairs.c.band,
        dedupe_pairs.c.evidence,
        dedupe_pairs.c.merged,
        dedupe_pairs.c.golden_customer_id,
    ).order_by(*dedupe_pairs.c[2:6])
    events = select(
        golden_id_events.c.kind, golden_id_events.c.golden_customer_id, golden_id_events.c.members
    ).order_by(golden_id_events.c.id)
    with engine.connect() as connection:
        return (
            golden_ids(engine),
            [tuple(row) for row in connection.execute(pairs)],
            [tuple(row) for row in connection.execute(events)],
        )


def _reset(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(update(customers).values(golden_customer_id=None))
        for table in (dedupe_pairs, golden_id_events, dedupe_runs):
            connection.execute(delete(table))


def _summary(engine: Engine, use: Any) -> dict[str, object]:
    values = run_dedupe(engine, linker=use).as_dict()
    for name in ("run_id", "seconds"):
        values.pop(name)
    return values


def test_the_table_read_gives_the_records_the_row_reader_gives(warehouse: Engine) -> None:
    _load(warehouse, 300)
    with warehouse.connect() as connection:
        table = read_customer_table(connection)
        rows = connection.execute(select(customers)).mappings().all()
    expected = [customer_record(row) for row in rows if row["deleted_at"] is None]
    assert table.records() == sorted(expected, key=lambda r: r.key)
    assert table.deleted == sum(1 for row in rows if row["deleted_at"] is not None) > 0
    assert any(r.address and r.address.endswith(" 2F") for r in expected)  # line2 read


def test_the_columnar_run_equals_the_record_run_with_decisions(warehouse: Engine) -> None:
    _load(warehouse, 800)
    with warehouse.connect() as connection:
        records = read_customer_table(connection).records()
    proposed = linker.link(records)
    # Reject a match inside a cluster of three or more (the union-find must cut it
    # while the rest stays joined) and accept a review pair.
    matches = [p for p in proposed if p.band is Band.MATCH]
    touching = Counter(key for p in matches for key in (p.left, p.right))
    reject = next(p for p in matches if touching[p.left] + touching[p.right] >= 3)
    accept = next(p for p in proposed if p.band is Band.REVIEW)
    with warehouse.begin() as connection:
        for pair, decision in ((reject, "reject"), (accept, "accept")):
            connection.execute(
                insert(dedupe_decisions),
                [
                    {
                        **key_columns((pair.left, pair.right)),
                        "decision": decision,
                        "decided_by": "test",
                        "decided_at": NOW,
                    }
                ],
            )

    columnar = [_summary(warehouse, None), _summary(warehouse, None)]
    by_columns = _outcome(warehouse)
    _reset(warehouse)
    by_records = [_summary(warehouse, _record_path), _summary(warehouse, _record_path)]
    assert by_columns == _outcome(warehouse)
    assert columnar == by_records
    ids = by_columns[0]
    assert isinstance(ids, dict)
    assert ids[reject.left] != ids[reject.right]
    assert ids[accept.left] == ids[accept.right]
    first, rerun = columnar
    assert first["match_pairs"] and first["review_pairs"] and first["created"]
    assert (rerun["changed"], rerun["created"], rerun["retired"]) == (0, 0, 0)
