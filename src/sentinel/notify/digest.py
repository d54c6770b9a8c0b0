"""The daily digest (舆情日报) for the leaders: new incidents of the last day (ours, and past
verification), the incidents still open with their deadlines, and every deadline breached in the
last day.

Queued once a day, at ``delivery.digest_at`` local time (default 08:30), into the outbox. Its key
names the local date, so the daemon's periodic check can run as often as it likes, in several
processes and across restarts, and the day's digest is still queued once per channel; a daemon
down at 08:30 sends it when it is back the same day.

It is also the period report's daily briefing: the daemon builds and archives the full report
(:mod:`sentinel.reports.briefing`) and passes its summary in as ``briefing``, so the leaders get one
message that carries both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Row, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from sentinel.escalation import verification
from sentinel.escalation.clocks import outside
from sentinel.escalation.engine import incident_context, obligation_context
from sentinel.escalation.policy import EscalationRole
from sentinel.escalation.roster import Roster, routes
from sentinel.settings import Settings
from sentinel.store.models import Incident, IncidentKind, IncidentState, Obligation, OutboxMessage, columns_of
from sentinel.store.outbox import deferred_message

__all__ = ["digest_day", "digest_pending", "prepare_daily_digest", "queue_daily_digest", "store_daily_digest"]


#: Entries the digest lists in each of its parts; its title and each part's heading count them all. A
#: message is cut at its channel's size limit anyway (a WeCom robot takes 4 KB), and the full list
#: of a busy day is the archived briefing's: 10k open incidents made a digest of 20 MB.
DIGEST_LISTED = 50
#: what the digest reads of an incident (:func:`incident_context`, whether it is ours, its state and
#: verification) and of a deadline (:func:`obligation_context`)
_INCIDENT_COLUMNS = columns_of(Incident, "id", "title", "grade", "department", "category", "emerged_at",
                               "detected_at", "kind", "place", "jurisdiction", "state", "verification")
_OBLIGATION_COLUMNS = columns_of(Obligation, "id", "incident_id", "kind", "due_at", "started_at", "state",
                                 "sequence", "met_at", "provisional")


def digest_day(settings: Settings, now: datetime) -> date | None:
    """Today's local date once today's digest time has come; None before it (or with no digest)."""
    at = settings.delivery.digest_at
    if at is None:
        return None
    local = now.astimezone(settings.zone)
    return local.date() if local.time() >= at else None


def _keys(settings: Settings, channel_ids: Sequence[str], now: datetime, day: date) -> dict[str, str]:
    """The digest's outbox key on each channel that reaches a leader."""
    people = Roster(settings.roster, settings.zone).recipients(EscalationRole.LEADER, None, now)
    return {channel: f"digest:{day.isoformat()}:{channel}" for channel in routes(people, list(channel_ids))}


def digest_pending(engine: Engine, settings: Settings, channel_ids: Sequence[str], now: datetime) -> bool:
    """Whether today's digest is due and not queued on every channel yet (a cheap check before the report)."""
    day = digest_day(settings, now)
    if day is None:
        return False
    keys = set(_keys(settings, channel_ids, now, day).values())
    with Session(engine) as session:
        known = set(session.scalars(select(col(OutboxMessage.key)).where(col(OutboxMessage.key).in_(keys))).all())
    return not known >= keys


def queue_daily_digest(engine: Engine, settings: Settings, channel_ids: Sequence[str], now: datetime, *,
                       link_base: str | None = None, briefing: Mapping[str, Any] | None = None) -> list[str]:
    """Queue today's digest if its time has come and it is not queued yet; returns the new keys.

    ``briefing`` is the summary of the day's period report (see :mod:`sentinel.reports.briefing`).
    :func:`prepare_daily_digest` then :func:`store_daily_digest`, which the daemon runs apart: the
    first only reads (on a day of thousands of incidents, seconds), the second holds the writer for
    the few rows.
    """
    prepared = prepare_daily_digest(engine, settings, channel_ids, now, link_base=link_base, briefing=briefing)
    return store_daily_digest(engine, prepared)


def prepare_daily_digest(engine: Engine, settings: Settings, channel_ids: Sequence[str], now: datetime, *,
                         link_base: str | None = None, briefing: Mapping[str, Any] | None = None
                         ) -> list[OutboxMessage]:
    """Today's digest messages not queued yet, one per channel that reaches a leader, not stored:
    this only reads. Nothing before the digest's time, or once it is queued on every channel."""
    day = digest_day(settings, now)
    if day is None:
        return []
    key = f"digest:{day.isoformat()}"
    roster = Roster(settings.roster, settings.zone)
    people = roster.recipients(EscalationRole.LEADER, None, now)
    by_channel = routes(people, list(channel_ids))
    with Session(engine) as session:
        keys = [f"{key}:{channel}" for channel in by_channel]
        known = set(session.scalars(select(col(OutboxMessage.key)).where(col(OutboxMessage.key).in_(keys))).all())
        if known >= set(keys):
            return []
        since = now - timedelta(days=1)
        # rows of the columns read, not ORM objects: a busy day's thousands of incidents and open
        # deadlines, an object each with every JSON column decoded, cost several times as much
        new = session.execute(select(*_INCIDENT_COLUMNS).where(
            col(Incident.kind) == IncidentKind.INCIDENT.value, col(Incident.detected_at) >= since)
            .order_by(col(Incident.detected_at))).all()
        open_rows = session.execute(select(*_OBLIGATION_COLUMNS).where(col(Obligation.state) == "open")
                                    .order_by(col(Obligation.due_at))).all()
        breached = session.execute(select(*_OBLIGATION_COLUMNS).where(
            col(Obligation.state) == "breached", col(Obligation.breached_at) >= since)
            .order_by(col(Obligation.due_at))).all()
        incidents = {i.id: i for i in new}  # the day's new incidents are read already
        wanted = {row.incident_id for row in [*open_rows, *breached]} - incidents.keys()
        incidents.update((i.id, i) for i in session.execute(
            select(*_INCIDENT_COLUMNS).where(col(Incident.id).in_(wanted))).all())
        # the open incidents, the one whose next deadline comes first first (a long digest is cut
        # at the channel's size limit: what is cut is what is least urgent)
        due: dict[int, list[Row[Any]]] = {}
        for row in open_rows:
            due.setdefault(row.incident_id, []).append(row)
        open_incidents = [(incidents[key], rows) for key, rows in due.items()
                          if incidents[key].state == IncidentState.OPEN.value]
        # not the incidents outside the jurisdiction, nor those still awaiting verification (研判):
        # the leaders hear of neither before a person or the evidence decides
        fresh = [incident for incident in new
                 if not outside(incident) and not verification.is_pending(incident.verification)]
        overdue = [row for row in breached if row.incident_id in incidents]
        context = {
            "day": day, "now": now,
            "totals": {"new": len(fresh), "open": len(open_incidents), "breaches": len(overdue)},
            "new_incidents": [incident_context(incident) for incident in fresh[:DIGEST_LISTED]],
            "open_incidents": [{**incident_context(incident), "obligations": [obligation_context(r) for r in rows]}
                               for incident, rows in open_incidents[:DIGEST_LISTED]],
            "breaches": [{"incident": incident_context(incidents[row.incident_id]), "obligation": obligation_context(row)}
                         for row in overdue[:DIGEST_LISTED]],
            "briefing": dict(briefing) if briefing else None,
        }
    messages = []
    for channel, audience in by_channel.items():
        row_key = f"{key}:{channel}"
        if row_key in known:
            continue
        recipients = [person.as_dict() for person in audience]
        messages.append(OutboxMessage(
            key=row_key, action_key=key, kind="daily_digest", channel=channel, recipients=recipients,
            message=deferred_message("daily_digest", {**context, "recipients": recipients}, zone=settings.zone,
                                     link_base=link_base, idempotency_key=row_key),
            created_at=now, not_before=now))
    return messages


def store_daily_digest(engine: Engine, messages: Sequence[OutboxMessage]) -> list[str]:
    """Queue the digest messages :func:`prepare_daily_digest` made, unless another process queued
    today's digest meanwhile; returns the keys queued."""
    if not messages:
        return []
    with Session(engine) as session:
        known = set(session.scalars(select(col(OutboxMessage.key)).where(
            col(OutboxMessage.key).in_([message.key for message in messages]))).all())
        fresh = [message for message in messages if message.key not in known]
        session.add_all(fresh)
        try:
            session.commit()
        except IntegrityError:  # another process queued today's digest a moment ago
            session.rollback()
            return []
        return [message.key for message in fresh]
