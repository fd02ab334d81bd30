"""SchemaCheck: a value whose type contradicts the stream's SCHEMA is named by its path."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderhub import jsonutil
from orderhub.admission import SchemaCheck
from orderhub.warehouse.storable import (
    ENTITY_ROWS,
    encode_payload,
    hash_of,
    json_problem,
    text_problem,
)

LINES = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "paid": {"type": ["boolean", "null"]},
        "total": {"type": ["number", "null"]},
        "lines": {
            "type": ["array", "null"],
            "items": {"type": "object", "properties": {"qty": {"type": ["integer", "null"]}}},
        },
        "either": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
    },
}


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"id": "1", "lines": [{"qty": 1}, {"qty": Decimal("1.5")}]}, "lines[1].qty"),
        ({"id": "1", "lines": [{"qty": True}]}, "lines[0].qty"),
        ({"id": "1", "total": True}, "total"),
        ({"id": "1", "total": "12.50"}, "total"),
        ({"id": 1}, "id"),
        ({"id": "1", "paid": 0}, "paid"),
        ({"id": "1", "lines": {"qty": 1}}, "lines"),
        ({"id": "1", "either": 1.5}, "either"),
        ({"id": "1", "lines": [{"qty": Decimal("2.0")}], "total": Decimal("1.5")}, None),
        ({"id": "1", "paid": None, "either": 3, "extra": [1]}, None),
    ],
)
def test_a_type_contradiction_names_its_path(record: dict[str, Any], field: str | None) -> None:
    problem = SchemaCheck("orders", LINES).problem(record)
    assert (problem.field if problem else None) == field
    if problem:
        assert problem.rule == "schema_type" and "declares type" in problem.reason


def test_an_invalid_schema_checks_nothing() -> None:
    check = SchemaCheck("orders", {"type": "object", "properties": {"id": {"type": 5}}})
    assert check.problem({"id": 1}) is None


TEXT = st.text(st.characters(codec=None, exclude_categories=()))


@given(TEXT)
def test_text_is_refused_exactly_when_it_holds_a_nul_or_a_lone_surrogate(text: str) -> None:
    bad = any(c == "\x00" or 0xD800 <= ord(c) <= 0xDFFF for c in text)
    assert (text_problem(text, "f") is not None) == bad
    assert (json_problem({"k": [text]}) is not None) == bad


@pytest.mark.parametrize(
    ("kind", "row", "rule"),
    [
        ("order_line", {"line_number": 2**31}, "out_of_range"),
        ("order_line", {"line_number": -(2**31)}, None),
        ("order_line", {"quantity": Decimal("1e16")}, "out_of_range"),
        ("order", {"source_id": "9" * 256}, "too_long"),
        ("order", {"source_id": "9" * 255}, None),
        ("order", {"shipping_address": {"city": "a\x00"}}, "nul_character"),
    ],
)
def test_entity_rows_are_checked_against_their_column_types(
    kind: str, row: dict[str, Any], rule: str | None
) -> None:
    problem = ENTITY_ROWS[kind].problem(row, kind)
    assert (problem.rule if problem else None) == rule


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.decimals(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=10,
)


@given(JSON)
def test_a_storable_payload_hashes_as_before(value: Any) -> None:
    """Triage compares with hashes stored before admission existed: they must agree."""
    data, problem = encode_payload(value)
    if problem is None:
        assert data is not None and hash_of(data) == jsonutil.content_hash(value)
    else:
        assert json_problem(value) is not None
