"""A request's reply deadline in the store: computed by :mod:`.clock`, kept as its case's obligation.

The obligation row is the engine's (reminders, breach, escalation). When the deadline moves (a
consultation, an extension, a delay, a corrected request, a holiday notice entered) the row in force
is waived with the reason and a new one opened (``sequence`` + 1), so the reminders of the new
deadline have keys of their own and the timeline shows each change. When only its provisional mark
goes (the notice agreed with the rule), the row is kept and the mark cleared.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session, col

from sentinel.disclosure.clock import ClockRules, Due, Pause, ReplyClock, correction_due, reply_due
from sentinel.disclosure.models import Party, RequestState
from sentinel.escalation.clocks import Rules, obligations_of, open_obligation, waive, working_day_obligation
from sentinel.escalation.obligations import ObligationKind, ObligationState, PlannedObligation
from sentinel.escalation.workdays import WorkdayCalendar
from sentinel.store.disclosure import DisclosureConsultation, DisclosureRequest
from sentinel.store.models import Incident, TimelineEvent
from sentinel.store.models import Obligation as ObligationRow

__all__ = ["calendar_for", "clock_of", "current_due", "local_midnight", "open_reply", "reschedule", "today"]


def today(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date()


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def calendar_for(rules: Rules, incident: Incident) -> WorkdayCalendar:
    """The notices the request counts on: those configured now over those in its snapshot (a notice
    entered since is a fact that counts for running deadlines too)."""
    return rules.policy.calendar.over(rules.for_incident(incident).policy.calendar)


def consultations(session: Session, request_id: int) -> list[DisclosureConsultation]:
    return list(session.scalars(select(DisclosureConsultation).where(
        col(DisclosureConsultation.request_id) == request_id).order_by(col(DisclosureConsultation.id))).all())


def clock_of(request: DisclosureRequest, rows: list[DisclosureConsultation]) -> ReplyClock:
    """The pure clock's view of a stored request (whose clock must have started)."""
    assert request.clock_from is not None
    pauses = tuple(Pause(Party(row.party), row.started_on, row.ended_on) for row in rows
                   if row.started_on >= request.clock_from)
    return ReplyClock(request.clock_from, pauses, request.extension, request.delayed_to)


def current_due(session: Session, rules: Rules, request: DisclosureRequest, incident: Incident) -> Due:
    in_force = rules.for_incident(incident)
    rows = consultations(session, _id(request))
    return reply_due(clock_of(request, rows), ClockRules.from_policy(in_force.policy), calendar_for(rules, incident))


def correction_deadline(rules: Rules, request: DisclosureRequest, incident: Incident) -> Due | None:
    """The last day a 补正 notice may go out, while the request's first clock runs."""
    if request.received_on is None:
        return None
    in_force = rules.for_incident(incident)
    return correction_due(request.received_on, ClockRules.from_policy(in_force.policy), calendar_for(rules, incident))


def open_reply(session: Session, incident_id: int) -> ObligationRow | None:
    return next((row for row in obligations_of(session, incident_id)
                 if row.kind == ObligationKind.DISCLOSURE_REPLY.value and row.state == ObligationState.OPEN.value),
                None)


def reschedule(session: Session, rules: Rules, request: DisclosureRequest, incident: Incident, *, now: datetime,
               actor: str, reason: str) -> ObligationRow | None:
    """Bring the case's reply obligation in line with the request: started when its clock runs and
    none is open, moved when the deadline moved, its provisional mark updated. Returns the row in force."""
    if request.state != RequestState.OPEN.value or request.clock_from is None:
        return None
    in_force = rules.for_incident(incident)
    due = current_due(session, rules, request, incident)
    due_at = due.at(rules.zone, in_force.policy.end_of_day)
    started = local_midnight(request.clock_from, rules.zone)
    rows = obligations_of(session, _id(incident))
    replies = [row for row in rows if row.kind == ObligationKind.DISCLOSURE_REPLY.value]
    current = next((row for row in replies if row.state == ObligationState.OPEN.value), None)
    if current is not None and current.due_at == due_at and current.started_at == started:
        if current.provisional != due.reason:
            before = current.provisional
            current.provisional = due.reason
            _event(session, incident, "deadline_recomputed", now, actor=actor, reason=reason,
                   obligation=current.id, due_at=due_at.isoformat(), provisional=due.reason, was_provisional=before)
        return current
    sequence = max((row.sequence for row in replies), default=0) + 1
    planned = PlannedObligation(ObligationKind.DISCLOSURE_REPLY, due_at, started, sequence=sequence,
                                provisional=due.reason)
    if current is None:
        return working_day_obligation(session, incident, planned, now=now, rules=rules, actor=actor, reason=reason)
    previous = current.due_at
    waive(session, incident, current, reason=reason, now=now, actor=actor)
    row = open_obligation(session, incident, planned, now=now, rules=rules, existing=rows, actor=actor,
                          reason=reason)
    _event(session, incident, "deadline_moved", now, actor=actor, reason=reason, obligation=row.id,
           previous_due_at=previous.isoformat(), due_at=due_at.isoformat(), provisional=due.reason)
    return row


def _event(session: Session, incident: Incident, kind: str, at: datetime, /, *, actor: str,
           reason: str | None = None, **data: object) -> None:
    session.add(TimelineEvent(incident_id=_id(incident), at=at, kind=kind, actor=actor, reason=reason, data=data))


def _id(row: DisclosureRequest | Incident) -> int:
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush it first")
    return row.id
