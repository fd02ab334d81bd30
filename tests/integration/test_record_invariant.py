"""The invariant of issue 6, as a property on SQLite and PostgreSQL: for any JSON value in
any field of a mapped stream's records, records in = upserted + unchanged + dead-lettered,
the target ends cleanly, and no record is half-written: each one is in the unified tables
(its order with all its lines) or in open dead letters, never neither."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, true

from orderhub.mapping.catalog import MappingCatalog
from orderhub.target import TargetOrderhub
from orderhub.warehouse import schema
from orderhub.warehouse.storable import ascii_json, storable_text
from tests.shopify_records import order, schema_message, state_message

Path = tuple[str | int, ...]
MAPPING = MappingCatalog.load(sources={"shopify"}).mappings[("shopify", "orders")]


def _paths(node: Any, prefix: Path = ()) -> Iterator[Path]:
    yield prefix
    steps: list[tuple[str | int, Any]] = []
    if isinstance(node, dict):
        steps = list(node.items())
    elif isinstance(node, list):
        steps = list(enumerate(node))
    for step, child in steps:
        yield from _paths(child, (*prefix, step))


#: Every place in a Shopify order (with a fulfilment and its scans), the record included.
PATHS = sorted({*_paths(order(1, fulfillment="FULFILLED")), ("_sdc_deleted_at",)}, key=repr)

SPECIAL_TEXT = st.sampled_from(
    [
        "",
        "\x00",
        "a\x00b",
        "\ud800",
        "x" * 300,
        "gid://shopify/Order/" + "9" * 300,
        "2999-01-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00",
        "9e999999",
        "1900-01-01T00:00:00Z",
        "-1",
        "1e400",
        "NaN",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([2**31, -(2**63) - 1, 10**400])
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.sampled_from([Decimal("1e999999"), Decimal("-1e-99999"), Decimal("1.5")])
    | st.text(st.characters(codec=None, exclude_categories=()), max_size=8)
    | SPECIAL_TEXT
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
INJECTIONS = st.lists(st.tuples(st.sampled_from(PATHS), JSON_VALUES), min_size=1, max_size=3)
NUMBERS = itertools.count(1000, 10)


def inject(record: Any, path: Path, value: Any) -> Any:
    """``record`` with ``value`` at ``path`` (the whole record for the empty path)."""
    if not path:
        return value
    node = record
    for step in path[:-1]:
        if not isinstance(node, dict | list):
            return record
        try:
            node = node[step]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return record
    if isinstance(node, dict) or (isinstance(node, list) and isinstance(path[-1], int)):
        try:
            node[path[-1]] = value  # type: ignore[index]
        except IndexError:
            return record
    return record


def input_text(records: list[Any]) -> str:
    messages = [
        schema_message(),
        *({"type": "RECORD", "stream": "orders", "record": r} for r in records),
        state_message({"orders": "2024-05-01T10:00:00Z"}),
    ]
    return "".join(ascii_json(m) + "\n" for m in messages)


def expected_lines(payload: dict[str, Any]) -> int:
    return sum(1 for entity in MAPPING.map(payload) if entity.KIND == "order_line")


def assert_whole_or_dead_lettered(engine: Engine, records: list[Any], run_id: str) -> None:
    letters, orders, lines = schema.dead_letters, schema.orders, schema.order_lines
    with engine.connect() as connection:
        open_keys = set(
            connection.execute(
                select(letters.c.record_key).where(
                    letters.c.run_id == run_id, letters.c.resolved_at.is_(None)
                )
            ).scalars()
        )
        for record in records:
            key = record.get("id") if isinstance(record, dict) else None
            if not isinstance(key, str) or not key or storable_text(key) in open_keys:
                continue
            row = connection.execute(
                select(orders.c.order_key).where(orders.c.source_record_key == key)
            ).one_or_none()
            assert row is not None, f"record {key!r} is neither loaded nor dead-lettered"
            # A tombstone keeps its lines, soft-deleted with the order.
            live = true() if record.get("_sdc_deleted_at") else lines.c.deleted_at.is_(None)
            held = connection.execute(
                select(func.count())
                .select_from(lines)
                .where(lines.c.order_key == row.order_key, live)
            ).scalar_one()
            assert held == expected_lines(record), f"order {key!r} is half-written"


def check_invariant(engine: Engine, warehouse_url: str, injections: list[tuple[Path, Any]]) -> None:
    first = next(NUMBERS)
    records: list[Any] = [order(first), order(first + 1, fulfillment="FULFILLED")]
    for offset, (path, value) in enumerate(injections, start=2):
        records.append(inject(order(first + offset, fulfillment="FULFILLED"), path, value))
    target = TargetOrderhub(
        config={"warehouse_url": warehouse_url, "source_system": "shopify"}, validate_config=True
    )
    target.listen(io.StringIO(input_text(records)))  # ends without an exception
    counts = target.counts["orders"]
    assert counts.records_in == len(records) and target.invalid_messages == 0
    assert counts.records_in == counts.upserted + counts.unchanged + counts.dead_lettered
    assert counts.upserted >= 2  # the clean records of the batch always load
    assert_whole_or_dead_lettered(engine, records, target.run_id)


@settings(
    max_examples=30,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(injections=INJECTIONS)
def test_any_value_anywhere_is_loaded_or_dead_lettered(
    warehouse: Engine, warehouse_url: str, injections: list[tuple[Path, Any]]
) -> None:
    """Examples share one warehouse; each uses fresh order numbers, so they do not meet."""
    check_invariant(warehouse, warehouse_url, injections)
