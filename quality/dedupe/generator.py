"""A labelled cross-source customer set: the same people as five sources record them.

Dedupe accuracy is measured on this, not assumed: each record carries the true person
it belongs to (``person``), which no matcher may read. The noise is the kind each source
really has (../shared/reference/): Shopify's Latin names and free-form phones, Douyin's
masked phones (first digit and last two) without email, SAP's upper-case family-first
names, EBS's "Family, Given" with landlines, U8's Chinese names and extensions. People
move, mistype, and share common names (张伟 is many people), so both precision and
recall are tested. An email address is one mailbox: namesakes get handles from the same
name but never the same address, as no provider issues one address twice. Deterministic
for a seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin

from quality.dedupe.normalise import SURNAME_READINGS

SOURCES = ("shopify", "douyin", "sap", "oracle_ebs", "u8")
# Common surnames first: homonyms are the precision test.
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐曾单解区朴"
_GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红建文辉力"
_HOMOPHONES = {"张": "章", "李": "黎", "王": "汪", "伟": "玮", "明": "铭", "静": "婧", "华": "骅"}
_LATIN_GIVEN = ("James", "Mary", "John", "Linda", "Michael", "Sarah", "David", "Emma", "Anna")
_LATIN_FAMILY = ("Smith", "Johnson", "Brown", "Miller", "Davis", "Garcia", "Wilson", "Moore")
_CITIES = ("上海", "北京", "广州", "深圳", "杭州", "成都", "南京", "武汉")
_STREETS = ("中山路", "人民路", "解放路", "建设路", "和平路", "长江路", "新华路")
_MOBILE_PREFIXES = ("130", "131", "135", "136", "138", "139", "150", "158", "177", "186", "188")
_DOMAINS = ("qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com")


@dataclass(frozen=True)
class Person:
    """The truth about one customer, before any source writes it down."""

    id: int
    family: str
    given: str
    chinese: bool
    mobile: str
    email: str | None
    city: str
    street: str


@dataclass(frozen=True)
class SourceCustomer:
    """One customer record as a source holds it; ``person`` is the label."""

    source_system: str
    source_id: str
    person: int
    name: str | None
    phone: str | None
    email: str | None
    city: str | None
    address: str | None


def generate(people: int, seed: int = 0) -> list[SourceCustomer]:
    """Records of ``people`` people across the five sources (each person in 1-4 of
    them; a few twice in one source, as duplicates within a source happen too)."""
    rng = random.Random(seed)
    records: list[SourceCustomer] = []
    counters = dict.fromkeys(SOURCES, 0)
    for person in _people(people, rng):
        count = rng.choices((1, 2, 3, 4), weights=(35, 35, 20, 10))[0]
        sources = rng.sample(SOURCES, count)
        if rng.random() < 0.03:
            sources.append(sources[0])  # a second account at the same source
        for source in sources:
            counters[source] += 1
            records.append(_record(source, counters[source], person, rng))
    return records


def true_pairs(records: list[SourceCustomer]) -> set[tuple[int, int]]:
    """Every pair of record positions (i < j) that are the same person."""
    by_person: dict[int, list[int]] = {}
    for index, record in enumerate(records):
        by_person.setdefault(record.person, []).append(index)
    return {
        (a, b)
        for members in by_person.values()
        for i, a in enumerate(members)
        for b in members[i + 1 :]
    }


def _people(count: int, rng: random.Random) -> Iterator[Person]:
    taken: set[str] = set()
    for number in range(count):
        chinese = rng.random() < 0.8
        if chinese:
            family = rng.choice(_SURNAMES)
            given = "".join(rng.choices(_GIVEN, k=rng.choice((1, 2, 2))))
        else:
            family, given = rng.choice(_LATIN_FAMILY), rng.choice(_LATIN_GIVEN)
        mobile = rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        handle = _latin(family, given, chinese).replace(" ", ".").lower()
        has_email = rng.random() < 0.7
        email = _new_address(handle, rng.choice(_DOMAINS), taken, rng) if has_email else None
        yield Person(
            number,
            family,
            given,
            chinese,
            mobile,
            email,
            rng.choice(_CITIES),
            f"{rng.choice(_STREETS)}{rng.randrange(1, 999)}号",
        )


def _new_address(handle: str, domain: str, taken: set[str], rng: random.Random) -> str:
    """``wei.zhang481@qq.com``: the name's handle with digits no one holds yet.

    A provider refuses a taken address, so the customer tries other digits, and more of
    them once the short ones run out (``wei.zhang`` at a large provider has thousands of
    holders).
    """
    tries = 0
    while True:
        width = 3 + tries // 8
        address = f"{handle}{rng.randrange(10**width)}@{domain}"
        if address not in taken:
            taken.add(address)
            return address
        tries += 1


def _latin(family: str, given: str, chinese: bool) -> str:
    """``Wei Zhang``: how a Latin-script form records a person (given name first)."""
    if not chinese:
        return f"{given} {family}"
    surname = SURNAME_READINGS.get(family) or "".join(lazy_pinyin(family, style=Style.NORMAL))
    return f"{''.join(lazy_pinyin(given, style=Style.NORMAL)).title()} {surname.title()}"


def _record(source: str, number: int, person: Person, rng: random.Random) -> SourceCustomer:
    name = _name(source, person, rng)
    phone = _phone(source, person.mobile, rng)
    email = _email(source, person.email, rng)
    city = person.city
    address: str | None = f"{person.city}{person.street}"
    if rng.random() < 0.15:  # moved since this source last saw them
        city = rng.choice(_CITIES)
        address = f"{city}{rng.choice(_STREETS)}{rng.randrange(1, 999)}号"
    if rng.random() < 0.1:
        address = None
    return SourceCustomer(
        source, _source_id(source, number), person.id, name, phone, email, city, address
    )


def _name(source: str, person: Person, rng: random.Random) -> str | None:
    if not person.chinese:
        name = f"{person.given} {person.family}"
        if source == "sap":
            name = f"{person.family}, {person.given}".upper()
        return _typo(name, rng) if rng.random() < 0.08 else name
    han = person.family + person.given
    if rng.random() < 0.04:  # a homophone typed by an input method
        han = "".join(_HOMOPHONES.get(c, c) if rng.random() < 0.5 else c for c in han)
    latin = _latin(person.family, person.given, True)
    if source == "shopify":
        return latin if rng.random() < 0.6 else han
    if source == "sap":
        given, family = latin.rsplit(" ", 1)
        return f"{family} {given}".upper() if rng.random() < 0.5 else han
    if source == "oracle_ebs":
        given, family = latin.rsplit(" ", 1)
        return f"{family}, {given}" if rng.random() < 0.4 else han
    if source == "u8" and rng.random() < 0.3:
        return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in latin)
    return han


def _phone(source: str, mobile: str, rng: random.Random) -> str | None:
    if rng.random() < 0.05:
        return None
    if source == "douyin":
        return f"{mobile[0]}{'*' * 8}{mobile[-2:]}"  # Douyin masks all but 3 digits
    if source == "shopify" and rng.random() < 0.1:
        return f"{mobile[:3]}****{mobile[-4:]}"
    a, b, c = mobile[:3], mobile[3:7], mobile[7:]
    forms = [mobile, f"+86 {a} {b} {c}", f"0086-{a}-{b}-{c}", f"+86{mobile}", f"({a}) {b} {c}"]
    if source == "u8" and rng.random() < 0.2:
        return f"{mobile}-{rng.randrange(1000, 9999)}"  # a privacy number's extension
    return rng.choice(forms)


def _email(source: str, email: str | None, rng: random.Random) -> str | None:
    if email is None or source == "douyin" or rng.random() < 0.15:
        return None
    if rng.random() < 0.2:
        email = email.upper() if rng.random() < 0.5 else f" {email.title()} "
    if rng.random() < 0.03:
        email = _typo(email, rng)
    return email


def _typo(text: str, rng: random.Random) -> str:
    """One slip: a swapped, dropped or doubled letter."""
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 2)
    kind = rng.randrange(3)
    if kind == 0:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    return text[:i] + text[i] + text[i:]


def _source_id(source: str, number: int) -> str:
    """Ids in each source's own shape."""
    return {
        "shopify": f"gid://shopify/Customer/{7_000_000_000 + number}",
        "douyin": f"dy_open_{number:010d}",
        "sap": f"{1_000_000 + number}",
        "oracle_ebs": f"{50_000 + number}",
        "u8": f"C{number:06d}",
    }[source]
