"""What linking produces and clustering consumes: customers, scored pairs, clusters.

The linker (``link``) and golden-ID assignment meet here, so each can change without the
other: a pair names its two customers by natural key, carries the score and the evidence
a steward reads, and the band that decides whether it merges on its own or waits for
review.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

#: A customer's natural key: (source_system, source_id).
NaturalKey = tuple[str, str]


@dataclass(frozen=True)
class CustomerRecord:
    """What dedupe reads of one customer, whichever source it came from."""

    source_system: str
    source_id: str
    name: str | None
    phone: str | None
    email: str | None
    city: str | None
    address: str | None

    @property
    def key(self) -> NaturalKey:
        return (self.source_system, self.source_id)


class Band(StrEnum):
    """Where a pair's score falls: merge on its own, or wait for a steward."""

    MATCH = "match"
    REVIEW = "review"


@dataclass(frozen=True)
class ScoredPair:
    """Two customers that may be one person; ``left < right`` so a pair has one form."""

    left: NaturalKey
    right: NaturalKey
    score: float
    band: Band
    #: Field by field, what compared and how (e.g. {"phone": "exact", "name": 0.94}).
    evidence: Mapping[str, str | float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.left < self.right:
            raise ValueError(f"pair keys out of order: {self.left} !< {self.right}")


def cluster(
    keys: Iterable[NaturalKey],
    merges: Sequence[ScoredPair],
    cannot_link: Iterable[tuple[NaturalKey, NaturalKey]] = (),
) -> dict[NaturalKey, int]:
    """Transitive clusters of ``keys`` joined by ``merges``, strongest pair first.

    A merge that would put two customers of a ``cannot_link`` pair (a steward's reject)
    in one cluster is skipped, so a decision holds however many other pairs connect
    them. Returns each key's cluster number (numbers are arbitrary but dense).
    """
    parent: dict[NaturalKey, NaturalKey] = {key: key for key in keys}
    apart: dict[NaturalKey, set[NaturalKey]] = {}
    for x, y in cannot_link:
        apart.setdefault(x, set()).add(y)
        apart.setdefault(y, set()).add(x)

    def root(key: NaturalKey) -> NaturalKey:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    # Each root carries the keys its cluster must not take in, merged as clusters merge.
    blocked = {key: set(others) for key, others in apart.items()}
    for pair in sorted(merges, key=lambda p: -p.score):
        a, b = root(pair.left), root(pair.right)
        if a == b:
            continue
        if any(root(k) == b for k in blocked.get(a, ())) or any(
            root(k) == a for k in blocked.get(b, ())
        ):
            continue
        parent[b] = a
        if b in blocked:
            blocked.setdefault(a, set()).update(blocked.pop(b))
    numbers: dict[NaturalKey, int] = {}
    return {key: numbers.setdefault(root(key), len(numbers)) for key in parent}


def link(records: Sequence[CustomerRecord]) -> list[ScoredPair]:
    """Pairs of ``records`` that may be one person, banded MATCH or REVIEW, with evidence.

    The blocking and scoring linker (``quality.dedupe.linker``); imported here late, as
    the linker builds on this module's types.
    """
    from quality.dedupe.linker import link as run_linker

    return run_linker(records)


#: The shipped linker, whatever ``link`` is later replaced by (tests swap it): a run
#: given this one takes the linker's columnar path instead of records.
SHIPPED_LINK = link
