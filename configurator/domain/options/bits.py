"""Bit sets over a category's parts in page order (Python ints), and sorted values with prefix sets."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from typing import Any

# --------------------------------------------------------------------------- bit sets


def bitset(positions: Iterable[int], nbytes: int) -> int:
    """The bit set with these positions set (through a bytearray: one big int, not one per bit)."""
    buffer = bytearray(nbytes)
    for p in positions:
        buffer[p >> 3] |= 1 << (p & 7)
    return int.from_bytes(buffer, "little")


def members(mask: int, skip: int, take: int) -> list[int]:
    """The positions of set bits number skip .. skip + take - 1 (lowest first)."""
    if take <= 0 or mask == 0:
        return []
    text = format(mask, "b")[::-1]
    start = 0
    if skip:
        chunk = 4096
        while True:
            ones = text.count("1", start, start + chunk)
            if ones > skip:
                break
            skip -= ones
            start += chunk
            if start >= len(text):
                return []
    i = text.find("1", start)
    while skip and i != -1:
        i = text.find("1", i + 1)
        skip -= 1
    out: list[int] = []
    while i != -1 and len(out) < take:
        out.append(i)
        i = text.find("1", i + 1)
    return out


def has(mask: int, position: int) -> bool:
    return (mask >> position) & 1 == 1


class SortedBits:
    """One numeric value per part (those that have one), sorted, with prefix bit sets.

    `first(k)` is the bit set of the k smallest entries: a stored prefix plus or
    minus at most half a block of single bits.
    """

    __slots__ = ("block", "nbytes", "positions", "prefix", "present", "values")

    def __init__(self, pairs: list[tuple[Any, int]], nbytes: int) -> None:
        pairs.sort(key=lambda pair: pair[0])
        self.values = [value for value, _p in pairs]
        self.positions = [p for _v, p in pairs]
        self.nbytes = nbytes
        n = len(pairs)
        self.block = max(64, -(-n // 256))
        prefix = [0]
        current = 0
        for start in range(0, n, self.block):
            current |= bitset(self.positions[start : start + self.block], nbytes)
            prefix.append(current)
        self.prefix = prefix
        self.present = current

    def first(self, k: int) -> int:
        n = len(self.values)
        if k <= 0:
            return 0
        if k >= n:
            return self.present
        b, r = divmod(k, self.block)
        if r == 0:
            return self.prefix[b]
        lo = b * self.block
        hi = min(lo + self.block, n)
        if r <= (hi - lo) // 2:
            return self.prefix[b] | bitset(self.positions[lo:k], self.nbytes)
        return self.prefix[b + 1] ^ bitset(self.positions[k:hi], self.nbytes)

    def span(self, i: int, j: int) -> int:
        return self.first(j) ^ self.first(i) if j > i else 0

    def lt(self, t: Any) -> int:
        return self.first(bisect_left(self.values, t))

    def le(self, t: Any) -> int:
        return self.first(bisect_right(self.values, t))

    def gt(self, t: Any) -> int:
        return self.present ^ self.le(t)

    def ge(self, t: Any) -> int:
        return self.present ^ self.lt(t)

    def outside(self, lo: Any, hi: Any) -> int:
        """Values below lo or above hi."""
        return self.lt(lo) | self.gt(hi)


class Buckets:
    """One bit set per distinct value of a categorical spec (parts without one are in none)."""

    __slots__ = ("masks", "present")

    def __init__(self, groups: dict[Any, list[int]], nbytes: int) -> None:
        self.masks = {key: bitset(positions, nbytes) for key, positions in groups.items()}
        present = 0
        for mask in self.masks.values():
            present |= mask
        self.present = present

    def get(self, key: Any) -> int:
        try:
            return self.masks.get(key, 0)
        except TypeError:  # an unhashable key equals no stored value
            return 0

    def where(self, predicate: Callable[[Any], bool]) -> int:
        out = 0
        for key, mask in self.masks.items():
            if predicate(key):
                out |= mask
        return out


def exactly(masks: Sequence[int], everything: int) -> list[int]:
    """Bit sets of the parts in exactly 1, 2, ... of `masks` (a running tally per level)."""
    at_least = [everything] + [0] * len(masks)
    for seen, mask in enumerate(masks, start=1):
        for level in range(seen, 0, -1):
            at_least[level] |= at_least[level - 1] & mask
    return [at_least[k] & ~at_least[k + 1] for k in range(1, len(masks))] + [at_least[-1]]
