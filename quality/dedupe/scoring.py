"""Field-by-field comparison of candidate pairs and a match probability from it.

Each field compares to a level (exact, fuzzy, different, masked-but-consistent...) and
each level carries a weight: log2 of how much likelier that level is for the same person
than for two people (the Fellegi-Sunter Bayes factor, m / u). The weights add to the
prior log-odds that two records are one person; the sum is the pair's log-odds, its
probability the score. Agreement on a rare value says more than on a common one: for
names, emails, phones and addresses, u is the share of *other* records holding the value
(term frequency), so ``王伟`` in a city of hundreds of 王伟 weighs little and a rare name much.

The m values are how often one person's records agree, as sources really differ (typos,
moves, missing fields: ../shared/reference/quality-notes.md and the generator's noise
rates); the u values come from the data itself (value counts) or from the field's
cardinality. A masked phone's consistency counts at most ``MASK_MAX_WEIGHT``: a weak
tie-breaker, never a key.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import OSA, JaroWinkler

from quality.dedupe.columns import CustomerColumns, IntArray

FloatArray = npt.NDArray[np.float64]
_DIGITS = re.compile(r"\D")


class PhoneLevel(IntEnum):
    NONE = 0
    EXACT = 1
    DIFFERENT = 2
    MASK_CONSISTENT = 3  # one masked, its shown digits agree with the other's number
    MASK_INCONSISTENT = 4
    MASKS_EQUAL = 5  # both masked, the same shown digits
    MASKS_DIFFERENT = 6


class EmailLevel(IntEnum):
    NONE = 0
    EXACT = 1
    FUZZY = 2
    DIFFERENT = 3


class NameLevel(IntEnum):
    NONE = 0
    EXACT = 1
    FUZZY = 2
    DIFFERENT = 3


class PlaceLevel(IntEnum):
    NONE = 0
    ADDRESS = 1  # city, street and house number agree
    CITY = 2  # same city, an address unknown on one side
    CITY_OTHER_ADDRESS = 3  # same city, two different addresses
    OTHER_CITY = 4


#: Expected true pairs per record (a person is in 1-4 sources: about 0.75 pairs a
#: record); the prior odds that two random records are one person are 2 * this / n.
PAIRS_PER_RECORD = 0.75
#: Similarity at or above which a differing name counts as a typo of the other.
NAME_FUZZY = 0.92
#: A masked phone's consistency is worth at most this many bits (Douyin's 1********35
#: shows two free digits: one person in 100 shares them).
MASK_MAX_WEIGHT = math.log2(100)

# m: P(level | same person); u: P(level | two people), where not from value counts.
_M_PHONE_EXACT, _M_NAME_EXACT, _M_ADDRESS = 0.95, 0.95, 0.6
#: Case and spaces normalise away; a slip in ~3% of typed addresses leaves both of a
#: person's addresses intact in 0.97 ** 2 of pairs.
_M_EMAIL_EXACT = 0.94
_W_PHONE_DIFFERENT = math.log2(0.01)  # people change numbers, keep two
_W_MASK_INCONSISTENT = math.log2(0.03)
_W_MASKS_DIFFERENT = math.log2(0.5)
#: m: one of the two slipped, the digits untouched (~2 * 0.03 * 0.8); u: an address
#: one slip from a stranger's with the same digits is as rare as a shared one.
_W_EMAIL_FUZZY = math.log2(0.05 / 1e-6)
_W_EMAIL_DIFFERENT = math.log2(0.05)  # several addresses per person are common
_W_NAME_FUZZY = math.log2(0.04 / 0.002)
_W_NAME_DIFFERENT = math.log2(0.01)
_M_CITY, _M_CITY_OTHER_ADDRESS, _M_OTHER_CITY = 0.75, 0.02, 0.2
#: Records of the same person share their own value; u counts the rest, floored.
_OWN_RECORDS = 2.0
_FLOOR_NAME, _FLOOR_ADDRESS, _FLOOR_PHONE = 0.1, 0.1, 0.001
#: An address is one mailbox: a provider never issues it twice, so namesakes'
#: ``wei.zhang481`` and ``wei.zhang97`` differ and one address is near-conclusive, names
#: agreeing or not. Floored above phones' for the rare mailbox a family or a company
#: shares (and a slip that lands on someone else's address).
_FLOOR_EMAIL = 0.01
_OWN_KEY_RECORDS = 6.0  # one person in all five sources, once twice


#: Frequencies need a population: a handful of records (a test, one new customer)
#: says nothing about how common a name is, so value shares and the prior are taken as
#: if among at least this many records; from there on the data's own counts rule.
MIN_POPULATION = 10_000
#: A city's share of records, bounded: in a small set every record may share one city.
_CITY_SHARE_MIN, _CITY_SHARE_MAX = 0.01, 0.5


def _population(c: CustomerColumns) -> int:
    return max(c.size, MIN_POPULATION)


@dataclass(frozen=True)
class ScoredArrays:
    """Candidate pairs with their levels, similarities, log-odds and probability."""

    left: IntArray
    right: IntArray
    phone: IntArray
    email: IntArray
    name: IntArray
    place: IntArray
    name_similarity: FloatArray
    email_similarity: FloatArray
    log_odds: FloatArray
    probability: FloatArray


def _tf_weight(
    m: float, count: IntArray, floor: float, n: int, own: float = _OWN_RECORDS
) -> FloatArray:
    """log2(m / u) with u the share of other people's records holding the value."""
    others = np.maximum(count.astype(np.float64) - own, floor)
    return np.log2(m * n / others)


def _phone_levels(c: CustomerColumns, i: IntArray, j: IntArray) -> tuple[IntArray, FloatArray]:
    level = np.full(len(i), PhoneLevel.NONE, dtype=np.int64)
    weight = np.zeros(len(i))
    pi, pj = c.phone_code[i], c.phone_code[j]
    both = (pi >= 0) & (pj >= 0)
    level[both & (pi == pj)] = PhoneLevel.EXACT
    level[both & (pi != pj)] = PhoneLevel.DIFFERENT
    # Shown digits as numbers: (value, how many) at each end; the whole number's ends.
    # Only a CN mobile (11 digits) is compared with a mask; other numbers say nothing.
    mi, mj = c.mask_shown[i] >= 0, c.mask_shown[j] >= 0
    one_masked = (mi & (c.phone_number[j] >= 0)) | (mj & (c.phone_number[i] >= 0))
    masked = np.where(mi, i, j)[one_masked]
    whole = np.where(mi, j, i)[one_masked]
    number = c.phone_number[whole]
    head_len = np.clip(c.mask_head_len[masked], 0, 11)
    tail_len = np.clip(c.mask_tail_len[masked], 0, 11)
    head_ok = number // 10 ** (11 - head_len) == c.mask_head[masked]
    tail_ok = number % 10**tail_len == c.mask_tail[masked]
    agree = head_ok & tail_ok
    level[one_masked] = np.where(agree, PhoneLevel.MASK_CONSISTENT, PhoneLevel.MASK_INCONSISTENT)
    shown_weight = np.minimum(c.mask_shown[masked] * math.log2(10), MASK_MAX_WEIGHT)
    weight[one_masked] = np.where(agree, shown_weight, _W_MASK_INCONSISTENT)
    both_masked = mi & mj
    same = (c.mask_head[i] == c.mask_head[j]) & (c.mask_tail[i] == c.mask_tail[j])
    same &= (c.mask_head_len[i] == c.mask_head_len[j]) & (c.mask_tail_len[i] == c.mask_tail_len[j])
    level[both_masked] = np.where(same, PhoneLevel.MASKS_EQUAL, PhoneLevel.MASKS_DIFFERENT)[
        both_masked
    ]
    weight[both_masked] = np.where(same, 1.0, _W_MASKS_DIFFERENT)[both_masked]
    count = np.bincount(c.phone_code[c.phone_code >= 0], minlength=1)
    exact = level == PhoneLevel.EXACT
    weight[exact] = _tf_weight(
        _M_PHONE_EXACT, count[pi[exact]], _FLOOR_PHONE, _population(c), _OWN_KEY_RECORDS
    )
    weight[level == PhoneLevel.DIFFERENT] = _W_PHONE_DIFFERENT
    return level, weight


def _email_levels(
    c: CustomerColumns, i: IntArray, j: IntArray
) -> tuple[IntArray, FloatArray, FloatArray]:
    level = np.full(len(i), EmailLevel.NONE, dtype=np.int64)
    weight = np.zeros(len(i))
    similarity = np.zeros(len(i))
    ei, ej = c.email_code[i], c.email_code[j]
    both = (ei >= 0) & (ej >= 0)
    exact = both & (ei == ej)
    level[exact] = EmailLevel.EXACT
    similarity[exact] = 1.0
    count = np.bincount(c.email_code[c.email_code >= 0], minlength=1)
    weight[exact] = _tf_weight(
        _M_EMAIL_EXACT, count[ei[exact]], _FLOOR_EMAIL, _population(c), _OWN_KEY_RECORDS
    )
    differ = both & (ei != ej)
    level[differ] = EmailLevel.DIFFERENT
    weight[differ] = _W_EMAIL_DIFFERENT
    # A typo keeps the digits and the length within one: only those pairs are compared.
    maybe = np.flatnonzero(
        differ
        & (c.email_digits_code[i] == c.email_digits_code[j])
        & (np.abs(c.email_length[i] - c.email_length[j]) <= 1)
    )
    for k in maybe:
        a, b = c.emails[i[k]], c.emails[j[k]]
        similarity[k] = OSA.normalized_similarity(a, b)
        if _email_typo(a, b):
            level[k], weight[k] = EmailLevel.FUZZY, _W_EMAIL_FUZZY
    return level, weight, similarity


def _email_typo(a: str, b: str) -> bool:
    """One slipped letter (swapped, dropped, doubled), the digits untouched.

    ``jun.liu397`` and ``jun.liu7`` are two people: mail handles built from a name differ
    by their digits, so a difference in the digits is a different address, not a typo.
    """
    return OSA.distance(a, b, score_cutoff=1) <= 1 and _DIGITS.sub("", a) == _DIGITS.sub("", b)


def _name_levels(
    c: CustomerColumns, i: IntArray, j: IntArray
) -> tuple[IntArray, FloatArray, FloatArray]:
    level = np.full(len(i), NameLevel.NONE, dtype=np.int64)
    weight = np.zeros(len(i))
    similarity = np.zeros(len(i))
    ni, nj = c.name_code[i], c.name_code[j]
    both = (ni >= 0) & (nj >= 0)
    exact = both & (ni == nj)
    level[exact] = NameLevel.EXACT
    similarity[exact] = 1.0
    weight[exact] = _tf_weight(_M_NAME_EXACT, c.name_count[i[exact]], _FLOOR_NAME, _population(c))
    differ = np.flatnonzero(both & (ni != nj))
    sims = np.array(
        [JaroWinkler.normalized_similarity(c.names[i[k]], c.names[j[k]]) for k in differ]
    )
    if len(differ):
        similarity[differ] = sims
        fuzzy = sims >= NAME_FUZZY
        level[differ] = np.where(fuzzy, NameLevel.FUZZY, NameLevel.DIFFERENT)
        weight[differ] = np.where(fuzzy, _W_NAME_FUZZY, _W_NAME_DIFFERENT)
    return level, weight, similarity


def _place_levels(c: CustomerColumns, i: IntArray, j: IntArray) -> tuple[IntArray, FloatArray]:
    level = np.full(len(i), PlaceLevel.NONE, dtype=np.int64)
    weight = np.zeros(len(i))
    ci, cj = c.city_code[i], c.city_code[j]
    ai, aj = c.address_code[i], c.address_code[j]
    cities = (ci >= 0) & (cj >= 0)
    same_city = cities & (ci == cj)
    addresses = (ai >= 0) & (aj >= 0)
    city_share = np.clip(c.city_count[i] / max(c.size, 1), _CITY_SHARE_MIN, _CITY_SHARE_MAX)
    rules = [
        (addresses & (ai == aj), PlaceLevel.ADDRESS, None),
        (same_city & addresses & (ai != aj), PlaceLevel.CITY_OTHER_ADDRESS, _M_CITY_OTHER_ADDRESS),
        (same_city & ~addresses, PlaceLevel.CITY, _M_CITY),
        (cities & (ci != cj), PlaceLevel.OTHER_CITY, _M_OTHER_CITY),
    ]
    for mask, value, m in reversed(rules):  # the first rule that holds wins
        level[mask] = value
        if m is None:
            weight[mask] = _tf_weight(
                _M_ADDRESS, c.address_count[i[mask]], _FLOOR_ADDRESS, _population(c)
            )
        elif value == PlaceLevel.OTHER_CITY:
            weight[mask] = np.log2(m / (1.0 - city_share[mask]))
        else:
            weight[mask] = np.log2(m / city_share[mask])
    return level, weight


def score_pairs(columns: CustomerColumns, left: IntArray, right: IntArray) -> ScoredArrays:
    """Compare every candidate pair field by field; log-odds and probability of a match."""
    phone, phone_w = _phone_levels(columns, left, right)
    email, email_w, email_sim = _email_levels(columns, left, right)
    name, name_w, name_sim = _name_levels(columns, left, right)
    place, place_w = _place_levels(columns, left, right)
    prior = math.log2(2 * PAIRS_PER_RECORD / _population(columns))
    log_odds = prior + phone_w + email_w + name_w + place_w
    probability = 1.0 / (1.0 + np.exp2(-np.clip(log_odds, -60, 60)))
    return ScoredArrays(
        left, right, phone, email, name, place, name_sim, email_sim, log_odds, probability
    )
