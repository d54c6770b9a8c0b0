"""The outbox (发件箱): deliver what the escalation engine queued, once, in order, within each channel's
rate, and record how it went.

The engine writes one ``outbox`` row per message and channel in the transaction that decided to send
it (:class:`~sentinel.store.models.OutboxMessage`). A :class:`Dispatcher` drains the table, one
``drain(now)`` per scheduler tick:

1. **Claim.** Up to ``batch`` due rows (pending, ``not_before <= now``, unleased or lease expired),
   oldest first, get this dispatcher's lease in a committed transaction: on PostgreSQL the candidates
   are picked ``FOR UPDATE SKIP LOCKED``, on SQLite one ``UPDATE … RETURNING`` holds the write lock.
   Two processes never hold the same row; a dead one's rows come free when its lease ends.
2. **Send.** Channels are sent concurrently; within a channel in ``created_at`` order, one at a time.
   Each channel has rate windows ("at most N in any second/minute"): what does not fit waits for a
   later drain, except reminders, which are folded into one digest ("N条提醒") when more are queued
   than the channel may carry now. A retryable failure stops the channel until the next drain (or
   for the service's Retry-After): hammering a failing robot only gets it throttled longer.
3. **Record.** Each outcome is written with its timeline entry in one transaction (outcomes that
   arrive while the previous write is in flight share the next one), while the channel goes on
   sending: delivered; retry later (exponential backoff from ``backoff``, capped at ``backoff_max``,
   never before the service's Retry-After — for as long as it takes: a message is never dropped
   for a channel that is down, and goes out marked 迟发 when it recovers); or failed for good when
   the service refused it. A refusal, or ``max_attempts`` failures, queues a ``delivery_failed``
   message to the operators' channels and, for grade I/II, a copy through the ``fallback`` channel
   (also after ``fallback_after`` failures in a row while still retrying). Each channel's failing
   episode is recorded too; one longer than ``channel_down_after`` is an operators' alert
   (:mod:`~sentinel.notify.channel_alerts`).

A crash between sending and recording leaves the row pending: it is sent again when the lease ends,
or at once when the process starts again (its lease identity survives restarts), and that copy is
marked 重发 (at least once). The rows it had claimed but not yet handed to a sender go out unmarked
when the same process starts again (it keeps the rows in flight in a file, :mod:`~sentinel.notify.inflight`);
another process taking them over after the lease cannot tell, and marks them all. Receivers that keep keys drop the repeat by its idempotency key (the
webhook's ``Idempotency-Key`` header); people see the mark. A delivered row is never sent again. A
graceful stop (SIGTERM) sends nothing more, lets the send in flight finish and be recorded, and gives
back the rows it held (:meth:`Dispatcher.close`).

The parts, each in its own module: :mod:`~sentinel.notify.serialisation` (what a row's ``message``
holds), :mod:`~sentinel.notify.claiming` (leases), :mod:`~sentinel.notify.rates` (rate windows, and
why windows rather than buckets), :mod:`~sentinel.notify.planning` (what goes now, digests),
:mod:`~sentinel.notify.recording` (outcomes, retries, follow-ups) and
:mod:`~sentinel.notify.config` (the ``delivery:`` section). This module is the :class:`Dispatcher`
that drives them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from sentinel.clock import Clock, require_aware
from sentinel.errors import ConfigError
from sentinel.metrics import Metrics
from sentinel.notify.base import Sender
from sentinel.notify.claiming import Queued, claim_due, pending_summary, release, release_owned, take_back
from sentinel.notify.config import DeliveryConfig
from sentinel.notify.inflight import InFlight
from sentinel.notify.marking import late_by, marked
from sentinel.notify.message import Message
from sentinel.notify.planning import digest, digest_key, merge_by_recipient, plan
from sentinel.notify.rates import RateWindows
from sentinel.notify.recording import Outcome, Policy, Result, Verdict, record
from sentinel.notify.serialisation import stored_message
from sentinel.store.db import Database

__all__ = ["Dispatcher", "DrainReport"]

log = logging.getLogger("sentinel.notify.outbox")

UNKNOWN_CHANNEL = "unknown_channel"  # last_reason of a row whose channel is no longer configured


@dataclass
class DrainReport:
    """What one drain did. A digest's members count in ``delivered``/``retried``/``failed`` each."""

    claimed: int = 0
    sent: int = 0  # messages handed to senders (a digest is one)
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    held: int = 0  # claimed but left for a later drain (rate limit, or the channel failed just now)
    digests: int = 0
    channels: dict[str, int] = field(default_factory=dict)  # messages sent, by channel


class _Recorder:
    """Writes results as they come in the background, so sending never waits for the database.

    A write starts as soon as a result comes (``linger`` 0: the time between a send and its record
    is the window in which a crash sends the message twice, so nothing waits in it), and results
    that arrive while a write is in flight go together in the next transaction: a commit per message
    cost more CPU than its send (bench/notify.py). Each row's outcome still shares its transaction
    with its timeline entry, and a crash in between leaves the rows leased, to be sent again, marked
    重发: at least once, never lost.
    """

    def __init__(self, write: Callable[[list[Result]], Awaitable[None]], *, linger: float = 0.0,
                 enough: int = 64) -> None:
        self._write = write
        self._linger = linger
        self._enough = enough
        self._full = asyncio.Event()
        self._pending: list[Result] = []
        self._task: asyncio.Task[None] | None = None

    def add(self, result: Result) -> None:
        self._pending.append(result)
        if len(self._pending) >= self._enough:
            self._full.set()
        if self._task is None or self._task.done():
            self._full.clear()
            self._task = asyncio.create_task(self._flush())

    async def _flush(self) -> None:
        if self._linger > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), self._linger)
        while self._pending:
            batch, self._pending = self._pending, []
            await self._write(batch)

    async def close(self) -> None:
        """Write what is left now (sending is over: nothing more will come to wait for)."""
        self._full.set()
        if self._task is not None:
            await self._task


class Dispatcher:
    """Drains the outbox through the configured senders (see the module docstring)."""

    def __init__(
        self,
        database: Database,
        senders: Mapping[str, Sender],
        config: DeliveryConfig,
        *,
        metrics: Metrics,
        owner: str,
        channel_kinds: Mapping[str, str],
        clock: Clock | None = None,
        in_flight: InFlight | None = None,
    ) -> None:
        """``clock``, when given, bounds a drain's sending to half the lease (see :meth:`drain`);
        ``in_flight``, when given, keeps the rows handed to senders and not yet recorded, so that a
        restart marks 重发 only those (:mod:`~sentinel.notify.inflight`)."""
        for name, ids in (("fallback", [config.fallback] if config.fallback else []),
                          ("operators", config.operators or []), ("rate_limits", list(config.rate_limits))):
            for channel in ids:
                if channel not in senders:
                    raise ConfigError(f"no channel {channel!r}", key=f"delivery.{name}")
        self._database = database
        self._senders = dict(senders)
        self._config = config
        self._metrics = metrics
        self._owner = owner
        self._clock = clock
        self._in_flight = in_flight
        self._one_at_a_time = asyncio.Lock()  # overlapping drains would each spend the same rate room
        self._stopping = False
        self._taken_back = False
        self._windows = {
            channel: RateWindows(config.rates_for(channel, channel_kinds.get(channel, getattr(sender, "kind", None))))
            for channel, sender in self._senders.items()
        }
        operators = tuple(config.operators) if config.operators is not None else tuple(self._senders)
        self._policy = Policy(config.max_attempts, config.backoff, config.backoff_max, config.fallback,
                              config.fallback_after, operators)

    async def drain(self, now: datetime) -> DrainReport:
        """Send what is due at ``now`` and record every outcome; never raises for one bad row.

        With a clock, a channel stops sending once half the lease has gone by (a slow receiver):
        its remaining rows are released before another process could take them over and send them
        a second time. Drains of one dispatcher run one at a time; a second call waits for the first.
        """
        now = require_aware(now).astimezone(UTC)
        async with self._one_at_a_time:
            return await self._drain(now)

    def stop_sending(self) -> None:
        """A stop is coming: the send in flight finishes and is recorded; nothing more is sent."""
        self._stopping = True

    async def close(self, *, wait: float) -> None:
        """Stop sending, wait up to ``wait`` seconds for the drain under way, then give back every row
        this process still holds, so that another process — or this one started again — sends them
        at once. A drain still sending after ``wait`` keeps its rows leased: a send may be in flight,
        and they go out again (marked 重发) when this process starts again or the lease ends."""
        self._stopping = True
        try:
            await asyncio.wait_for(self._one_at_a_time.acquire(), wait)
        except TimeoutError:
            log.warning("the outbox drain still sending after %.0f s at stop; its rows stay leased to %s",
                        wait, self._owner)
            return
        try:
            released = await self._database.write(release_owned, self._database.engine, owner=self._owner)
        finally:
            self._one_at_a_time.release()
        if released:
            log.info("gave back %d outbox rows at stop", released)

    async def _drain(self, now: datetime) -> DrainReport:
        if self._stopping:
            return DrainReport()
        if not self._taken_back:
            # rows leased under this identity before a restart: the process that held them is gone
            sent = self._in_flight.previous() if self._in_flight is not None else None
            taken = await self._database.write(take_back, self._database.engine, owner=self._owner, in_flight=sent)
            self._taken_back = True
            if taken:
                log.warning("took back %d outbox rows leased by this process before it restarted", taken)
        stop_at = self._clock.monotonic() + self._config.lease.total_seconds() / 2 if self._clock else None
        full = [channel for channel, windows in self._windows.items() if windows.available(now) == 0]
        rows = await self._database.write(
            claim_due, self._database.engine, owner=self._owner, now=now, lease_for=self._config.lease,
            limit=self._config.batch, skip=full,
        )
        report = DrainReport(claimed=len(rows))
        by_channel: dict[str, list[Queued]] = {}
        for row in rows:
            by_channel.setdefault(row.channel, []).append(row)
        recorder = _Recorder(lambda results: self._record(results, now, report))
        try:
            held = await asyncio.gather(*(self._drain_channel(channel, queue, now, report, recorder, stop_at)
                                          for channel, queue in by_channel.items()))
        finally:
            await recorder.close()
        ids = [row.id for part in held for row in part]
        report.held = len(ids)
        if ids:
            await self._database.write(release, self._database.engine, ids, owner=self._owner)
        return report

    async def refresh_gauges(self, now: datetime) -> None:
        """Set ``sentinel_outbox_pending`` and ``sentinel_outbox_oldest_pending_seconds`` (one cheap query)."""
        count, oldest = await self._database.read(pending_summary, self._database.engine, now=require_aware(now))
        self._metrics.outbox_pending.set(count)
        self._metrics.outbox_oldest_pending.set(oldest)

    async def _drain_channel(
        self, channel: str, rows: list[Queued], now: datetime, report: DrainReport, recorder: _Recorder,
        stop_at: float | None,
    ) -> list[Queued]:
        """Send one channel's rows in order; return the rows left for a later drain."""
        sender = self._senders.get(channel)
        if sender is None:
            problem = Outcome(False, reason=UNKNOWN_CHANNEL,
                              detail=f"channel {channel!r} is not configured (the configuration changed since "
                                     "the message was queued)")
            recorder.add(Result(tuple(rows), problem))
            return []
        windows = self._windows[channel]
        units, held = plan(rows, windows.available(now))
        if getattr(sender, "merges_per_recipient", False):
            units = merge_by_recipient(units)  # one text or call per person, however many alerts
        self._metrics.notifications_rate_limited.labels(channel).inc(
            len(held) + sum(len(unit) for unit in units if len(unit) > 1))
        for position, unit in enumerate(units):
            if self._stopping:
                return [row for later in units[position:] for row in later] + held
            if stop_at is not None and self._clock is not None and self._clock.monotonic() > stop_at:
                held = [row for later in units[position:] for row in later] + held
                log.warning("channel %s: the drain ran past half its lease; %d rows left for the next one",
                            channel, len(held))
                return held
            members, messages = [], []
            for row in unit:
                decoded = self._decode(row)
                if isinstance(decoded, Message):
                    members.append(row)
                    messages.append(marked(decoded, late=late_by(row, now), resent=row.uncertain))
                else:
                    recorder.add(Result((row,), Outcome(False, reason="internal", detail=decoded)))
            if not members:
                continue
            key = digest_key(row.key for row in members) if len(members) > 1 else None
            windows.take(now)
            if self._in_flight is not None:
                self._in_flight.add(row.id for row in members)
            outcome = await self._send(sender, digest(messages, key=key) if key else messages[0], now)
            recorder.add(Result(tuple(members), outcome, key))  # first: until it is written, a crash sends it again
            report.sent += 1
            report.digests += key is not None
            report.channels[channel] = report.channels.get(channel, 0) + 1
            if not outcome.ok and outcome.retryable:
                # the service is failing or throttling: stop here, and wait as long as it asked
                if outcome.retry_after:
                    windows.paused_until = now + timedelta(seconds=outcome.retry_after)
                if outcome.reason == "rate_limited":
                    self._metrics.notifications_rate_limited.labels(channel).inc(len(members))
                return [row for later in units[position + 1:] for row in later] + held
        return held

    @staticmethod
    def _decode(row: Queued) -> Message | str:
        try:
            return stored_message(row.message)
        except (ValueError, TypeError) as exc:
            log.error("outbox %s (%s): unreadable message: %s", row.id, row.key, exc)
            return f"unreadable message: {exc}"

    @staticmethod
    async def _send(sender: Sender, message: Message, now: datetime) -> Outcome:
        try:
            return Outcome.of(await sender.send(message, now=now))
        except Exception as exc:  # a sender must never raise; if one does, that message fails, not the drain
            log.exception("channel %s: sender raised", sender.channel_id)
            return Outcome(False, reason="internal", detail=f"{type(exc).__name__}: {exc}")

    async def _record(self, results: list[Result], now: datetime, report: DrainReport) -> None:
        try:
            verdicts = await self._database.write(
                record, self._database.engine, results, now=now, policy=self._policy)
        except SQLAlchemyError:
            # the rows keep their lease and are sent again when it ends: at least once, never lost
            log.exception("recording the outcome of outbox rows %s failed",
                          [row.id for result in results for row in result.rows])
            return
        if self._in_flight is not None:
            self._in_flight.remove(row.id for result in results for row in result.rows)
        for result, row_verdicts in zip(results, verdicts, strict=True):
            for row, verdict in zip(result.rows, row_verdicts, strict=True):
                if verdict is not None:
                    self._count(row, verdict, result.outcome, now, report)

    def _count(self, row: Queued, verdict: Verdict, outcome: Outcome, now: datetime, report: DrainReport) -> None:
        self._metrics.notifications.labels(row.channel, row.kind, verdict).inc()
        if verdict == "delivered":
            report.delivered += 1
            self._metrics.notification_latency.labels(row.channel).observe(
                max(0.0, (now - row.created_at).total_seconds()))
        elif verdict == "retry":
            report.retried += 1
        else:
            report.failed += 1
            log.warning("outbox %s (%s) via %s failed for good: %s %s", row.id, row.key, row.channel,
                        outcome.reason, outcome.detail)
