"""The daily digest (舆情日报) for the leaders: new incidents of the last day, the incidents still
open with their deadlines, and every deadline breached in the last day.

Queued once a day, at ``delivery.digest_at`` local time (default 08:30), into the outbox. Its key
names the local date, so the daemon's periodic check can run as often as it likes, in several
processes and across restarts, and the day's digest is still queued once per channel; a daemon
down at 08:30 sends it when it is back the same day.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from sentinel.escalation.engine import incident_context, obligation_context
from sentinel.escalation.policy import EscalationRole
from sentinel.notify.outbox import deferred_message
from sentinel.notify.roster import Roster, routes
from sentinel.settings import Settings
from sentinel.store.models import Incident, IncidentKind, IncidentState, Obligation, OutboxMessage

__all__ = ["queue_daily_digest"]


def queue_daily_digest(engine: Engine, settings: Settings, channel_ids: Sequence[str], now: datetime, *,
                       link_base: str | None = None) -> list[str]:
    """Queue today's digest if its time has come and it is not queued yet; returns the new keys."""
    at = settings.delivery.digest_at
    if at is None:
        return []
    local = now.astimezone(settings.zone)
    if local.time() < at:
        return []
    day = local.date()
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
        new = session.scalars(select(Incident).where(
            col(Incident.kind) == IncidentKind.INCIDENT.value, col(Incident.detected_at) >= since)
            .order_by(col(Incident.detected_at))).all()
        open_rows = session.scalars(select(Obligation).where(col(Obligation.state) == "open")
                                    .order_by(col(Obligation.due_at))).all()
        breached = session.scalars(select(Obligation).where(
            col(Obligation.state) == "breached", col(Obligation.breached_at) >= since)
            .order_by(col(Obligation.due_at))).all()
        wanted = {row.incident_id for row in [*open_rows, *breached]}
        incidents = {i.id: i for i in session.scalars(select(Incident).where(col(Incident.id).in_(wanted))).all()}
        open_incidents = []
        for incident in incidents.values():
            rows = [row for row in open_rows if row.incident_id == incident.id]
            if rows and incident.state == IncidentState.OPEN.value:
                open_incidents.append({**incident_context(incident), "obligations": [obligation_context(r) for r in rows]})
        context = {
            "day": day, "now": now,
            "new_incidents": [incident_context(incident) for incident in new],
            "open_incidents": open_incidents,
            "breaches": [{"incident": incident_context(incidents[row.incident_id]), "obligation": obligation_context(row)}
                         for row in breached if row.incident_id in incidents],
        }
        queued = []
        for channel, audience in by_channel.items():
            row_key = f"{key}:{channel}"
            if row_key in known:
                continue
            recipients = [person.as_dict() for person in audience]
            session.add(OutboxMessage(
                key=row_key, action_key=key, kind="daily_digest", channel=channel, recipients=recipients,
                message=deferred_message("daily_digest", {**context, "recipients": recipients}, zone=settings.zone,
                                         link_base=link_base, idempotency_key=row_key),
                created_at=now, not_before=now))
            queued.append(row_key)
        try:
            session.commit()
        except IntegrityError:  # another process queued today's digest a moment ago
            session.rollback()
            return []
        return queued
