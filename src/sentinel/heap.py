"""Give the C allocator's free memory back to the system (glibc's ``malloc_trim``).

Starting the daemon builds tens of MB of objects that live only while something loads (jieba's
dictionary from its cache, the IDF table's reading, the models, the imports). Freed, glibc keeps
their pages for later use, and they count in the process's memory until something reuses them:
``malloc_trim(0)`` returns the free pages of every allocator arena (each thread may have its own),
those in the middle of a heap too. A few milliseconds. Without glibc (musl, macOS) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
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
