"""The linker: normalise, block, score, band; pairs with evidence a steward can read.

``link(records)`` is the object API golden-ID assignment uses (``ScoredPair``s with
evidence). ``link_columns`` is the columnar path underneath it, for a million records:
arrays in, arrays out, and ``match_clusters`` joins the MATCH pairs transitively with
scipy's connected components (``pairs.cluster`` does the same with a steward's
cannot-link decisions, on objects).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from quality.dedupe.blocking import BlockingStats, candidate_pairs
from quality.dedupe.columns import (
    CustomerColumns,
    HasCustomerFields,
    IntArray,
    no_cycle_collection,
    to_columns,
)
from quality.dedupe.pairs import Band, CustomerRecord, ScoredPair
from quality.dedupe.scoring import (
    EmailLevel,
    NameLevel,
    PhoneLevel,
    PlaceLevel,
    ScoredArrays,
    score_pairs,
)

#: Probability at or above which a pair merges on its own. Chosen on the generator as the
#: lowest value tried that keeps pairwise precision >= 0.999 after transitive clustering
#: at every size measured (benchmarks/dedupe.py and a threshold sweep, 2026-12-07, after
#: email addresses became one person's each): 6k records (the accuracy test's seed 2024):
#: 0.99 -> P 0.9971 (two Douyin masked-phone + same-name false edges joining clusters),
#: 0.995 -> P 0.9998 (R 0.918); 100k: 0.99 -> P 0.9991 (R 0.889), 0.995 -> P 0.9993
#: (R 0.881), 0.998 -> P 0.9995 (R 0.862); 1M: 0.99 -> P 0.9996 (R 0.854),
#: 0.995 -> P 0.9998 (R 0.845). The score is
#: a probability that already weighs in the population size, so one value serves all
#: sizes.
MATCH_THRESHOLD = 0.995
#: Probability at or above which a pair waits for a steward; below it is dropped. Low on
#: purpose: the queue should hold what the linker cannot decide. On the generator at 100k
#: records, pairs scoring 0.3-0.5 are about half true (0.54), 0.5-0.8 three in four
#: (0.76), 0.8-0.99 over nine in ten (0.96), 0.99-0.995 0.995 (mostly Douyin records of
#: people who moved: a masked phone, no email, another city; only the name and two phone
#: digits agree).
REVIEW_THRESHOLD = 0.3

_PHONE_WORDS = {
    PhoneLevel.EXACT: "exact",
    PhoneLevel.DIFFERENT: "different",
    PhoneLevel.MASK_CONSISTENT: "masked, shown digits agree",
    PhoneLevel.MASK_INCONSISTENT: "masked, shown digits differ",
    PhoneLevel.MASKS_EQUAL: "both masked alike",
    PhoneLevel.MASKS_DIFFERENT: "both masked, differently",
}
_PLACE_WORDS = {
    PlaceLevel.ADDRESS: "same address",
    PlaceLevel.CITY: "same city",
    PlaceLevel.CITY_OTHER_ADDRESS: "same city, other address",
    PlaceLevel.OTHER_CITY: "other city",
}


@dataclass(frozen=True)
class LinkResult:
    """Pairs at or above REVIEW (rows into the input), their bands, and blocking stats."""

    scored: ScoredArrays
    is_match: np.ndarray
    blocking: BlockingStats

    @property
    def left(self) -> IntArray:
        return self.scored.left

    @property
    def right(self) -> IntArray:
        return self.scored.right


def link_columns(columns: CustomerColumns) -> LinkResult:
    """Candidate pairs scored and banded; pairs below REVIEW_THRESHOLD dropped."""
    with no_cycle_collection():
        left, right, stats = candidate_pairs(columns)
        scored = score_pairs(columns, left, right)
    keep = scored.probability >= REVIEW_THRESHOLD
    kept = ScoredArrays(*(getattr(scored, f)[keep] for f in scored.__dataclass_fields__))
    return LinkResult(kept, kept.probability >= MATCH_THRESHOLD, stats)


def match_clusters(size: int, left: IntArray, right: IntArray) -> IntArray:
    """Each row's cluster number, joining ``left[k]``–``right[k]`` transitively."""
    # scipy loads slowly (seconds on a cold disk): only the columnar path needs it.
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def evidence(result: LinkResult, k: int) -> dict[str, str | float]:
    """Why pair ``k`` scored as it did, field by field, in words and similarities."""
    return Evidence(result.scored).of(k)


class Evidence:
    """Evidence of many pairs: the arrays as lists once, not a numpy scalar per field."""

    def __init__(self, scored: ScoredArrays) -> None:
        self.phone = scored.phone.tolist()
        self.email = scored.email.tolist()
        self.name = scored.name.tolist()
        self.place = scored.place.tolist()
        self.email_similarity = scored.email_similarity.tolist()
        self.name_similarity = scored.name_similarity.tolist()
        self.log_odds = scored.log_odds.tolist()
        self.probability = scored.probability.tolist()

    def of(self, k: int) -> dict[str, str | float]:
        out: dict[str, str | float] = {}
        if self.phone[k] != PhoneLevel.NONE:
            out["phone"] = _PHONE_WORDS[self.phone[k]]
        email = self.email[k]
        if email == EmailLevel.EXACT:
            out["email"] = "exact"
        elif email == EmailLevel.FUZZY:  # a typo: how similar, as a steward checks it
            out["email"] = round(self.email_similarity[k], 3)
        elif email == EmailLevel.DIFFERENT:
            out["email"] = "different"
        name = self.name[k]
        if name == NameLevel.EXACT:
            out["name"] = "exact"
        elif name != NameLevel.NONE:
            out["name"] = round(self.name_similarity[k], 3)
        if self.place[k] != PlaceLevel.NONE:
            out["place"] = _PLACE_WORDS[self.place[k]]
        out["log_odds"] = round(self.log_odds[k], 2)
        out["score"] = round(self.probability[k], 6)
        return out


def link(records: Sequence[CustomerRecord]) -> list[ScoredPair]:
    """Pairs of ``records`` that may be one person, MATCH or REVIEW, with evidence.

    Records with the same natural key are one record (a source's re-sent row): they
    never pair with themselves.
    """
    unique = list({record.key: record for record in records}.values())
    result = link_columns(to_columns(unique))
    pairs = []
    why = Evidence(result.scored)
    with no_cycle_collection():
        for k, (i, j, match) in enumerate(
            zip(result.left.tolist(), result.right.tolist(), result.is_match.tolist(), strict=True)
        ):
            a, b = unique[i].key, unique[j].key
            band = Band.MATCH if match else Band.REVIEW
            pairs.append(ScoredPair(min(a, b), max(a, b), why.probability[k], band, why.of(k)))
    return pairs


def link_any(records: Sequence[HasCustomerFields]) -> LinkResult:
    """``link_columns`` straight from records of any shape with customer fields."""
    return link_columns(to_columns(records))
