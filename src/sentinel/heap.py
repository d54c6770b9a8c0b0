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

**Arenas.** glibc gives each thread that allocates while the others hold the lock an arena of its
own, up to eight per core, and memory freed in one arena serves only that arena's later
allocations. The daemon's threads (the analysis, the store's reader and writer, the server's) each
left tens of MB free but held in their own arenas: :func:`limit_arenas` caps them at two before
the threads start (the figure ``bench/search.py --daemon`` reports fell from 351 to 313 MB). The
threads mostly take turns on the interpreter lock anyway, so they seldom wait for an arena's.
``MALLOC_ARENA_MAX`` in the environment, an operator's choice, is left as it is.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import os

#: Arenas the daemon's threads share (glibc's main one and one more).
ARENAS = 2
_M_ARENA_MAX = -8  # glibc's malloc.h


@functools.cache
def _libc() -> ctypes.CDLL | None:
    if os.uname().sysname != "Linux":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim, libc.mallopt  # noqa: B018  (both are glibc's: musl has neither)
    except (OSError, AttributeError):
        return None
    return libc


def limit_arenas(count: int = ARENAS) -> bool:
    """Let glibc's malloc make at most ``count`` arenas from now on (call it before the threads
    start); False where it cannot (not glibc) or ``MALLOC_ARENA_MAX`` already says how many."""
    libc = _libc()
    if libc is None or os.environ.get("MALLOC_ARENA_MAX"):
        return False
    return bool(libc.mallopt(_M_ARENA_MAX, count))


def release_free_memory() -> bool:
    """Hand the allocator's free pages back to the system; False where there is no ``malloc_trim``."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


def freeze_survivors() -> int:
    """Collect the garbage there is, then keep what survives out of later collections; how many
    objects are frozen in all."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
