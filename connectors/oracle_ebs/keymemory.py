"""The keys a stream has emitted, kept compact in the Singer state for delete detection.

EBS deletes rows outright (an ENTERED order, a line, a delivery detail): there is no
tombstone to read, so deletes are found by key reconciliation: every
``reconcile_deletes_hours`` the tap pages through the stream's current keys and emits a
tombstone for each remembered key that is gone.

EBS keys come from sequences (``OE_ORDER_HEADERS_S`` ...), so a stream's keys are mostly
runs of consecutive integers. The memory stores those runs, not the keys: a run is two
varints (gap from the previous run, run length), and the run list is zlib-compressed and
base64-encoded. A million orders of one operating unit with a few thousand deletes is a
few thousand runs, a few kilobytes of state; interleaved operating units fragment the
runs, but each run still costs about two bytes after compression (≈ 2 MB at worst for a
million keys with no two consecutive). Memory use is one decoded run list, never a set of
every key: reconciliation is a merge of two sorted streams.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

ENCODING = "runs-varint-zlib-b64"


def _varints(numbers: Iterable[int]) -> bytes:
    out = bytearray()
    for number in numbers:
        while True:
            low = number & 0x7F
            number >>= 7
            if number:
                out.append(low | 0x80)
            else:
                out.append(low)
                break
    return bytes(out)


def _read_varints(data: bytes) -> Iterator[int]:
    number = shift = 0
    for byte in data:
        number |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
        else:
            yield number
            number = shift = 0


@dataclass
class KeyMemory:
    """Sorted, disjoint runs ``[first, last]`` of positive integer keys."""

    runs: list[tuple[int, int]] = field(default_factory=list)

    @classmethod
    def from_sorted(cls, keys: Iterable[int]) -> KeyMemory:
        """Runs of ``keys`` (ascending, duplicates allowed), built in one pass."""
        memory = cls()
        memory.append_sorted(keys)
        return memory

    def append_sorted(self, keys: Iterable[int]) -> None:
        """Extend with keys not below the last run (a keyset scan, page by page)."""
        runs = self.runs
        for key in keys:
            if runs and key <= runs[-1][1] + 1:
                if key > runs[-1][1]:
                    runs[-1] = (runs[-1][0], key)
            else:
                runs.append((key, key))

    def __iter__(self) -> Iterator[int]:
        for first, last in self.runs:
            yield from range(first, last + 1)

    def __len__(self) -> int:
        return sum(last - first + 1 for first, last in self.runs)

    def union(self, keys: Iterable[int]) -> KeyMemory:
        """The memory plus ``keys`` (any order)."""
        extra = KeyMemory.from_sorted(sorted(keys))
        merged = sorted(self.runs + extra.runs)
        runs: list[tuple[int, int]] = []
        for first, last in merged:
            if runs and first <= runs[-1][1] + 1:
                runs[-1] = (runs[-1][0], max(last, runs[-1][1]))
            else:
                runs.append((first, last))
        return KeyMemory(runs)

    def encode(self) -> str:
        """The state form: varint (gap, length) pairs, zlib, base64."""
        numbers: list[int] = []
        previous = 0
        for first, last in self.runs:
            numbers += [first - previous, last - first]
            previous = last
        return base64.b64encode(zlib.compress(_varints(numbers), 9)).decode("ascii")

    @classmethod
    def decode(cls, text: str) -> KeyMemory:
        """The inverse of :meth:`encode`."""
        numbers = list(_read_varints(zlib.decompress(base64.b64decode(text))))
        runs: list[tuple[int, int]] = []
        previous = 0
        for gap, length in zip(numbers[::2], numbers[1::2], strict=True):
            first = previous + gap
            runs.append((first, first + length))
            previous = first + length
        return cls(runs)


def vanished(remembered: Iterable[int], current: Iterable[int]) -> Iterator[int]:
    """Keys in ``remembered`` but not in ``current`` (both ascending): a sorted merge."""
    present = iter(current)
    head = next(present, None)
    for key in remembered:
        while head is not None and head < key:
            head = next(present, None)
        if head != key:
            yield key
