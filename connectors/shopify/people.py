"""Synthetic people for the simulator: names, emails, phones and addresses.

The mix is deliberately messy in the ways real order data is messy, because orderhub's
matching and normalisation code must be exercised by it: Chinese names written in Han
characters or in pinyin, Western names with diacritics, customer phones in E.164 (Shopify
normalises those) next to address phones typed by shoppers ("138 1234 5678",
"+1 (415) 555-0132", "030 12345678").  All numbers use fictional or test ranges.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from typing import Any

__all__ = ["Person", "format_phone", "make_address", "make_person"]

CN_SURNAMES = [
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"),
    ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"), ("徐", "Xu"), ("孙", "Sun"),
    ("林", "Lin"), ("郭", "Guo"), ("何", "He"), ("高", "Gao"), ("罗", "Luo"), ("曾", "Zeng"),
]  # fmt: skip
CN_GIVEN = [
    ("伟", "Wei"), ("芳", "Fang"), ("娜", "Na"), ("秀英", "Xiuying"), ("敏", "Min"),
    ("静", "Jing"), ("丽", "Li"), ("强", "Qiang"), ("磊", "Lei"), ("军", "Jun"), ("洋", "Yang"),
    ("艳", "Yan"), ("杰", "Jie"), ("涛", "Tao"), ("明", "Ming"), ("超", "Chao"),
    ("晓燕", "Xiaoyan"),
]  # fmt: skip
WEST_FIRST = {
    "US": ["Emma", "Liam", "Olivia", "Noah", "Ava", "James", "Sophia", "Ethan", "Mia", "Ben"],
    "DE": ["Lukas", "Hannah", "Jürgen", "Lea", "Felix", "Sophie"],
    "FR": ["Léa", "Hugo", "Chloé", "Louis", "Camille", "Théo"],
    "GB": ["Oliver", "Amelia", "Harry", "Isla", "George", "Charlotte"],
}
WEST_LAST = {
    "US": ["Smith", "Johnson", "Williams", "Brown", "García", "Miller", "O'Brien", "Nguyen"],
    "DE": ["Müller", "Schmidt", "Schneider", "Fischer", "Weiß", "Becker"],
    "FR": ["Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent"],
    "GB": ["Taylor", "Davies", "Evans", "Wilson", "Thomas", "Roberts"],
}
CITIES: dict[str, list[tuple[str, str | None, str | None, str]]] = {
    "US": [
        ("San Francisco", "California", "CA", "94103"), ("New York", "New York", "NY", "10001"),
        ("Austin", "Texas", "TX", "78701"), ("Seattle", "Washington", "WA", "98101"),
        ("Boston", "Massachusetts", "MA", "02108"),
    ],
    "CN": [
        ("上海市", "Shanghai", "SH", "200120"), ("北京市", "Beijing", "BJ", "100020"),
        ("深圳市", "Guangdong", "GD", "518000"), ("杭州市", "Zhejiang", "ZJ", "310000"),
        ("成都市", "Sichuan", "SC", "610000"),
    ],
    "DE": [("Berlin", "Berlin", "BE", "10115"), ("München", "Bavaria", "BY", "80331"),
           ("Hamburg", "Hamburg", "HH", "20095")],
    "FR": [("Paris", None, None, "75001"), ("Lyon", None, None, "69001")],
    "GB": [("London", "England", "ENG", "EC1A 1BB"), ("Manchester", "England", "ENG", "M1 1AE")],
}  # fmt: skip
STREETS = {
    "US": ["{n} Market St", "{n} Broadway", "{n} Congress Ave", "{n} Pine St"],
    "CN": ["浦东新区世纪大道{n}号", "朝阳区建国路{n}号", "南山区科技园路{n}号", "Jianguo Road {n}"],
    "DE": ["Friedrichstraße {n}", "Hauptstraße {n}", "Lindenallee {n}"],
    "FR": ["{n} rue de Rivoli", "{n} avenue Jean Jaurès"],
    "GB": ["{n} High Street", "{n} Baker Street"],
}
COUNTRY_NAMES = {
    "US": "United States",
    "CN": "China",
    "DE": "Germany",
    "FR": "France",
    "GB": "United Kingdom",
}
EMAIL_DOMAINS = {
    "CN": ["qq.com", "163.com", "126.com", "gmail.com"],
    "US": ["gmail.com", "outlook.com", "yahoo.com", "icloud.com"],
    "DE": ["web.de", "gmx.de", "gmail.com"],
    "FR": ["orange.fr", "free.fr", "gmail.com"],
    "GB": ["gmail.com", "btinternet.com", "outlook.com"],
}
COMPANIES = ["Acme Trading Co.", "上海示例贸易有限公司", "Nordlicht GmbH", None, None, None]


@dataclass(frozen=True, slots=True)
class Person:
    """One shopper's identity; ``country`` drives phone and address formats."""

    first_name: str
    last_name: str
    display_name: str
    email: str | None
    phone_digits: str
    country: str


def _ascii(text: str) -> str:
    replaced = text.replace("ß", "ss").replace("ü", "ue").replace("ö", "oe").replace("ä", "ae")
    decomposed = unicodedata.normalize("NFKD", replaced)
    return "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c in ".-")).lower()


def _phone_digits(rng: random.Random, country: str) -> str:
    """National significant number in a fictional/test range."""
    if country == "CN":
        prefix = rng.choice(["138", "139", "135", "186", "188", "159", "177", "199"])
        return prefix + f"{rng.randint(0, 99_999_999):08d}"
    if country == "US":
        return rng.choice(["415", "212", "512", "206", "617"]) + f"5550{rng.randint(100, 199)}"
    if country == "DE":
        return "30" + f"{rng.randint(10_000_000, 99_999_999)}"
    if country == "FR":
        return "6" + f"{rng.randint(10_000_000, 99_999_999)}"
    return "2079460" + f"{rng.randint(100, 999)}"  # Ofcom drama range


_CALLING = {"CN": "86", "US": "1", "DE": "49", "FR": "33", "GB": "44"}


def format_phone(digits: str, country: str, style: str) -> str:
    """Render one number in ``e164``, ``international`` or ``local`` style."""
    code = _CALLING[country]
    if style == "e164":
        return f"+{code}{digits}"
    if country == "CN":
        spaced = f"{digits[:3]} {digits[3:7]} {digits[7:]}"
        return (
            f"+86 {digits[:3]}-{digits[3:7]}-{digits[7:]}" if style == "international" else spaced
        )
    if country == "US":
        local = f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
        return f"+1 {local}" if style == "international" else local
    if country == "FR":
        pairs = " ".join(digits[i : i + 2] for i in range(1, 9, 2))
        return f"+33 {digits[0]} {pairs}" if style == "international" else f"0{digits[0]} {pairs}"
    head, tail = digits[:2], digits[2:]
    if country == "GB":
        tail = f"{tail[:4]} {tail[4:]}"
    return f"+{code} {head} {tail}" if style == "international" else f"0{head} {tail}"


def make_person(rng: random.Random) -> Person:
    """A shopper: ~45% Chinese (Han or pinyin spelling), the rest Western."""
    if rng.random() < 0.45:
        (sur, sur_py), (given, given_py) = rng.choice(CN_SURNAMES), rng.choice(CN_GIVEN)
        country = "CN" if rng.random() < 0.7 else "US"
        if rng.random() < 0.75:
            first, last, display = given, sur, f"{sur}{given}"
        else:
            first, last, display = given_py, sur_py, f"{given_py} {sur_py}"
        if rng.random() < 0.3:
            local = str(rng.randint(10_000_000, 2_999_999_999))  # QQ number mailbox
            email = f"{local}@qq.com"
        else:
            email = f"{sur_py.lower()}{given_py.lower()}{rng.randint(1, 99)}@"
            email += rng.choice(EMAIL_DOMAINS[country])
    else:
        country = rng.choice(["US", "US", "DE", "FR", "GB"])
        first, last = rng.choice(WEST_FIRST[country]), rng.choice(WEST_LAST[country])
        display = f"{first} {last}"
        email = f"{_ascii(first)}.{_ascii(last)}@{rng.choice(EMAIL_DOMAINS[country])}"
    if rng.random() < 0.06:
        email_or_none: str | None = None
    else:
        email_or_none = email
    return Person(first, last, display, email_or_none, _phone_digits(rng, country), country)


def make_address(
    rng: random.Random, person: Person, address_id: str, *, country: str | None = None
) -> dict[str, Any]:
    """A MailingAddress row with a shopper-typed phone format."""
    country = country or person.country
    city, province, province_code, zip_code = rng.choice(CITIES[country])
    street = rng.choice(STREETS[country]).format(n=rng.randint(1, 980))
    style = rng.choice(["e164", "international", "local", "local"])
    return {
        "id": address_id,
        "firstName": person.first_name,
        "lastName": person.last_name,
        "name": person.display_name,
        "company": rng.choice(COMPANIES),
        "address1": street,
        "address2": rng.choice([None, None, "Apt 4B", "3F", "Unit 12", "2. OG"]),
        "city": city,
        "province": province,
        "provinceCode": province_code,
        "zip": zip_code,
        "country": COUNTRY_NAMES[country],
        "countryCodeV2": country,
        "phone": format_phone(person.phone_digits, person.country, style)
        if rng.random() < 0.85
        else None,
    }
