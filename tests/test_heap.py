"""release_free_memory hands the pages of freed memory back to the system."""

from __future__ import annotations

import ctypes.util
import gc
import os
import weakref
from pathlib import Path

import pytest

from sentinel.heap import freeze_survivors, release_free_memory


def _resident_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not Path("/proc/self/statm").exists() or "libc.so" not in (ctypes.util.find_library("c") or ""),
                    reason="glibc on Linux")
def test_freed_memory_leaves_the_process() -> None:
    # 200 MB of 2 KB blocks (malloc's, not Python's small-object arenas), one in 100 kept: glibc
    # cannot shrink a heap past a block in use, so the rest stays resident once freed
    blocks = [bytes(2048) for _ in range(100_000)]
    kept = blocks[::100]
    del blocks
    before = _resident_mb()
    assert release_free_memory()
    assert before - _resident_mb() > 100
    assert len(kept) == 1000


def test_what_lives_at_the_freeze_is_no_longer_collected_and_garbage_before_it_is_not_kept() -> None:
    class Node:
        def __init__(self) -> None:
            self.other: Node | None = None

    def cycle() -> weakref.ref[Node]:
        a, b = Node(), Node()
        a.other, b.other = b, a
        return weakref.ref(a)

    gc.disable()  # no collection of its own between the steps
    try:
        garbage = cycle()  # unreachable already: collected by the freeze's own collection
        kept = Node()
        kept.other = Node()
        assert freeze_survivors() >= 2
        assert garbage() is None
        later = cycle()  # a cycle made after the freeze is collected as before
        gc.collect()
        assert later() is None
        assert all(obj is not kept for obj in gc.get_objects())  # out of the collector's walk
        looped = Node()  # a cycle alive at a freeze and dropped after it outlives collections (the cost)
        looped.other = looped
        dropped = weakref.ref(looped)
        freeze_survivors()
        del looped
        gc.collect()
        assert dropped() is not None
    finally:
        gc.unfreeze()
        gc.enable()
