"""release_free_memory hands the pages of freed memory back to the system."""

from __future__ import annotations

import ctypes.util
import os
from pathlib import Path

import pytest

from sentinel.heap import release_free_memory


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
