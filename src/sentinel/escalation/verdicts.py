"""What a person decides about an incident, applied inside the caller's transaction: it is ours
after all (:func:`pull_in`, 属地管理), it is real (:func:`confirm`, 研判).

:mod:`~sentinel.escalation.judgement` offers both as actions of their own (``sentinel adopt``,
``sentinel verify``); :mod:`~sentinel.escalation.actions` applies them when a person grades or marks
an incident, since grading is a person's judgement of both.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from sentinel.escalation import verification
from sentinel.escalation.clocks import Rules, refresh_escalation, sent_keys
from sentinel.store.models import Incident, Jurisdiction, TimelineEvent

__all__ = ["confirm", "pull_in"]


def _id(incident: Incident) -> int:
    if incident.id is None:
        raise ValueError("the incident has no id yet: flush it first")
    return incident.id


def pull_in(session: Session, incident: Incident, *, by: str, now: datetime, reason: str) -> bool:
    """Make an incident outside the jurisdiction ours (``adopted``); False when it was not outside.
    A pending verification's wait starts again: nobody could decide while it was not ours."""
    if incident.jurisdiction != Jurisdiction.OUTSIDE.value:
        return False
    incident.jurisdiction = Jurisdiction.ADOPTED.value
    incident.details = {**(incident.details or {}), "adopted": {"by": by, "at": now.isoformat()}}
    if verification.is_pending(incident.verification):
        incident.verification = {**(incident.verification or {}), "since": now.isoformat()}
    place = (incident.place or {}).get("label")
    session.add(TimelineEvent(incident_id=_id(incident), at=now, kind="adopted", actor=by, reason=reason,
                              data={"place": place}))
    return True


def confirm(session: Session, incident: Incident, rules: Rules, *, by: str, now: datetime, reason: str) -> bool:
    """End a pending verification as confirmed by ``by``; False when none was pending. The held
    escalation steps that fell due meanwhile go out at the engine's next tick."""
    if not verification.is_pending(incident.verification):
        return False
    assert incident.verification is not None
    incident.verification = verification.decided(incident.verification, verification.CONFIRMED, at=now,
                                                 reason=reason, by=by)
    session.add(TimelineEvent(incident_id=_id(incident), at=now, kind="verification_confirmed", actor=by,
                              reason=reason, data={}))
    refresh_escalation(incident, rules.for_incident(incident).policy, sent_keys(session, incident_ids=[_id(incident)]))
    return True
