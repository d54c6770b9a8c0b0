"""Copy detection for clustering: exact content hashes and near-identical 64-bit simhashes.

:class:`CopyIndex` maps fingerprints of items in open incidents to the incident that holds them.
A simhash within 3 bits of a stored one is found through four 16-bit bands: two fingerprints that
differ in at most 3 bits differ in at most 3 bands, so they agree exactly on at least one
(pigeonhole), and a lookup reads four small buckets instead of every stored fingerprint.

It is kept here rather than reusing ``sentinel.analyse.simhash`` because clustering needs what a
plain near-duplicate index does not: removal of everything an incident owns when it closes, and a
cap per bucket so a story syndicated ten thousand times does not make every lookup slower.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["CopyIndex", "Copy", "MAX_DISTANCE", "hamming"]

#: The largest Hamming distance the four-band index finds exactly.
MAX_DISTANCE = 3
_BANDS = 4
_BAND_BITS = 16
_BAND_MASK = (1 << _BAND_BITS) - 1


@dataclass(frozen=True, slots=True)
class Copy:
    """A match: the incident holding the copy, and how (``content_hash`` or ``duplicate``, bits)."""

    key: int
    reason: str
    distance: int


@dataclass(slots=True)
class _Owned:
    hashes: list[str] = field(default_factory=list)
    simhashes: set[int] = field(default_factory=set)


class CopyIndex:
    """Fingerprints of the items in open incidents, each mapped to its incident's key."""

    def __init__(self, *, max_bucket: int = 64) -> None:
        self.max_bucket = max_bucket
        self._by_hash: dict[str, int] = {}
        self._bands: dict[int, dict[int, int]] = {}  # (band no, band bits) -> {simhash: key}
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
            key = self._by_hash.get(content_hash)
            if key is not None and accept(key):
                return Copy(key, "content_hash", 0)
        best: tuple[int, int] | None = None  # (distance, key)
        for band in _band_keys(simhash):
            for stored, key in self._bands.get(band, {}).items():
                distance = hamming(stored, simhash)
                if distance <= max_distance and (best is None or (distance, key) < best) and accept(key):
                    best = (distance, key)
        return None if best is None else Copy(best[1], "duplicate", best[0])

    def add(self, key: int, content_hash: str, simhash: int) -> None:
        """Record an item of incident ``key``. The first incident to hold a fingerprint keeps it."""
        owned = self._owned.setdefault(key, _Owned())
        if content_hash and content_hash not in self._by_hash:
            self._by_hash[content_hash] = key
            owned.hashes.append(content_hash)
        if simhash in owned.simhashes:
            return
        stored = False
        for band in _band_keys(simhash):
            bucket = self._bands.setdefault(band, {})
            if simhash not in bucket and len(bucket) < self.max_bucket:
                bucket[simhash] = key
                stored = True
        if stored:
            owned.simhashes.add(simhash)

    def remove(self, key: int) -> None:
        """Forget every fingerprint incident ``key`` holds."""
        owned = self._owned.pop(key, None)
        if owned is None:
            return
        for content_hash in owned.hashes:
            if self._by_hash.get(content_hash) == key:
                del self._by_hash[content_hash]
        for simhash in owned.simhashes:
            for band in _band_keys(simhash):
                bucket = self._bands.get(band)
                if bucket is not None and bucket.get(simhash) == key:
                    del bucket[simhash]
                    if not bucket:
                        del self._bands[band]

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
            for band in _band_keys(simhash):
                bucket = self._bands.get(band)
                if bucket is not None and bucket.get(simhash) == old:
                    bucket[simhash] = new

    def __len__(self) -> int:
        """Number of distinct fingerprints (content hashes and simhashes) held."""
        return len(self._by_hash) + sum(len(o.simhashes) for o in self._owned.values())


def hamming(a: int, b: int) -> int:
    """Number of differing bits of two 64-bit fingerprints."""
    return (a ^ b).bit_count()


def _band_keys(simhash: int) -> list[int]:
    return [(band << _BAND_BITS) | ((simhash >> (band * _BAND_BITS)) & _BAND_MASK) for band in range(_BANDS)]
