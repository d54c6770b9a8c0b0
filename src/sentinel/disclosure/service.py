"""Queries on the register: the list with its filters, one request with its clock history, and the
plain dicts the command line and the API print."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine, or_, select
from sqlmodel import Session, col

from sentinel.disclosure.models import ApplicantType, Channel, Outcome, Party, ReplyType, RequestState
from sentinel.errors import NotFoundError
from sentinel.store.disclosure import DisclosureAppeal, DisclosureConsultation, DisclosureRequest
from sentinel.store.models import Incident, Obligation, TimelineEvent

__all__ = ["RequestDetail", "RequestRow", "get_request", "list_requests", "request_json", "detail_json"]


@dataclass(frozen=True, slots=True)
class RequestRow:
    request: DisclosureRequest
    incident: Incident
    deadline: Obligation | None  # the reply deadline in force (open), or the last one (met or breached)


@dataclass(frozen=True, slots=True)
class RequestDetail(RequestRow):
    obligations: list[Obligation] = field(default_factory=list)
    consultations: list[DisclosureConsultation] = field(default_factory=list)
    appeals: list[DisclosureAppeal] = field(default_factory=list)
    timeline: list[TimelineEvent] = field(default_factory=list)


def _deadline(rows: list[Obligation]) -> Obligation | None:
    replies = [row for row in rows if row.kind == "disclosure_reply"]
    current = [row for row in replies if row.state == "open"]
    if current:
        return current[-1]
    settled = [row for row in replies if row.state != "waived"]
    return max(settled, key=lambda row: row.sequence) if settled else None


def list_requests(engine: Engine, *, state: str | None = None, unit: str | None = None,
                  applicant_type: str | None = None, outcome: str | None = None, year: int | None = None,
                  search: str | None = None, limit: int = 500) -> list[RequestRow]:
    """The register, filtered: by state (``open`` takes every request not yet concluded), unit,
    applicant type, outcome (a row key, or its group such as ``denied``), the year received, and text
    in the content, applicant or reference. Those with the soonest deadline first, then the newest."""
    with Session(engine) as session:
        query = select(DisclosureRequest, Incident).join(Incident, col(Incident.id) == col(DisclosureRequest.incident_id))
        if state == "open":
            query = query.where(col(DisclosureRequest.state) != RequestState.REPLIED.value)
        elif state is not None:
            query = query.where(col(DisclosureRequest.state) == state)
        if unit:
            query = query.where(col(DisclosureRequest.unit) == unit)
        if applicant_type:
            query = query.where(col(DisclosureRequest.applicant_type) == applicant_type)
        if outcome:
            query = query.where(or_(col(DisclosureRequest.outcome) == outcome,
                                    col(DisclosureRequest.outcome).like(f"{outcome}.%")))
        if year is not None:
            query = query.where(col(DisclosureRequest.received_on) >= date(year, 1, 1),
                                col(DisclosureRequest.received_on) <= date(year, 12, 31))
        if search:
            like = f"%{search}%"
            query = query.where(or_(col(DisclosureRequest.content).like(like), col(DisclosureRequest.applicant).like(like),
                                    col(DisclosureRequest.reference).like(like)))
        pairs = session.execute(query.order_by(col(DisclosureRequest.id).desc()).limit(limit)).all()
        incident_ids = [incident.id for _, incident in pairs]
        obligations: dict[int, list[Obligation]] = {}
        for row in session.scalars(select(Obligation).where(col(Obligation.incident_id).in_(incident_ids))
                                   .order_by(col(Obligation.id))).all():
            obligations.setdefault(row.incident_id, []).append(row)
    rows = [RequestRow(request, incident, _deadline(obligations.get(incident.id or 0, []))) for request, incident in pairs]
    # open deadlines first, soonest first; then the rest, newest first (the query's order)
    return sorted(rows, key=lambda r: (0, r.deadline.due_at.timestamp()) if r.deadline is not None
                  and r.deadline.state == "open" else (1, 0.0))


def get_request(engine: Engine, request_id: int) -> RequestDetail:
    with Session(engine) as session:
        request = session.get(DisclosureRequest, request_id)
        if request is None:
            raise NotFoundError(f"没有编号为 {request_id} 的申请 / no request {request_id}")
        incident = session.get(Incident, request.incident_id)
        assert incident is not None
        obligations = list(session.scalars(select(Obligation).where(col(Obligation.incident_id) == incident.id)
                                           .order_by(col(Obligation.id))).all())
        consultations = list(session.scalars(select(DisclosureConsultation).where(
            col(DisclosureConsultation.request_id) == request_id).order_by(col(DisclosureConsultation.id))).all())
        appeals = list(session.scalars(select(DisclosureAppeal).where(col(DisclosureAppeal.request_id) == request_id)
                                       .order_by(col(DisclosureAppeal.id))).all())
        timeline = list(session.scalars(select(TimelineEvent).where(col(TimelineEvent.incident_id) == incident.id)
                                        .order_by(col(TimelineEvent.at), col(TimelineEvent.id))).all())
    return RequestDetail(request, incident, _deadline(obligations), obligations, consultations, appeals, timeline)


def request_by_incident(engine: Engine, incident_id: int) -> int | None:
    """The register's id of the request a case carries, if it is one."""
    with Session(engine) as session:
        return session.scalars(select(col(DisclosureRequest.id)).where(
            col(DisclosureRequest.incident_id) == incident_id)).first()


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def deadline_json(row: Obligation | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"obligation": row.id, "sequence": row.sequence, "state": row.state, "due_at": row.due_at.isoformat(),
            "met_at": _iso(row.met_at), "provisional": row.provisional}


def request_json(row: RequestRow) -> dict[str, Any]:
    r = row.request
    return {
        "id": r.id, "case": r.incident_id, "reference": r.reference, "applicant": r.applicant,
        "applicant_type": r.applicant_type, "applicant_type_zh": ApplicantType(r.applicant_type).name_zh,
        "channel": r.channel, "channel_zh": Channel(r.channel).name_zh, "content": r.content, "form": r.form,
        "unit": r.unit, "submitted_on": _iso(r.submitted_on), "confirmed_on": _iso(r.confirmed_on),
        "received_on": _iso(r.received_on), "clock_from": _iso(r.clock_from), "state": r.state,
        "state_zh": RequestState(r.state).name_zh, "correction_asked_on": _iso(r.correction_asked_on),
        "correction_until": _iso(r.correction_until), "correction_received_on": _iso(r.correction_received_on),
        "extension": r.extension, "extension_approver": r.extension_approver, "delayed_to": _iso(r.delayed_to),
        "delay_reason": r.delay_reason, "outcome": r.outcome,
        "outcome_zh": Outcome(r.outcome).row.label if r.outcome else None, "reply_type": r.reply_type,
        "reply_type_zh": ReplyType(r.reply_type).name_zh if r.reply_type else None, "replied_on": _iso(r.replied_on),
        "reply_channel": r.reply_channel, "reply_note": r.reply_note, "to_check": list(r.extra.get("check", [])),
        "deadline": deadline_json(row.deadline),
    }


def detail_json(detail: RequestDetail) -> dict[str, Any]:
    out = request_json(detail)
    out["deadlines"] = [{**(deadline_json(row) or {}), "reason": row.reason} for row in detail.obligations
                        if row.kind == "disclosure_reply"]
    out["consultations"] = [{"id": c.id, "party": c.party, "party_zh": Party(c.party).name_zh,
                             "started_on": c.started_on.isoformat(), "ended_on": _iso(c.ended_on), "note": c.note}
                            for c in detail.consultations]
    out["appeals"] = [appeal_json(a) for a in detail.appeals]
    out["timeline"] = [{"at": e.at.isoformat(), "kind": e.kind, "actor": e.actor, "reason": e.reason, "data": e.data}
                       for e in detail.timeline]
    return out


def appeal_json(row: DisclosureAppeal) -> dict[str, Any]:
    return {"id": row.id, "request": row.request_id, "kind": row.kind, "filed_on": row.filed_on.isoformat(),
            "result": row.result, "decided_on": _iso(row.decided_on), "reference": row.reference, "unit": row.unit,
            "note": row.note}
