"""release_free_memory hands the pages of freed memory back to the system."""

from __future__ import annotations

import ctypes.util
import gc
import os
import subprocess
import sys
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


_ARENAS = """
import ctypes, ctypes.util, sys, threading
from sentinel.heap import limit_arenas
if sys.argv[1] == "limited":
    assert limit_arenas()
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.open_memstream.restype = ctypes.c_void_p
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
held = []
together = threading.Barrier(8)
def allocate():
    together.wait()  # all alive at once: an exited thread's arena would serve the next
    held.append([bytes(4096) for _ in range(100)])  # malloc's blocks, not Python's small-object arenas
    together.wait()
threads = [threading.Thread(target=allocate) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
buffer, size = ctypes.c_char_p(), ctypes.c_size_t()
stream = libc.open_memstream(ctypes.byref(buffer), ctypes.byref(size))
libc.malloc_info(0, stream)
libc.fclose(stream)
print(ctypes.string_at(buffer, size.value).decode().count("<heap nr="))
"""


@pytest.mark.skipif(not Path("/proc/self/statm").exists() or "libc.so" not in (ctypes.util.find_library("c") or ""),
                    reason="glibc on Linux")
def test_the_threads_share_two_malloc_arenas_once_limited() -> None:
    env = {key: value for key, value in os.environ.items() if key != "MALLOC_ARENA_MAX"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1] / "src")

    def arenas(mode: str) -> int:
        done = subprocess.run([sys.executable, "-c", _ARENAS, mode], env=env, capture_output=True, text=True,
                              timeout=60, check=True)
        return int(done.stdout)

    assert arenas("limited") <= 2 < arenas("unlimited")
