"""The register's periodic work, run by the daemon with its operator alerts; each job is idempotent
(outbox keys, states), so it may run as often as it likes, in several processes and across restarts.

- :func:`recount_provisional`: deadlines counted by rule are counted again with the notices known
  now (a year entered under ``policy.calendar``, or a newer ``chinese_calendar``), and lose their
  provisional mark, or move, with the timeline saying so;
- :func:`lapse_corrections` (from :mod:`.flows`): corrections that never came close their requests;
- :func:`queue_correction_reminders`: a reminder before a request's 补正 window closes (第三十条);
- :func:`queue_annual_reminder`: in January, until the report is marked published, a weekly reminder
  (daily in the last week) to the 政务公开 office and the section chiefs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from sentinel.disclosure.flows import lapse_corrections
from sentinel.disclosure.models import RequestState
from sentinel.disclosure.schedule import correction_deadline, reschedule
from sentinel.escalation.clocks import Rules, obligations_of, open_obligation, waive
from sentinel.escalation.obligations import ObligationKind, ObligationState, PlannedObligation
from sentinel.escalation.policy import EscalationRole
from sentinel.escalation.roster import Recipient, routes
from sentinel.escalation.workdays import working_deadline
from sentinel.store.disclosure import AnnualEntry, DisclosureRequest
from sentinel.store.models import Incident, OutboxMessage
from sentinel.store.models import Obligation as ObligationRow
from sentinel.store.outbox import deferred_message, queue_new

__all__ = ["lapse_corrections", "queue_annual_reminder", "queue_correction_reminders", "recount_provisional"]

_RECOUNTED = "放假安排已知，重新计算期限 / the holiday notice is known: the deadline is counted again"


def recount_provisional(engine: Engine, rules: Rules, now: datetime) -> list[int]:
    """Count again every open provisional deadline (disclosure replies and policy interpretations);
    returns the obligations whose deadline or mark changed."""
    changed: list[int] = []
    with Session(engine) as session:
        rows = list(session.scalars(select(ObligationRow).where(
            col(ObligationRow.state) == ObligationState.OPEN.value, col(ObligationRow.provisional).is_not(None))).all())
        for row in rows:
            incident = session.get(Incident, row.incident_id)
            assert incident is not None
            before = (row.due_at, row.provisional)
            if row.kind == ObligationKind.DISCLOSURE_REPLY.value:
                request = session.scalars(select(DisclosureRequest).where(
                    col(DisclosureRequest.incident_id) == incident.id)).first()
                if request is None:
                    continue
                current = reschedule(session, rules, request, incident, now=now, actor="sentinel", reason=_RECOUNTED)
            elif row.kind == ObligationKind.POLICY_INTERPRETATION.value:
                current = _recount_interpretation(session, rules, incident, row, now)
            else:
                continue
            if current is not None and (current.id != row.id or (current.due_at, current.provisional) != before):
                changed.append(int(current.id or 0))
        session.commit()
    return changed


def _recount_interpretation(session: Session, rules: Rules, incident: Incident, row: ObligationRow,
                            now: datetime) -> ObligationRow:
    policy = rules.for_incident(incident).policy
    calendar = rules.policy.calendar.over(policy.calendar)
    due = working_deadline(row.started_at, policy.policy_interpretation.working_days, rules.zone,
                           end_of_day=policy.end_of_day, calendar=calendar)
    if due.at == row.due_at:
        row.provisional = due.reason
        return row
    waive(session, incident, row, reason=_RECOUNTED, now=now)
    planned = PlannedObligation(ObligationKind.POLICY_INTERPRETATION, due.at, row.started_at, row.sequence + 1,
                                due.reason)
    return open_obligation(session, incident, planned, now=now, rules=rules,
                           existing=obligations_of(session, int(incident.id or 0)), reason=_RECOUNTED)


def _queue(session: Session, key: str, kind: str, context: dict[str, Any], people: list[Recipient],
           channel_ids: Sequence[str], rules: Rules, now: datetime, link_base: str | None,
           incident_id: int | None = None) -> list[OutboxMessage]:
    rows = []
    for channel, audience in routes(people, list(channel_ids)).items():
        row_key = f"{key}:{channel}"
        recipients = [person.as_dict() for person in audience]
        rows.append(OutboxMessage(
            key=row_key, action_key=key, kind=kind, channel=channel, recipients=recipients, incident_id=incident_id,
            message=deferred_message(kind, {**context, "now": now, "recipients": recipients}, zone=rules.zone,
                                     link_base=link_base, idempotency_key=row_key),
            created_at=now, not_before=now))
    return rows


def _office(rules: Rules, department: str | None, now: datetime) -> list[Recipient]:
    """The request's unit's contacts with the duty officer, and the 政务公开 office's contacts."""
    people = rules.roster.recipients(EscalationRole.DUTY_OFFICER, department, now)
    office = rules.policy.disclosure_reply.office
    if office:
        people += [p for p in rules.roster.recipients(EscalationRole.DUTY_OFFICER, office, now)
                   if p.role == "department" and p.name not in {q.name for q in people}]
    return people


def queue_correction_reminders(engine: Engine, rules: Rules, channel_ids: Sequence[str], now: datetime, *,
                               link_base: str | None = None) -> list[str]:
    """第三十条: before a request's 补正 window closes (7 working days of receipt), remind the desk
    once per offset of ``policy.disclosure_reply.correction_reminders``, unless it has been answered
    or a 补正 already asked."""
    rows: list[OutboxMessage] = []
    with Session(engine) as session:
        pairs = session.execute(select(DisclosureRequest, Incident).join(
            Incident, col(Incident.id) == col(DisclosureRequest.incident_id)).where(
            col(DisclosureRequest.state) == RequestState.OPEN.value,
            col(DisclosureRequest.correction_asked_on).is_(None),
            col(DisclosureRequest.received_on) >= (now - timedelta(days=60)).date())).all()
        for request, incident in pairs:
            window = correction_deadline(rules, request, incident)
            if window is None:
                continue
            policy = rules.for_incident(incident).policy
            due_at = window.at(rules.zone, policy.end_of_day)
            for offset in policy.disclosure_reply.correction_reminders:
                if not due_at - offset <= now < due_at:
                    continue
                key = f"request:{request.id}:correction:{int(offset.total_seconds())}s"
                context = {"request": {"id": request.id, "content": request.content, "unit": request.unit,
                                       "received_on": request.received_on}, "due_at": due_at,
                           "provisional": f"（{window.reason.split(' / ')[0]}）" if window.reason else None}
                rows += _queue(session, key, "correction_window", context, _office(rules, request.unit, now),
                               channel_ids, rules, now, link_base, incident.id)
        return queue_new(session, rows)


def queue_annual_reminder(engine: Engine, rules: Rules, channel_ids: Sequence[str], now: datetime, *,
                          link_base: str | None = None, unit: str | None = None) -> list[str]:
    """In January, until last year's report is marked published: weekly, and daily from the 25th."""
    local = now.astimezone(rules.zone).date()
    if local.month != 1:
        return []
    year = local.year - 1
    with Session(engine) as session:
        entry = session.get(AnnualEntry, (year, unit or ""))
        if entry is not None and entry.published_on is not None:
            return []
        stamp = local.isoformat() if local.day >= 25 else f"w{local.isocalendar().week}"
        people = [*rules.roster.recipients(EscalationRole.SECTION_CHIEF, None, now)]
        office = rules.policy.disclosure_reply.office
        if office:
            people = [p for p in rules.roster.recipients(EscalationRole.DUTY_OFFICER, office, now)
                      if p.role == "department"] + people
        rows = _queue(session, f"annual:{year}:{unit or ''}:{stamp}", "annual_report_due",
                      {"year": year, "deadline": date(local.year, 1, 31)}, people, channel_ids, rules, now, link_base)
        return queue_new(session, rows)


