"""asyncio's accept retries out of file descriptors are logged once a minute, not at every retry."""

from __future__ import annotations

import logging

from sentinel.logthrottle import RepeatFilter


def test_a_repeated_line_passes_once_a_minute_with_its_count() -> None:
    now = [0.0]
    throttle = RepeatFilter(60, clock=lambda: now[0])

    def record(msg: str) -> logging.LogRecord:
        try:
            raise OSError(24, "Too many open files")
        except OSError:
            import sys
            return logging.LogRecord("asyncio", logging.ERROR, __file__, 1, msg, None, sys.exc_info())

    first = record("socket.accept() out of system resource")
    assert throttle.filter(first) and first.exc_info is not None  # the first keeps its traceback
    passed = []
    for second in range(1, 130):
        now[0] = float(second)
        rec = record("socket.accept() out of system resource")
        if throttle.filter(rec):
            passed.append((second, rec.getMessage(), rec.exc_info))
    assert [(at, info) for at, _, info in passed] == [(60, None), (120, None)]
    assert passed[0][1].endswith("(repeated 59 times in the last 60 s)")
    assert throttle.filter(record("another message"))  # another kind of line is not held back
