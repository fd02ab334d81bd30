"""Customers as columns of integer codes: what blocking and scoring read, fast at 1M rows.

Per-record Python work is the cost at scale (a phonenumbers parse is ~70 us; a million of
them is over a minute), so every field is normalised once per *distinct* value and the
common CN mobile forms skip the parser: a vectorised pattern takes ``+86 138 1234 5678``
to its national number and the number is checked against phonenumbers' own CN mobile
pattern (its metadata), so the result is the parser's result (a test holds them equal).
Anything else (landlines, extensions, foreign numbers) goes through ``normalise_phone``.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
import phonenumbers

from quality.dedupe.address import Address, normalise_address
from quality.dedupe.normalise import name_tokens, normalise_email, normalise_phone

IntArray = npt.NDArray[np.int64]


def _cn_mobile_pattern() -> str:
    """phonenumbers' own pattern for CN mobile national numbers (from its metadata)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    pattern = metadata.mobile.national_number_pattern if metadata and metadata.mobile else None
    if not pattern:
        raise RuntimeError("phonenumbers has no CN mobile pattern: reinstall phonenumbers")
    return str(pattern)


_CN_MOBILE = _cn_mobile_pattern()
#: Plain CN mobile forms: optional +86 / 0086, spaces, dashes, brackets; nothing else.
_PLAIN_MOBILE = re.compile(r"^(?:\+86|0086)?(1\d{10})$")
_SEPARATORS = re.compile(r"[\s\-()]")
_MASKED_PARTS = re.compile(r"^(?:\+?86|0086)?(\d*)[*＊xX×•●]+(\d*)$")


class HasCustomerFields(Protocol):
    """Anything with a customer's fields: ``CustomerRecord`` or a generated record."""

    @property
    def name(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def email(self) -> str | None: ...
    @property
    def city(self) -> str | None: ...
    @property
    def address(self) -> str | None: ...


@dataclass(frozen=True)
class CustomerColumns:
    """One row per record; ``*_code`` columns are dense integer codes, -1 when unknown.

    Codes compare equal exactly when the normalised values do, so blocking and exact
    comparisons are integer work; the strings stay beside them (``names``, ``emails``,
    ``phone_national``...) for the fuzzy comparisons and for evidence.
    """

    size: int
    phone_code: IntArray  # unmasked E.164 number
    phone_number: IntArray  # a CN mobile's 11 digits as a number (-1: none), for masks
    # A masked phone's shown digits: the first mask_head_len digits are mask_head, the
    # last mask_tail_len are mask_tail; mask_shown counts the informative ones (-1: not
    # masked). A CN mobile's leading 1 tells nothing.
    mask_head: IntArray
    mask_head_len: IntArray
    mask_tail: IntArray
    mask_tail_len: IntArray
    mask_shown: IntArray
    email_code: IntArray
    emails: npt.NDArray[np.object_]
    email_digits_code: IntArray  # the digits in the address: a typo keeps them
    email_length: IntArray
    name_code: IntArray  # order-free name tokens (张伟 == Wei Zhang)
    names: npt.NDArray[np.object_]  # the tokens joined by a space
    name_count: IntArray  # records sharing this name: rare names weigh more
    initials_code: IntArray  # first letters of the name tokens, survives a typo
    city_code: IntArray
    city_count: IntArray
    address_code: IntArray  # city + street + house number
    address_count: IntArray
    street_code: IntArray


@dataclass(frozen=True)
class _Distinct:
    """A column as codes into its distinct values (-1: None).

    Sources repeat names, cities and emails many times over, so everything derived from
    a column (pinyin, address parts, keys) is computed once per distinct value and
    reaches the rows through the codes.
    """

    codes: IntArray
    values: list[Any]

    @classmethod
    def of(cls, values: Sequence[Hashable | None]) -> _Distinct:
        codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
        return cls(codes.astype(np.int64), list(uniques))

    def map(self, fn: Callable[[Any], Hashable | None]) -> _Distinct:
        """``fn`` of each distinct value, as a column of its own distinct results."""
        derived = _Distinct.of([fn(value) for value in self.values])
        lookup = np.append(derived.codes, -1)  # a row's -1 (None) stays -1
        return _Distinct(lookup[self.codes], derived.values)

    def rows(self) -> npt.NDArray[np.object_]:
        """The value of every row (None where unknown)."""
        table = np.empty(len(self.values) + 1, dtype=object)
        table[: len(self.values)] = self.values
        return table[self.codes]

    def counts(self) -> IntArray:
        """How many rows hold each row's value (0 for None)."""
        counts = np.bincount(self.codes[self.codes >= 0], minlength=len(self.values) + 1)
        return np.where(self.codes >= 0, counts[self.codes], 0).astype(np.int64)

    def numbers(self, fn: Callable[[Any], int], missing: int) -> IntArray:
        """An integer of each row's value, ``missing`` where None."""
        table = np.array([fn(value) for value in self.values] + [missing], dtype=np.int64)
        return table[self.codes]


def _address_of(city_and_text: str | None) -> Address:
    """The address of a ``city NUL text`` string (one cache key for both fields)."""
    city, _, text = (city_and_text or "").partition("\x00")
    return normalise_address(text or None, city or None)


def normalise_phones(
    phones: Sequence[str | None],
) -> tuple[list[str | None], list[str | None], list[str | None]]:
    """Each phone's E.164 key (None if masked/invalid) and a masked phone's shown digits.

    Returns ``(e164, mask_prefix, mask_suffix)``; the two mask lists are None for an
    unmasked phone. Equal to ``normalise_phone(text).key`` for every input.
    """
    series = pd.Series(phones, dtype=object)
    present = series.notna()
    folded = series.copy()
    folded[present] = series[present].astype(str).str.normalize("NFKC").str.strip()
    compact = folded.copy()
    compact[present] = folded[present].str.replace(_SEPARATORS, "", regex=True)
    national = compact.where(present).str.extract(_PLAIN_MOBILE, expand=False)
    fast = (national.notna() & national.fillna("").str.fullmatch(_CN_MOBILE)).to_numpy()
    nationals, folded_values, compact_values = (
        national.tolist(),
        folded.tolist(),
        compact.tolist(),
    )
    e164: list[str | None] = [
        "+86" + n if ok else None for n, ok in zip(nationals, fast, strict=True)
    ]
    prefix: list[str | None] = [None] * len(series)
    suffix: list[str | None] = [None] * len(series)
    slow = np.flatnonzero(present.to_numpy() & ~fast).tolist()
    parsed = [normalise_phone(folded_values[i]) for i in slow]
    for index, phone in zip(slow, parsed, strict=True):
        if phone.masked:
            shown = _MASKED_PARTS.match(compact_values[index])
            prefix[index], suffix[index] = (shown[1], shown[2]) if shown else ("", "")
        else:
            e164[index] = phone.key
    return e164, prefix, suffix


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while building millions of acyclic objects.

    Each full collection walks every live object; with a million records alive and
    millions of small strings and tuples being made, the collector ran many times over
    them and tripled normalisation's time at 1M records. Nothing built here is cyclic.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def to_columns(records: Sequence[HasCustomerFields]) -> CustomerColumns:
    """Normalise ``records`` into columns (see the module docstring for why columns)."""
    with no_cycle_collection():
        return _to_columns(records)


def _to_columns(records: Sequence[HasCustomerFields]) -> CustomerColumns:
    return _columns(
        names=[r.name for r in records],
        phones=[r.phone for r in records],
        emails=[r.email for r in records],
        places=[f"{r.city or ''}\x00{r.address or ''}" for r in records],
    )


def columns_of(
    *,
    names: Sequence[str | None],
    phones: Sequence[str | None],
    emails: Sequence[str | None],
    cities: Sequence[str | None],
    addresses: Sequence[str | None],
) -> CustomerColumns:
    """``to_columns`` from one list per field: a warehouse read keeps no record objects."""
    with no_cycle_collection():
        return _columns(
            names=names,
            phones=phones,
            emails=emails,
            places=[
                f"{city or ''}\x00{address or ''}"
                for city, address in zip(cities, addresses, strict=True)
            ],
        )


def _columns(
    *,
    names: Sequence[str | None],
    phones: Sequence[str | None],
    emails: Sequence[str | None],
    places: Sequence[str],
) -> CustomerColumns:
    raw_phones = _Distinct.of(phones)
    keys, prefixes, suffixes = normalise_phones(raw_phones.values)
    phone_values = _Distinct(raw_phones.codes, list(zip(keys, prefixes, suffixes, strict=True)))
    phone = phone_values.map(lambda p: p[0])
    masks = phone_values.map(lambda p: None if p[1] is None else (p[1], p[2] or ""))
    email_values = _Distinct.of(emails).map(normalise_email)
    email_digits = email_values.map(lambda e: "".join(ch for ch in e if ch.isdigit()))
    tokens = _Distinct.of(names).map(lambda n: name_tokens(n) or None)
    name_values = tokens.map(" ".join)
    initials = tokens.map(lambda t: " ".join(sorted(w[0] for w in t)))
    place_values = _Distinct.of(places).map(_address_of)
    cities = place_values.map(lambda a: a.city)
    addresses = place_values.map(lambda a: a.key)
    streets = place_values.map(lambda a: f"{a.city}|{a.street}" if a.city and a.street else None)
    return CustomerColumns(
        size=len(phones),
        phone_code=phone.codes,
        phone_number=phone.numbers(_cn_mobile_number, -1),
        mask_head=masks.numbers(lambda m: int(m[0] or 0), -1),
        mask_head_len=masks.numbers(lambda m: len(m[0]), 0),
        mask_tail=masks.numbers(lambda m: int(m[1] or 0), -1),
        mask_tail_len=masks.numbers(lambda m: len(m[1]), 0),
        mask_shown=masks.numbers(lambda m: max(len(m[0]) - 1, 0) + len(m[1]), -1),
        email_code=email_values.codes,
        emails=email_values.rows(),
        email_digits_code=email_digits.codes,
        email_length=email_values.numbers(len, 0),
        name_code=name_values.codes,
        names=name_values.rows(),
        name_count=name_values.counts(),
        initials_code=initials.codes,
        city_code=cities.codes,
        city_count=cities.counts(),
        address_code=addresses.codes,
        address_count=addresses.counts(),
        street_code=streets.codes,
    )


def _cn_mobile_number(e164: str) -> int:
    """A CN mobile's 11 digits as a number, for comparing with a mask's shown digits."""
    return int(e164[3:]) if e164.startswith("+861") and len(e164) == 14 else -1
