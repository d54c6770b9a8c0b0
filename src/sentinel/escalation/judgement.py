"""A person's judgement on what the machine decided: pulling an incident outside the jurisdiction in
(``sentinel adopt``) and confirming one that is 待研判 (``sentinel verify``).

Grading or marking an incident by hand pulls it in too, and grading confirms it (a person has
judged it): :mod:`~sentinel.escalation.verdicts` applies both there as here. Each action is one
transaction with its timeline entry, like every action in :mod:`~sentinel.escalation.actions`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from sentinel.escalation import verification
from sentinel.escalation.actions import ActionError, _event, _incident, _open, _person
from sentinel.escalation.clocks import Rules, refresh_escalation, sent_keys, sync_clocks
from sentinel.escalation.verdicts import confirm, pull_in
from sentinel.store.models import Incident, IncidentKind, Jurisdiction

__all__ = ["adopt", "verify"]


def adopt(engine: Engine, rules: Rules, incident_id: int, *, by: str, now: datetime,
          reason: str | None = None) -> Incident:
    """纳入本辖区: an incident whose place is outside the jurisdiction (or unknown) is the office's
    after all. Its clocks start by its grade, counted from emergence like any other, and it is
    announced to the duty officer."""
    by = _person(by)
    with Session(engine) as session:
        incident = _incident(session, incident_id)
        _open(incident, "纳入本辖区")
        if incident.kind != IncidentKind.INCIDENT.value:
            raise ActionError(f"{incident_id} is a {incident.kind}, not an incident: it has no place to adopt")
        if incident.jurisdiction == Jurisdiction.ADOPTED.value:
            raise ActionError(f"事件 {incident_id} 已纳入本辖区 / incident {incident_id} was already adopted")
        if incident.jurisdiction == Jurisdiction.INSIDE.value:
            raise ActionError(f"事件 {incident_id} 本属本辖区 / incident {incident_id} is inside the jurisdiction already")
        text = (reason or "").strip() or "人工纳入本辖区 / adopted by hand"
        if not pull_in(session, incident, by=by, now=now, reason=text):  # unknown place: made explicit
            incident.jurisdiction = Jurisdiction.ADOPTED.value
            _event(session, incident, "adopted", now, actor=by, reason=text,
                   place=(incident.place or {}).get("label"))
        incident.updated_at = now
        sync_clocks(session, incident, previous_grade=incident.grade, now=now, rules=rules, actor=by)
        refresh_escalation(incident, rules.for_incident(incident).policy, sent_keys(session, incident_ids=[incident_id]))
        session.commit()
        session.refresh(incident)
        return incident


def verify(engine: Engine, rules: Rules, incident_id: int, *, by: str, now: datetime,
           reason: str | None = None) -> Incident:
    """研判属实: the duty officer confirms an incident that was 待研判; the escalation held for it goes
    on (the leaders hear at once when their step fell due meanwhile). To say it is not real, dismiss it."""
    by = _person(by)
    with Session(engine) as session:
        incident = _incident(session, incident_id)
        _open(incident, "研判")
        if not verification.is_pending(incident.verification):
            state = (incident.verification or {}).get("state")
            raise ActionError(f"事件 {incident_id} 不在待研判状态 / incident {incident_id} is not awaiting verification"
                              + (f" (it is {state})" if state else ""))
        confirm(session, incident, rules, by=by, now=now, reason=(reason or "").strip() or "研判属实 / confirmed")
        incident.updated_at = now
        session.commit()
        session.refresh(incident)
        return incident
