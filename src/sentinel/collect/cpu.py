"""A process pool for parsing, so the daemon's parsing uses more than one core.

feedparser spends about a millisecond per entry in pure Python; on the event loop that caps ingest
at one core and stalls fetching and the HTTP server meanwhile. Parsers are pure functions of bytes,
so they run in worker processes and hand back plain values.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

log = logging.getLogger(__name__)


class ParsePool:
    """A :data:`~sentinel.collect.base.CpuRunner` backed by worker processes (none: run inline)."""

    def __init__(self, workers: int | None) -> None:
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # forkserver: the daemon has threads (database executors), which fork must not copy
            context = multiprocessing.get_context("forkserver")
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self._executor

    async def __call__(self, fn: Callable[..., Any], *args: Any) -> Any:
        if self.workers <= 0:
            return fn(*args)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool(), fn, *args)
        except BrokenProcessPool:
            # a worker died (killed, out of memory): start a new pool and parse this one here
            log.error("the parse pool broke; starting a new one")
            self._executor = None
            return fn(*args)

    async def warm(self) -> None:
        """Start the workers and import the parsers in them now, not on the first poll."""
        if self.workers > 0:
            loop = asyncio.get_running_loop()
            await asyncio.gather(*(loop.run_in_executor(self._pool(), _import_parsers) for _ in range(self.workers)))

    def worker_pids(self) -> list[int]:
        """The worker processes' ids (for measuring their memory)."""
        processes = getattr(self._executor, "_processes", None) or {}
        return [int(pid) for pid in processes]

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def _import_parsers() -> None:
    import sentinel.collect.registry
    import sentinel.normalise.item  # noqa: F401

    sentinel.collect.registry.default_collectors()
