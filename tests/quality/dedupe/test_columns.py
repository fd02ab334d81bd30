"""Columnar normalisation equals the per-value functions it replaces at scale."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quality.dedupe.address import normalise_address, normalise_city
from quality.dedupe.blocking import BlockRule, candidate_pairs
from quality.dedupe.columns import normalise_phones, to_columns
from quality.dedupe.generator import generate
from quality.dedupe.normalise import normalise_phone
from quality.dedupe.pairs import CustomerRecord

_DIGITS = st.text("0123456789", min_size=10, max_size=10)
_SHAPES = st.sampled_from(
    [
        "1{d}",
        "+86 1{d}",
        "00861{d}",
        "(1{a}) {b}",
        "1{d}-{e}",
        "1{d} 转 {e}",
        "2{d}",
        "1{d}0",
        "+86１{d}",
        "1{a}****{c}",
        "1********{c2}",
        "86 1{d}",
        "0086-1{a}-{b}",
        "{d}",
    ]
)


@settings(max_examples=300, deadline=None)
@given(_DIGITS, _SHAPES, st.text("0123456789", min_size=1, max_size=5))
def test_fast_phone_path_equals_phonenumbers(digits: str, shape: str, extension: str) -> None:
    text = shape.format(
        d=digits, a=digits[:2], b=digits[2:], c=digits[-4:], c2=digits[-2:], e=extension
    )
    e164, prefix, _ = normalise_phones([text, None, ""])
    phone = normalise_phone(text)
    assert e164[0] == phone.key
    assert (prefix[0] is not None) == phone.masked
    assert e164[1:] == [None, None] and prefix[1:] == [None, None]


def test_generated_phones_normalise_as_phonenumbers_does() -> None:
    phones = [r.phone for r in generate(400, seed=9)]
    e164, _, _ = normalise_phones(phones)
    assert e164 == [normalise_phone(p).key for p in phones]
    assert sum(k is not None for k in e164) > len(phones) // 2


@pytest.mark.parametrize(
    ("text", "city", "key"),
    [
        ("上海中山路12号", "上海", "上海|中山路|12"),
        ("上海市中山路１２号", None, "上海|中山路|12"),  # full-width digits, 市 in the text
        ("上海市浦东新区世纪大道100号", "上海市", "上海|世纪大道|100"),
        ("北京人民路0012号", "北京", "北京|人民路|12"),
        ("12 Main St", "Springfield", "springfield|main st|12"),
        (None, "广州", None),
        ("中山路", "上海", None),  # no house number: no household key
    ],
)
def test_address_parts(text: str | None, city: str | None, key: str | None) -> None:
    assert normalise_address(text, city).key == key


def test_city_suffix_and_width_fold() -> None:
    assert normalise_city("上海市") == normalise_city(" 上海 ") == "上海"
    assert normalise_city("ＳＨＡＮＧＨＡＩ") == "shanghai"


def _customer(i: int, name: str, phone: str | None = None) -> CustomerRecord:
    return CustomerRecord("shopify", str(i), name, phone, None, None, None)


def test_an_oversized_block_is_skipped_and_counted() -> None:
    records = [_customer(i, "王伟") for i in range(40)] + [
        _customer(99, "Wei Wang", "13812345678"),
        _customer(98, "王伟", "+8613812345678"),
    ]
    columns = to_columns(records)
    rules = (BlockRule("name", ("name_code",), 32), BlockRule("phone", ("phone_code",), 50))
    left, right, stats = candidate_pairs(columns, rules)
    assert stats.oversized_blocks == {"name": 1, "phone": 0}
    assert stats.oversized_records["name"] == 42
    assert list(zip(left.tolist(), right.tolist(), strict=True)) == [(40, 41)]


def test_no_blocking_rule_uses_a_masked_phone_or_a_common_value_alone() -> None:
    from quality.dedupe.blocking import RULES

    for rule in RULES:
        assert not any(column.startswith("mask") for column in rule.columns), rule
        if rule.columns in (("name_code",), ("city_code",), ("initials_code",)):
            assert rule.cap <= 32, rule  # a common name alone is never a block
