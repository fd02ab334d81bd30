"""The compact key memory of delete reconciliation."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from connectors.oracle_ebs.keymemory import KeyMemory, vanished

key_sets = st.sets(st.integers(min_value=0, max_value=10**12), max_size=300)


@given(key_sets)
def test_the_memory_round_trips_through_its_state_form(keys: set[int]) -> None:
    memory = KeyMemory.from_sorted(sorted(keys))
    decoded = KeyMemory.decode(memory.encode())
    assert list(decoded) == sorted(keys)
    assert len(decoded) == len(keys)


@given(key_sets, key_sets)
def test_vanished_keys_are_exactly_the_remembered_ones_now_missing(
    remembered: set[int], current: set[int]
) -> None:
    memory = KeyMemory.from_sorted(sorted(remembered))
    assert list(vanished(memory, iter(sorted(current)))) == sorted(remembered - current)


@given(key_sets, key_sets)
def test_union_adds_keys_in_any_order(first: set[int], extra: set[int]) -> None:
    memory = KeyMemory.from_sorted(sorted(first)).union(list(extra)[::-1])
    assert list(memory) == sorted(first | extra)


def test_a_million_sequential_keys_with_deletes_stay_small() -> None:
    keys = [k for k in range(1_000_000, 2_000_000) if k % 997 != 0]  # ~1000 deletes
    memory = KeyMemory.from_sorted(keys)
    assert len(memory) == len(keys)
    assert len(memory.encode()) < 8_000  # bytes of state for a million orders
