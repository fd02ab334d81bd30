"""Addresses reduced to the parts that match across sources: city, district, street, number.

Sources write one address many ways: ``上海市中山路12号``, ``上海中山路１２号`` (full-width
digits from a Chinese form), the city in its own field or repeated at the front. Matching
compares the parts, never the raw text: the same street and house number in the same city
is strong evidence of one household; the same city alone is weak (people move).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from quality.dedupe.normalise import fold

_PROVINCE = re.compile(r"^(?P<province>[\u4e00-\u9fff]{2,3}?(?:省|自治区))")
_CITY = re.compile(r"^(?P<city>[\u4e00-\u9fff]{2,4}?市)")
_DISTRICT = re.compile(r"^(?P<district>[\u4e00-\u9fff]{1,4}?(?:区|县))")
_STREET = re.compile(r"^(?P<street>.+?(?:大道|大街|路|街|道|巷|弄|胡同|里))")
_NUMBER = re.compile(r"(?P<number>\d+)\s*(?:号|號|#)?")
_LATIN_NUMBER = re.compile(r"\b(?P<number>\d+)\b")
_SPACES = re.compile(r"[\s,，、]+")


@dataclass(frozen=True)
class Address:
    """An address as matching sees it; a part is None when the text did not say."""

    city: str | None
    district: str | None
    street: str | None
    number: str | None

    @property
    def key(self) -> str | None:
        """The household key: city, street and house number, all known; else None."""
        if self.city and self.street and self.number:
            return f"{self.city}|{self.street}|{self.number}"
        return None


def normalise_city(text: str | None) -> str | None:
    """A city as a key: folded, without the ``市`` suffix (``上海市`` and ``上海`` agree)."""
    if not text:
        return None
    value = _SPACES.sub("", fold(text)).casefold()
    if value.endswith("市") and len(value) > 2:
        value = value[:-1]
    return value or None


def normalise_address(text: str | None, city: str | None = None) -> Address:
    """Split ``text`` into city, district, street and house number.

    ``city`` (the record's own city field) is the fallback city, and is stripped from the
    front of ``text`` when the address repeats it (``上海中山路12号`` in Shanghai), since
    many Chinese forms write the city into the address line without ``市``.
    """
    known_city = normalise_city(city)
    if not text or not text.strip():
        return Address(known_city, None, None, None)
    value = _SPACES.sub("", fold(text))
    if not re.search(r"[\u4e00-\u9fff]", value):
        return _latin_address(fold(text), known_city)
    found_city: str | None = None
    if match := _PROVINCE.match(value):
        value = value[match.end() :]
    if match := _CITY.match(value):
        found_city = normalise_city(match["city"])
        value = value[match.end() :]
    elif known_city and value.startswith(known_city):
        found_city, value = known_city, value[len(known_city) :]
    district = None
    if match := _DISTRICT.match(value):
        district, value = match["district"], value[match.end() :]
    street = None
    if match := _STREET.match(value):
        street, value = match["street"], value[match.end() :]
    number = None
    if match := _NUMBER.search(value):
        number = match["number"].lstrip("0") or "0"
    return Address(found_city or known_city, district, street, number)


def _latin_address(value: str, city: str | None) -> Address:
    """``12 Main St``: the first number is the house number, the rest the street."""
    number_match = _LATIN_NUMBER.search(value)
    number = number_match["number"] if number_match else None
    words = [w for w in re.split(r"[\s,.#]+", value.casefold()) if w and not w.isdigit()]
    if city:
        words = [w for w in words if w != city]
    return Address(city, None, " ".join(words) or None, number)
