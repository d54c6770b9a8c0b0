"""Queries on source state: the schedule, validators, health and leases.

A poll's items and the validators/cursor that cover them are written in one transaction
(:func:`sentinel.store.items.save_poll`), so a crash between the two can neither skip items
(validators advanced without them) nor store them twice (the unique constraint holds).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, or_, select, update
from sqlmodel import Session, col

from sentinel.masking import mask_text
from sentinel.settings import SourceConfig
from sentinel.store.inserts import insert_ignoring
from sentinel.store.models import Item, SourceHealth, SourceState


def ensure_sources(engine: Engine, sources: Iterable[SourceConfig], *, now: datetime) -> None:
    """Create a state row for each configured source that has none; keep existing rows as they are.

    Several processes starting on one database at once may each find a source missing: the row the
    first one makes stands, and the others' inserts skip it."""
    sources = list(sources)
    with Session(engine) as session:
        existing = set(session.scalars(select(col(SourceState.source_id))).all())
        missing: list[dict[str, Any]] = [
            SourceState(source_id=s.id, kind=s.kind.value, next_check_at=now, cursor={}).model_dump()
            for s in sources if s.id not in existing]  # (the model's defaults: health, failures …)
        if missing:
            table = SourceState.__table__  # type: ignore[attr-defined]
            session.execute(insert_ignoring(table, engine.dialect.name, ["source_id"]), missing)
        for source in sources:
            if source.id in existing:
                session.execute(
                    update(SourceState).where(col(SourceState.source_id) == source.id).values(kind=source.kind.value)
                )
        session.commit()


def get_state(engine: Engine, source_id: str) -> SourceState | None:
    with Session(engine) as session:
        return session.get(SourceState, source_id)


def all_states(engine: Engine) -> dict[str, SourceState]:
    with Session(engine) as session:
        return {row.source_id: row for row in session.scalars(select(SourceState)).all()}


def lease_due(
    engine: Engine,
    *,
    owner: str,
    now: datetime,
    lease_for: timedelta,
    source_ids: Iterable[str],
    limit: int = 100,
) -> list[SourceState]:
    """Take the lease of up to ``limit`` due sources that nobody else holds.

    On PostgreSQL the rows are locked with ``FOR UPDATE SKIP LOCKED`` so several processes share the
    sources without waiting on each other; an expired lease (a dead process) is free to take.
    """
    ids = list(source_ids)
    if not ids:
        return []
    free = or_(col(SourceState.lease_until).is_(None), col(SourceState.lease_until) < now)
    with Session(engine) as session:
        query = (
            select(col(SourceState.source_id))
            .where(col(SourceState.source_id).in_(ids))
            .where(col(SourceState.next_check_at) <= now)
            .where(free)
            .order_by(col(SourceState.next_check_at))
            .limit(limit)
        )
        if engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        candidates = list(session.scalars(query).all())
        claimed = []
        for source_id in candidates:
            # The claim is a conditional UPDATE, so two processes racing on SQLite (which has no
            # SKIP LOCKED) cannot both take a row: only the one whose UPDATE matched keeps it.
            result = session.execute(
                update(SourceState)
                .where(col(SourceState.source_id) == source_id, col(SourceState.next_check_at) <= now, free)
                .values(lease_owner=owner, lease_until=now + lease_for)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(source_id)
        session.commit()
        if not claimed:
            return []
        rows = session.scalars(
            select(SourceState).where(col(SourceState.source_id).in_(claimed)).order_by(col(SourceState.next_check_at))
        ).all()
        session.expunge_all()
        return list(rows)


def release_leases(engine: Engine, *, owner: str) -> None:
    with Session(engine) as session:
        session.execute(
            update(SourceState).where(col(SourceState.lease_owner) == owner).values(lease_owner=None, lease_until=None)
        )
        session.commit()


def record_not_modified(engine: Engine, source_id: str, *, now: datetime, next_check_at: datetime) -> None:
    with Session(engine) as session:
        session.execute(
            update(SourceState)
            .where(col(SourceState.source_id) == source_id)
            .values(
                health=SourceHealth.UP.value,
                consecutive_failures=0,
                last_attempt_at=now,
                last_success_at=now,
                next_check_at=next_check_at,
                lease_owner=None,
                lease_until=None,
            )
        )
        session.commit()


def record_failure(
    engine: Engine,
    source_id: str,
    *,
    now: datetime,
    reason: str,
    message: str,
    blocked: bool,
    next_check_at: datetime,
) -> int:
    """Count a failed poll; return the number of consecutive failures so far."""
    with Session(engine) as session:
        row = session.get(SourceState, source_id)
        if row is None:
            return 0
        row.consecutive_failures += 1
        row.health = (SourceHealth.BLOCKED if blocked else SourceHealth.FAILING).value
        row.last_attempt_at = now
        row.last_error_at = now
        row.last_error_reason = reason
        row.last_error = message[:2000]
        row.next_check_at = next_check_at
        row.lease_owner = None
        row.lease_until = None
        failures = row.consecutive_failures
        session.commit()
        return failures


@dataclass(frozen=True, slots=True)
class SourceSummary:
    source_id: str
    kind: str
    health: str
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error_reason: str | None
    last_error: str | None
    next_check_at: datetime | None
    consecutive_failures: int
    items_total: int
    items_24h: int
    last_new_item_at: datetime | None


def summarize(engine: Engine, *, now: datetime) -> list[SourceSummary]:
    """What ``sentinel sources list`` shows, one row per known source."""
    since = now - timedelta(hours=24)
    with Session(engine) as session:
        recent = dict(
            session.execute(
                select(col(Item.source_id), func.count()).where(col(Item.fetched_at) >= since).group_by(col(Item.source_id))
            ).all()
        )
        rows = session.scalars(select(SourceState).order_by(col(SourceState.source_id))).all()
        return [
            SourceSummary(
                source_id=row.source_id,
                kind=row.kind,
                health=row.health,
                last_success_at=row.last_success_at,
                last_error_at=row.last_error_at,
                last_error_reason=row.last_error_reason,
                # masked when stored; again here for rows stored before the masker covered them
                last_error=mask_text(row.last_error) if row.last_error else None,
                next_check_at=row.next_check_at,
                consecutive_failures=row.consecutive_failures,
                items_total=row.items_total,
                items_24h=int(recent.get(row.source_id, 0)),
                last_new_item_at=row.last_new_item_at,
            )
            for row in rows
        ]
