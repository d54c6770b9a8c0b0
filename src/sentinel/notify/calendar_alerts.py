"""The operators' alert for a working-day calendar about to run out: on or after 1 November, next
year's holiday notice is neither in ``chinese_calendar`` nor in ``policy.calendar``, so deadlines
reaching into it are provisional (:mod:`sentinel.escalation.workdays`). Queued once a week until the
notice is entered; the key names the year and the week."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from sentinel.escalation.calendar_view import next_year_missing
from sentinel.escalation.policy import EscalationRole
from sentinel.escalation.roster import Roster, routes
from sentinel.notify.compose import compose
from sentinel.notify.serialisation import message_to_json
from sentinel.settings import Settings
from sentinel.store.models import Obligation, OutboxMessage
from sentinel.store.outbox import queue_new

__all__ = ["provisional_count", "queue_calendar_alert"]


def provisional_count(engine: Engine) -> int:
    """Open deadlines counted by rule for want of a holiday notice."""
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Obligation).where(
            col(Obligation.state) == "open", col(Obligation.provisional).is_not(None))) or 0)


def queue_calendar_alert(engine: Engine, settings: Settings, channel_ids: Sequence[str], now: datetime, *,
                         link_base: str | None = None) -> list[str]:
    """Queue this week's alert when next year's notice is still missing after 1 November."""
    year = next_year_missing(now, settings.zone, settings.policy.calendar)
    if year is None:
        return []
    week = now.astimezone(settings.zone).isocalendar()
    key = f"calendar:{year}:missing:{week.year}-w{week.week}"
    roster = Roster(settings.roster, settings.zone)
    people = roster.recipients(EscalationRole.DUTY_OFFICER, None, now)
    operators = list(settings.delivery.operators or channel_ids)
    count = provisional_count(engine)
    rows = []
    for channel, audience in routes(people, operators).items():
        row_key = f"{key}:{channel}"
        recipients = [p.as_dict() for p in audience]
        message = compose("calendar_missing", {"year": year, "provisional": count, "now": now, "recipients": recipients,
                                               "idempotency_key": row_key}, zone=settings.zone, link_base=link_base)
        rows.append(OutboxMessage(key=row_key, action_key=key, kind="calendar_missing", channel=channel,
                                  recipients=recipients, message=message_to_json(message), created_at=now,
                                  not_before=now))
    with Session(engine) as session:
        return queue_new(session, rows)
