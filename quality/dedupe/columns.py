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
from typing import Protocol, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
import phonenumbers

from quality.dedupe.address import Address, normalise_address
from quality.dedupe.normalise import name_tokens, normalise_email, normalise_phone

IntArray = npt.NDArray[np.int64]
T = TypeVar("T")


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
#: A plain CN mobile with a privacy number's extension (``13812345678-1234``).
_MOBILE_EXTENSION = re.compile(r"^(1\d{10})\s*(?:[-—–转#]|ext\.?|x)\s*\d{1,6}$")
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


def _codes(values: Sequence[Hashable | None]) -> tuple[IntArray, IntArray]:
    """Dense codes for ``values`` (None -> -1) and each row's value count (0 for None)."""
    codes, _ = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    codes = codes.astype(np.int64)
    counts = np.bincount(codes[codes >= 0], minlength=max(int(codes.max(initial=-1)) + 1, 1))
    row_counts = np.where(codes >= 0, counts[np.maximum(codes, 0)], 0).astype(np.int64)
    return codes, row_counts


def _per_distinct(values: Sequence[str | None], fn: Callable[[str | None], T]) -> list[T]:
    """``fn`` applied once per distinct value: sources repeat names, cities, emails."""
    cache: dict[str | None, T] = {}
    out = []
    for value in values:
        if value in cache:
            out.append(cache[value])
        else:
            out.append(cache.setdefault(value, fn(value)))
    return out


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
    extended = folded.where(present & national.isna()).str.extract(_MOBILE_EXTENSION, expand=False)
    national = national.fillna(extended)
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
    parsed = _per_distinct([folded_values[i] for i in slow], normalise_phone)
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
    phone_keys, mask_prefix, mask_suffix = normalise_phones([r.phone for r in records])
    phone_code, _ = _codes(phone_keys)
    number = [
        int(key[3:]) if key and key.startswith("+861") and len(key) == 14 else -1
        for key in phone_keys
    ]
    head = [int(p) if p else (0 if p == "" else -1) for p in mask_prefix]
    tail = [int(p) if p else (0 if p == "" else -1) for p in mask_suffix]
    head_len = [len(p) if p is not None else 0 for p in mask_prefix]
    tail_len = [len(p) if p is not None else 0 for p in mask_suffix]
    shown = [
        -1 if p is None else max(len(p) - 1, 0) + len(q or "")
        for p, q in zip(mask_prefix, mask_suffix, strict=True)
    ]
    emails = _per_distinct([r.email for r in records], normalise_email)
    email_code, _ = _codes(emails)
    email_digits_code, _ = _codes(
        _per_distinct(emails, lambda e: "".join(ch for ch in e if ch.isdigit()) if e else None)
    )
    tokens = _per_distinct([r.name for r in records], name_tokens)
    names = [" ".join(t) if t else None for t in tokens]
    name_code, name_count = _codes(names)
    initials = [" ".join(sorted(w[0] for w in t)) if t else None for t in tokens]
    initials_code, _ = _codes(initials)
    addresses = _per_distinct(
        [f"{r.city or ''}\x00{r.address or ''}" for r in records], _address_of
    )
    cities = [a.city for a in addresses]
    city_code, city_count = _codes(cities)
    address_code, address_count = _codes([a.key for a in addresses])
    streets = [f"{a.city}|{a.street}" if a.city and a.street else None for a in addresses]
    street_code, _ = _codes(streets)
    return CustomerColumns(
        size=len(records),
        phone_code=phone_code,
        phone_number=np.array(number, dtype=np.int64),
        mask_head=np.array(head, dtype=np.int64),
        mask_head_len=np.array(head_len, dtype=np.int64),
        mask_tail=np.array(tail, dtype=np.int64),
        mask_tail_len=np.array(tail_len, dtype=np.int64),
        mask_shown=np.array(shown, dtype=np.int64),
        email_code=email_code,
        emails=np.array(emails, dtype=object),
        email_digits_code=email_digits_code,
        email_length=np.array([len(e) if e else 0 for e in emails], dtype=np.int64),
        name_code=name_code,
        names=np.array(names, dtype=object),
        name_count=name_count,
        initials_code=initials_code,
        city_code=city_code,
        city_count=city_count,
        address_code=address_code,
        address_count=address_count,
        street_code=street_code,
    )
