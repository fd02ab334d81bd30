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
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

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


#: What a customer is named by in assignment: its natural key or its row number.
K = TypeVar("K", NaturalKey, int)


@dataclass
class Assignment(Generic[K]):
    """The golden ID of every customer clustered, and what changed since before."""

    ids: dict[K, uuid.UUID]
    #: Only customers whose ID differs from the one they carried: what is written back.
    changed: dict[K, uuid.UUID]
    events: list[GoldenEvent] = field(default_factory=list)

    def count(self, kind: EventKind) -> int:
        return sum(1 for event in self.events if event.kind is kind)


def assign(
    clusters: Mapping[K, int],
    previous: Mapping[K, uuid.UUID | None],
    *,
    live_before: Collection[uuid.UUID] = (),
    age: Mapping[uuid.UUID, int] | None = None,
    taken: Collection[uuid.UUID] = (),
    natural_key: Callable[[K], NaturalKey] | None = None,
) -> Assignment[K]:
    """Golden IDs for ``clusters`` (key → cluster number) given ``previous`` (key → the
    ID it carried, or None for a new customer).

    ``live_before``: IDs alive after the last run (an ID with no member left is retired);
    the previous IDs of the clustered customers count as live too. ``age``: ID → rank
    (lower is older) for ties; unranked IDs count as younger, ordered by value.
    ``taken``: every ID ever used, which a new ID must not repeat. Keys are natural
    keys, or anything ordered as they are (a run passes row numbers of rows in key
    order) with ``natural_key`` naming each: a new ID is derived from the natural key.
    """
    name_of: Callable[[Any], NaturalKey] = natural_key or (lambda key: key)
    # IDs are handled as their 128-bit ints inside: hashing a UUID object runs Python
    # code, and a run over a million customers hashes them millions of times.
    as_uuid: dict[int, uuid.UUID] = {}
    prior: dict[K, int] = {}
    for key, gid in previous.items():
        if gid is not None:
            prior[key] = gid.int
            as_uuid.setdefault(gid.int, gid)
    for gid in live_before:
        as_uuid.setdefault(gid.int, gid)
    rank: dict[int, int] = {gid.int: value for gid, value in (age or {}).items()}
    members: dict[int, list[K]] = defaultdict(list)
    for key, number in clusters.items():
        members[number].append(key)
    founder = {number: min(keys) for number, keys in members.items()}
    votes: dict[int, dict[int, int]] = {}
    claimants: dict[int, int] = defaultdict(int)
    for number, keys in members.items():
        counter: dict[int, int] = {}
        for key in keys:
            held = prior.get(key)
            if held is not None:
                counter[held] = counter.get(held, 0) + 1
        votes[number] = counter
        for held in counter:
            claimants[held] += 1

    chosen: dict[int, int] = {}
    contested: list[int] = []
    for number, counter in votes.items():
        if len(counter) == 1 and claimants[next(iter(counter))] == 1:
            chosen[number] = next(iter(counter))  # the usual case: nobody else wants it
        elif counter:
            contested.append(number)
    # Strongest claims first: most members, then the oldest ID, then the cluster whose
    # first key sorts first (any fixed rule: a tie in a split must not flip run to run).
    claims: list[tuple[Any, ...]] = []
    for number in contested:
        for wanted, count in votes[number].items():
            oldest: tuple[int, int, int] = _oldest_first(wanted, rank)
            claims.append((-count, *oldest, founder[number], number, wanted))
    claims.sort()
    used = set(chosen.values())
    for *_, number, claimed in claims:
        if number not in chosen and claimed not in used:
            chosen[number] = claimed
            used.add(claimed)
    known = {g.int for g in taken} | set(as_uuid)
    new_ids: set[int] = set()
    for number in sorted(members, key=founder.__getitem__):
        if number not in chosen:
            fresh = _new_id(name_of(founder[number]), known)
            known.add(fresh.int)
            as_uuid[fresh.int] = fresh
            new_ids.add(fresh.int)
            chosen[number] = fresh.int

    ids: dict[K, uuid.UUID] = {}
    changed: dict[K, uuid.UUID] = {}
    for key, number in clusters.items():
        carried = as_uuid[chosen[number]]
        ids[key] = carried
        if prior.get(key) != chosen[number]:
            changed[key] = carried
    live = {g.int for g in live_before}
    events = _events(members, votes, chosen, new_ids, live, as_uuid)
    return Assignment(ids=ids, changed=changed, events=events)


def _oldest_first(gid: int, rank: Mapping[int, int]) -> tuple[int, int, int]:
    known = rank.get(gid)
    return (0, known, 0) if known is not None else (1, 0, gid)


def _new_id(founder: NaturalKey, known: set[int]) -> uuid.UUID:
    name = "\x1f".join(founder)
    gid = uuid.uuid5(GOLDEN_NAMESPACE, name)
    attempt = 0
    while gid.int in known:  # the founder's ID was used before (e.g. retired): never reuse
        attempt += 1
        gid = uuid.uuid5(GOLDEN_NAMESPACE, f"{name}\x1f{attempt}")
    return gid


def _events(
    members: Mapping[int, list[Any]],
    votes: Mapping[int, dict[int, int]],
    chosen: Mapping[int, int],
    new_ids: set[int],
    live_before: set[int],
    as_uuid: Mapping[int, uuid.UUID],
) -> list[GoldenEvent]:
    size = {chosen[n]: len(keys) for n, keys in members.items()}
    # moved_out[old][new]: members that carried `old` and now carry another ID `new`;
    # moved_in[new][old] the same seen from the receiving side. Staying put is no move.
    moved_out: dict[int, dict[int, int]] = defaultdict(dict)
    moved_in: dict[int, dict[int, int]] = defaultdict(dict)
    held_before: set[int] = set()
    for number, counter in votes.items():
        new = chosen[number]
        for old, count in counter.items():
            held_before.add(old)
            if old != new:
                moved_out[old][new] = moved_out[old].get(new, 0) + count
                moved_in[new][old] = moved_in[new].get(old, 0) + count
    survivors = set(chosen.values())

    def named(counts: Mapping[int, int]) -> dict[uuid.UUID, int]:
        return {as_uuid[gid]: n for gid, n in sorted(counts.items())}

    events: list[GoldenEvent] = []
    for gid in sorted(new_ids):
        came = moved_in.get(gid, {})
        events.append(GoldenEvent(EventKind.CREATED, as_uuid[gid], named(came), size[gid]))
    for gid in sorted((set(moved_in) | set(moved_out)) & survivors - new_ids):
        absorbed = {old: n for old, n in moved_in.get(gid, {}).items() if old not in survivors}
        if absorbed:
            events.append(GoldenEvent(EventKind.MERGED, as_uuid[gid], named(absorbed), size[gid]))
        left = moved_out.get(gid, {})
        if left:
            events.append(GoldenEvent(EventKind.SPLIT, as_uuid[gid], named(left), size[gid]))
    for gid in sorted((live_before | held_before) - new_ids - survivors):
        gone = moved_out.get(gid, {})
        events.append(GoldenEvent(EventKind.RETIRED, as_uuid[gid], named(gone), 0))
    return events
