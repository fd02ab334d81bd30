"""Stable golden customer IDs: which ID each cluster carries, and what changed.

Clusters are renumbered by every run (``cluster`` numbers are arbitrary), but a golden ID
is what downstream tables and stewards hold on to, so it must move only when the
people it stands for change:

- a cluster keeps the ID most of its members already had (tie: the oldest ID), so
  adding customers never renumbers existing clusters;
- a cluster joining members of several IDs is a *merge*: one ID survives, the others are
  retired, each recorded with where its members went;
- an ID whose members now fall in several clusters is a *split*: the largest part keeps
  it, the others take another ID (a new one unless they joined another cluster).

This module is pure (no database): :func:`assign` takes the clusters and what each
customer carried before, and returns the IDs and the events to record.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from quality.dedupe.pairs import NaturalKey

#: Namespace of new golden IDs: uuid5 of the founding member's natural key, so the same
#: data gives the same IDs (a rebuilt warehouse, a test) unless that ID was ever used.
GOLDEN_NAMESPACE = uuid.UUID("6f1c7a52-0d4e-5b8e-9a57-1e0c3b6f2d41")


class EventKind(StrEnum):
    """What happened to a golden ID in a run."""

    CREATED = "created"
    MERGED = "merged"  # it absorbed the members of the retired IDs in other_ids
    SPLIT = "split"  # members of it now carry the IDs in other_ids
    RETIRED = "retired"  # merged into the IDs in other_ids, or left without members


@dataclass(frozen=True)
class GoldenEvent:
    """One change of one golden ID; ``other_ids`` maps each other ID involved to the
    number of members that moved between the two, ``members`` is its size after."""

    kind: EventKind
    golden_id: uuid.UUID
    other_ids: Mapping[uuid.UUID, int]
    members: int


@dataclass
class Assignment:
    """The golden ID of every customer clustered, and what changed since before."""

    ids: dict[NaturalKey, uuid.UUID]
    #: Only customers whose ID differs from the one they carried: what is written back.
    changed: dict[NaturalKey, uuid.UUID]
    events: list[GoldenEvent] = field(default_factory=list)

    def count(self, kind: EventKind) -> int:
        return sum(1 for event in self.events if event.kind is kind)


def assign(
    clusters: Mapping[NaturalKey, int],
    previous: Mapping[NaturalKey, uuid.UUID | None],
    *,
    live_before: Collection[uuid.UUID] = (),
    age: Mapping[uuid.UUID, int] | None = None,
    taken: Collection[uuid.UUID] = (),
) -> Assignment:
    """Golden IDs for ``clusters`` (key → cluster number) given ``previous`` (key → the
    ID it carried, or None for a new customer).

    ``live_before``: IDs alive after the last run (an ID with no member left is retired);
    the previous IDs of the clustered customers count as live too. ``age``: ID → rank
    (lower is older) for ties; unranked IDs count as younger, ordered by value.
    ``taken``: every ID ever used, which a new ID must not repeat.
    """
    age = age or {}
    members: dict[int, list[NaturalKey]] = defaultdict(list)
    for key, number in clusters.items():
        members[number].append(key)
    votes: dict[int, Counter[uuid.UUID]] = {}
    for number, keys in members.items():
        keys.sort()
        votes[number] = Counter(gid for k in keys if (gid := previous.get(k)) is not None)

    def oldest_first(gid: uuid.UUID) -> tuple[int, int, str]:
        rank = age.get(gid)
        return (0, rank, "") if rank is not None else (1, 0, str(gid))

    # Strongest claims first: most members, then the oldest ID, then the cluster whose
    # first key sorts first (any fixed rule: a tie in a split must not flip run to run).
    claims = sorted(
        (
            (-count, oldest_first(gid), members[number][0], number, gid)
            for number, counter in votes.items()
            for gid, count in counter.items()
        ),
    )
    chosen: dict[int, uuid.UUID] = {}
    used: set[uuid.UUID] = set()
    for _, _, _, number, gid in claims:
        if number not in chosen and gid not in used:
            chosen[number] = gid
            used.add(gid)
    known = set(taken) | set(live_before) | {g for g in previous.values() if g is not None}
    new_ids: set[uuid.UUID] = set()
    for number in sorted(members, key=lambda n: members[n][0]):
        if number not in chosen:
            gid = _new_id(members[number][0], known)
            known.add(gid)
            new_ids.add(gid)
            chosen[number] = gid

    ids = {key: chosen[number] for key, number in clusters.items()}
    changed = {key: gid for key, gid in ids.items() if previous.get(key) != gid}
    events = _events(members, votes, chosen, new_ids, set(live_before))
    return Assignment(ids=ids, changed=changed, events=events)


def _new_id(founder: NaturalKey, known: set[uuid.UUID]) -> uuid.UUID:
    name = "\x1f".join(founder)
    gid = uuid.uuid5(GOLDEN_NAMESPACE, name)
    attempt = 0
    while gid in known:  # the founder's ID was used before (e.g. retired): never reuse
        attempt += 1
        gid = uuid.uuid5(GOLDEN_NAMESPACE, f"{name}\x1f{attempt}")
    return gid


def _events(
    members: Mapping[int, list[NaturalKey]],
    votes: Mapping[int, Counter[uuid.UUID]],
    chosen: Mapping[int, uuid.UUID],
    new_ids: set[uuid.UUID],
    live_before: set[uuid.UUID],
) -> list[GoldenEvent]:
    size = {chosen[n]: len(keys) for n, keys in members.items()}
    # flows[old][new]: members that carried `old` and now carry `new`.
    flows: dict[uuid.UUID, Counter[uuid.UUID]] = defaultdict(Counter)
    for number, counter in votes.items():
        for old, count in counter.items():
            flows[old][chosen[number]] += count
    survivors = set(chosen.values())
    before = (live_before | set(flows)) - new_ids
    events: list[GoldenEvent] = []
    for gid in sorted(new_ids, key=str):
        came = {old: moved[gid] for old, moved in flows.items() if moved.get(gid)}
        events.append(GoldenEvent(EventKind.CREATED, gid, came, size[gid]))
    for gid in sorted(survivors - new_ids, key=str):
        absorbed = {
            old: moved[gid]
            for old, moved in flows.items()
            if old != gid and old not in survivors and moved.get(gid)
        }
        if absorbed:
            events.append(GoldenEvent(EventKind.MERGED, gid, absorbed, size[gid]))
        left = {new: n for new, n in flows.get(gid, Counter()).items() if new != gid}
        if left:
            events.append(GoldenEvent(EventKind.SPLIT, gid, left, size[gid]))
    for gid in sorted(before - survivors, key=str):
        events.append(GoldenEvent(EventKind.RETIRED, gid, dict(flows.get(gid, {})), 0))
    return events
