"""The sign convention: amounts and quantities are as the source states them; a negative
one is a record error unless the mapping spec declares the field ``signed: true``."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from orderhub.exceptions import MappingSpecError, RecordError
from orderhub.mapping.catalog import MappingCatalog
from orderhub.model.entities import Order
from tests.shopify_records import order
from tests.unit.test_entities import ORDER
from tests.unit.test_mapping_specs import write_source

# A U8-like source: red-ink returns (红字) carry negative quantities and amounts.
RED_INK_SPEC = """\
source: acme
stream: orders
mapping_version: 1
record_version: {from: updated, transform: iso_datetime}
defaults:
  order_source_id: {from: $.id, transform: str}
entities:
  - entity: order
    fields:
      source_id: {from: id, transform: str, required: true}
      status: {from: state, code_table: order_status}
      status_raw: state
      currency: {value: CNY}
      total_amount: {from: total_fen, transform: fen_to_yuan, signed: true}
      ordered_at: {from: created, transform: {tz_localize: Asia/Shanghai}}
  - entity: order_line
    each: lines
    fields:
      source_id: {from: [^.id, line_no], transform: {join: "-"}}
      quantity: {from: qty, signed: true}
      unit_price: {from: price_fen, transform: fen_to_yuan}
      line_total: {from: [qty, price_fen], transform: [multiply, fen_to_yuan], signed: true}
      currency: {value: CNY}
"""


def red_ink(qty: int = -2, price_fen: int = 1250) -> dict:
    return {
        "id": 7,
        "state": "PAID",
        "total_fen": qty * price_fen,
        "created": "2024-05-01 10:00:00",
        "updated": "2024-05-01T02:00:00Z",
        "lines": [{"line_no": 1, "qty": qty, "price_fen": price_fen}],
    }


def test_a_spec_that_declares_a_signed_quantity_maps_a_red_ink_return(tmp_path: Path) -> None:
    write_source(tmp_path, RED_INK_SPEC)
    mapping = MappingCatalog.load(tmp_path).mappings[("acme", "orders")]
    header, line = mapping.map(red_ink())
    assert header.total_amount == Decimal("-25.00")
    assert (line.quantity, line.line_total) == (Decimal(-2), Decimal("-25.00"))


def test_a_field_not_declared_signed_refuses_a_negative(tmp_path: Path) -> None:
    write_source(tmp_path, RED_INK_SPEC)
    mapping = MappingCatalog.load(tmp_path).mappings[("acme", "orders")]
    with pytest.raises(RecordError) as error:
        mapping.map(red_ink(qty=2, price_fen=-1250))
    assert (error.value.rule, error.value.field) == ("non_negative", "order_line[0].unit_price")
    assert "signed: true" in str(error.value)


def test_shopify_does_not_declare_negative_quantities() -> None:
    mapping = MappingCatalog.load(sources={"shopify"}).mappings[("shopify", "orders")]
    record = order(1)
    record["lineItems"][1]["quantity"] = -2
    with pytest.raises(RecordError) as error:
        mapping.map(record)
    assert (error.value.rule, error.value.field) == ("non_negative", "order_line[1].quantity")


def test_signed_applies_only_to_amounts_and_quantities(tmp_path: Path) -> None:
    spec = RED_INK_SPEC.replace("status_raw: state", "status_raw: {from: state, signed: true}")
    write_source(tmp_path, spec)
    with pytest.raises(MappingSpecError) as error:
        MappingCatalog.load(tmp_path)
    assert "order.status_raw: 'signed' applies only to amounts and quantities" in str(error.value)
    assert error.value.line == 12  # the status_raw line


def test_the_model_leaves_the_sign_to_the_spec() -> None:
    assert Order(**{**ORDER, "total_amount": "-1"}).total_amount == Decimal(-1)
