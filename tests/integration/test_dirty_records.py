"""One record can never stop a sync: every kind of dirty input is one dead letter, and
the rest of its batch loads, on SQLite and PostgreSQL alike (issue 6)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from sqlalchemy import Engine, select

from orderhub.target import TargetOrderhub
from orderhub.warehouse import schema
from orderhub.warehouse.storable import NOT_AN_OBJECT, UNSTORABLE_JSON
from tests.integration.test_target_load import count, run_target, snapshot
from tests.shopify_records import lines, messages, order, schema_message, state_message

#: Stand for JSON numbers json.dumps cannot write from Python: 1e999999, and an integer
#: longer than NUMERIC's 131072 digits.
RAW_HUGE_EXPONENT = "__raw_1e999999__"
RAW_HUGE_INTEGER = "__raw_huge_integer__"
RAW_TEXT = {RAW_HUGE_EXPONENT: "1e999999", RAW_HUGE_INTEGER: "1" + "0" * 131_073}


def letters(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(select(schema.dead_letters)).all())


def only_letter(engine: Engine) -> Any:
    (letter,) = letters(engine)
    return letter


def run_status(engine: Engine) -> Any:
    with engine.connect() as connection:
        return connection.execute(select(schema.sync_runs)).one()


def with_value(path: str, value: Any, number: int = 99) -> dict[str, Any]:
    """order(number) with ``value`` at a dotted path (``lineItems.0.name``)."""
    record = order(number)
    node: Any = record
    steps = [int(s) if s.isdigit() else s for s in path.split(".")]
    for step in steps[:-1]:
        node = node[step]
    node[steps[-1]] = value
    return record


@pytest.mark.parametrize(
    ("path", "value", "rule", "field"),
    [
        ("email", "a\x00b@example.com", "nul_character", "email"),
        ("lineItems.0.name", "tea\x00", "nul_character", "lineItems[0].name"),
        ("shippingAddress.city", "\ud800", "lone_surrogate", "shippingAddress.city"),
        ("note", RAW_HUGE_INTEGER, "out_of_range", "note"),
        ("note", RAW_HUGE_EXPONENT, "out_of_range", "note"),
        ("id", "gid://shopify/Order/" + "9" * 300, "too_long", "order.source_id"),
        (
            "lineItems.0.id",
            "gid://shopify/LineItem/" + "9" * 300,
            "too_long",
            "order_line[0].source_id",
        ),
        ("updatedAt", "2999-01-01T00:00:00Z", "implausible_version", "record_version"),
        ("lineItems.1.quantity", -2, "non_negative", "order_line[1].quantity"),
        ("processedAt", "0001-01-01T00:00:00+14:00", "out_of_range", "order.ordered_at"),
        ("totalPriceSet.shopMoney.amount", "-5.00", "non_negative", "order.total_amount"),
        (
            "customer.updatedAt",
            "2999-01-01T00:00:00Z",
            "implausible_version",
            "customer.source_updated_at",
        ),
    ],
)
def test_a_value_the_warehouse_cannot_store_is_one_dead_letter(
    warehouse: Engine, warehouse_url: str, path: str, value: Any, rule: str, field: str
) -> None:
    dirty = with_value(path, value)
    text = lines(messages([order(1), dirty, order(2)]))
    target = TargetOrderhub(
        config={"warehouse_url": warehouse_url, "source_system": "shopify"}, validate_config=True
    )
    for placeholder, raw in RAW_TEXT.items():
        text = text.replace(f'"{placeholder}"', raw)
    target.listen(io.StringIO(text))
    assert count(warehouse, schema.orders) == 2
    letter = only_letter(warehouse)
    assert (letter.rule, letter.field) == (rule, field)
    assert rule in letter.reason and field in letter.reason
    counts = target.counts["orders"]
    assert (counts.records_in, counts.upserted, counts.dead_lettered) == (3, 2, 1)


def test_an_unstorable_payload_is_kept_losslessly(warehouse: Engine, warehouse_url: str) -> None:
    dirty = with_value("email", "x\x00\ud800y")
    run_target(warehouse_url, messages([dirty]))
    letter = only_letter(warehouse)
    assert set(letter.payload) == {UNSTORABLE_JSON}
    assert json.loads(letter.payload[UNSTORABLE_JSON])["email"] == "x\x00\ud800y"
    assert letter.record_key == "gid://shopify/Order/99"


@pytest.mark.parametrize("value", [[1, 2], None, "an order", 7])
def test_a_record_that_is_not_an_object_is_dead_lettered(
    warehouse: Engine, warehouse_url: str, value: Any
) -> None:
    items = [
        schema_message(),
        {"type": "RECORD", "stream": "orders", "record": order(1)},
        {"type": "RECORD", "stream": "orders", "record": value},
        {"type": "RECORD", "stream": "orders", "record": order(2)},
        state_message({"orders": "x"}),
    ]
    target = run_target(warehouse_url, items)
    assert count(warehouse, schema.orders) == 2
    letter = only_letter(warehouse)
    assert letter.rule == "not_an_object"
    assert letter.payload == {NOT_AN_OBJECT: value}
    assert target.counts["orders"].dead_lettered == 1


@pytest.mark.parametrize(
    ("stream", "field"),
    [("s" * 129, "raw_records.stream"), ("ord\x00ers", "raw_records.stream")],
)
def test_a_stream_name_the_warehouse_cannot_store(
    warehouse: Engine, warehouse_url: str, stream: str, field: str
) -> None:
    items = [*messages([order(1)], stream=stream), *messages([order(2)])]
    run_target(warehouse_url, items)
    assert count(warehouse, schema.orders) == 1
    found = {row.rule: row for row in letters(warehouse)}
    (letter,) = [row for rule, row in found.items() if rule != "not_singer_message"]
    assert letter.field == field and letter.rule in ("too_long", "nul_character")
    # The STATE bookmarking that stream carries its name as a key: JSONB cannot hold a NUL
    # in it, so that line is refused too (and the committed state stays storable).
    assert ("not_singer_message" in found) == ("\x00" in stream)


def test_a_key_with_a_nul_is_dead_lettered(warehouse: Engine, warehouse_url: str) -> None:
    dirty = with_value("id", "gid://shopify/Order/\x001")
    run_target(warehouse_url, messages([order(1), dirty]))
    assert count(warehouse, schema.orders) == 1
    letter = only_letter(warehouse)
    assert letter.rule == "nul_character"
    assert letter.record_key == "gid://shopify/Order/\\u00001"


def typed_schema() -> dict[str, Any]:
    message = schema_message()
    message["schema"]["properties"]["lineItems"] = {
        "type": ["array", "null"],
        "items": {"type": "object", "properties": {"quantity": {"type": ["integer", "null"]}}},
    }
    return message


def test_a_value_that_contradicts_the_schema_is_dead_lettered(
    warehouse: Engine, warehouse_url: str
) -> None:
    dirty = with_value("lineItems.1.quantity", 1.5)
    whole_float = with_value("lineItems.0.quantity", 2.0, number=3)
    items = [typed_schema(), *list(messages([order(1), dirty, whole_float]))[1:]]
    run_target(warehouse_url, items)
    assert count(warehouse, schema.orders) == 2  # 2.0 is an integer in JSON Schema
    letter = only_letter(warehouse)
    assert (letter.rule, letter.field) == ("schema_type", "lineItems[1].quantity")
    assert "integer" in letter.reason and "1.5" in letter.reason


def test_a_bad_schema_does_not_stop_the_sync(warehouse: Engine, warehouse_url: str) -> None:
    message = schema_message()
    message["schema"]["properties"]["id"] = {"type": "strin"}
    run_target(warehouse_url, [message, *list(messages([order(1)]))[1:]])
    assert count(warehouse, schema.orders) == 1


def test_a_transform_that_chokes_costs_one_record(warehouse: Engine, warehouse_url: str) -> None:
    """20.50 - (-9e999999) overflows Decimal: the record is dead-lettered, not the sync."""
    dirty = with_value("lineItems.0.originalTotalSet.shopMoney.amount", "9e999999")
    dirty["lineItems"][0]["totalDiscountSet"]["shopMoney"]["amount"] = "-9e999999"
    run_target(warehouse_url, messages([order(1), dirty]))
    assert count(warehouse, schema.orders) == 1
    letter = only_letter(warehouse)
    assert (letter.rule, letter.field) == ("transform_error", "order_line[0].line_total")


def test_rerunning_a_dirty_batch_changes_nothing_but_attempts(
    warehouse: Engine, warehouse_url: str
) -> None:
    batch = list(
        messages(
            [order(1), with_value("email", "a\x00b"), with_value("lineItems.0.quantity", -1, 98)]
        )
    )
    items = [*batch[:-1], {"type": "RECORD", "stream": "orders", "record": None}, batch[-1]]
    run_target(warehouse_url, items)
    before = snapshot(warehouse)
    again = run_target(warehouse_url, items)
    assert snapshot(warehouse) == before
    assert sorted(row.attempts for row in letters(warehouse)) == [2, 2, 2]
    counts = again.counts["orders"]
    assert (counts.records_in, counts.unchanged, counts.dead_lettered) == (4, 1, 3)


def test_a_child_id_twice_in_an_order_is_one_dead_letter(
    warehouse: Engine, warehouse_url: str
) -> None:
    bad = order(2)
    bad["lineItems"][1]["id"] = bad["lineItems"][0]["id"]
    run_target(warehouse_url, messages([order(1), bad, order(3)]))
    letter = only_letter(warehouse)
    assert (letter.record_key, letter.rule, letter.field) == (
        "gid://shopify/Order/2",
        "duplicate_key",
        "order_line.source_id",
    )
    assert count(warehouse, schema.orders) == 2 and count(warehouse, schema.order_lines) == 4


def test_a_child_claimed_by_two_orders_of_a_batch_stays_with_the_first(
    warehouse: Engine, warehouse_url: str
) -> None:
    first, thief = order(60), order(61)
    thief["lineItems"][0]["id"] = first["lineItems"][0]["id"]
    run_target(warehouse_url, messages([first, thief]))
    letter = only_letter(warehouse)
    assert (letter.record_key, letter.rule) == ("gid://shopify/Order/61", "duplicate_key")
    assert "gid://shopify/Order/60" in letter.reason
    lines_table = schema.order_lines
    with warehouse.connect() as connection:
        owners = connection.execute(
            select(schema.orders.c.source_id, schema.orders.c.subtotal_amount)
            .join(lines_table, lines_table.c.order_key == schema.orders.c.order_key)
            .where(lines_table.c.deleted_at.is_(None))
        ).all()
    # Order 60 keeps both its lines, and they still add up to its subtotal.
    assert sorted(source_id for source_id, _ in owners) == ["60", "60"]
