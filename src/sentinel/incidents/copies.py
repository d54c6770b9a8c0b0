"""Copy detection for clustering: exact content hashes and near-identical 64-bit simhashes.

:class:`CopyIndex` maps fingerprints of items in open incidents to the incident that holds them.
A simhash within 3 bits of a stored one is found through four 16-bit bands: two fingerprints that
differ in at most 3 bits differ in at most 3 bands, so they agree exactly on at least one
(pigeonhole). For each band the index keeps every stored simhash in a sorted array, rotated so
that the band is its top 16 bits; the fingerprints sharing a band with a query are one range of
that array, found by bisection. Eight bytes a band for each fingerprint: a dict per bucket cost
some 200 bytes each, and real items, unlike syndicated copies, rarely share a bucket.

It is kept here rather than reusing ``sentinel.analyse.simhash`` because clustering needs what a
plain near-duplicate index does not: removal of everything an incident owns when it closes, and a
cap per bucket so a story syndicated ten thousand times does not make every lookup slower.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["CopyIndex", "Copy", "MAX_DISTANCE", "hamming"]

#: The largest Hamming distance the four-band index finds exactly.
MAX_DISTANCE = 3
_BANDS = 4
_BAND_BITS = 16
_MASK64 = (1 << 64) - 1
_DIGEST = re.compile(r"[0-9a-f]{32}")  # sentinel.normalise.item.content_hash's blake2b-128
_LEAD = _MASK64 ^ ((1 << (64 - _BAND_BITS)) - 1)  # the leading band's bits
_LEAD_STEP = 1 << (64 - _BAND_BITS)  # one more in the leading band


@dataclass(frozen=True, slots=True)
class Copy:
    """A match: the incident holding the copy, and how (``content_hash`` or ``duplicate``, bits)."""

    key: int
    reason: str
    distance: int


@dataclass(slots=True)
class _Owned:
    hashes: list[int | str] = field(default_factory=list)
    simhashes: array[int] = field(default_factory=lambda: array("Q"))


class CopyIndex:
    """Fingerprints of the items in open incidents, each mapped to its incident's key."""

    def __init__(self, *, max_bucket: int = 64) -> None:
        self.max_bucket = max_bucket
        self._by_hash: dict[int | str, int] = {}  # content hash (as a number when hex) -> key
        self._by_simhash: dict[int, int] = {}  # simhash -> the key of the incident holding it
        self._bands: list[array[int]] = [array("Q") for _ in range(_BANDS)]  # rotated simhashes, sorted
        self._owned: dict[int, _Owned] = {}

    def find(
        self, content_hash: str, simhash: int, *, max_distance: int, accept: Callable[[int], bool]
    ) -> Copy | None:
        """The incident holding a copy of this item; ``accept(key)`` filters (e.g. by time window).

        An equal content hash wins; otherwise the nearest simhash within ``max_distance``, ties to
        the lower key. An empty ``content_hash`` never matches.
        """
        if max_distance > MAX_DISTANCE:
            raise ValueError(f"the band index finds distances up to {MAX_DISTANCE} only")
        if content_hash:
            key = self._by_hash.get(_compact(content_hash))
            if key is not None and accept(key):
                return Copy(key, "content_hash", 0)
        best: tuple[int, int] | None = None  # (distance, key)
        for band, stored in enumerate(self._bands):
            rotated = _rotate(simhash, band)
            low, high = _bucket(stored, rotated)
            for other in stored[low:high]:
                distance = (other ^ rotated).bit_count()  # a rotation keeps the differing bits
                if distance > max_distance:
                    continue
                key = self._by_simhash[_unrotate(other, band)]
                if (best is None or (distance, key) < best) and accept(key):
                    best = (distance, key)
        return None if best is None else Copy(best[1], "duplicate", best[0])

    def add(self, key: int, content_hash: str, simhash: int) -> None:
        """Record an item of incident ``key``. The first incident to hold a fingerprint keeps it."""
        owned = self._owned.setdefault(key, _Owned())
        hashed = _compact(content_hash)
        if content_hash and hashed not in self._by_hash:
            self._by_hash[hashed] = key
            owned.hashes.append(hashed)
        if simhash in self._by_simhash:
            return
        stored = False
        for band, rotated_simhashes in enumerate(self._bands):
            rotated = _rotate(simhash, band)
            low, high = _bucket(rotated_simhashes, rotated)
            if high - low < self.max_bucket:
                rotated_simhashes.insert(bisect.bisect_left(rotated_simhashes, rotated, low, high), rotated)
                stored = True
        if stored:
            self._by_simhash[simhash] = key
            owned.simhashes.append(simhash)

    def remove(self, key: int) -> None:
        """Forget every fingerprint incident ``key`` holds."""
        owned = self._owned.pop(key, None)
        if owned is None:
            return
        for content_hash in owned.hashes:
            if self._by_hash.get(content_hash) == key:
                del self._by_hash[content_hash]
        for simhash in owned.simhashes:
            del self._by_simhash[simhash]
            for band, rotated_simhashes in enumerate(self._bands):
                rotated = _rotate(simhash, band)
                at = bisect.bisect_left(rotated_simhashes, rotated)
                if at < len(rotated_simhashes) and rotated_simhashes[at] == rotated:
                    del rotated_simhashes[at]

    def rekey(self, old: int, new: int) -> None:
        """Give the fingerprints incident ``old`` holds to ``new`` (a key not in use)."""
        owned = self._owned.pop(old, None)
        if owned is None:
            return
        self._owned[new] = owned
        for content_hash in owned.hashes:
            if self._by_hash.get(content_hash) == old:
                self._by_hash[content_hash] = new
        for simhash in owned.simhashes:
            self._by_simhash[simhash] = new

    def __len__(self) -> int:
        """Number of distinct fingerprints (content hashes and simhashes) held."""
        return len(self._by_hash) + len(self._by_simhash)


def hamming(a: int, b: int) -> int:
    """Number of differing bits of two 64-bit fingerprints."""
    return (a ^ b).bit_count()


def _rotate(simhash: int, band: int) -> int:
    """``simhash`` rotated right so that its band ``band`` (bits 16·band to 16·band + 15) leads."""
    shift = (band + 1) * _BAND_BITS % 64
    return ((simhash >> shift) | (simhash << (64 - shift))) & _MASK64 if shift else simhash


def _unrotate(rotated: int, band: int) -> int:
    shift = (band + 1) * _BAND_BITS % 64
    return ((rotated << shift) | (rotated >> (64 - shift))) & _MASK64 if shift else rotated


def _compact(content_hash: str) -> int | str:
    """The normaliser's digest (32 hex digits) as the number it spells, 44 bytes instead of 81;
    anything else as it is."""
    return int(content_hash, 16) if _DIGEST.fullmatch(content_hash) else content_hash


def _bucket(rotated_simhashes: array[int], rotated: int) -> tuple[int, int]:
    """The range of ``rotated_simhashes`` whose leading band equals ``rotated``'s."""
    first = rotated & _LEAD
    low = bisect.bisect_left(rotated_simhashes, first)
    return low, bisect.bisect_left(rotated_simhashes, first + _LEAD_STEP, low)
