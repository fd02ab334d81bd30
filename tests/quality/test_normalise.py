"""Customer fields reduced to match keys: phones, emails, names across sources."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quality.dedupe.normalise import (
    is_masked,
    name_tokens,
    normalise_email,
    normalise_phone,
)

_PREFIXES = ["130", "131", "135", "138", "139", "150", "158", "177", "186", "188", "199"]
_MOBILE = st.builds(
    lambda prefix, rest: prefix + rest,
    st.sampled_from(_PREFIXES),
    st.text("0123456789", min_size=8, max_size=8),
)
_FULL_WIDTH = str.maketrans("0123456789+-() ", "０１２３４５６７８９＋－（）　")


def _formats(mobile: str) -> list[str]:
    a, b, c = mobile[:3], mobile[3:7], mobile[7:]
    return [
        mobile,
        f"+86{mobile}",
        f"+86 {a} {b} {c}",
        f"0086-{a}-{b}-{c}",
        f"86 {mobile}",
        f"({a}) {b} {c}",
        f"+86 {a}-{b}-{c}".translate(_FULL_WIDTH),
        f" {mobile}\t",
    ]


@given(_MOBILE)
def test_every_way_sources_write_a_cn_mobile_gives_one_key(mobile: str) -> None:
    keys = {normalise_phone(text).key for text in _formats(mobile)}
    assert keys == {f"+86{mobile}"}


@given(_MOBILE, st.sampled_from(["{a}****{d}", "{a1}********{d2}", "{a}＊＊＊＊{d}", "{a}xxxx{d}"]))
def test_a_masked_phone_is_never_a_match_key(mobile: str, pattern: str) -> None:
    masked = pattern.format(a=mobile[:3], d=mobile[-4:], a1=mobile[0], d2=mobile[-2:])
    phone = normalise_phone(masked)
    assert phone.masked and phone.key is None
    assert is_masked(masked)


@pytest.mark.parametrize(
    ("text", "e164", "extension"),
    [
        ("13812345678-1234", "+8613812345678", "1234"),  # a privacy number's extension
        ("13812345678 转 88", "+8613812345678", "88"),
        ("021-6234 5678", "+862162345678", None),  # Shanghai landline
        ("+1 (415) 555-2671", "+14155552671", None),
        ("14812345678", None, None),  # an unallocated range: no key at all
        ("", None, None),
        ("n/a", None, None),
    ],
)
def test_phones(text: str, e164: str | None, extension: str | None) -> None:
    phone = normalise_phone(text)
    assert (phone.e164, phone.extension, phone.masked) == (e164, extension, False)
    # a privacy (relay) number's base is the platform's, shared by many buyers: no key
    assert phone.key == (None if extension else e164)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (" J.Doe@Example.COM ", "j.doe@example.com"),
        ("ｊｏｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "joe@example.com"),
        ("j***@example.com", None),
        ("not an email", None),
        ("a@b", None),
        (None, None),
    ],
)
def test_emails(text: str | None, key: str | None) -> None:
    assert normalise_email(text) == key


@pytest.mark.parametrize(
    "written",
    ["张伟", "張偉", "Zhang Wei", "WEI ZHANG", "ｚｈａｎｇ　ｗｅｉ", "zhang,  wei", " Zhang-Wei "],
)
def test_one_chinese_name_however_a_source_writes_it(written: str) -> None:
    assert name_tokens(written) == ("wei", "zhang")


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("曾小明", ("xiaoming", "zeng")),  # pypinyin alone reads ceng
        ("单田芳", ("shan", "tianfang")),  # not dan
        ("解晓东", ("xiaodong", "xie")),
        ("朴志成", ("piao", "zhicheng")),
        ("José Müller", ("jose", "muller")),
        ("", ()),
        (None, ()),
    ],
)
def test_names(name: str | None, tokens: tuple[str, ...]) -> None:
    assert name_tokens(name) == tokens


@given(st.text(max_size=40))
def test_normalising_never_fails_on_any_text(text: str) -> None:
    normalise_phone(text)
    normalise_email(text)
    assert all(token.isascii() for token in name_tokens(text))
