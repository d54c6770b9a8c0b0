"""The daemon's heap after its start: what the cyclic garbage collector walks, and the C
allocator's free memory given back to the system (glibc's ``malloc_trim``).

**Collections.** A full collection of the cyclic garbage collector walks every object it tracks,
and every thread waits meanwhile. After the start those are mostly the analysis models and the
open incidents' memory, which live as long as the process: with them, each full collection took
60–100 ms, and a push to the API waited that long behind one (``bench/stage.py``).
:func:`freeze_survivors` moves what lives at that moment out of the collector's sight (``gc.freeze``),
so later collections walk only what was made since. Reference counting still frees those objects;
only a reference cycle among them would outlive its use (a rebuilt memory's predecessor, once).

**Free memory.** Starting the daemon builds tens of MB of objects that live only while something loads (jieba's
dictionary from its cache, the IDF table's reading, the models, the imports). Freed, glibc keeps
their pages for later use, and they count in the process's memory until something reuses them:
``malloc_trim(0)`` returns the free pages of every allocator arena (each thread may have its own),
those in the middle of a heap too. A few milliseconds. Without glibc (musl, macOS) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import os
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if os.uname().sysname != "Linux":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    return trim


def release_free_memory() -> bool:
    """Hand the allocator's free pages back to the system; False where there is no ``malloc_trim``."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


def freeze_survivors() -> int:
    """Collect the garbage there is, then keep what survives out of later collections; how many
    objects are frozen in all."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
