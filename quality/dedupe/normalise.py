"""Customer fields reduced to the forms that match across sources.

Every source writes a phone, an email and a name differently: ``+86 138-1234-5678``,
``0086 13812345678``, full-width digits from a Chinese form, ``张伟`` beside ``Zhang Wei``.
Matching compares these forms, never the raw text. A masked value (``138****1234``,
Douyin's ``1********35``) is recognised before anything parses it, and never becomes a
match key: two people who share a mask are not one person.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from pypinyin import Style, lazy_pinyin

_MASK = re.compile(r"[*＊xX×•●]{2,}")
_EXTENSION = re.compile(r"^(?P<number>.*?\d)\s*(?:[-—–转#]|ext\.?|x)\s*(?P<ext>\d{1,6})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SPACES = re.compile(r"\s+")
# pypinyin reads these surnames with their common-word reading (曾 ceng, 单 dan ...):
# as the first character of a name they read as below.
SURNAME_READINGS = {
    "曾": "zeng",
    "单": "shan",
    "單": "shan",
    "解": "xie",
    "区": "ou",
    "區": "ou",
    "朴": "piao",
    "仇": "qiu",
    "查": "zha",
    "盖": "ge",
    "蓋": "ge",
    "缪": "miao",
    "繆": "miao",
    "翟": "zhai",
    "乐": "yue",
    "樂": "yue",
    "覃": "qin",
    "尉": "yu",
    "长": "chang",
    "長": "chang",
    "万": "wan",
    "萬": "wan",
    "沈": "shen",
    "秘": "bi",
    "祭": "zhai",
    "繁": "po",
    "召": "shao",
    "员": "yun",
    "員": "yun",
}


@dataclass(frozen=True)
class Phone:
    """A phone as matching sees it: ``e164`` is a match key only when not ``masked``."""

    e164: str | None
    masked: bool = False
    extension: str | None = None

    @property
    def key(self) -> str | None:
        """The match key: the E.164 number of a whole, valid, unmasked phone.

        A number with an extension is a privacy (relay) number: its base belongs to the
        platform and is shared by many buyers, and the binding behind the extension is
        temporary, so like a masked number it is never a key.
        """
        return None if self.masked or self.extension else self.e164


def fold(text: str) -> str:
    """NFKC (full-width letters and digits become ASCII), trimmed, spaces collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def is_masked(text: str) -> bool:
    """True for a value a platform masked (``138****1234``, ``j***@example.com``)."""
    return bool(_MASK.search(fold(text)))


def normalise_phone(text: str | None, region: str = "CN") -> Phone:
    """A phone in any common form as E.164 (``+8613812345678``).

    ``00`` reads as ``+``; a trailing extension (``13812345678-1234``, a privacy number)
    is split off first, as phonenumbers would read it as one long number. A masked
    phone keeps no number: parsing ``138****1234`` would give a wrong, short one.
    """
    if not text or not text.strip():
        return Phone(None)
    value = fold(text)
    if is_masked(value):
        return Phone(None, masked=True)
    e164 = _e164(value, region)
    if e164:
        return Phone(e164)
    found = _EXTENSION.match(value)
    if found:
        e164 = _e164(found["number"], region)
        if e164:
            return Phone(e164, extension=found["ext"])
    return Phone(None)


def _e164(value: str, region: str) -> str | None:
    if value.startswith("00"):
        value = "+" + value[2:]
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(text: str | None) -> str | None:
    """An email as a match key: folded and lower-cased; None when masked or not one."""
    if not text:
        return None
    value = fold(text).lower()
    if is_masked(value) or not _EMAIL.match(value):
        return None
    return value


def name_tokens(text: str | None) -> tuple[str, ...]:
    """A person's name as sorted lower-case Latin tokens, Chinese read as pinyin.

    ``张伟``, ``張偉``, ``Zhang Wei``, ``WEI ZHANG`` and ``ｚｈａｎｇ　ｗｅｉ`` all give
    ``("wei", "zhang")``: word order differs between sources (family name first or last).
    A Chinese name's first character is read as a surname (曾 zeng, not ceng).
    """
    if not text:
        return ()
    value = fold(text)
    if _HAN.search(value):
        return tuple(sorted(_han_name(value)))
    words = re.split(r"[\s,.'’·\-]+", value.casefold())
    return tuple(sorted(w for w in (_ascii(w) for w in words) if w))


def _han_name(value: str) -> list[str]:
    characters = [c for c in value if not c.isspace()]
    if not characters:
        return []
    first, rest = characters[0], "".join(characters[1:])
    surname = SURNAME_READINGS.get(first) or _pinyin(first)
    given = _pinyin(rest) if rest else ""
    return [part for part in (_ascii(surname.lower()), _ascii(given.lower())) if part]


@lru_cache(maxsize=65536)
def _pinyin(text: str) -> str:
    """pypinyin's reading of ``text``, cached: names reuse a few thousand given names."""
    return "".join(lazy_pinyin(text, style=Style.NORMAL))


@lru_cache(maxsize=65536)
def _ascii(word: str) -> str:
    """A Latin word without accents or stray marks (``Müller`` -> ``muller``)."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if c.isalnum() and c.isascii())
