"""What became of a voice call (语音通知回执): recorded on the incident's timeline, and a key press of 1
in an ``IvrCall`` menu acknowledges (认领) the incident as the person called.

Aliyun posts the call's report to the voice channel's HTTP callback (语音回执 / IVR 回执, one JSON list of
reports per request). The fields read here::

    [{"call_id": "116012854210^102675823811", "out_id": "42:13800000001", "status_code": "200000",
      "duration": 18, "dtmf": "1", "callee": "13800000001", ...}]

``out_id`` is the one :func:`sentinel.notify.aliyun.voice_out_id` gave the call (``<incident>:<phone>``);
answered means ``status_code`` 200000 or a ``duration`` above zero; ``dtmf`` holds the keys pressed.
(The field names follow Aliyun's VoiceReport/IVR receipts as documented for the message-queue and HTTP
receipts; our loopback fake posts the same shape, ``tests/notify/phone_fakes.py``.)

Each report is one timeline entry of kind ``call_result`` with data ``{person, phone, channel,
answered, key, call_id}`` — a contract: the escalation engine reads unanswered ones to call the next
person. A report whose ``call_id`` is already on the incident's timeline changes nothing (Aliyun
re-posts a receipt it did not see acknowledged).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from sentinel.errors import NotFoundError
from sentinel.escalation import actions
from sentinel.escalation.clocks import Rules
from sentinel.escalation.roster import Contact, RosterConfig
from sentinel.notify.phone import masked_phone
from sentinel.store.models import TimelineEvent

__all__ = ["ACK_KEY", "KIND", "CallReport", "parse_aliyun_reports", "person_for", "record_call", "record_calls"]

KIND = "call_result"
ACK_KEY = actions.ACKNOWLEDGE_KEY
_ANSWERED = {"200000", "200001"}  # 用户听完语音 / 用户挂断 after answering

Recorded = Literal["recorded", "acknowledged", "duplicate", "unknown_incident"]


@dataclass(frozen=True, slots=True)
class CallReport:
    """One call's result as sentinel records it."""

    call_id: str
    incident_id: int | None
    phone: str
    answered: bool
    key: str | None


def parse_aliyun_reports(body: Any) -> list[CallReport]:
    """The reports of one callback body (a list, or one object); ValueError names what is wrong."""
    reports = body if isinstance(body, list) else [body]
    parsed = []
    for index, report in enumerate(reports):
        if not isinstance(report, dict):
            raise ValueError(f"report {index} is not an object")
        call_id = str(report.get("call_id") or "")
        if not call_id or len(call_id) > 128:
            raise ValueError(f"report {index} has no call_id")
        incident, _, phone = str(report.get("out_id") or "").partition(":")
        phone = str(report.get("callee") or phone)
        if not phone:
            raise ValueError(f"report {index} names no called number (out_id or callee)")
        try:
            duration = float(report.get("duration") or 0)
        except (TypeError, ValueError):
            duration = 0.0
        keys = str(report.get("dtmf") or "").strip()
        parsed.append(CallReport(
            call_id=call_id,
            incident_id=int(incident) if incident.isdigit() else None,
            phone=phone,
            answered=str(report.get("status_code") or "") in _ANSWERED or duration > 0,
            key=keys[:8] or None,
        ))
    return parsed


def _contacts(roster: RosterConfig) -> Iterator[Contact]:
    yield from roster.duty
    yield from roster.section_chiefs
    yield from roster.leaders
    for contacts in roster.departments.values():
        yield from contacts


def person_for(roster: RosterConfig, phone: str) -> str:
    """The roster's name for ``phone``, else the number masked (``电话 138****0001``)."""
    bare = phone.removeprefix("+86")
    for contact in _contacts(roster):
        if contact.phone and contact.phone.removeprefix("+86") == bare:
            return contact.name
    return f"电话 {masked_phone(bare)}"


def _seen(session: Session, incident_id: int, call_id: str) -> bool:
    events = session.scalars(select(TimelineEvent).where(col(TimelineEvent.incident_id) == incident_id,
                                                         col(TimelineEvent.kind) == KIND)).all()
    return any(event.data.get("call_id") == call_id for event in events)


def record_call(engine: Engine, rules: Rules, report: CallReport, *, channel: str, now: datetime,
                people: Mapping[str, str] | None = None) -> Recorded:
    """Record one report through :func:`sentinel.escalation.actions.record_call`: key 1 on an answered
    call acknowledges the incident as the person called; an unanswered call brings the next call of
    the phone chain forward.

    Run one at a time per process (the web route holds a lock): the duplicate check and the insert are
    two steps.
    """
    if report.incident_id is None:
        return "unknown_incident"
    person = (people or {}).get(report.phone) or person_for(rules.roster.config, report.phone)
    with Session(engine) as session:
        if _seen(session, report.incident_id, report.call_id):
            return "duplicate"
    try:  # an incident that does not exist is NotFoundError here
        acknowledged = actions.record_call(engine, rules, report.incident_id, person=person, answered=report.answered,
                                    now=now, phone=report.phone, channel=channel, key=report.key,
                                    call_id=report.call_id)
    except NotFoundError:
        return "unknown_incident"
    return "acknowledged" if acknowledged else "recorded"


def record_calls(engine: Engine, rules: Rules, reports: Sequence[CallReport], *, channel: str,
                 now: datetime) -> list[Recorded]:
    return [record_call(engine, rules, report, channel=channel, now=now) for report in reports]
