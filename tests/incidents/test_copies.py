"""The copy index against a plain scan of every fingerprint: same answers through adds, removals, renames."""

from __future__ import annotations

import random

import pytest

from sentinel.incidents.copies import MAX_DISTANCE, Copy, CopyIndex, hamming


class Scan:
    """What the index must answer, by comparing with every stored fingerprint."""

    def __init__(self) -> None:
        self.hashes: dict[str, int] = {}
        self.simhashes: dict[int, int] = {}

    def add(self, key: int, content_hash: str, simhash: int) -> None:
        if content_hash:
            self.hashes.setdefault(content_hash, key)
        self.simhashes.setdefault(simhash, key)

    def remove(self, key: int) -> None:
        self.hashes = {h: k for h, k in self.hashes.items() if k != key}
        self.simhashes = {s: k for s, k in self.simhashes.items() if k != key}

    def rekey(self, old: int, new: int) -> None:
        self.hashes = {h: new if k == old else k for h, k in self.hashes.items()}
        self.simhashes = {s: new if k == old else k for s, k in self.simhashes.items()}

    def find(self, content_hash: str, simhash: int, accept) -> Copy | None:  # type: ignore[no-untyped-def]
        if content_hash and content_hash in self.hashes and accept(self.hashes[content_hash]):
            return Copy(self.hashes[content_hash], "content_hash", 0)
        near = sorted((hamming(s, simhash), k) for s, k in self.simhashes.items()
                      if hamming(s, simhash) <= MAX_DISTANCE and accept(k))
        return Copy(near[0][1], "duplicate", near[0][0]) if near else None


def near(rng: random.Random, simhash: int, bits: int) -> int:
    for bit in rng.sample(range(64), bits):
        simhash ^= 1 << bit
    return simhash


@pytest.mark.parametrize("seed", range(5))
def test_the_index_answers_as_a_scan_of_every_fingerprint(seed: int) -> None:
    rng = random.Random(seed)
    index, scan = CopyIndex(), Scan()
    bases = [rng.getrandbits(64) for _ in range(40)] + [0, (1 << 64) - 1]  # and the two ends of the range
    live: set[int] = set()
    for step in range(1500):
        action = rng.random()
        if action < 0.55 or not live:
            key = rng.randrange(-20, 200)  # provisional keys are negative
            simhash = near(rng, rng.choice(bases), rng.randrange(0, 6))
            content_hash = rng.choice(["", f"h{rng.randrange(300)}"])
            index.add(key, content_hash, simhash)
            scan.add(key, content_hash, simhash)
            live.add(key)
        elif action < 0.65:
            key = rng.choice(sorted(live))
            index.remove(key)
            scan.remove(key)
            live.discard(key)
        elif action < 0.7:
            old, new = rng.choice(sorted(live)), 1000 + step
            index.rekey(old, new)
            scan.rekey(old, new)
            live.discard(old)
            live.add(new)
        else:
            simhash = near(rng, rng.choice(bases), rng.randrange(0, 6))
            content_hash = rng.choice(["", f"h{rng.randrange(300)}"])
            refused = rng.randrange(3)

            def accept(key: int, refused: int = refused) -> bool:
                return key % 3 != refused

            assert index.find(content_hash, simhash, max_distance=MAX_DISTANCE, accept=accept) == \
                scan.find(content_hash, simhash, accept)
    assert len(index) == len(scan.hashes) + len(scan.simhashes)


def test_a_bucket_takes_no_more_than_its_cap_and_a_copy_is_still_found_through_another_band() -> None:
    index = CopyIndex(max_bucket=2)
    base = 0x0123_4567_89AB_CDEF
    for key, other_bands in enumerate((0x1111, 0x2222, 0x3333)):  # band 0 shared by all three
        index.add(key, "", (base & 0xFFFF) | (other_bands * 0x0001_0001_0001_0000))
    third = (base & 0xFFFF) | (0x3333 * 0x0001_0001_0001_0000)
    # the third is in bands 1-3 only; a one-bit copy of it is found through them
    assert index.find("", third ^ (1 << 40), max_distance=3, accept=lambda key: True) == Copy(2, "duplicate", 1)
    index.remove(0)
    index.remove(1)
    index.remove(2)
    assert len(index) == 0 and index.find("", third, max_distance=3, accept=lambda key: True) is None
