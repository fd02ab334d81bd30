"""cluster(): transitive, strongest pair first, and a steward's cannot-link always holds."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from quality.dedupe.linker import match_clusters
from quality.dedupe.pairs import Band, ScoredPair, cluster

_KEYS = [("src", f"{i:03d}") for i in range(12)]
_PAIR = st.tuples(st.integers(0, 11), st.integers(0, 11)).filter(lambda p: p[0] != p[1])


def _pair(a: int, b: int, score: float = 0.99) -> ScoredPair:
    left, right = sorted((_KEYS[a], _KEYS[b]))
    return ScoredPair(left, right, score, Band.MATCH)


def test_transitive_and_dense() -> None:
    labels = cluster(_KEYS[:5], [_pair(0, 1), _pair(1, 2), _pair(3, 4)])
    assert labels[_KEYS[0]] == labels[_KEYS[2]] != labels[_KEYS[3]] == labels[_KEYS[4]]
    assert sorted(set(labels.values())) == [0, 1]


def test_cannot_link_keeps_apart_and_the_stronger_pair_wins() -> None:
    # 0-1 strong, 1-2 weak, but 0 and 2 were rejected by a steward: 2 stays out.
    labels = cluster(
        _KEYS[:3], [_pair(1, 2, 0.991), _pair(0, 1, 0.999)], cannot_link=[(_KEYS[0], _KEYS[2])]
    )
    assert labels[_KEYS[0]] == labels[_KEYS[1]] != labels[_KEYS[2]]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(_PAIR, st.floats(0.5, 1.0)), max_size=30),
    st.lists(_PAIR, max_size=6),
)
def test_cannot_link_holds_for_any_pairs(
    merges: list[tuple[tuple[int, int], float]], apart: list[tuple[int, int]]
) -> None:
    pairs = [_pair(a, b, score) for (a, b), score in merges]
    labels = cluster(_KEYS, pairs, cannot_link=[(_KEYS[a], _KEYS[b]) for a, b in apart])
    for a, b in apart:
        assert labels[_KEYS[a]] != labels[_KEYS[b]]
    # A merge is skipped only for a cannot-link: each skipped pair's clusters hold one.
    for pair in pairs:
        if labels[pair.left] != labels[pair.right]:
            left_members = {k for k, v in labels.items() if v == labels[pair.left]}
            right_members = {k for k, v in labels.items() if v == labels[pair.right]}
            assert any(
                (_KEYS[a] in left_members and _KEYS[b] in right_members)
                or (_KEYS[b] in left_members and _KEYS[a] in right_members)
                for a, b in apart
            )


@settings(max_examples=100, deadline=None)
@given(st.lists(_PAIR, max_size=30))
def test_without_cannot_link_cluster_equals_connected_components(
    merges: list[tuple[int, int]],
) -> None:
    labels = cluster(_KEYS, [_pair(a, b) for a, b in merges])
    left = np.array([a for a, _ in merges], dtype=np.int64)
    right = np.array([b for _, b in merges], dtype=np.int64)
    components = match_clusters(len(_KEYS), left, right)
    for i in range(len(_KEYS)):
        for j in range(len(_KEYS)):
            same = labels[_KEYS[i]] == labels[_KEYS[j]]
            assert same == (components[i] == components[j])
