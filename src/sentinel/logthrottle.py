"""Log lines that repeat while a cause persists, written once a minute instead of thousands of times.

When the process runs out of file descriptors, asyncio logs "socket.accept() out of system
resource" with a traceback at every accept it retries: under a flood of idle connections that was
thousands of lines a second. :class:`RepeatFilter` lets the first record of a kind through (with
its traceback), drops the repeats for ``every`` seconds, then lets one through that says how many
were dropped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

__all__ = ["RepeatFilter", "throttle_asyncio"]


class RepeatFilter(logging.Filter):
    """Passes one record per (logger, message template) every ``every`` seconds."""

    def __init__(self, every: float = 60.0, *, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.every = every
        self.clock = clock
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}  # key → (last passed, dropped since)

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg))
        now = self.clock()
        last = self._seen.get(key)
        if last is not None and now - last[0] < self.every:
            self._seen[key] = (last[0], last[1] + 1)
            return False
        dropped = last[1] if last is not None else 0
        self._seen[key] = (now, 0)
        if dropped:
            record.msg = f"{record.msg} (repeated {dropped} times in the last {self.every:.0f} s)"
            record.exc_info = record.exc_text = None  # the first one carried the traceback
        return True


def throttle_asyncio(every: float = 60.0) -> None:
    """Throttle asyncio's own error lines (accept retries, connection errors) in this process."""
    logger = logging.getLogger("asyncio")
    if not any(isinstance(f, RepeatFilter) for f in logger.filters):
        logger.addFilter(RepeatFilter(every))
