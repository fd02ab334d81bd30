"""The invariant of issue 6, as a property on SQLite and PostgreSQL: for any JSON value in
any field of a mapped stream's records (Shopify orders and customers), records in =
upserted + unchanged + dead-lettered, the target ends cleanly, and no record is
half-written: each one is in the unified tables (its order with all its lines) or in
open dead letters, never neither."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, func, select, true

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


def customer(number: int) -> dict[str, Any]:
    """A record of Shopify's customers stream."""
    record: dict[str, Any] = order(number)["customer"]
    record["id"] = f"gid://shopify/Customer/{number}"
    return record


CUSTOMER_PATHS = sorted(set(_paths(customer(1))), key=repr)
Injection = tuple[str, Path, Any]
INJECTIONS = st.lists(
    st.tuples(st.just("orders"), st.sampled_from(PATHS), JSON_VALUES)
    | st.tuples(st.just("customers"), st.sampled_from(CUSTOMER_PATHS), JSON_VALUES),
    min_size=1,
    max_size=3,
)
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


def input_text(batches: dict[str, list[Any]]) -> str:
    messages: list[Any] = []
    for stream, records in batches.items():
        messages.append(schema_message(stream))
        messages += [{"type": "RECORD", "stream": stream, "record": r} for r in records]
    messages.append(state_message({"orders": "2024-05-01T10:00:00Z"}))
    return "".join(ascii_json(m) + "\n" for m in messages)


def expected_lines(payload: dict[str, Any]) -> int:
    return sum(1 for entity in MAPPING.map(payload) if entity.KIND == "order_line")


def _open_letters(connection: Connection, run_id: str) -> set[str]:
    letters = schema.dead_letters
    return set(
        connection.execute(
            select(letters.c.record_key).where(
                letters.c.run_id == run_id, letters.c.resolved_at.is_(None)
            )
        ).scalars()
    )


def assert_whole_or_dead_lettered(
    engine: Engine, batches: dict[str, list[Any]], run_id: str
) -> None:
    """Each keyed record: its order with all its lines (or its customer), or a dead letter."""
    lines = schema.order_lines
    with engine.connect() as connection:
        open_keys = _open_letters(connection, run_id)
        for stream, records in batches.items():
            table = schema.orders if stream == "orders" else schema.customers
            for record in records:
                key = record.get("id") if isinstance(record, dict) else None
                if not isinstance(key, str) or not key or storable_text(key) in open_keys:
                    continue
                row = connection.execute(
                    select(table.c[table.primary_key.columns.keys()[0]]).where(
                        table.c.source_record_key == key
                    )
                ).first()
                assert row is not None, f"record {key!r} is neither loaded nor dead-lettered"
                if stream != "orders":
                    continue
                # A tombstone keeps its lines, soft-deleted with the order.
                live = true() if record.get("_sdc_deleted_at") else lines.c.deleted_at.is_(None)
                held = connection.execute(
                    select(func.count()).select_from(lines).where(lines.c.order_key == row[0], live)
                ).scalar_one()
                assert held == expected_lines(record), f"order {key!r} is half-written"


def check_invariant(engine: Engine, warehouse_url: str, injections: list[Injection]) -> None:
    first = next(NUMBERS)
    batches: dict[str, list[Any]] = {
        "orders": [order(first), order(first + 1, fulfillment="FULFILLED")],
        "customers": [customer(first)],
    }
    for offset, (stream, path, value) in enumerate(injections, start=2):
        make = order(first + offset, fulfillment="FULFILLED") if stream == "orders" else None
        record = make if make is not None else customer(first + offset)
        batches[stream].append(inject(record, path, value))
    target = TargetOrderhub(
        config={"warehouse_url": warehouse_url, "source_system": "shopify"}, validate_config=True
    )
    target.listen(io.StringIO(input_text(batches)))  # ends without an exception
    assert target.invalid_messages == 0
    for stream, records in batches.items():
        counts = target.counts[stream]
        assert counts.records_in == len(records)
        assert counts.records_in == counts.upserted + counts.unchanged + counts.dead_lettered
    # the clean records of each batch always load
    assert target.counts["orders"].upserted >= 2 and target.counts["customers"].upserted >= 1
    assert_whole_or_dead_lettered(engine, batches, target.run_id)


@settings(
    max_examples=30,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(injections=INJECTIONS)
def test_any_value_anywhere_is_loaded_or_dead_lettered(
    warehouse: Engine, warehouse_url: str, injections: list[Injection]
) -> None:
    """Examples share one warehouse; each uses fresh record numbers, so they do not meet."""
    check_invariant(warehouse, warehouse_url, injections)
