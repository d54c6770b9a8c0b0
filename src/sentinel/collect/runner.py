"""Polling: lease what is due, collect it, normalise it, store it, count it.

One poll is one source: a failure is recorded on that source's row, counted under its reason, and
rescheduled with backoff; it never touches another source. Polls run as independent asyncio tasks
under a global concurrency limit (and the fetcher's per-host limit), so a slow or dead source
occupies one slot and delays nobody else's schedule.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sentinel.clock import Clock
from sentinel.collect.base import CollectContext, Collector, CollectOutcome, CpuRunner, Validators, run_inline
from sentinel.collect.fetcher import Fetcher
from sentinel.collect.schedule import next_after_failure, next_after_success
from sentinel.collect.types import RawItem
from sentinel.errors import CollectError, SourceBlocked
from sentinel.masking import mask_text
from sentinel.metrics import Metrics
from sentinel.normalise.item import ItemRejected, normalise_batch, storable_id
from sentinel.settings import Settings, SourceConfig, SourceKind, env_secret
from sentinel.store import hotlists as hotlist_store
from sentinel.store import items as item_store
from sentinel.store import sources as source_store
from sentinel.store.db import Database
from sentinel.store.models import SourceState
from sentinel.store.sources import SourceSummary

log = logging.getLogger(__name__)

#: Seconds a collector has after its poll's deadline to return what it read before then.
_WRAP_UP = 5.0


@dataclass(slots=True)
class PollReport:
    source_id: str
    outcome: str  # ok, not_modified, or a failure reason
    new: int = 0
    duplicates: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None
    new_ids: list[int] = field(default_factory=list)


NewItemsHook = Callable[[str, list[int]], Awaitable[None]]
ListingHook = Callable[[str], Awaitable[None]]  # a hot list was polled: its ranks are stored


def listing_gap(interval: timedelta) -> timedelta:
    """How far apart two polls of a hot list may be for the time between them to count as time on
    the list: three intervals (a poll or two may fail), at least 30 minutes."""
    return max(interval * 3, timedelta(minutes=30))


class CollectionRunner:
    def __init__(
        self,
        settings: Settings,
        database: Database,
        fetcher: Fetcher,
        clock: Clock,
        metrics: Metrics,
        collectors: dict[str, Collector],
        *,
        owner: str | None = None,
        on_new_items: NewItemsHook | None = None,
        on_listing: ListingHook | None = None,
        rng: random.Random | None = None,
        lease_for: timedelta = timedelta(minutes=2),
        cpu: CpuRunner = run_inline,
    ) -> None:
        self.settings = settings
        self.db = database
        self.fetcher = fetcher
        self.clock = clock
        self.metrics = metrics
        self.collectors = collectors
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}"
        self.on_new_items = on_new_items
        self.on_listing = on_listing
        self.rng = rng or random.Random()
        self.lease_for = lease_for
        self.cpu = cpu
        self._slots = asyncio.Semaphore(settings.collect.concurrency)
        self._running: dict[str, asyncio.Task[PollReport]] = {}
        self._stopping = False
        self._all = [source for source in settings.sources if source.enabled]
        self._sources = {source.id: source for source in self._all if source.kind is not SourceKind.PUSH}

    async def prepare(self) -> None:
        """Create missing source rows; a single SQLite process frees the leases of its dead predecessor."""
        now = self.clock.now()
        await self.db.write(source_store.ensure_sources, self.db.engine, self._all, now=now)
        if self.db.is_sqlite:
            await self.db.write(_release_all, self.db)

    async def tick(self) -> int:
        """Start a poll for every due source not already polling; return how many were started."""
        if self._stopping:
            return 0
        now = self.clock.now()
        idle = [sid for sid in self._sources if sid not in self._running]
        leased = await self.db.write(
            source_store.lease_due,
            self.db.engine,
            owner=self.owner,
            now=now,
            lease_for=self.lease_for,
            source_ids=idle,
            limit=max(1, self.settings.collect.concurrency * 2),
        )
        if self._stopping:  # the stop began while the lease was taken: a poll now would outlive the database
            await self.db.write(source_store.release_leases, self.db.engine, owner=self.owner)
            return 0
        for state in leased:
            self._start(self._sources[state.source_id], state)
        return len(leased)

    def _start(self, source: SourceConfig, state: SourceState) -> asyncio.Task[PollReport]:
        task = asyncio.create_task(self._guarded_poll(source, state), name=f"poll:{source.id}")
        self._running[source.id] = task

        def forget(_task: asyncio.Task[PollReport], sid: str = source.id) -> None:
            self._running.pop(sid, None)

        task.add_done_callback(forget)
        return task

    async def collect_once(self, source_ids: Iterable[str] | None = None) -> list[PollReport]:
        """Poll the given (default: every enabled) source now, whatever its schedule; wait for all."""
        chosen = list(source_ids) if source_ids is not None else list(self._sources)
        states = await self.db.read(source_store.all_states, self.db.engine)
        tasks = [self._start(self._sources[sid], states[sid]) for sid in chosen if sid in self._sources]
        return list(await asyncio.gather(*tasks))

    async def drain(self) -> None:
        """Start no more polls and wait for the ones under way (at shutdown)."""
        self._stopping = True
        if self._running:
            await asyncio.gather(*list(self._running.values()), return_exceptions=True)

    async def _guarded_poll(self, source: SourceConfig, state: SourceState) -> PollReport:
        async with self._slots:
            try:
                return await self.poll(source, state)
            except Exception as exc:  # a bug must not kill the daemon: count it, keep the source scheduled
                log.exception("poll of %s failed unexpectedly", source.id)
                return await self._failed(source, CollectError("internal", f"{type(exc).__name__}: {exc}"))

    async def poll(self, source: SourceConfig, state: SourceState) -> PollReport:
        now = self.clock.now()
        zone = self.settings.source_zone(source)
        ctx = CollectContext(
            source=source,
            fetcher=self.fetcher,
            now=now,
            zone=zone,
            validators=Validators(etag=state.etag, last_modified=state.last_modified),
            cursor=dict(state.cursor or {}),
            cookie=env_secret(source.cookie_env),
            known=lambda ids: self.db.read(item_store.known_ids, self.db.engine, source.id, ids),
            cpu=self.cpu,
        )
        started = self.clock.monotonic()
        budget = self.settings.collect.poll_deadline.total_seconds()
        # Requests end at the deadline; the collector then has a moment to keep what it read.
        ctx.deadline = asyncio.get_running_loop().time() + budget
        try:
            async with asyncio.timeout_at(ctx.deadline + _WRAP_UP):
                outcome = await self.collectors[source.kind.value].collect(ctx)
        except CollectError as exc:
            return await self._failed(source, exc)
        except TimeoutError:
            return await self._failed(source, CollectError("timeout", f"the poll took longer than {budget:g}s"))
        finally:
            self.metrics.fetch_duration.labels(source.kind.value).observe(max(0.0, self.clock.monotonic() - started))
        return await self._succeeded(source, outcome, now, zone)

    async def _succeeded(self, source: SourceConfig, outcome: CollectOutcome, now: datetime, zone) -> PollReport:
        labels = (source.id, source.kind.value)
        next_at = next_after_success(now, source.interval, jitter=self.settings.collect.jitter, rng=self.rng)
        self._set_health(source, up=True, blocked=False, failures=0, success_at=now)
        if outcome.not_modified:
            self.metrics.fetches.labels(*labels, "not_modified").inc()
            await self.db.write(source_store.record_not_modified, self.db.engine, source.id, now=now, next_check_at=next_at)
            return PollReport(source.id, "not_modified")
        if outcome.listing is not None:  # a hot list is one snapshot of tens of entries, stored whole
            raws, known, deferred = outcome.items, 0, 0
        else:
            raws, known, deferred = await self._cap(source, outcome.items)
        normal, rejected = await self.cpu(normalise_batch, raws, zone, now) if raws else ([], [])
        problems = list(outcome.problems) + rejected
        # Items left for the next poll must be read again: no validators (a 304 would hide them) and
        # no move of the kind's cursor past them.
        saved = dict(now=now, etag=None if deferred else outcome.validators.etag,
                     last_modified=None if deferred else outcome.validators.last_modified,
                     cursor=None if deferred else (outcome.cursor or None), next_check_at=next_at)
        if outcome.listing is not None:
            result, change = await self.db.write(hotlist_store.save_listing_poll, self.db.engine, source.id, normal,
                                                 outcome.listing, max_gap=listing_gap(source.interval), **saved)
            self._count_listing(source, "ok", change.on_list)
        else:
            result = await self.db.write(item_store.save_poll, self.db.engine, source.id, normal, **saved)
        self.metrics.fetches.labels(*labels, "ok").inc()
        self.metrics.items_new.labels(*labels).inc(result.new)
        self.metrics.items_duplicate.labels(*labels).inc(result.duplicates + known)
        if deferred:
            self.metrics.items_deferred.labels(*labels).inc(deferred)
            log.info("source %s: %d new items wait for the next poll (collect.max_items_per_poll)", source.id, deferred)
        for reason, message in problems:
            self.metrics.parse_problems.labels(*labels, reason).inc()
            log.warning("source %s: %s: %s", source.id, reason, mask_text(message))
        if result.new:
            self.metrics.source_blind.labels(*labels).set(0)
        if result.new_ids and self.on_new_items is not None:
            await self.on_new_items(source.id, result.new_ids)
        if outcome.listing is not None and self.on_listing is not None:
            await self.on_listing(source.id)  # after the new items: the signals read where they went
        return PollReport(source.id, "ok", result.new, result.duplicates + known, problems, new_ids=result.new_ids)

    async def _cap(self, source: SourceConfig, raws: list[RawItem]) -> tuple[list[RawItem], int, int]:
        """The items to store from this poll: at most ``collect.max_items_per_poll`` not stored yet, in
        the source's order (feeds list the newest first). Also how many were stored already, and how
        many new ones wait for the next poll."""
        cap = self.settings.collect.max_items_per_poll
        if len(raws) <= cap:
            return raws, 0, 0
        keys = [_storable_key(raw) for raw in raws]
        known = await self.db.read(
            item_store.known_ids, self.db.engine, source.id, [key for key in keys if key is not None]
        )
        # an item without a storable id goes on: normalising rejects it with its reason
        fresh = [raw for raw, key in zip(raws, keys, strict=True) if key is None or key not in known]
        return fresh[:cap], len(raws) - len(fresh), max(0, len(fresh) - cap)

    async def _failed(self, source: SourceConfig, exc: CollectError) -> PollReport:
        now = self.clock.now()
        blocked = isinstance(exc, SourceBlocked) or exc.reason == "blocked"
        state = await self.db.read(source_store.get_state, self.db.engine, source.id)
        failures = (state.consecutive_failures if state else 0) + 1
        cfg = self.settings.collect
        next_at = next_after_failure(
            now, source.interval, failures, cap=cfg.backoff_max, jitter=cfg.jitter, rng=self.rng,
            retry_after=exc.retry_after, blocked=blocked, blocked_backoff=cfg.blocked_backoff,
        )
        # the error names the URL, which can carry a token (?access_token=): it is stored, shown,
        # logged and sent in source alerts only masked
        message = mask_text(str(exc))
        await self.db.write(
            source_store.record_failure, self.db.engine, source.id,
            # a service's own error text can carry a NUL, which PostgreSQL's text cannot hold
            now=now, reason=exc.reason, message=message.replace("\x00", "\\x00"), blocked=blocked,
            next_check_at=next_at,
        )
        self.metrics.fetches.labels(source.id, source.kind.value, exc.reason).inc()
        self._count_listing(source, exc.reason)
        self._set_health(source, up=False, blocked=blocked, failures=failures)
        log.warning("source %s failed (%s), next poll at %s: %s", source.id, exc.reason, next_at.isoformat(), message)
        return PollReport(source.id, exc.reason, error=message)

    def _count_listing(self, source: SourceConfig, outcome: str, entries: int | None = None) -> None:
        """Hot lists' own figures: polls by platform and outcome, entries on the list."""
        if source.platform is None:
            return
        self.metrics.hotlist_polls.labels(platform=source.platform.value, outcome=outcome).inc()
        if entries is not None:
            self.metrics.hotlist_entries.labels(source=source.id, platform=source.platform.value).set(entries)

    def _set_health(
        self, source: SourceConfig, *, up: bool, blocked: bool, failures: int, success_at: datetime | None = None
    ) -> None:
        labels = (source.id, source.kind.value)
        self.metrics.source_up.labels(*labels).set(1 if up else 0)
        self.metrics.source_blocked.labels(*labels).set(1 if blocked else 0)
        self.metrics.source_failures.labels(*labels).set(failures)
        self.metrics.source_health.labels(*labels).state("up" if up else "blocked" if blocked else "failing")
        if success_at is not None:
            self.metrics.source_last_success.labels(*labels).set(success_at.timestamp())

    async def refresh_health(self) -> None:
        """Set every source's gauges from the store (at start) and flag blind sources."""
        now = self.clock.now()
        states = await self.db.read(source_store.all_states, self.db.engine)
        blind_after = self.settings.collect.blind_after
        for sid, source in self._sources.items():
            state = states.get(sid)
            if state is None:
                continue
            labels = (sid, source.kind.value)
            self.metrics.source_up.labels(*labels).set(1 if state.health == "up" else 0)
            self.metrics.source_blocked.labels(*labels).set(1 if state.health == "blocked" else 0)
            self.metrics.source_failures.labels(*labels).set(state.consecutive_failures)
            self.metrics.source_health.labels(*labels).state(state.health)
            if state.last_success_at is not None:
                self.metrics.source_last_success.labels(*labels).set(state.last_success_at.timestamp())
            self.metrics.source_blind.labels(*labels).set(1 if is_blind(state, now, blind_after) else 0)


def _storable_key(raw: RawItem) -> str | None:
    try:
        return storable_id(raw.external_id)
    except ItemRejected:
        return None


def is_blind(state: SourceState | SourceSummary, now: datetime, blind_after: timedelta) -> bool:
    """A source is blind when it has been watched longer than ``blind_after`` without a new item."""
    if state.health == "unknown":
        return False
    reference = state.last_new_item_at or state.last_success_at or state.last_error_at
    return reference is not None and now - reference > blind_after


def _release_all(database: Database) -> None:
    from sqlalchemy import update
    from sqlmodel import Session

    with Session(database.engine) as session:
        session.execute(update(SourceState).values(lease_owner=None, lease_until=None))
        session.commit()
