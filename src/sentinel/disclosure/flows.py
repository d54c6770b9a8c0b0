"""What the 政务公开 desk does with a request, each one transaction: the register row, its case's
reply obligation and the timeline entry with the person behind it.

The command line, the JSON API, the console and the CSV import all call these, so they cannot
disagree. Errors are :class:`~sentinel.escalation.actions.ActionError` (``--field: problem`` when a
field is at fault) or :class:`~sentinel.errors.NotFoundError`; nothing is half-applied.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from sentinel.disclosure.clock import ClockRules, receipt_day
from sentinel.disclosure.models import ApplicantType, Channel, Party, RequestState, outcome_for
from sentinel.disclosure.schedule import (
    consultations,
    correction_deadline,
    local_midnight,
    open_reply,
    reschedule,
    today,
)
from sentinel.errors import NotFoundError
from sentinel.escalation.actions import ActionError
from sentinel.escalation.clocks import Rules, obligations_of, record_response, waive
from sentinel.store.disclosure import DisclosureConsultation, DisclosureRequest
from sentinel.store.models import Incident, IncidentKind, IncidentState, Response, TimelineEvent

__all__ = [
    "NewRequest",
    "add_request",
    "ask_correction",
    "confirm_receipt",
    "delay",
    "end_consultation",
    "extend",
    "insert_request",
    "receive_correction",
    "reply",
    "start_consultation",
]

_NAME_MAX = 128


@dataclass(frozen=True, slots=True)
class NewRequest:
    """A request as entered. ``submitted_on`` is the day handed in, signed for or submitted (default
    today); ``confirmed_on`` the confirmation day for ordinary post, online and fax (第三十一条)."""

    content: str
    applicant_type: str
    channel: str
    applicant: str | None = None
    reference: str | None = None
    form: str | None = None
    unit: str | None = None
    submitted_on: date | None = None
    confirmed_on: date | None = None


def _person(value: str | None, what: str = "by") -> str:
    name = " ".join((value or "").split())
    if not name:
        raise ActionError(f"--{what}: 需要填写 / must be given")
    if len(name) > _NAME_MAX:
        raise ActionError(f"--{what}: too long (at most {_NAME_MAX} characters)")
    return name


def _text(value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ActionError(f"--{what}: 不能为空 / must not be empty")
    return text


def _optional(value: str | None, what: str, limit: int) -> str | None:
    text = " ".join((value or "").split())
    if len(text) > limit:
        raise ActionError(f"--{what}: too long (at most {limit} characters)")
    return text or None


def checked(new: NewRequest, *, today_: date) -> NewRequest:
    """``new`` with its fields cleaned, or the first problem as an ActionError naming the field."""
    content = _text(new.content, "content")
    if len(content) > 4000:
        raise ActionError("--content: too long (at most 4,000 characters)")
    try:
        kind = ApplicantType(new.applicant_type)
    except ValueError:
        raise ActionError(f"--applicant-type: unknown {new.applicant_type!r}; one of "
                          f"{', '.join(k.value for k in ApplicantType)}") from None
    try:
        channel = Channel(new.channel)
    except ValueError:
        raise ActionError(f"--channel: unknown {new.channel!r}; one of {', '.join(c.value for c in Channel)}") from None
    submitted = new.submitted_on or today_
    if submitted > today_:
        raise ActionError("--submitted: 晚于今天 / the day is in the future")
    confirmed = new.confirmed_on
    if confirmed is not None:
        if not channel.needs_confirmation:
            raise ActionError(f"--confirmed: {channel.name_zh}提交的申请以提交或签收之日为收到之日，无需确认 / "
                              f"a request {channel.value} is received the day it is handed in or signed for")
        if confirmed < submitted or confirmed > today_:
            raise ActionError("--confirmed: 确认日期应在提交之日与今天之间 / the confirmation day must lie between "
                              "the submission and today")
    return replace(new, content=content, applicant_type=kind.value, channel=channel.value, submitted_on=submitted,
                   applicant=_optional(new.applicant, "applicant", 256), reference=_optional(new.reference, "reference", 64),
                   form=_optional(new.form, "form", 128), unit=_optional(new.unit, "unit", 128))


def insert_request(session: Session, rules: Rules, new: NewRequest, *, by: str, now: datetime,
                   extra: dict[str, object] | None = None) -> DisclosureRequest:
    """Add ``new`` (already :func:`checked`) in the caller's transaction; starts its clock when its
    receipt day is known."""
    if new.reference and session.scalars(select(col(DisclosureRequest.id)).where(
            col(DisclosureRequest.reference) == new.reference)).first() is not None:
        raise ActionError(f"--reference: 编号 {new.reference} 已登记 / reference {new.reference} is already in the register")
    received = receipt_day(new.channel, submitted_on=new.submitted_on, confirmed_on=new.confirmed_on)
    assert new.submitted_on is not None
    emerged = local_midnight(received or new.submitted_on, rules.zone)
    incident = Incident(
        title=new.content.splitlines()[0][:200], kind=IncidentKind.DISCLOSURE_REQUEST.value, department=new.unit,
        department_source="manual" if new.unit else None, grade_reasons=[], facts={}, keywords=[], rules=[],
        regions=[], emerged_at=emerged, detected_at=now, last_item_at=emerged, updated_at=now, heat_components={},
        details={"requester": new.applicant, "reference": new.reference})
    session.add(incident)
    session.flush()
    request = DisclosureRequest(
        incident_id=int(incident.id or 0), reference=new.reference, applicant=new.applicant, applicant_type=new.applicant_type,
        channel=new.channel, content=new.content, form=new.form, unit=new.unit, submitted_on=new.submitted_on,
        confirmed_on=new.confirmed_on, received_on=received, clock_from=received,
        state=(RequestState.OPEN if received else RequestState.AWAITING_CONFIRMATION).value, extra=dict(extra or {}),
        created_at=now, updated_at=now)
    session.add(request)
    session.flush()
    incident.details = {**incident.details, "request": request.id}
    _event(session, incident, "request_received", now, actor=by, request=request.id, channel=new.channel,
           applicant_type=new.applicant_type, submitted_on=new.submitted_on.isoformat(),
           received_on=received.isoformat() if received else None, reference=new.reference)
    reschedule(session, rules, request, incident, now=now, actor=by, reason="收到申请 / received")
    return request


def add_request(engine: Engine, rules: Rules, new: NewRequest, *, by: str, now: datetime) -> DisclosureRequest:
    """依申请公开: enter a request. In person or signed for by post, its clock starts at once; by
    ordinary post, online or fax once its receipt is confirmed (now, with ``confirmed_on``, or later)."""
    by = _person(by)
    new = checked(new, today_=today(now, rules.zone))
    with Session(engine) as session:
        request = insert_request(session, rules, new, by=by, now=now)
        session.commit()
        session.refresh(request)
        return request


def _load(session: Session, request_id: int) -> tuple[DisclosureRequest, Incident]:
    request = session.scalars(select(DisclosureRequest).where(col(DisclosureRequest.id) == request_id)
                              .with_for_update()).first()
    if request is None:
        raise NotFoundError(f"没有编号为 {request_id} 的申请 / no request {request_id}")
    incident = session.scalars(select(Incident).where(col(Incident.id) == request.incident_id)
                               .with_for_update()).one()
    return request, incident


def _state(request: DisclosureRequest, *allowed: RequestState, doing: str) -> None:
    if request.state not in {state.value for state in allowed}:
        state = RequestState(request.state)
        raise ActionError(f"申请 {request.id} {state.name_zh}，不能{doing} / request {request.id} is {state.value}")


def _day(value: date, what: str, *, not_before: date | None, today_: date) -> date:
    if value > today_:
        raise ActionError(f"--{what}: 晚于今天 / the day is in the future")
    if not_before is not None and value < not_before:
        raise ActionError(f"--{what}: 早于 {not_before.isoformat()} / before {not_before.isoformat()}")
    return value


def _event(session: Session, incident: Incident, kind: str, at: datetime, /, *, actor: str,
           reason: str | None = None, **data: object) -> None:
    assert incident.id is not None
    session.add(TimelineEvent(incident_id=incident.id, at=at, kind=kind, actor=actor, reason=reason, data=data))


def _done(session: Session, request: DisclosureRequest, incident: Incident, now: datetime) -> DisclosureRequest:
    request.updated_at = incident.updated_at = now
    session.commit()
    session.refresh(request)
    return request


def confirm_receipt(engine: Engine, rules: Rules, request_id: int, *, on: date, by: str,
                    now: datetime) -> DisclosureRequest:
    """第三十一条: the day the office confirmed an ordinary letter, or both sides an online or fax
    request, is the receipt day; the clock starts from it."""
    by = _person(by)
    with Session(engine) as session:
        request, incident = _load(session, request_id)
        _state(request, RequestState.AWAITING_CONFIRMATION, doing="确认收到")
        on = _day(on, "on", not_before=request.submitted_on, today_=today(now, rules.zone))
        request.confirmed_on = request.received_on = request.clock_from = on
        request.state = RequestState.OPEN.value
        incident.emerged_at = incident.last_item_at = local_midnight(on, rules.zone)
        _event(session, incident, "receipt_confirmed", now, actor=by, request=request.id, received_on=on.isoformat())
        reschedule(session, rules, request, incident, now=now, actor=by, reason="确认收到申请 / receipt confirmed")
        return _done(session, request, incident, now)


def ask_correction(engine: Engine, rules: Rules, request_id: int, *, on: date, until: date, by: str, now: datetime,
                   note: str | None = None) -> DisclosureRequest:
    """第三十条: one 补正 notice, within 7 working days of receipt, setting a period for the
    correction. The clock is discarded; it starts again when the corrected request arrives."""
    by = _person(by)
    with Session(engine) as session:
        request, incident = _load(session, request_id)
        _state(request, RequestState.OPEN, doing="告知补正")
        if request.correction_asked_on is not None:
            raise ActionError(f"申请 {request_id} 已告知过补正，条例要求一次性告知 / request {request_id} was already "
                              "asked for a correction; the notice is given once (第三十条)")
        on = _day(on, "on", not_before=request.received_on, today_=today(now, rules.zone))
        window = correction_deadline(rules, request, incident)
        if window is not None and on > window.on:
            raise ActionError(f"--on: 补正告知应在收到申请后7个工作日内（{window.on.isoformat()}前）发出 / the notice "
                              f"is due within 7 working days of receipt, by {window.on.isoformat()}")
        if until <= on:
            raise ActionError("--until: 补正期限应晚于告知之日 / the period must end after the notice")
        request.correction_asked_on, request.correction_until = on, until
        request.state = RequestState.AWAITING_CORRECTION.value
        reason = "告知补正，答复期限自收到补正申请之日起重新计算 / correction asked: the clock starts again on its arrival"
        row = open_reply(session, incident.id or 0)
        if row is not None:
            waive(session, incident, row, reason=reason, now=now, actor=by)
        _event(session, incident, "correction_requested", now, actor=by, reason=note, request=request.id,
               on=on.isoformat(), until=until.isoformat())
        return _done(session, request, incident, now)


def receive_correction(engine: Engine, rules: Rules, request_id: int, *, on: date, by: str,
                       now: datetime) -> DisclosureRequest:
    """The corrected request arrived: its day is the clock's new start (第三十条)."""
    by = _person(by)
    with Session(engine) as session:
        request, incident = _load(session, request_id)
        _state(request, RequestState.AWAITING_CORRECTION, doing="登记补正")
        on = _day(on, "on", not_before=request.correction_asked_on, today_=today(now, rules.zone))
        assert request.correction_until is not None
        if on > request.correction_until:
            raise ActionError(f"--on: 补正期限已于 {request.correction_until.isoformat()} 届满 / the correction period "
                              f"ended on {request.correction_until.isoformat()}")
        request.correction_received_on = request.clock_from = on
        request.state = RequestState.OPEN.value
        _event(session, incident, "correction_received", now, actor=by, request=request.id, on=on.isoformat())
        reschedule(session, rules, request, incident, now=now, actor=by,
                   reason="收到补正申请，重新计算答复期限 / corrected request received: the clock starts again")
        return _done(session, request, incident, now)


def _running(session: Session, request: DisclosureRequest, incident: Incident, now: datetime, doing: str) -> None:
    """The clock can only be changed while it runs: a deadline already past stays missed."""
    _state(request, RequestState.OPEN, doing=doing)
    row = open_reply(session, incident.id or 0)
    if row is None or row.due_at < now:
        raise ActionError(f"申请 {request.id} 的答复期限已届满，不能{doing} / the reply deadline of request "
                          f"{request.id} has passed")


def start_consultation(engine: Engine, rules: Rules, request_id: int, *, party: str, on: date, by: str,
                       now: datetime, note: str | None = None) -> DisclosureConsultation:
    """第三十二条/第三十四条: a consultation went out on ``on``; its days are not counted."""
    by = _person(by)
    try:
        chosen = Party(party)
    except ValueError:
        raise ActionError(f"--party: unknown {party!r}; one of {', '.join(p.value for p in Party)}") from None
    with Session(engine) as session:
        request, incident = _load(session, request_id)
        _running(session, request, incident, now, "征求意见")
        on = _day(on, "on", not_before=request.clock_from, today_=today(now, rules.zone))
        row = DisclosureConsultation(request_id=request_id, party=chosen.value, started_on=on, note=note,
                                     recorded_by=by, recorded_at=now)
        session.add(row)
        session.flush()
        _event(session, incident, "consultation_started", now, actor=by, reason=note, request=request_id,
               consultation=row.id, party=chosen.value, on=on.isoformat())
        reschedule(session, rules, request, incident, now=now, actor=by,
                   reason=f"{chosen.name_zh}，所需时间不计入答复期限 / consultation: its days are not counted")
        _done(session, request, incident, now)
        session.refresh(row)
        return row


def end_consultation(engine: Engine, rules: Rules, request_id: int, *, on: date, by: str, now: datetime,
                     consultation_id: int | None = None) -> DisclosureConsultation:
    """The opinion came back on ``on`` (the latest open consultation unless one is named)."""
    by = _person(by)
    with Session(engine) as session:
        request, incident = _load(session, request_id)
        _state(request, RequestState.OPEN, doing="登记意见")
        awaited = [row for row in consultations(session, request_id) if row.ended_on is None
                   and (consultation_id is None or row.id == consultation_id)]
        if not awaited:
            raise ActionError(f"申请 {request_id} 没有进行中的征求意见 / request {request_id} has no consultation awaited")
        row = awaited[-1]
        row.ended_on = _day(on, "on", not_before=row.started_on, today_=today(now, rules.zone))
        _event(session, incident, "consultation_ended", now, actor=by, request=request_id, consultation=row.id,
               party=row.party, on=row.ended_on.isoformat())
        reschedule(session, rules, request, incident, now=now, actor=by,
                   reason="收到意见，恢复计算答复期限 / opinion received: the clock runs again")
        _done(session, request, incident, now)
        session.refresh(row)
        return row


def extend(engine: Engine, rules: Rules, request_id: int, *, approver: str, by: str, now: datetime,
           days: int | None = None, reason: str | None = None) -> DisclosureRequest:
    """第三十三条第二款: one extension of at most 20 working days, approved by the head of the
    office's 政府信息公开工作机构, granted before the deadline runs out."""
    by, approver = _person(by), _person(approver, "approver")
    with Session(engine) as session:
        request, incident = _load(session, request_id)
        limit = ClockRules.from_policy(rules.for_incident(incident).policy).extension
        days = limit if days is None else days
        if not 1 <= days <= limit:
            raise ActionError(f"--days: 延长期限最长{limit}个工作日 / an extension is 1 to {limit} working days")
        if request.extension:
            raise ActionError(f"申请 {request_id} 已延期一次，条例只允许延长一次 / request {request_id} was already "
                              "extended once; the 条例 allows one extension")
        _running(session, request, incident, now, "延期")
        request.extension, request.extension_approver = days, approver
        _event(session, incident, "deadline_extended", now, actor=by, reason=reason, request=request_id, days=days,
               approver=approver)
        reschedule(session, rules, request, incident, now=now, actor=by,
                   reason=f"延期答复{days}个工作日，经{approver}同意 / extended by {days} working days, approved by {approver}")
        return _done(session, request, incident, now)


def delay(engine: Engine, rules: Rules, request_id: int, *, until: date, reason: str, by: str,
          now: datetime) -> DisclosureRequest:
    """第三十五条: for requests clearly beyond a reasonable number or frequency, a later deadline set by
    the office with its reason, told to the applicant."""
    by, reason = _person(by), _text(reason, "reason")
    with Session(engine) as session:
        request, incident = _load(session, request_id)
        _running(session, request, incident, now, "确定延迟答复期限")
        if request.delayed_to is not None:
            raise ActionError(f"申请 {request_id} 已确定延迟答复期限（{request.delayed_to.isoformat()}） / request "
                              f"{request_id} already has a delayed deadline")
        row = open_reply(session, incident.id or 0)
        assert row is not None
        if local_midnight(until, rules.zone) <= row.due_at:
            raise ActionError(f"--until: 应晚于现答复期限 {row.due_at.astimezone(rules.zone).date().isoformat()} / "
                              "the delayed deadline must be later than the one in force")
        request.delayed_to, request.delay_reason = until, reason
        _event(session, incident, "deadline_delayed", now, actor=by, reason=reason, request=request_id,
               until=until.isoformat())
        reschedule(session, rules, request, incident, now=now, actor=by,
                   reason=f"依第三十五条确定延迟答复期限：{reason} / delayed under art. 35: {reason}")
        return _done(session, request, incident, now)


def reply(engine: Engine, rules: Rules, request_id: int, *, outcome: str, by: str, now: datetime,
          at: datetime | None = None, reply_type: str | None = None, channel: str | None = None,
          note: str | None = None) -> DisclosureRequest:
    """答复: the outcome (the annual report's row; a refusal's ground is its row) and the reply type
    (第三十六条); the reply meets the deadline if it is on time, and the request is concluded."""
    by = _person(by)
    with Session(engine) as session:
        request, incident = _load(session, request_id)
        _state(request, RequestState.OPEN, RequestState.AWAITING_CORRECTION, RequestState.AWAITING_CONFIRMATION,
               doing="答复")
        return conclude(session, rules, request, incident, outcome=outcome, reply_type=reply_type,
                         at=at or now, channel=channel, note=note, by=by, now=now)


def conclude(session: Session, rules: Rules, request: DisclosureRequest, incident: Incident, *, outcome: str,
             reply_type: str | None, at: datetime, channel: str | None, note: str | None, by: str,
              now: datetime, commit: bool = True) -> DisclosureRequest:
    """Record the reply and conclude the request in ``session`` (committed unless ``commit`` is False)."""
    try:
        chosen, kind = outcome_for(outcome, reply_type)
    except ValueError as exc:
        raise ActionError(f"--outcome: {exc}") from None
    if at > now:
        raise ActionError("--at: 答复时间晚于当前时间 / the reply time is in the future")
    if at < incident.emerged_at:
        raise ActionError("--at: 答复时间早于收到申请 / the reply is dated before the request was received")
    request.outcome, request.reply_type = chosen.value, kind.value
    request.replied_on = at.astimezone(rules.zone).date()
    request.reply_channel = _optional(channel, "channel", 64)
    request.reply_note = (note or "").strip() or None
    request.state = RequestState.REPLIED.value
    _event(session, incident, "request_replied", now, actor=by, reason=request.reply_note, request=request.id,
           outcome=chosen.value, reply_type=kind.value, at=at.isoformat(), channel=request.reply_channel)
    if open_reply(session, incident.id or 0) is not None or _breached_unanswered(session, incident):
        response = Response(incident_id=incident.id or 0, kind="disclosure_reply", at=at, channel=request.reply_channel,
                            content=f"{chosen.row.label}（{kind.basis}）", unit=request.unit, recorded_by=by,
                            recorded_at=now)
        session.add(response)
        session.flush()
        record_response(session, incident, response, now=now, rules=rules, actor=by)
    incident.state = IncidentState.CLOSED.value
    incident.next_escalation_at = None
    _event(session, incident, "closed", now, actor=by, reason="申请已办结 / request concluded")
    if not commit:
        request.updated_at = incident.updated_at = now
        return request
    return _done(session, request, incident, now)


def _breached_unanswered(session: Session, incident: Incident) -> bool:
    return any(row.kind == "disclosure_reply" and row.state == "breached" and row.met_at is None
               for row in obligations_of(session, incident.id or 0))


def lapse_corrections(engine: Engine, rules: Rules, now: datetime) -> list[int]:
    """第三十条: a request whose correction period ended without a correction is no longer handled
    (row （六）1); concluded the day after the period. Returns the requests concluded."""
    day = today(now, rules.zone)
    done: list[int] = []
    with Session(engine) as session:
        ids = list(session.scalars(select(col(DisclosureRequest.id)).where(
            col(DisclosureRequest.state) == RequestState.AWAITING_CORRECTION.value,
            col(DisclosureRequest.correction_until) < day)).all())
    for request_id in ids:
        with Session(engine) as session:
            request, incident = _load(session, int(request_id or 0))
            if request.state != RequestState.AWAITING_CORRECTION.value or request.correction_until is None:
                continue
            lapsed = request.correction_until + timedelta(days=1)
            conclude(session, rules, request, incident, outcome="other.no_correction", reply_type="no_correction",
                      at=max(local_midnight(lapsed, rules.zone), incident.emerged_at), channel=None,
                      note=f"补正期限{request.correction_until.isoformat()}届满未补正 / no correction by the end of the period",
                      by="sentinel", now=now)
            done.append(int(request_id or 0))
    return done
