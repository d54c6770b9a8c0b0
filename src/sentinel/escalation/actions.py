"""What people do to an incident: acknowledge, respond, grade, dismiss, close, assign, note, mark it
as needing a response, confirm or reject evidence. (Disclosure requests have their own flows in
:mod:`sentinel.disclosure.flows`.)

Each action is one transaction: the change, what it does to the obligations, and the timeline entry
with the person behind it. The command line, the JSON API and replay all call these functions, so
the three cannot disagree. Errors are :class:`ActionError` (or :class:`~sentinel.errors.NotFoundError`)
with a message a duty officer can act on; nothing is half-applied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from sentinel.analyse.grading import Grade
from sentinel.errors import NotFoundError, SentinelError
from sentinel.escalation.clocks import (
    Rules,
    obligations_of,
    record_response,
    refresh_escalation,
    sent_keys,
    sync_clocks,
    waive_all,
)
from sentinel.escalation.obligations import (
    ObligationKind,
    ObligationState,
    ResponseTimeError,
    obligations_met_by,
    validate_response_time,
)
from sentinel.escalation.verdicts import confirm, pull_in
from sentinel.normalise.item import MAX_URL_CHARS
from sentinel.store.models import Incident, IncidentState, Response, TimelineEvent
from sentinel.store.models import Obligation as ObligationRow

__all__ = [
    "RESPONSE_KINDS",
    "ActionError",
    "RespondResult",
    "acknowledge",
    "acknowledge_in",
    "assign",
    "close",
    "confirm_evidence",
    "confirm_evidence_in",
    "dismiss",
    "mark_needs_response",
    "note",
    "record_call",
    "reject_evidence",
    "respond",
    "set_grade",
]

#: What ``sentinel respond --kind`` accepts (a sustained release is recorded as authoritative_info).
RESPONSE_KINDS = (
    ObligationKind.AUTHORITATIVE_INFO, ObligationKind.PRESS_CONFERENCE, ObligationKind.RESPONSE,
    ObligationKind.POLICY_INTERPRETATION, ObligationKind.DISCLOSURE_REPLY,
)
_NAME_MAX = 128


class ActionError(SentinelError):
    """An action that cannot be applied as asked (the message says why and what to do)."""


@dataclass(frozen=True, slots=True)
class RespondResult:
    response: Response
    met: list[ObligationRow]  # met on time
    late: list[ObligationRow]  # evidence after the due time: the breach stands


def _person(value: str, what: str = "by") -> str:
    name = " ".join((value or "").split())
    if not name:
        raise ActionError(f"--{what}: 需要填写操作人 / who did it must be given")
    if len(name) > _NAME_MAX:
        raise ActionError(f"--{what}: too long (at most {_NAME_MAX} characters)")
    return name


def _text(value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ActionError(f"--{what}: 不能为空 / must not be empty")
    return text


def _incident(session: Session, incident_id: int, *, lock: bool = True) -> Incident:
    query = select(Incident).where(col(Incident.id) == incident_id)
    if lock:
        query = query.with_for_update()
    incident = session.scalars(query).first()
    if incident is None:
        raise NotFoundError(f"没有编号为 {incident_id} 的事件 / no incident {incident_id}")
    return incident


def _open(incident: Incident, doing: str) -> None:
    if incident.state != IncidentState.OPEN.value:
        raise ActionError(f"事件 {incident.id} 已{_STATE_ZH.get(incident.state, incident.state)}，不能{doing} / "
                          f"incident {incident.id} is {incident.state}")


_STATE_ZH = {"closed": "结束", "dismissed": "撤销"}


def _event(session: Session, incident: Incident, kind: str, at: datetime, /, *, actor: str,
           reason: str | None = None,
           **data: Any) -> None:
    assert incident.id is not None
    session.add(TimelineEvent(incident_id=incident.id, at=at, kind=kind, actor=actor, reason=reason, data=data))


def acknowledge(engine: Engine, rules: Rules, incident_id: int, *, by: str, now: datetime) -> Incident:
    """签收: someone has the incident in hand. The first acknowledgment stops the chain's
    unacknowledged steps and every further phone call, and starts the re-escalation timer; later
    ones are recorded too."""
    by = _person(by)
    with Session(engine) as session:
        incident = _incident(session, incident_id)
        acknowledge_in(session, rules, incident, by=by, now=now)
        session.commit()
        session.refresh(incident)
        return incident


def acknowledge_in(session: Session, rules: Rules, incident: Incident, *, by: str, now: datetime,
                   reason: str | None = None, **data: Any) -> bool:
    """签收 inside the caller's transaction (the incident locked by it); True for the first one.
    ``reason`` and ``data`` go on the timeline entry (a one-tap link says which channel carried it)."""
    assert incident.id is not None
    _open(incident, "签收")
    first = incident.acknowledged_at is None
    if first:
        incident.acknowledged_at, incident.acknowledged_by = now, by
    incident.updated_at = now
    _event(session, incident, "acknowledged", now, actor=by, reason=reason, first=first, **data)
    refresh_escalation(incident, rules.for_incident(incident).policy, sent_keys(session, incident_ids=[incident.id]))
    return first


#: The key a callee presses to acknowledge (签收请按1).
ACKNOWLEDGE_KEY = "1"


def record_call(engine: Engine, rules: Rules, incident_id: int, *, person: str, answered: bool, now: datetime,
                phone: str | None = None, channel: str | None = None, key: str | None = None,
                call_id: str | None = None) -> bool:
    """A voice channel's report of a phone call (:mod:`~sentinel.escalation.phone`): a ``call_result``
    on the timeline, ``{person, phone, channel, answered, key, call_id}``. An answered call whose
    callee pressed 1 acknowledges the incident in the callee's name (which stops every further
    call); an unanswered one brings the next call forward to now. A result for a closed incident is
    recorded too (a call placed just before it closed). True when the call acknowledged the incident."""
    person = _person(person, "person")
    pressed = (key or "").strip().rstrip("#") == ACKNOWLEDGE_KEY
    with Session(engine) as session:
        incident = _incident(session, incident_id)
        data = {"person": person, "phone": phone, "channel": channel, "answered": bool(answered), "key": key,
                "call_id": call_id}
        reason = None if answered else "未接听 / not answered"
        acknowledged = False
        if incident.state == IncidentState.OPEN.value:
            if answered and pressed:
                reason = f"认领 by {person} via 电话按键"
                acknowledge_in(session, rules, incident, by=person, now=now, reason=reason, via="phone",
                               call_id=call_id)
                acknowledged = True
            elif not answered and incident.acknowledged_at is None:
                incident.next_escalation_at = min(filter(None, [incident.next_escalation_at, now]))
        elif answered and pressed:
            reason = f"按键认领未生效：事件已{'关闭' if incident.state == IncidentState.CLOSED.value else '撤销'}"
        event = TimelineEvent(incident_id=incident_id, at=now, kind="call_result", actor=person, data=data,
                              reason=reason)
        session.add(event)
        session.commit()
        return acknowledged


def respond(
    engine: Engine, rules: Rules, incident_id: int, *, kind: str, at: datetime, by: str, now: datetime,
    url: str | None = None, channel: str | None = None, reviewer: str | None = None, publisher: str | None = None,
    content: str | None = None, unit: str | None = None,
) -> RespondResult:
    """Record a release or reply (信息发布登记) and meet the obligations it answers."""
    by = _person(by)
    try:
        chosen = ObligationKind(kind)
    except ValueError:
        raise ActionError(f"--kind: unknown kind {kind!r}; one of {', '.join(k.value for k in RESPONSE_KINDS)}") from None
    if chosen not in RESPONSE_KINDS:
        raise ActionError(f"--kind: record a {chosen.value} as authoritative_info")
    if url is not None and len(url) > MAX_URL_CHARS:
        raise ActionError(f"--url: too long (at most {MAX_URL_CHARS:,} characters)")
    if url is not None and not re.match(r"^https?://\S+$", url.strip()):
        raise ActionError(f"--url: not an http(s) address: {url!r}")
    for what, name in (("channel", channel), ("reviewer", reviewer), ("publisher", publisher), ("unit", unit)):
        if name is not None and len(name) > _NAME_MAX:  # the store's columns are this wide
            raise ActionError(f"--{what}: too long (at most {_NAME_MAX} characters)")
    with Session(engine) as session:
        incident = _incident(session, incident_id)
        if incident.state == IncidentState.DISMISSED.value:
            raise ActionError(f"事件 {incident_id} 已撤销 / incident {incident_id} was dismissed")
        try:
            at = validate_response_time(at, emerged_at=incident.emerged_at, now=now)
        except ResponseTimeError as exc:
            raise ActionError(f"--at: {exc}") from None
        rows = obligations_of(session, incident_id)
        answers = obligations_met_by(chosen)
        has = {ObligationKind(row.kind) for row in rows}
        if not has & answers:
            listed = ", ".join(sorted(k.value for k in has)) or "none"
            raise ActionError(
                f"--kind: 事件 {incident_id} 没有“{chosen.name_zh}”时限 / incident {incident_id} has no obligation "
                f"that a {chosen.value} answers (its obligations: {listed})")
        response = Response(incident_id=incident_id, kind=chosen.value, at=at, url=url, channel=channel,
                            reviewer=reviewer, publisher=publisher, content=content, unit=unit or incident.department,
                            recorded_by=by, recorded_at=now)
        session.add(response)
        session.flush()
        _event(session, incident, "response_recorded", now, actor=by, response=response.id, kind=chosen.value,
               at=at.isoformat(), url=url, channel=channel, reviewer=reviewer, publisher=publisher)
        touched = record_response(session, incident, response, now=now, rules=rules, actor=by)
        incident.updated_at = now
        return _committed(session, response, touched)


def _committed(session: Session, response: Response, touched: list[ObligationRow]) -> RespondResult:
    """Commit a recorded response and say which obligations it met on time and which late."""
    session.commit()
    for row in touched:
        session.refresh(row)
    session.refresh(response)
    met = [row for row in touched if row.state == ObligationState.MET.value]
    return RespondResult(response, met, [row for row in touched if row not in met])


def set_grade(engine: Engine, rules: Rules, incident_id: int, *, grade: str, reason: str, by: str,
              now: datetime) -> Incident:
    """A person grades an incident; it stands until a person changes it or the facts demand more.
    Raising it to I/II starts the 5h/24h clocks; lowering it waives them with the reason."""
    by = _person(by)
    try:
        chosen = Grade(grade)
    except ValueError:
        raise ActionError(f"--grade: expected I, II, III or IV, got {grade!r}") from None
    reason = _text(reason, "reason")
    with Session(engine) as session:
        incident = _incident(session, incident_id)
        _open(incident, "定级")
        # a person's grade is a person's judgement: of whose it is, and of whether it is real
        pull_in(session, incident, by=by, now=now, reason=f"人工定级 / graded by hand: {reason}")
        confirm(session, incident, rules, by=by, now=now, reason=f"人工定级 / graded by hand: {reason}")
        previous = incident.grade
        incident.grade = chosen.value
        incident.grade_source = "manual"
        incident.grade_reasons = [f"{by}: {reason}"]
        incident.updated_at = now
        _event(session, incident, "grade_changed", now, actor=by, reason=reason,
               **{"from": previous, "to": chosen.value, "source": "manual"})
        sync_clocks(session, incident, previous_grade=previous, now=now, rules=rules, actor=by)
        session.commit()
        session.refresh(incident)
        return incident


def mark_needs_response(engine: Engine, rules: Rules, incident_id: int, *, reason: str, by: str,
                        now: datetime) -> Incident:
    """Mark a grade III/IV incident as needing a response (国办发〔2016〕61号): the 48h clock starts."""
    by, reason = _person(by), _text(reason, "reason")
    with Session(engine) as session:
        incident = _incident(session, incident_id)
        _open(incident, "标记")
        pull_in(session, incident, by=by, now=now, reason=f"标记需回应 / marked as needing a response: {reason}")
        if incident.needs_response:
            raise ActionError(f"incident {incident_id} is already marked as needing a response")
        incident.needs_response = True
        incident.updated_at = now
        _event(session, incident, "marked_needs_response", now, actor=by, reason=reason)
        sync_clocks(session, incident, previous_grade=incident.grade, now=now, rules=rules, actor=by)
        session.commit()
        session.refresh(incident)
        return incident


def dismiss(engine: Engine, rules: Rules, incident_id: int, *, reason: str, by: str, now: datetime) -> Incident:
    """Not an incident after all (误报, not ours): every open obligation is waived with the reason."""
    return _end(engine, incident_id, IncidentState.DISMISSED, reason=reason, by=by, now=now, verb="撤销",
                waiver="事件撤销：{reason} / dismissed: {reason}", kinds=None)


def close(engine: Engine, rules: Rules, incident_id: int, *, reason: str, by: str, now: datetime) -> Incident:
    """处置完毕: sustained release ends; an obligation still open stays open (closing never hides a
    deadline being missed) and the engine keeps its clock."""
    return _end(engine, incident_id, IncidentState.CLOSED, reason=reason, by=by, now=now, verb="结束",
                waiver="事件已结束，持续发布终止 / closed: {reason}", kinds=[ObligationKind.SUSTAINED_RELEASE])


def _end(engine: Engine, incident_id: int, state: IncidentState, *, reason: str, by: str, now: datetime, verb: str,
         waiver: str, kinds: list[ObligationKind] | None) -> Incident:
    """Dismiss or close: the state, the obligations it waives (``kinds``; all when None), no more
    escalation, and the timeline entry, in one transaction."""
    by, reason = _person(by), _text(reason, "reason")
    with Session(engine) as session:
        incident = _incident(session, incident_id)
        _open(incident, verb)
        incident.state = state.value
        incident.updated_at = now
        waive_all(session, incident, reason=waiver.format(reason=reason), now=now, actor=by, kinds=kinds)
        incident.next_escalation_at = None
        _event(session, incident, state.value, now, actor=by, reason=reason)
        session.commit()
        session.refresh(incident)
        return incident


def assign(engine: Engine, rules: Rules, incident_id: int, *, department: str, by: str, now: datetime) -> Incident:
    """Hand the incident to a department (第一责任主体); its contacts hear the next alerts."""
    by, department = _person(by), _person(department, "department")
    with Session(engine) as session:
        incident = _incident(session, incident_id)
        _open(incident, "转办")
        previous = incident.department
        incident.department, incident.department_source = department, "manual"
        incident.updated_at = now
        _event(session, incident, "department_assigned", now, actor=by, reason=f"from {previous or '-'}",
               department=department, previous=previous)
        session.commit()
        session.refresh(incident)
        return incident


def note(engine: Engine, incident_id: int, *, text: str, by: str, now: datetime) -> TimelineEvent:
    """A note on the timeline (a leader's instruction, a call made)."""
    by, text = _person(by), _text(text, "text")
    if len(text) > 4000:
        raise ActionError("a note is at most 4,000 characters")
    with Session(engine) as session:
        incident = _incident(session, incident_id, lock=False)
        event = TimelineEvent(incident_id=incident_id, at=now, kind="note", actor=by, reason=text, data={})
        session.add(event)
        incident.updated_at = now
        session.commit()
        session.refresh(event)
        return event


def _candidate(session: Session, response_id: int) -> tuple[Response, Incident]:
    response = session.scalars(select(Response).where(col(Response.id) == response_id).with_for_update()).first()
    if response is None:
        raise NotFoundError(f"没有编号为 {response_id} 的待确认证据 / no evidence {response_id}")
    if response.state != "candidate":
        raise ActionError(f"evidence {response_id} is already {response.state}")
    return response, _incident(session, response.incident_id)


def confirm_evidence(engine: Engine, rules: Rules, response_id: int, *, by: str, now: datetime,
                     kind: str | None = None) -> RespondResult:
    """The duty officer confirms an official source's item as the release it appears to be."""
    by = _person(by)
    with Session(engine) as session:
        response, touched = confirm_evidence_in(session, rules, response_id, by=by, now=now, kind=kind)
        return _committed(session, response, touched)


def confirm_evidence_in(session: Session, rules: Rules, response_id: int, *, by: str, now: datetime,
                        kind: str | None = None, reason: str | None = None,
                        **data: Any) -> tuple[Response, list[ObligationRow]]:
    """Confirm evidence inside the caller's transaction: the response and the obligations it touched
    (uncommitted). ``reason`` and ``data`` go on the timeline entry."""
    response, incident = _candidate(session, response_id)
    if kind is not None:
        chosen = ObligationKind(kind)
        if chosen not in RESPONSE_KINDS:
            raise ActionError(f"--kind: {kind} cannot be confirmed as evidence")
        response.kind = chosen.value
    response.state = "recorded"
    response.recorded_by, response.recorded_at = by, now
    _event(session, incident, "evidence_confirmed", now, actor=by, reason=reason, response=response.id,
           kind=response.kind, at=response.at.isoformat(), url=response.url, **data)
    return response, record_response(session, incident, response, now=now, rules=rules, actor=by)


def reject_evidence(engine: Engine, response_id: int, *, reason: str, by: str, now: datetime) -> Response:
    by, reason = _person(by), _text(reason, "reason")
    with Session(engine) as session:
        response, incident = _candidate(session, response_id)
        response.state = "rejected"
        _event(session, incident, "evidence_rejected", now, actor=by, reason=reason, response=response.id)
        session.commit()
        session.refresh(response)
        return response
