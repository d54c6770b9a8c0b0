"""Runs the incidents stage beside collection: new item ids queue up and are processed in batches
on one thread of their own (the clusterer has one owner), so analysis never holds up a poll. A hot
list's poll queues its signals after its new items, so they see where the new entries went. A batch
that opened or updated incidents wakes the escalation engine once it committed (:mod:`sentinel.wake`)."""

from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sentinel.clock import Clock
from sentinel.heap import freeze_survivors, release_free_memory
from sentinel.incidents import service
from sentinel.incidents.flows import IncidentStage, StageReport
from sentinel.incidents.hotlist import SignalsReport
from sentinel.metrics import Metrics
from sentinel.store.db import Database

log = logging.getLogger(__name__)

_KNOWN_LISTS = frozenset({"weibo", "baidu", "zhihu", "douyin", "toutiao"})
Job = list[int] | str  # new item ids, or the id of a hot-list source just polled

#: Items per batch. A batch's writes hold the SQLite write lock, and a push waits behind them: at
#: 500 emergency-dense items they held it up to 60 ms, at 250 under 40 ms, for the same throughput
#: (``bench/stage.py``, which runs at this value).
BATCH = 250


class AnalysisWorker:
    def __init__(
        self, stage: IncidentStage, database: Database, clock: Clock, metrics: Metrics, *, batch: int = BATCH
    ) -> None:
        self.stage = stage
        self.metrics = metrics
        self.database = database
        self.clock = clock
        self.batch = batch
        self._queue: asyncio.Queue[Job] = asyncio.Queue()
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analysis")
        self._task: asyncio.Task[None] | None = None
        self.reports: list[StageReport] = []
        # Set when a batch failed: its items are stored but unanalysed until a catch-up finds them.
        # Finding them means scanning for items without analysis, so it runs only when needed.
        self._behind = False
        self._adopted = 0  # ids up to this one are analysed or being analysed (adopt)
        self._catching_up: asyncio.Task[None] | None = None
        self._loading: asyncio.Task[None] | None = None

    async def _run(self, fn, *args):  # type: ignore[no-untyped-def]
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)

    async def start(self) -> None:
        """:meth:`listen` and :meth:`rebuild`."""
        self.listen()
        self.rebuild()

    def listen(self) -> None:
        """Analyse the items submitted from now on, in batches."""
        self._task = asyncio.create_task(self._loop(), name="analysis")

    def rebuild(self) -> None:
        """Rebuild the stage's memory of the open incidents, and catch up on the items stored but
        never analysed, behind (thousands of open incidents and a big backlog must not hold the
        daemon's start). The rebuild goes first on the analysis thread, so every batch comes after
        it (a batch finds the memory stale until then and rebuilds it itself); new items are analysed
        while the catch-up runs, and an item both find is analysed once."""
        self._loading = asyncio.create_task(self._load(), name="analysis-load")
        self._catching_up = asyncio.create_task(self._start_catch_up(), name="analysis-catch-up")

    async def _load(self) -> None:
        try:
            await self._run(self.stage.load, self.clock.now())
            await self._run(freeze_survivors)  # the models and the open incidents' memory: out of later collections
            await self._run(release_free_memory)  # and what reading them freed, back to the system
        except Exception:  # the memory stays stale and the next batch rebuilds it before placing anything
            log.exception("rebuilding the open incidents' memory failed; the next batch tries again")

    async def _start_catch_up(self) -> None:
        try:
            done = await self.catch_up()
        except Exception:  # the periodic job tries again
            self._behind = True
            log.exception("catching up on unanalysed items failed; the periodic job tries again")
            return
        if done:
            log.info("caught up on %d items stored but not analysed", done)

    async def catch_up(self) -> int:
        """Analyse every stored item that has no analysis yet (after a crash or a failed batch),
        walking the ids upwards (each scan starts after the last id it found)."""
        done, after = 0, 0
        self._behind = True
        while True:
            ids = await self._run(functools.partial(service.unanalysed_item_ids, self.database.engine, after=after,
                                                    limit=self.batch))
            if not ids:
                self._behind = False
                return done
            await self.process(ids)
            done += len(ids)
            after = ids[-1]

    async def retry_failed(self) -> int:
        """The periodic job: catch up only when a batch has failed since the last catch-up (and the
        one at start is over)."""
        if self._catching_up is not None and not self._catching_up.done():
            return 0
        return await self.catch_up() if self._behind else 0

    async def wait_caught_up(self) -> None:
        """Until the catch-up begun at start is over."""
        if self._catching_up is not None:
            await asyncio.wait([self._catching_up])

    async def adopt(self, age: timedelta) -> int:
        """Items stored at least ``age`` ago and still not analysed: with several processes on one
        database, those of a process that died before analysing them (the periodic job on
        PostgreSQL; ``age`` leaves a live process's own items to it). Walks up from the lowest id
        that may still be waiting. Nothing while the catch-up begun at start is under way: it walks
        those items too, and both at once analysed the backlog twice over."""
        if self._catching_up is not None and not self._catching_up.done():
            return 0
        done = 0
        while True:
            before = self.clock.now() - age
            found = await self._run(functools.partial(service.unanalysed_items, self.database.engine,
                                                      after=self._adopted, limit=self.batch))
            old = [item_id for item_id, stored in found if stored <= before]
            if old:
                await self.process(old)
                done += len(old)
            young = [item_id for item_id, stored in found if stored > before]
            if found:
                self._adopted = max(self._adopted, (young[0] - 1) if young else found[-1][0])
            if young or len(found) < self.batch:
                return done

    async def submit(self, source_id: str, item_ids: list[int]) -> None:
        """The collection runner's hook for new items."""
        await self._queue.put(item_ids)
        self.metrics.analysis_queue.set(self._queue.qsize())

    async def listing_polled(self, source_id: str) -> None:
        """The collection runner's hook after a hot list's poll (its new items are queued already)."""
        await self._queue.put(source_id)
        self.metrics.analysis_queue.set(self._queue.qsize())

    async def process_listings(self) -> SignalsReport:
        """Hot-list signals for every open incident on a list (:mod:`sentinel.incidents.hotlist`)."""
        report = await self._run(self.stage.process_listings, self.clock.now())
        if report.updated or report.marked or report.top:  # heat and grade may have moved: the engine sees it now
            self.database.wakes.engine()
        if report.top:
            log.info("incidents in the top of a hot list: %s", report.top)
        return report

    async def process(self, item_ids: list[int]) -> StageReport:
        started = self.clock.monotonic()
        try:
            report = await self._run(self.stage.process, item_ids, self.clock.now())
        except Exception:
            self.metrics.analysis_failures.inc()
            raise
        if report.opened or report.updated:  # a new incident, a grade or a clock moved: the engine acts now
            self.database.wakes.engine()
        self.metrics.analysis_batch_duration.observe(max(0.0, self.clock.monotonic() - started))
        self.metrics.items_analysed.inc(report.analysed)
        self.metrics.items_relevant.inc(report.relevant)
        for name, topic in report.hotlist:
            self.metrics.hotlist_matched.labels(platform=name if name in _KNOWN_LISTS else "other",
                                                outcome="topic" if topic else "set_aside").inc()
        if report.opened:
            opened = await self._run(service.kinds_and_grades, self.database.engine, report.opened)
            for kind, grade in opened:
                self.metrics.incidents_opened.labels(kind=kind, grade=grade or "none").inc()
            log.info("opened incidents %s", report.opened)
        return report

    async def _loop(self) -> None:
        while True:
            jobs = [await self._queue.get()]
            while not self._queue.empty() and sum(len(j) for j in jobs if isinstance(j, list)) < self.batch:
                jobs.append(self._queue.get_nowait())
            self.metrics.analysis_queue.set(self._queue.qsize())
            await self._jobs(jobs)

    async def _jobs(self, jobs: list[Job]) -> None:
        """New items first, then (if a hot list was polled) the hot-list signals, once."""
        ids = [item_id for job in jobs if isinstance(job, list) for item_id in job]
        for start in range(0, len(ids), self.batch):  # a poll may bring more than a batch at once
            chunk = ids[start:start + self.batch]
            try:
                await self.process(chunk)
            except Exception:  # a failed batch is retried by catch-up; it never stops the daemon
                self._behind = True
                log.exception("analysis of %d items failed; they stay queued for catch-up", len(chunk))
        if any(isinstance(job, str) for job in jobs):
            try:
                await self.process_listings()
            except Exception:  # the next poll of the list tries again
                log.exception("hot-list signals failed; the next poll of a list tries again")

    async def drain(self) -> None:
        """Process everything queued so far (collect-once, replay, shutdown)."""
        jobs: list[Job] = []
        while not self._queue.empty():
            jobs.append(self._queue.get_nowait())
        if jobs:
            await self._jobs(jobs)
        await self.retry_failed()

    async def stop(self) -> None:
        for task in (self._catching_up, self._task, self._loading):
            if task is not None:
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass
        self._thread.shutdown(wait=True)
