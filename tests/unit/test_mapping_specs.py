"""Mapping specs: validation errors name file, line and field; compilation; code tables."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from orderhub.exceptions import MappingSpecError, RecordError
from orderhub.mapping.catalog import MappingCatalog
from orderhub.mapping.code_tables import load_code_tables

GOOD_SPEC = """\
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
      total_amount: {from: total_fen, transform: fen_to_yuan}
      ordered_at: {from: created, transform: {tz_localize: Asia/Shanghai}}
  - entity: order_line
    each: lines
    fields:
      source_id: {from: [^.id, line_no], transform: {join: "-"}}
      quantity: qty
      unit_price: {from: price_fen, transform: fen_to_yuan}
      line_total: {from: [qty, price_fen], transform: [multiply, fen_to_yuan]}
      currency: {value: CNY}
"""
CODES = """\
order_status:
  target: order_status
  codes: {WAIT_PAY: pending_payment, PAID: paid, SENT: shipped}
"""


def write_source(root: Path, spec: str, codes: str = CODES, name: str = "orders.yml") -> Path:
    folder = root / "acme"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "code_tables.yml").write_text(codes)
    path = folder / name
    path.write_text(textwrap.dedent(spec))
    return path


def load_error(root: Path) -> MappingSpecError:
    with pytest.raises(MappingSpecError) as error:
        MappingCatalog.load(root)
    return error.value


RECORD = {
    "id": 7,
    "updated": "2024-05-01T10:00:00+08:00",
    "state": "PAID",
    "total_fen": 12345,
    "created": "2024-05-01 09:00:00",
    "lines": [{"line_no": 1, "qty": 3, "price_fen": 4115}],
}


def test_a_good_spec_compiles_and_maps(tmp_path: Path) -> None:
    write_source(tmp_path, GOOD_SPEC)
    mapping = MappingCatalog.load(tmp_path).get("acme", "orders")
    order, line = mapping.map(RECORD)
    assert str(order.model_dump()["total_amount"]) == "123.45"
    assert order.model_dump()["ordered_at"].isoformat() == "2024-05-01T01:00:00+00:00"
    assert line.source_id == "7-1"
    assert str(line.model_dump()["line_total"]) == "123.45"
    assert line.model_dump()["order_key"] == order.key
    assert mapping.version_tag.startswith("acme/orders@v1+")


def test_version_tag_changes_when_the_spec_changes(tmp_path: Path) -> None:
    path = write_source(tmp_path, GOOD_SPEC)
    before = MappingCatalog.load(tmp_path).get("acme", "orders").version_tag
    path.write_text(GOOD_SPEC.replace("status_raw: state", "status_raw: {from: state}"))
    assert MappingCatalog.load(tmp_path).get("acme", "orders").version_tag != before


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        (
            "      status_raw: state",
            "      status_rwa: state",
            12,
            "order has no field 'status_rwa'",
        ),
        (
            "transform: fen_to_yuan}\n      ordered",
            "transform: fen_to_yaun}\n      ordered",
            14,
            "unknown transform 'fen_to_yaun'",
        ),
        ("code_table: order_status", "code_table: order_state", 11, "unknown code table"),
        ("{tz_localize: Asia/Shanghai}", "{tz_localize: Mars/Olympus}", 15, "unknown time zone"),
        ("  - entity: order_line", "  - entity: order_lines", 16, "entities.1.entity"),
        (
            "      currency: {value: CNY}\n      total",
            "      currency: {valeu: CNY}\n      total",
            13,
            "valeu",
        ),
    ],
)
def test_errors_name_the_file_the_line_and_the_field(
    tmp_path: Path, old: str, new: str, line: int, words: str
) -> None:
    assert old in GOOD_SPEC
    path = write_source(tmp_path, GOOD_SPEC.replace(old, new, 1))
    error = load_error(tmp_path)
    assert error.file == str(path.resolve()) or error.file == str(path)
    assert error.line == line
    assert words in str(error)


def test_unmapped_required_fields_are_reported(tmp_path: Path) -> None:
    write_source(
        tmp_path, GOOD_SPEC.replace("      currency: {value: CNY}\n      total", "      total")
    )
    error = load_error(tmp_path)
    assert "required field 'currency' is not mapped" in str(error)
    assert error.line == 8


def test_yaml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    write_source(tmp_path, GOOD_SPEC.replace("status_raw: state", "status_raw: [state"))
    error = load_error(tmp_path)
    assert "YAML syntax" in str(error) and error.line is not None


def test_code_tables_are_validated_against_canonical_statuses(tmp_path: Path) -> None:
    path = tmp_path / "code_tables.yml"
    path.write_text("order_status:\n  target: order_status\n  codes:\n    A: paid\n    B: payed\n")
    with pytest.raises(MappingSpecError) as error:
        load_code_tables(path)
    assert error.value.line == 5 and "'payed' is not a canonical order_status" in str(error.value)


def test_row_tables_match_first_row_with_wildcards(tmp_path: Path) -> None:
    path = tmp_path / "code_tables.yml"
    path.write_text(
        "s:\n  target: order_status\n  inputs: [cancelled, fin]\n  rows:\n"
        '    - [set, "*", cancelled]\n    - [null, PAID, paid]\n'
        "    - [null, PENDING, pending_payment]\n"
    )
    table = load_code_tables(path)["s"]
    assert table.lookup(("2024-01-01", "PAID")) == "cancelled"
    assert table.lookup((None, "PAID")) == "paid"
    assert table.lookup(("", "PENDING")) == "pending_payment"
    with pytest.raises(RecordError) as error:
        table.lookup((None, "BOGUS"))
    assert error.value.rule == "unknown_code" and "null/BOGUS" in str(error.value)


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"state": "LOST"}, "order.status", "unknown_code"),
        ({"total_fen": "12.5"}, "order.total_amount", "minor_units"),
        ({"updated": "2024-05-01T10:00:00"}, "order.source_updated_at", "tz_aware"),
        ({"id": None}, "order.source_id", "required"),
        (
            {"lines": [{"line_no": 1, "qty": "three", "price_fen": 1}]},
            "order_line[0].line_total",
            "decimal",
        ),
    ],
)
def test_bad_records_name_entity_field_and_rule(
    tmp_path: Path, change: dict[str, object], field: str, rule: str
) -> None:
    write_source(tmp_path, GOOD_SPEC)
    mapping = MappingCatalog.load(tmp_path).get("acme", "orders")
    with pytest.raises(RecordError) as error:
        mapping.map({**RECORD, **change})
    assert (error.value.field, error.value.rule) == (field, rule)
    assert error.value.reason().startswith(f"{rule}: {field}: ")


def test_project_specs_all_load() -> None:
    catalog = MappingCatalog.load()
    assert ("shopify", "orders") in catalog.mappings
    assert ("shopify", "customers") in catalog.mappings


def test_row_cells_may_list_alternative_codes(tmp_path: Path) -> None:
    path = tmp_path / "code_tables.yml"
    path.write_text(
        "s:\n  target: order_status\n  inputs: [rejection, process]\n  rows:\n"
        '    - [C, "*", cancelled]\n    - [[A, B, null], [A, null], pending_payment]\n'
        "    - [[A, B, null], [B, C], shipped]\n"
    )
    table = load_code_tables(path)["s"]
    assert table.lookup(("C", "X")) == "cancelled"
    assert table.lookup(("", None)) == "pending_payment"
    assert table.lookup(("B", "A")) == "pending_payment"
    assert table.lookup((None, "C")) == "shipped"
    assert "A|B|null/B|C" in table.exact_codes()
    for bad in (("X", "A"), ("A", "D")):
        with pytest.raises(RecordError) as error:
            table.lookup(bad)
        assert error.value.rule == "unknown_code"


def test_join_can_keep_every_position() -> None:
    from orderhub.mapping.transforms import REGISTRY

    keep = REGISTRY["join"].factory({"separator": "/", "blank": "-"})
    assert keep(("A", None, "", "02")) == "A/-/-/02"
    assert REGISTRY["join"].factory("/")(("A", None, "02")) == "A/02"
    with pytest.raises(ValueError):
        REGISTRY["join"].factory({"separator": "/"})


def test_divide_rounds_half_even_and_skips_a_zero_divisor() -> None:
    from decimal import Decimal

    from orderhub.mapping.transforms import REGISTRY

    unit = REGISTRY["divide"].factory(None)
    assert unit(("100.000", "3.000")) == Decimal("33.3333")
    assert unit(("7996.000", "4")) == Decimal("1999.0000")
    assert REGISTRY["divide"].factory(0)(("5", "2")) == Decimal("2")
    assert unit(("5", "0")) is None and unit((None, "2")) is None
    with pytest.raises(RecordError) as error:
        unit(("12,50", "1"))
    assert error.value.rule == "decimal"


def test_source_error_turns_a_recorded_error_into_a_record_error() -> None:
    from orderhub.mapping.transforms import REGISTRY

    check = REGISTRY["source_error"].factory(None)
    assert check((None, "0000010001")) == "0000010001" and check(("", "x")) == "x"
    with pytest.raises(RecordError) as error:
        check(("SY/530: Unit PCE not defined", "0000010001"))
    assert error.value.rule == "source_error" and "Unit PCE" in str(error.value)
