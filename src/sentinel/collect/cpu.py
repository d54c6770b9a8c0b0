"""A process pool for parsing, so the daemon's parsing uses more than one core.

feedparser spends about a millisecond per entry in pure Python; on the event loop that caps ingest
at one core and stalls fetching and the HTTP server meanwhile. Parsers are pure functions of bytes,
so they run in worker processes and hand back plain values.

The workers end with the daemon however it ends, a SIGKILL included (:func:`_die_with`): left
behind, each would hold its ~200 MB, and multiprocessing's fork server and resource tracker, which
wait for the workers' pipes to close, would stay too. They ignore SIGINT: Ctrl-C in a terminal
reaches every process of the foreground group, and the daemon, which stops on it, shuts its workers
down itself (a worker interrupted mid-wait printed a KeyboardInterrupt traceback each). They ignore
it from birth: the fork server and resource tracker are started while the daemon ignores SIGINT, an
ignored signal stays ignored across exec, and the fork server hands that on to each worker it forks
(the initializer alone left a window, the worker's start, where Ctrl-C still printed a traceback).

The fork server imports the parsers before it forks the first worker, and each worker freezes what
it was born with out of the garbage collector's reach: the workers share those pages with the fork
server instead of each holding its own copy (about 5 MB of its own per worker, was 18 MB).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import gc
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

# What the workers run: the parsers and normalising, which import neither httpx, the settings nor
# analysis (tests/collect/test_parse_imports.py holds them to it). They come with this module, which
# the fork server imports before it forks the first worker (ParsePool._pool).
import sentinel.collect.hotlist.parsers  # noqa: F401
import sentinel.collect.rss  # noqa: F401
import sentinel.collect.weibo_parse  # noqa: F401
import sentinel.normalise.item  # noqa: F401

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
            context.set_forkserver_preload([__name__])  # the parsers imported once, shared by the workers
            with _sigint_ignored():
                multiprocessing.forkserver.ensure_running()  # and its resource tracker
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=context,
                                                 initializer=_die_with, initargs=(os.getpid(),))
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
        """Start the fork server and the workers now, not on the first poll."""
        if self.workers > 0:
            loop = asyncio.get_running_loop()
            try:
                await asyncio.gather(*(loop.run_in_executor(self._pool(), _started) for _ in range(self.workers)))
            except BrokenProcessPool:  # a worker killed as it started: the first parse starts a new pool
                log.error("a parse worker died as it started; the pool starts again when first used")
                self._executor = None

    def worker_pids(self) -> list[int]:
        """The worker processes' ids (for measuring their memory)."""
        processes = getattr(self._executor, "_processes", None) or {}
        return [int(pid) for pid in processes]

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT meanwhile, so that processes started here are born ignoring it (main thread only:
    elsewhere nothing changes, and the workers' initializer still ignores it from their first task)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)  # None: set outside Python


def _started() -> None:
    """What :meth:`ParsePool.warm` runs in each worker: nothing, the parsers came with the fork server."""


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _die_with(daemon: int) -> None:
    """Worker initializer: end this worker when the process ``daemon`` ends.

    A worker's parent is the fork server, not the daemon, and the fork server itself waits for the
    workers, so the kernel's parent-death signal alone would never fire: a thread watches the daemon
    itself (a pidfd on Linux, else a poll), and the signal covers the fork server dying first.
    SIGINT is ignored: the daemon gets it too and ends its workers in order."""
    gc.freeze()  # the fork server's objects stay shared: no collection writes to their pages
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.uname().sysname == "Linux":
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    threading.Thread(target=_watch, args=(daemon, os.getppid()), name="die-with-daemon", daemon=True).start()


def _watch(daemon: int, parent: int) -> None:
    try:
        descriptor = os.pidfd_open(daemon)
    except ProcessLookupError:
        os._exit(1)  # gone already
    except (AttributeError, OSError):  # not Linux, or a kernel before 5.3: look every second instead
        while _alive(daemon) and os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)
    select.select([descriptor], [], [])  # readable once the daemon has exited (reaped or not)
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
