"""Golden ID assignment (pure): stable across reruns and additions, merges and splits
recorded, every ID in exactly one cluster."""

from __future__ import annotations

import uuid
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from quality.dedupe.golden import Assignment, EventKind, assign
from quality.dedupe.pairs import NaturalKey


def keys(*names: str) -> list[NaturalKey]:
    return [("shopify", name) for name in names]


def clusters_of(*groups: str) -> dict[NaturalKey, int]:
    """Clusters written as strings of one-letter ids: "ab", "c" -> {a,b} and {c}."""
    return {("shopify", name): number for number, group in enumerate(groups) for name in group}


def first(groups: tuple[str, ...]) -> Assignment:
    return assign(clusters_of(*groups), {})


def test_a_rerun_changes_nothing_and_records_nothing() -> None:
    before = first(("ab", "c"))
    again = assign(clusters_of("c", "ba"), before.ids, live_before=set(before.ids.values()))
    assert again.ids == before.ids
    assert again.changed == {} and again.events == []


def test_new_ids_are_created_once_and_recorded() -> None:
    before = first(("ab", "c"))
    assert len(set(before.ids.values())) == 2
    assert Counter(e.kind for e in before.events) == {EventKind.CREATED: 2}
    assert {e.members for e in before.events} == {2, 1}


def test_adding_customers_never_renumbers_existing_clusters() -> None:
    before = first(("ab", "c"))
    previous = {**before.ids, ("shopify", "d"): None, ("shopify", "e"): None}
    after = assign(clusters_of("abd", "c", "e"), previous, live_before=before.ids.values())
    for key, gid in before.ids.items():
        assert after.ids[key] == gid
    assert after.ids[("shopify", "d")] == before.ids[("shopify", "a")]
    assert set(after.changed) == {("shopify", "d"), ("shopify", "e")}
    (created,) = after.events
    assert created.kind is EventKind.CREATED and created.golden_id == after.ids[("shopify", "e")]


def test_a_merge_keeps_the_majority_id_and_retires_the_other() -> None:
    before = first(("abc", "de"))
    big, small = before.ids[("shopify", "a")], before.ids[("shopify", "d")]
    after = assign(clusters_of("abcde"), before.ids, live_before={big, small})
    assert set(after.ids.values()) == {big}
    assert set(after.changed) == set(keys("d", "e"))
    kinds = {e.kind: e for e in after.events}
    assert set(kinds) == {EventKind.MERGED, EventKind.RETIRED}
    assert kinds[EventKind.MERGED].golden_id == big
    assert kinds[EventKind.MERGED].other_ids == {small: 2}
    assert kinds[EventKind.MERGED].members == 5
    assert kinds[EventKind.RETIRED].golden_id == small
    assert kinds[EventKind.RETIRED].other_ids == {big: 2}


def test_a_tied_merge_keeps_the_oldest_id() -> None:
    before = first(("ab", "cd"))
    one, two = before.ids[("shopify", "a")], before.ids[("shopify", "c")]
    for older, younger in ((one, two), (two, one)):
        after = assign(
            clusters_of("abcd"), before.ids, live_before={one, two}, age={older: 1, younger: 2}
        )
        assert set(after.ids.values()) == {older}


def test_a_split_leaves_the_id_with_the_largest_part_and_records_the_new_one() -> None:
    before = first(("abcde",))
    gid = before.ids[("shopify", "a")]
    after = assign(clusters_of("ab", "cde"), before.ids, live_before={gid})
    assert {after.ids[k] for k in keys("c", "d", "e")} == {gid}
    new = after.ids[("shopify", "a")]
    assert new != gid and after.ids[("shopify", "b")] == new
    kinds = {e.kind: e for e in after.events}
    assert kinds[EventKind.SPLIT].golden_id == gid
    assert kinds[EventKind.SPLIT].other_ids == {new: 2}
    assert kinds[EventKind.SPLIT].members == 3
    assert kinds[EventKind.CREATED].golden_id == new
    assert kinds[EventKind.CREATED].other_ids == {gid: 2}


def test_a_new_id_never_repeats_one_used_before() -> None:
    fresh = first(("a",))
    used = fresh.ids[("shopify", "a")]
    # The founder's natural ID is taken (e.g. retired earlier): another one is issued.
    again = assign(clusters_of("a"), {("shopify", "a"): None}, taken={used})
    assert again.ids[("shopify", "a")] != used


def test_an_id_left_without_members_is_retired() -> None:
    before = first(("ab", "c"))
    gone = before.ids[("shopify", "c")]
    after = assign(clusters_of("ab"), before.ids, live_before=set(before.ids.values()))
    (retired,) = after.events
    assert retired.kind is EventKind.RETIRED and retired.golden_id == gone
    assert retired.other_ids == {} and retired.members == 0


# A random history: a first clustering, then a second one over the same and new keys.
names = st.sampled_from("abcdefghijkl")
clustering = st.dictionaries(names, st.integers(0, 4), min_size=1)


def _clusters(mapping: dict[str, int]) -> dict[NaturalKey, int]:
    return {("shopify", name): number for name, number in mapping.items()}


@given(clustering, clustering)
def test_every_id_is_one_cluster_and_events_account_for_every_change(
    first_map: dict[str, int], second_map: dict[str, int]
) -> None:
    before = assign(_clusters(first_map), {})
    live = set(before.ids.values())
    second = _clusters(second_map)
    previous = {key: before.ids.get(key) for key in second}
    after = assign(second, previous, live_before=live)

    # Every cluster carries one ID, and every ID belongs to exactly one cluster.
    by_cluster: dict[int, set[uuid.UUID]] = {}
    for key, number in second.items():
        by_cluster.setdefault(number, set()).add(after.ids[key])
    assert all(len(ids) == 1 for ids in by_cluster.values())
    assert len({next(iter(ids)) for ids in by_cluster.values()}) == len(by_cluster)

    survivors = set(after.ids.values())
    events: dict[EventKind, list[uuid.UUID]] = {}
    for event in after.events:
        events.setdefault(event.kind, []).append(event.golden_id)
    # Every ID that was alive and is no more is retired, exactly once.
    assert sorted(events.get(EventKind.RETIRED, []), key=str) == sorted(live - survivors, key=str)
    # Every new ID is created once; no old ID is ever reissued.
    assert set(events.get(EventKind.CREATED, [])) == survivors - live
    # Customers whose ID moved are exactly those written back.
    assert set(after.changed) == {k for k in second if previous[k] != after.ids[k]}
    # A retired ID that had members says where they went.
    for event in after.events:
        if event.kind is EventKind.RETIRED and event.other_ids:
            assert set(event.other_ids) <= survivors
    # The same clustering again changes nothing and records nothing.
    rerun = assign(second, after.ids, live_before=survivors)
    assert rerun.ids == after.ids and rerun.changed == {} and rerun.events == []


@given(clustering, st.dictionaries(st.sampled_from("mnopqrstuvwx"), st.integers(0, 9)))
def test_customers_joining_existing_clusters_or_their_own_renumber_nothing(
    first_map: dict[str, int], newcomers: dict[str, int]
) -> None:
    before = assign(_clusters(first_map), {})
    # New customers join an existing cluster (numbers 0-4) or form new ones (5-9).
    second = {**_clusters(first_map), **_clusters(newcomers)}
    previous = {key: before.ids.get(key) for key in second}
    after = assign(second, previous, live_before=set(before.ids.values()))
    assert {key: after.ids[key] for key in before.ids} == before.ids
    assert set(after.changed) == set(_clusters(newcomers))
    assert {e.kind for e in after.events} <= {EventKind.CREATED}
