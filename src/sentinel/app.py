"""The daemon, composed in one place and shut down in reverse order.

Start: database (migrations) → metrics → fetcher → collection runner → scheduler → HTTP server.
Stop (SIGTERM/SIGINT): HTTP server → scheduler → polls under way → fetcher → database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from sentinel.clock import Clock, SystemClock
from sentinel.collect.base import Collector
from sentinel.collect.cpu import ParsePool
from sentinel.collect.fetcher import Fetcher
from sentinel.collect.registry import default_collectors
from sentinel.collect.runner import CollectionRunner, NewItemsHook
from sentinel.incidents.worker import AnalysisWorker
from sentinel.metrics import Metrics
from sentinel.settings import Settings
from sentinel.store.db import Database, open_database
from sentinel.web.app import create_app

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Timing:
    collect_tick: float = 1.0  # seconds between looks for due sources
    health_tick: float = 30.0  # seconds between health/blindness refreshes


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
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.metrics = metrics or Metrics()
        self._transport = transport
        self._collectors = collectors
        self.serve_http = serve_http
        self.timing = timing
        self._on_new_items = on_new_items
        self.database: Database | None = None
        self.runner: CollectionRunner | None = None
        self.fetcher: Fetcher | None = None
        self.parse_pool: ParsePool | None = None
        self.analysis: AnalysisWorker | None = None
        self._stop = asyncio.Event()
        self._ready = asyncio.Event()
        self.http_port: int | None = None

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
            cpu=self.parse_pool,
        )
        return self.runner

    async def start_analysis(self) -> AnalysisWorker:
        """Load the analysis models (seconds: jieba's dictionaries) off the event loop, and start."""
        from sentinel.analyse.pipeline import Analyzer
        from sentinel.incidents.flows import IncidentStage

        database = self.open()
        analyzer = await asyncio.to_thread(Analyzer, self.settings)
        stage = IncidentStage(self.settings, analyzer, database.engine)
        self.analysis = AnalysisWorker(stage, database, self.clock, self.metrics)
        await self.analysis.start()
        return self.analysis

    async def _new_items(self, source_id: str, item_ids: list[int]) -> None:
        if self.analysis is not None:
            await self.analysis.submit(source_id, item_ids)
        if self._on_new_items is not None:
            await self._on_new_items(source_id, item_ids)

    def request_stop(self) -> None:
        self._stop.set()

    async def wait_ready(self) -> None:
        await self._ready.wait()

    async def run(self) -> None:
        """Run until :meth:`request_stop` or SIGTERM/SIGINT."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self.request_stop)
        runner = self.build_runner()
        assert self.database is not None
        await runner.prepare()
        await runner.refresh_health()
        if self.parse_pool is not None:
            await self.parse_pool.warm()
        analysis = await self.start_analysis()

        scheduler = AsyncIOScheduler(timezone="UTC")
        scheduler.add_job(runner.tick, "interval", seconds=self.timing.collect_tick, id="collect",
                          max_instances=1, coalesce=True, misfire_grace_time=None)
        scheduler.add_job(runner.refresh_health, "interval", seconds=self.timing.health_tick, id="health",
                          max_instances=1, coalesce=True, misfire_grace_time=None)
        scheduler.add_job(analysis.retry_failed, "interval", seconds=self.timing.health_tick, id="analysis-catch-up",
                          max_instances=1, coalesce=True, misfire_grace_time=None)
        scheduler.start()
        await runner.tick()  # the first look at once, not a tick later

        server: _EmbeddedServer | None = None
        server_task: asyncio.Task[None] | None = None
        if self.serve_http:
            app = create_app(self.settings, self.database, self.metrics, self.clock)
            config = uvicorn.Config(app, host=self.settings.http.host, port=self.settings.http.port,
                                    log_level="warning", lifespan="off", access_log=False)
            server = _EmbeddedServer(config)
            server_task = asyncio.create_task(server.serve())
            while not server.started and not server_task.done():
                await asyncio.sleep(0.02)
            if server_task.done():
                scheduler.shutdown(wait=False)
                await self._close()
                server_task.result()  # raises what stopped it (address in use ...)
                raise SystemExit(f"cannot listen on {self.settings.http.listen}")
            self.http_port = _bound_port(server) or self.settings.http.port
        log.info("sentinel running: %d sources", len(self.settings.sources))
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            log.info("sentinel stopping")
            if server is not None and server_task is not None:
                server.should_exit = True
                await server_task
            scheduler.shutdown(wait=False)
            await runner.drain()
            await self._close()

    async def _close(self) -> None:
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


def _bound_port(server: uvicorn.Server) -> int | None:
    for srv in getattr(server, "servers", []) or []:
        for sock in srv.sockets:
            return int(sock.getsockname()[1])
    return None
