"""The daemon, composed in one place and shut down in reverse order.

Start: database (migrations) → metrics → fetcher → collection runner → analysis models → escalation
engine and outbox → scheduler → HTTP server → then, while it answers, the engine's first tick (it
catches up on what fell due while down), the open incidents' memory and the catch-up on unanalysed
items (behind), gauges, parse workers and the first collection. The engine ticks on its schedule
and also at once when a committed change wakes it (a new incident, a grade, a response); the
dispatcher likewise when the outbox gains rows (:mod:`sentinel.wake`); on PostgreSQL another
process's changes wake them too (:mod:`sentinel.store.pgwake`).
Stop (SIGTERM/SIGINT): HTTP server → scheduler (nothing more is sent) → polls and jobs under way (a
send in flight finishes and is recorded) → the outbox rows this process holds and the engine lease,
given back → senders → fetcher → database. The process's lease identity is the same after a restart
(:mod:`sentinel.identity`), so after a crash it takes its own leases back at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from sentinel.clock import Clock, SystemClock
from sentinel.collect.base import Collector
from sentinel.collect.cpu import ParsePool
from sentinel.collect.fetcher import Fetcher
from sentinel.collect.registry import default_collectors
from sentinel.collect.runner import CollectionRunner, NewItemsHook
from sentinel.escalation import ack_links
from sentinel.escalation.clocks import Rules
from sentinel.escalation.engine import EscalationEngine
from sentinel.heap import limit_arenas, release_free_memory
from sentinel.identity import Identity, process_identity
from sentinel.incidents import service as incident_service
from sentinel.incidents.worker import AnalysisWorker
from sentinel.job_failures import Job, JobFailures
from sentinel.liveness import Liveness, Part
from sentinel.metrics import Metrics, set_open_incidents
from sentinel.notify.base import Sender, send_client
from sentinel.notify.channel_alerts import queue_channel_alerts
from sentinel.notify.digest import digest_pending, prepare_daily_digest, store_daily_digest
from sentinel.notify.inflight import InFlight
from sentinel.notify.outbox import Dispatcher
from sentinel.notify.phone_history import seed_limits
from sentinel.notify.registry import build_senders
from sentinel.notify.source_alerts import queue_source_alerts
from sentinel.settings import Settings
from sentinel.store import pgwake
from sentinel.store.db import Database, open_database
from sentinel.wake import WakeableJob, Wakes
from sentinel.web.app import create_app
from sentinel.web.serving import server_config

#: The analysis thread is CPU-bound, and the HTTP server and the store's writer wait for the
#: interpreter lock behind it at every handover: at the default 5 ms interval a push waited 30 ms at
#: the median while a batch was analysed, at 1 ms 8 ms (``bench/stage.py``, which runs at this value).
SWITCH_INTERVAL = 0.001

log = logging.getLogger(__name__)

STOP_WAIT = 15.0  # seconds a stop waits for the jobs under way (a send's timeout is 10 s)


@dataclass(frozen=True, slots=True)
class Timing:
    collect_tick: float = 1.0  # seconds between looks for due sources
    health_tick: float = 30.0  # seconds between health/blindness refreshes
    engine_tick: float | None = None  # seconds between engine ticks (None: settings.engine.tick)
    deliver_tick: float = 1.0  # seconds between looks at the outbox
    prune_tick: float = 3600.0  # seconds between retention prunes (when store.retention.items is set)


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its own signal handling: the daemon owns SIGTERM/SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Daemon:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        metrics: Metrics | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        collectors: dict[str, Collector] | None = None,
        serve_http: bool = True,
        timing: Timing = Timing(),
        on_new_items: NewItemsHook | None = None,
        send_transport: httpx.AsyncBaseTransport | None = None,
        senders: dict[str, Sender] | None = None,
    ) -> None:
        limit_arenas()  # before any of its threads allocates: they share two malloc arenas (heap.py)
        self.settings = settings
        self.clock = clock or SystemClock()
        self.metrics = metrics or Metrics()
        self._transport = transport
        self._collectors = collectors
        self.serve_http = serve_http
        self.timing = timing
        self._on_new_items = on_new_items
        self._send_transport = send_transport
        self._senders = senders
        self.database: Database | None = None
        self.runner: CollectionRunner | None = None
        self.fetcher: Fetcher | None = None
        self.parse_pool: ParsePool | None = None
        self.analysis: AnalysisWorker | None = None
        self.escalation: EscalationEngine | None = None
        self.dispatcher: Dispatcher | None = None
        self.liveness: Liveness | None = None  # what the jobs last did, for /healthz (set by run)
        self.failures = JobFailures(self.clock, self.metrics, log)  # jobs failing: counted, logged once a minute
        self._send_client: httpx.AsyncClient | None = None
        self.identity: Identity | None = None  # taken when the engine and outbox are built
        self._stop = asyncio.Event()
        self._jobs: set[asyncio.Task[Any]] = set()
        self._ready = asyncio.Event()
        self.http_port: int | None = None
        # one engine tick and one drain at a time, whether the schedule or a wake started it
        self._engine_runs = WakeableJob(self._engine_tick)
        self._deliver_runs = WakeableJob(self._deliver)
        self._serving: list[asyncio.Task[None]] = []  # the wake-up loops, while run() runs
        self._listener: pgwake.Listener | None = None  # other processes' wake-ups (PostgreSQL), while run() runs

    def open(self) -> Database:
        """Open the database and apply migrations (synchronous; used by one-shot commands too)."""
        if self.database is None:
            self.database = open_database(self.settings.database.url)
        return self.database

    def build_runner(self) -> CollectionRunner:
        database = self.open()
        self.fetcher = Fetcher(self.settings.collect, transport=self._transport)
        self.parse_pool = ParsePool(self.settings.collect.parse_workers)
        self.runner = CollectionRunner(
            self.settings,
            database,
            self.fetcher,
            self.clock,
            self.metrics,
            self._collectors or default_collectors(),
            on_new_items=self._new_items,
            on_listing=self._listing_polled,
            cpu=self.parse_pool,
        )
        return self.runner

    async def start_analysis(self, *, rebuild: bool = True) -> AnalysisWorker:
        """Load the analysis models (seconds: jieba's dictionaries) off the event loop, and start:
        listen, and (unless ``rebuild`` is False: the caller calls ``rebuild`` itself) rebuild the
        open incidents' memory and catch up on unanalysed items, behind."""
        from sentinel.analyse.pipeline import Analyzer
        from sentinel.incidents.flows import IncidentStage

        database = self.open()
        analyzer = await asyncio.to_thread(Analyzer, self.settings)
        stage = IncidentStage(self.settings, analyzer, database.engine)
        self.analysis = AnalysisWorker(stage, database, self.clock, self.metrics)
        self.analysis.listen()
        if rebuild:
            self.analysis.rebuild()
        return self.analysis

    def build_escalation(self) -> EscalationEngine:
        """The escalation engine and the outbox's dispatcher, on the configured channels."""
        database = self.open()
        settings = self.settings
        channels = settings.effective_channels
        rules = Rules.from_settings(settings)
        if self.identity is None:
            self.identity = process_identity(settings.database.url)
        self.escalation = EscalationEngine(
            database.engine, rules, [channel.id for channel in channels], metrics=self.metrics, owner=self.owner,
            lease=settings.engine.lease, late_after=settings.engine.late_after, link_base=settings.http.public_url,
            ack_links=ack_links.signer(settings), channel_kinds={channel.id: channel.kind for channel in channels})
        self._send_client = send_client(transport=self._send_transport)
        senders = {**build_senders(channels, self._send_client), **(self._senders or {})}
        seed_limits(database.engine, senders, now=self.clock.now())  # SMS/voice per-number limits survive restarts
        self.dispatcher = Dispatcher(database, senders, settings.delivery, metrics=self.metrics, owner=self.owner,
                                     channel_kinds={channel.id: channel.kind for channel in channels}, clock=self.clock,
                                     in_flight=InFlight(self.identity.in_flight) if self.identity.in_flight else None)
        return self.escalation

    @property
    def owner(self) -> str:
        """This process's name in leases, the same after a restart (:mod:`sentinel.identity`)."""
        return self.identity.name if self.identity is not None else f"{socket.gethostname()}:{os.getpid()}"

    async def engine_tick(self) -> None:
        """One tick of the engine on the database's writer (SQLite has one writer at a time), after
        the one under way if any."""
        await self._engine_runs.run()

    async def _engine_tick(self) -> None:
        assert self.escalation is not None and self.database is not None
        started = self.clock.monotonic()
        try:
            report = await self.database.write(self.escalation.tick, self.clock.now())
        except Exception as exc:  # a failed tick is retried by the next one; it never stops the daemon
            self.failures.failed(Job.ENGINE, exc)
            return
        self.failures.succeeded(Job.ENGINE)
        self._done(Part.ENGINE)
        self.metrics.engine_tick_duration.observe(max(0.0, self.clock.monotonic() - started))
        for notice in report.notices:
            self.metrics.engine_actions.labels(action=notice.kind).inc()
            log.info("%s for incident %s (%s)%s", notice.kind, notice.incident, notice.key,
                     f", late by {notice.late_by}" if notice.late_by else "")
        if report.notices and self.dispatcher is not None:  # what the tick decided goes out now
            if self._serving:
                self._deliver_runs.wake()  # a slow channel does not hold the next tick back
            else:
                await self.deliver()

    async def deliver(self) -> None:
        """Drain the outbox once, after the drain under way if any."""
        await self._deliver_runs.run()

    async def _deliver(self) -> None:
        assert self.dispatcher is not None
        try:
            drained = await self.dispatcher.drain(self.clock.now())
            if drained.claimed:  # the outbox gauges follow what moved, not only the health tick
                await self.dispatcher.refresh_gauges(self.clock.now())
        except Exception as exc:  # pending messages stay pending
            self.failures.failed(Job.DELIVER, exc)
            return
        self.failures.succeeded(Job.DELIVER)
        self._done(Part.DELIVERY)

    async def collect_tick(self) -> None:
        assert self.runner is not None
        await self.runner.tick()
        self._done(Part.COLLECTION)

    def _done(self, part: Part) -> None:
        if self.liveness is not None:
            self.liveness.done(part)

    async def _attempt(self, job: Job, run: Callable[[], Awaitable[Any]]) -> None:
        """Run one job, its failure counted and logged (once a minute while it lasts), never raised."""
        try:
            await run()
        except Exception as exc:  # the next run tries again; one job failing never stops the others
            self.failures.failed(job, exc)
            return
        self.failures.succeeded(job)

    def _guarded(self, job: Job, run: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[None]]:
        """``run`` as a scheduler job (a coroutine function, which APScheduler awaits) under :meth:`_attempt`."""
        async def guarded() -> None:
            await self._attempt(job, run)

        return guarded

    async def refresh_gauges(self) -> None:
        """Engine, incident and outbox gauges (every health tick; a scrape never queries)."""
        if self.database is not None:
            counts = await self.database.read(incident_service.open_counts, self.database.engine)
            set_open_incidents(self.metrics, counts)
        if self.escalation is not None and self.database is not None:
            await self.database.read(self.escalation.refresh_gauges)
        if self.dispatcher is not None:
            await self.dispatcher.refresh_gauges(self.clock.now())
        if self.database is not None:
            await self.refresh_calendar_gauges()

    async def prune_items(self) -> None:
        """Delete the items past ``store.retention.items`` that no incident holds: one batch per
        write, so the writer is never held for long and other writes go between batches."""
        from sentinel.store import retention

        keep = self.settings.store.retention.items
        if keep is None or self.database is None:
            return
        before = self.clock.now() - keep
        total = 0
        while count := await self.database.write(retention.prune_batch, self.database.engine, before=before):
            total += count
        if total:
            log.info("retention: deleted %d items fetched before %s (in no incident)", total, before.isoformat())

    async def refresh_calendar_gauges(self) -> None:
        from sentinel.escalation.calendar_view import next_year_missing
        from sentinel.notify.calendar_alerts import provisional_count

        assert self.database is not None
        missing = next_year_missing(self.clock.now(), self.settings.zone, self.settings.policy.calendar)
        self.metrics.calendar_next_year_missing.set(1 if missing else 0)
        self.metrics.obligations_provisional.set(await self.database.read(provisional_count, self.database.engine))

    async def operator_alerts(self) -> None:
        """Alerts for sources gone blind or blocked and for channels failing too long, and the day's
        digest and briefing once their time has come."""
        if self.escalation is None or self.database is None:
            return
        engine, channels = self.database.engine, self.escalation.text_ids
        await self._attempt(Job.SOURCE_ALERTS, functools.partial(
            self.database.write, queue_source_alerts, engine, self.settings, channels, self.clock.now(),
            link_base=self.settings.http.public_url))
        await self._attempt(Job.CHANNEL_ALERTS, functools.partial(
            self.database.write, queue_channel_alerts, engine, self.settings, channels, self.clock.now(),
            link_base=self.settings.http.public_url))
        await self._attempt(Job.DAILY_DIGEST, self.daily_briefing)
        await self.disclosure_jobs()
        self._deliver_runs.wake()  # what these queued goes out now, not at the next look

    async def disclosure_jobs(self) -> None:
        """The calendar's alert, and the register's periodic work (:mod:`sentinel.disclosure.jobs`)."""
        from sentinel.disclosure import jobs
        from sentinel.notify.calendar_alerts import queue_calendar_alert

        assert self.escalation is not None and self.database is not None
        engine, channels, link = self.database.engine, self.escalation.text_ids, self.settings.http.public_url
        rules = self.escalation.rules
        steps: list[tuple[Job, Any]] = [
            (Job.CALENDAR_ALERT, lambda now: queue_calendar_alert(engine, self.settings, channels, now,
                                                                  link_base=link)),
            (Job.PROVISIONAL_DEADLINES, lambda now: jobs.recount_provisional(engine, rules, now)),
            (Job.LAPSED_CORRECTIONS, lambda now: jobs.lapse_corrections(engine, rules, now)),
            (Job.CORRECTION_REMINDERS, lambda now: jobs.queue_correction_reminders(engine, rules, channels, now,
                                                                                   link_base=link)),
            (Job.ANNUAL_REMINDER, lambda now: jobs.queue_annual_reminder(engine, rules, channels, now,
                                                                         link_base=link)),
        ]
        for job, step in steps:
            await self._attempt(job, functools.partial(self.database.write, step, self.clock.now()))

    async def daily_briefing(self) -> None:
        """Once its time has come: the day's period report, built and archived in a child process (its
        memory goes with it), then the one digest message to the leaders that summarises it."""
        from sentinel.reports import briefing
        from sentinel.reports.child import ChildStopped

        assert self.escalation is not None and self.database is not None
        engine, channels, now = self.database.engine, self.escalation.text_ids, self.clock.now()
        if not await self.database.read(digest_pending, engine, self.settings, channels, now):
            return
        try:
            if briefing.builds_apart(self.settings):
                summary = await asyncio.to_thread(briefing.prepare_briefing_apart, self.settings, now)
            else:
                summary = await asyncio.to_thread(briefing.prepare_briefing, engine, self.settings, now)
        except ChildStopped:  # sentinel is stopping: the next start builds the briefing and the digest
            log.info("building the daily briefing was stopped; it is built again at the next start")
            return
        except Exception:  # the leaders still get the digest, without the report's figures
            log.exception("building the daily briefing failed; the digest goes out without it")
            summary = None
        # read and rendered beside the writer (a busy day's thousands of incidents take seconds);
        # only the rows are written under it
        messages = await self.database.read(prepare_daily_digest, engine, self.settings, channels, now,
                                            link_base=self.settings.http.public_url, briefing=summary)
        await self.database.write(store_daily_digest, engine, messages)
        release_free_memory()  # a busy day's report and digest read every incident of it: give that back

    async def _new_items(self, source_id: str, item_ids: list[int]) -> None:
        if self.analysis is not None:
            await self.analysis.submit(source_id, item_ids)
        if self._on_new_items is not None:
            await self._on_new_items(source_id, item_ids)

    async def _listing_polled(self, source_id: str) -> None:
        if self.analysis is not None:
            await self.analysis.listing_polled(source_id)

    def request_stop(self) -> None:
        self._stop.set()

    async def wait_ready(self) -> None:
        await self._ready.wait()

    async def run(self) -> None:
        """Run until :meth:`request_stop` or SIGTERM/SIGINT."""
        sys.setswitchinterval(SWITCH_INTERVAL)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self.request_stop)
        runner = self.build_runner()
        assert self.database is not None
        engine_every = self.timing.engine_tick or self.settings.engine.tick.total_seconds()
        # the scheduler's interval is real seconds; the liveness record's ages are the clock's
        engine_every_clock = timedelta(seconds=engine_every * self.clock.rate)
        self.liveness = self.database.liveness = Liveness(self.clock, engine_tick=engine_every_clock)
        await runner.prepare()
        await runner.refresh_health()
        analysis = await self.start_analysis(rebuild=False)
        self.build_escalation()
        release_free_memory()  # what loading the analysis freed (heap.py)
        self.database.wakes = Wakes(engine=self._engine_runs.wake, outbox=self._deliver_runs.wake)
        self._serving = [asyncio.create_task(self._engine_runs.serve(), name="engine-wakes"),
                         asyncio.create_task(self._deliver_runs.serve(), name="deliver-wakes")]
        if not self.database.is_sqlite:  # several processes: each one's changes wake the others' jobs too
            database = self.database
            self._listener = pgwake.Listener(database.url, {pgwake.ENGINE: lambda: database.wakes.engine(),
                                                            pgwake.OUTBOX: lambda: database.wakes.outbox()},
                                             asyncio.get_running_loop())
            self._listener.start()

        scheduler = AsyncIOScheduler(timezone="UTC")

        def every(seconds: float, job: Any, name: str) -> None:
            # one run at a time; a run missed while the last one ran is dropped, not queued
            scheduler.add_job(self._tracked(job), "interval", seconds=seconds, id=name, max_instances=1,
                              coalesce=True, misfire_grace_time=None)

        timing = self.timing
        every(engine_every, self.engine_tick, "engine")
        every(timing.deliver_tick, self.deliver, "deliver")
        every(timing.health_tick, self._guarded(Job.GAUGES, self.refresh_gauges), "gauges")
        every(timing.health_tick, self.operator_alerts, "operator-alerts")
        every(timing.collect_tick, self._guarded(Job.COLLECT, self.collect_tick), "collect")
        every(timing.health_tick, self._guarded(Job.HEALTH, runner.refresh_health), "health")
        every(timing.health_tick, self._guarded(Job.ANALYSIS_CATCH_UP, analysis.retry_failed), "analysis-catch-up")
        if self.settings.store.retention.items is not None:
            every(timing.prune_tick, self._guarded(Job.PRUNE, self.prune_items), "prune")
        if not self.database.is_sqlite:  # several processes: a dead one's unanalysed items, within a lease
            lease = self.settings.engine.lease
            every(lease.total_seconds(), self._guarded(Job.ANALYSIS_ADOPT, functools.partial(analysis.adopt, lease)),
                  "analysis-adopt")
        scheduler.start()

        server: _EmbeddedServer | None = None
        server_task: asyncio.Task[None] | None = None
        if self.serve_http:
            app = create_app(self.settings, self.database, self.metrics, self.clock, on_new_items=self._new_items)
            server = _EmbeddedServer(server_config(app, self.settings.http))
            server_task = asyncio.create_task(server.serve())
            while not server.started and not server_task.done():
                await asyncio.sleep(0.02)
            if server_task.done():
                scheduler.shutdown(wait=False)
                await self._stop_serving()
                await self._close()
                server_task.result()  # raises what stopped it (address in use ...)
                raise SystemExit(f"cannot listen on {self.settings.http.listen}")
            self.http_port = _bound_port(server) or self.settings.http.port
        # After the server answers: on a big store these take seconds (the engine's catch-up on what
        # fell due while we were down, the open incidents' items, the backlog, counts; the parse
        # workers' imports) and hold the writer or the interpreter; /healthz says meanwhile whether
        # the engine ticks. Items pushed before the rebuild wait for it on the analysis thread.
        await self.engine_tick()  # catch up at once on what fell due while we were down
        analysis.rebuild()
        await self.refresh_gauges()
        if self.parse_pool is not None:
            await self.parse_pool.warm()  # the first poll does not wait for the workers' imports
        await self.collect_tick()  # the first look at once, not a tick later
        log.info("sentinel running: %d sources", len(self.settings.sources))
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            log.info("sentinel stopping")
            if server is not None and server_task is not None:
                server.should_exit = True
                await server_task
            # no new runs, and the ones under way finish before the scheduler goes: its shutdown
            # cancels them, which cut a send off mid-flight (a duplicate later) and logged ERROR tracebacks
            scheduler.pause()
            if self.dispatcher is not None:
                self.dispatcher.stop_sending()
            await runner.drain()
            await self._stop_serving()
            await self._finish_jobs()
            scheduler.shutdown(wait=False)
            await self._close()

    def _tracked(self, job: Any) -> Any:
        """``job``, remembered while it runs so that a stop can wait for it (a job cut off by the
        database closing under it would log an error, and a cut-off send is a duplicate later)."""

        @functools.wraps(job)
        async def run() -> None:
            task = asyncio.current_task()
            assert task is not None
            self._jobs.add(task)
            try:
                await job()
            finally:
                self._jobs.discard(task)

        return run

    async def _stop_serving(self) -> None:
        """No more wake-ups; a tick or drain they started finishes (within the stop's wait)."""
        if self._listener is not None:
            await asyncio.to_thread(self._listener.stop)
            self._listener = None
        if self.database is not None:
            self.database.wakes = Wakes()
        self._engine_runs.close()
        self._deliver_runs.close()
        if self._serving:
            _, late = await asyncio.wait(self._serving, timeout=STOP_WAIT)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=1.0)
        self._serving = []

    async def _finish_jobs(self) -> None:
        """Wait for the scheduled jobs under way (a send in flight ends within its timeout)."""
        if not self._jobs:
            return
        _, late = await asyncio.wait(set(self._jobs), timeout=STOP_WAIT)
        if late:  # a report's PDF still laid out in a child (a thread cannot be cancelled): end it
            from sentinel.reports.pdf import stop_rendering

            if stopped := stop_rendering():
                log.warning("%d report child(ren) still running at stop; killed (the report is built again)", stopped)
        for task in late:
            log.warning("job %s still running at stop after %.0f s; cancelled", task.get_name(), STOP_WAIT)
            task.cancel()
        if late:
            await asyncio.wait(late, timeout=1.0)

    async def _close(self) -> None:
        if self.dispatcher is not None:
            await self.dispatcher.close(wait=STOP_WAIT)  # rows not sent go back to the pool at once
            self.dispatcher = None
        if self.escalation is not None:
            with contextlib.suppress(Exception):
                self.escalation.release()  # another process may take the engine over at once
            self.escalation = None
        if self._send_client is not None:
            await self._send_client.aclose()
            self._send_client = None
        if self.analysis is not None:
            await self.analysis.stop()
            self.analysis = None
        if self.parse_pool is not None:
            self.parse_pool.close()
        if self.fetcher is not None:
            await self.fetcher.aclose()
        if self.database is not None:
            self.database.close()
            self.database = None
        if self.identity is not None:
            self.identity.release()
            self.identity = None


def _bound_port(server: uvicorn.Server) -> int | None:
    for srv in getattr(server, "servers", []) or []:
        for sock in srv.sockets:
            return int(sock.getsockname()[1])
    return None
