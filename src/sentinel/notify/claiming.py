"""Claiming outbox rows: leasing what is due to one dispatcher, giving back what it did not attempt,
and counting what is pending.

Up to ``batch`` due rows (pending, ``not_before <= now``, unleased or lease expired), oldest first,
get the dispatcher's lease in a committed transaction: on PostgreSQL the candidates are picked ``FOR
UPDATE SKIP LOCKED``, on SQLite one ``UPDATE … RETURNING`` holds the write lock. Two processes never
hold the same row; a dead one's rows come free when its lease ends, or at once when it starts again
under the same identity (:func:`take_back`, :mod:`sentinel.identity`).

A row claimed while it still names an owner — one that died, or ran past its lease, with the send
perhaps in flight — is marked ``uncertain``, and its next send says 重发. The database does not record
which of a dead drain's rows was in flight (that would cost a commit per send), so when another
process takes them over after the lease, its rows still waiting their turn are marked too; a process
that restarts under the same identity knows better from its own file
(:mod:`~sentinel.notify.inflight`) and marks only those.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Table, and_, case, func, or_, select, update

from sentinel.store.models import OutboxMessage, OutboxState

__all__ = ["Queued", "claim_due", "pending_summary", "release", "release_owned", "take_back"]


@dataclass(frozen=True, slots=True)
class Queued:
    """A claimed outbox row: what is needed to send it and to record the outcome."""

    id: int
    key: str
    action_key: str
    incident_id: int | None
    obligation_id: int | None
    kind: str
    channel: str
    recipients: list[dict[str, Any]]
    grade: str | None
    message: dict[str, Any]
    created_at: datetime
    attempts: int
    uncertain: bool = False  # an earlier send's outcome is unknown: this one is marked 重发


_OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
_QUEUED_COLUMNS = [_OUTBOX.c[column.name] for column in fields(Queued)]


def claim_due(
    engine: Engine, *, owner: str, now: datetime, lease_for: timedelta, limit: int, skip: Sequence[str] = ()
) -> list[Queued]:
    """Lease up to ``limit`` due rows (oldest first) to ``owner`` and return them, in a committed transaction."""
    t = _OUTBOX.c
    due = and_(
        t.state == OutboxState.PENDING.value,
        t.not_before <= now,
        or_(t.lease_until.is_(None), t.lease_until < now),
    )
    if skip:
        due = and_(due, t.channel.not_in(list(skip)))
    pick = select(t.id).where(due).order_by(t.created_at, t.id).limit(limit)
    # a row still naming an owner was never recorded nor given back: that owner died or ran past its
    # lease with the send perhaps in flight, so whether it arrived is unknown — this send says 重发
    claim = (update(_OUTBOX)
             .values(lease_owner=owner, lease_until=now + lease_for,
                     uncertain=case((t.lease_owner.is_not(None), True), else_=t.uncertain))
             .returning(*_QUEUED_COLUMNS))
    result: Iterable[Any]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Two statements, not ``UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)``:
            # PostgreSQL may re-run such a sub-select per row, each run skipping the rows the UPDATE
            # has just changed, and so lease far more than ``n``.
            ids = list(connection.scalars(pick.with_for_update(skip_locked=True)))
            result = connection.execute(claim.where(t.id.in_(ids))) if ids else []
        else:
            # one statement: SQLite takes the write lock for it, so another process cannot interleave
            result = connection.execute(claim.where(t.id.in_(pick), due))
        rows = [Queued(**row._mapping) for row in result]
    return sorted(rows, key=lambda row: (row.created_at, row.id))


def release(engine: Engine, ids: Sequence[int], *, owner: str) -> None:
    """Give back the lease of rows this drain did not attempt (held by a rate limit or a paused channel)."""
    if not ids:
        return
    t = _OUTBOX.c
    with engine.begin() as connection:
        connection.execute(
            update(_OUTBOX).where(t.id.in_(list(ids)), t.lease_owner == owner).values(lease_owner=None, lease_until=None)
        )


def release_owned(engine: Engine, *, owner: str) -> int:
    """Give back every pending row leased to ``owner`` (a graceful stop, nothing in flight); returns how many."""
    t = _OUTBOX.c
    with engine.begin() as connection:
        return connection.execute(
            update(_OUTBOX).where(t.lease_owner == owner, t.state == OutboxState.PENDING.value)
            .values(lease_owner=None, lease_until=None)).rowcount


def take_back(engine: Engine, *, owner: str, in_flight: Collection[int] | None = None) -> int:
    """End the leases ``owner`` held before it restarted (a crash): its rows are due again at once.

    For the rows in ``in_flight`` (all of them when None: nobody knows), ``lease_owner`` stays, so the
    claim that follows knows their last send may have arrived (重发); the others were claimed but never
    handed to a sender, and are given back as if never claimed."""
    t = _OUTBOX.c
    held = and_(t.lease_owner == owner, t.state == OutboxState.PENDING.value)
    with engine.begin() as connection:
        if in_flight is None:
            return connection.execute(update(_OUTBOX).where(held).values(lease_until=None)).rowcount
        doubtful = list(in_flight)
        taken = connection.execute(update(_OUTBOX).where(held, t.id.in_(doubtful)).values(lease_until=None)).rowcount
        return taken + connection.execute(
            update(_OUTBOX).where(held, t.id.not_in(doubtful)).values(lease_owner=None, lease_until=None)).rowcount


def pending_summary(engine: Engine, *, now: datetime) -> tuple[int, float]:
    """Pending rows, and the seconds the longest-waiting due one has waited (0 when none is due).

    A message never tried counts from its ``not_before`` (held for quiet hours is not waiting); one
    already tried counts from its creation (backing off is waiting).
    """
    t = _OUTBOX.c
    waiting_since = case((t.attempts > 0, t.created_at), else_=t.not_before)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).where(t.state == OutboxState.PENDING.value)) or 0
        oldest = connection.scalar(
            select(func.min(waiting_since)).where(
                t.state == OutboxState.PENDING.value, or_(t.attempts > 0, t.not_before <= now))
        )
    return int(count), max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
