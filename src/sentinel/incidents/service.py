"""Queries on incidents: lists, details, the analysis backlog, and a person's grade."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, Select, case, func, select
from sqlalchemy.orm import defer
from sqlmodel import Session, col

from sentinel.errors import NotFoundError
from sentinel.notify.serialisation import message_title
from sentinel.store.models import (
    Incident,
    IncidentState,
    Item,
    ItemAnalysis,
    Obligation,
    OutboxMessage,
    Response,
    TimelineEvent,
)

#: Loader options for reading many incidents: without the policy and roster snapshots they carry
#: (most of a row, and what only the engine reads); touching one then raises instead of querying.
LISTED = tuple(defer(getattr(Incident, name), raiseload=True) for name in ("policy_snapshot", "roster_snapshot"))

_URGENCY = case({"I": 4, "II": 3, "III": 2, "IV": 1}, value=col(Incident.grade), else_=0)


def list_incidents(
    engine: Engine, *, state: str | None = IncidentState.OPEN.value, limit: int = 200, grade: str | None = None,
    department: str | None = None, kind: str | None = None, since: datetime | None = None,
    until: datetime | None = None,
) -> list[Incident]:
    """Most urgent first: grade, then heat, then the newest; filtered as asked (times on emergence).
    Without their snapshots (:data:`LISTED`)."""
    with Session(engine) as session:
        query = _listing(select(Incident).options(*LISTED), state=state, limit=limit, grade=grade,
                         department=department, kind=kind, since=since, until=until)
        return list(session.scalars(query).all())


def list_incident_rows(
    engine: Engine, columns: Sequence[Any], *, state: str | None = IncidentState.OPEN.value, limit: int = 200,
    grade: str | None = None, department: str | None = None, kind: str | None = None,
    since: datetime | None = None, until: datetime | None = None,
) -> list[Row[Any]]:
    """:func:`list_incidents` as rows of only these ``columns`` of :class:`Incident`, named as theirs:
    for reading thousands at once (a report's period), where an ORM object each, with every JSON
    column decoded, cost several times what is read of it."""
    with Session(engine) as session:
        query = _listing(select(*columns), state=state, limit=limit, grade=grade, department=department,
                         kind=kind, since=since, until=until)
        return list(session.execute(query).all())


def _listing(query: Select[Any], *, state: str | None, limit: int, grade: str | None, department: str | None,
             kind: str | None, since: datetime | None, until: datetime | None) -> Select[Any]:
    query = query.order_by(_URGENCY.desc(), col(Incident.heat).desc(), col(Incident.id).desc()).limit(limit)
    if state is not None:
        query = query.where(col(Incident.state) == state)
    if grade is not None:
        query = query.where(col(Incident.grade) == grade)
    if department is not None:
        query = query.where(col(Incident.department) == department)
    if kind is not None:
        query = query.where(col(Incident.kind) == kind)
    if since is not None:
        query = query.where(col(Incident.emerged_at) >= since)
    if until is not None:
        query = query.where(col(Incident.emerged_at) < until)
    return query


def evidence_candidates(engine: Engine) -> list[Response]:
    """Official items awaiting the duty officer's confirmation as releases, oldest first."""
    with Session(engine) as session:
        return list(session.scalars(select(Response).where(col(Response.state) == "candidate")
                                    .order_by(col(Response.at), col(Response.id))).all())


@dataclass(frozen=True, slots=True)
class IncidentDetail:
    incident: Incident
    items: list[tuple[Item, ItemAnalysis]]
    timeline: list[TimelineEvent]
    obligations: list[Obligation] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    notifications: list[OutboxMessage] = field(default_factory=list)
    items_total: int = 0  # all its items; ``items`` is the page asked for
    items_offset: int = 0  # how many came before that page


def get_incident(engine: Engine, incident_id: int, *, items_offset: int = 0,
                 items_limit: int | None = None) -> IncidentDetail:
    """An incident with everything on record about it; of its items, oldest first, the
    ``items_limit`` after the first ``items_offset`` (all of them without a limit)."""
    with Session(engine) as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFoundError(f"no incident {incident_id}")
        query = (select(Item, ItemAnalysis)
                 .join(ItemAnalysis, col(ItemAnalysis.item_id) == col(Item.id))
                 .where(col(ItemAnalysis.incident_id) == incident_id)
                 .order_by(col(Item.published_at), col(Item.id)))
        if items_offset or items_limit is not None:
            query = query.offset(items_offset).limit(items_limit)
        items = [(item, analysis) for item, analysis in session.execute(query).all()]
        if items_limit is None and not items_offset:
            total = len(items)
        else:
            total = session.scalar(select(func.count()).select_from(ItemAnalysis)
                                   .where(col(ItemAnalysis.incident_id) == incident_id)) or 0
        timeline = list(session.scalars(
            select(TimelineEvent).where(col(TimelineEvent.incident_id) == incident_id).order_by(col(TimelineEvent.at), col(TimelineEvent.id))
        ).all())
        obligations = list(session.scalars(
            select(Obligation).where(col(Obligation.incident_id) == incident_id).order_by(col(Obligation.id))).all())
        responses = list(session.scalars(
            select(Response).where(col(Response.incident_id) == incident_id).order_by(col(Response.at))).all())
        notifications = list(session.scalars(
            select(OutboxMessage).where(col(OutboxMessage.incident_id) == incident_id)
            .order_by(col(OutboxMessage.created_at), col(OutboxMessage.id))).all())
        return IncidentDetail(incident, items, timeline, obligations, responses, notifications, items_total=total,
                              items_offset=items_offset)


def list_requests(engine: Engine, *, state: str | None = IncidentState.OPEN.value
                  ) -> list[tuple[Incident, Obligation | None]]:
    """Disclosure requests with their reply deadline, the soonest first."""
    with Session(engine) as session:
        query = (select(Incident, Obligation)
                 .outerjoin(Obligation, (col(Obligation.incident_id) == col(Incident.id))
                            & (col(Obligation.kind) == "disclosure_reply")
                            & (col(Obligation.state) != "waived"))  # an extension waives the first deadline
                 .where(col(Incident.kind) == "disclosure_request")
                 .order_by(col(Obligation.due_at), col(Incident.id)))
        if state is not None:
            query = query.where(col(Incident.state) == state)
        return [(incident, obligation) for incident, obligation in session.execute(query).all()]


def kinds_and_grades(engine: Engine, incident_ids: Sequence[int]) -> list[tuple[str, str | None]]:
    """Each incident's kind and grade (for the metrics of those just opened)."""
    with Session(engine) as session:
        return [(kind, grade) for kind, grade in session.execute(
            select(col(Incident.kind), col(Incident.grade)).where(col(Incident.id).in_(list(incident_ids)))).all()]


def open_counts(engine: Engine) -> dict[tuple[str, str | None], int]:
    """Open cases counted by kind and grade: one grouped query, for the periodic gauge refresh."""
    with Session(engine) as session:
        kind, grade = col(Incident.kind), col(Incident.grade)
        rows = session.execute(select(kind, grade, func.count()).where(col(Incident.state) == IncidentState.OPEN.value)
                               .group_by(kind, grade)).all()
        return {(row[0], row[1]): int(row[2]) for row in rows}


def unanalysed_item_ids(engine: Engine, *, after: int = 0, limit: int = 500) -> list[int]:
    """Items stored but not analysed yet (a crash between the two), the first ``limit`` with ids
    above ``after``: the stage catches up on them, a cursor's worth at a time."""
    with Session(engine) as session:
        return [i for i in session.scalars(
            select(col(Item.id)).outerjoin(ItemAnalysis, col(ItemAnalysis.item_id) == col(Item.id))
            .where(col(ItemAnalysis.item_id).is_(None), col(Item.id) > after).order_by(col(Item.id)).limit(limit)
        ).all() if i is not None]


def unanalysed_items(engine: Engine, *, after: int = 0, limit: int = 500) -> list[tuple[int, datetime]]:
    """Like :func:`unanalysed_item_ids`, with when each was stored."""
    with Session(engine) as session:
        return [(int(i), at) for i, at in session.execute(
            select(col(Item.id), col(Item.fetched_at)).outerjoin(ItemAnalysis, col(ItemAnalysis.item_id) == col(Item.id))
            .where(col(ItemAnalysis.item_id).is_(None), col(Item.id) > after).order_by(col(Item.id)).limit(limit)
        ).all()]


def incident_json(incident: Incident, *, zone: Any = None) -> dict[str, Any]:
    return {
        "id": incident.id, "title": incident.title, "state": incident.state, "grade": incident.grade,
        "grade_source": incident.grade_source, "grade_reasons": incident.grade_reasons,
        "category": incident.category, "subtype": incident.subtype, "department": incident.department,
        "department_source": incident.department_source, "facts": incident.facts, "keywords": incident.keywords,
        "rules": incident.rules, "regions": incident.regions, "emerged_at": incident.emerged_at.isoformat(),
        "detected_at": incident.detected_at.isoformat(), "last_item_at": incident.last_item_at.isoformat(),
        "item_count": incident.item_count, "source_count": incident.source_count, "heat": incident.heat,
        "heat_components": incident.heat_components, "listing": incident.listing or {},
        "negative_share": incident.negative_share,
        "kind": incident.kind, "details": incident.details, "needs_response": incident.needs_response,
        "clock_start": _iso(incident.clock_start), "acknowledged_at": _iso(incident.acknowledged_at),
        "acknowledged_by": incident.acknowledged_by, "responded_at": _iso(incident.responded_at),
        "place": _place(incident.place), "jurisdiction": incident.jurisdiction, "verification": incident.verification,
    }


def _place(place: dict[str, Any] | None) -> dict[str, Any] | None:
    """The decided place without the votes behind it."""
    if not place:
        return None
    return {key: value for key, value in place.items() if key not in ("votes", "seen")}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def obligation_json(row: Obligation) -> dict[str, Any]:
    """One obligation, with ``margin_seconds``: positive when met early, negative when late, None while open."""
    # None while open, and for a breach with no evidence yet: how late grows until a response is on record
    margin = (row.due_at - row.met_at).total_seconds() if row.met_at is not None else None
    return {"id": row.id, "kind": row.kind, "sequence": row.sequence, "state": row.state,
            "started_at": row.started_at.isoformat(), "due_at": row.due_at.isoformat(), "met_at": _iso(row.met_at),
            "breached_at": _iso(row.breached_at), "reason": row.reason, "margin_seconds": margin,
            "evidence": row.evidence or None, "provisional": row.provisional}


def response_json(row: Response) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "state": row.state, "at": row.at.isoformat(), "url": row.url,
            "channel": row.channel, "unit": row.unit, "reviewer": row.reviewer, "publisher": row.publisher,
            "content": row.content, "recorded_by": row.recorded_by, "recorded_at": row.recorded_at.isoformat(),
            "item_id": row.item_id}


def notification_json(row: OutboxMessage) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "channel": row.channel, "recipients": row.recipients,
            "created_at": row.created_at.isoformat(), "state": row.state, "attempts": row.attempts,
            "delivered_at": _iso(row.delivered_at), "last_error": row.last_error, "obligation": row.obligation_id,
            "title": message_title(row.message)}


def detail_json(detail: IncidentDetail) -> dict[str, Any]:
    out = incident_json(detail.incident)
    out["items"] = [
        {"id": item.external_id, "source": item.source_id, "title": item.title, "url": item.url,
         "published_at": item.published_at.isoformat(), "sentiment": analysis.sentiment,
         "negative": analysis.negative, "facts": {k: v for k, v in analysis.facts.items() if v is not None}}
        for item, analysis in detail.items
    ]
    out["items_total"], out["items_offset"] = detail.items_total, detail.items_offset
    out["obligations"] = [obligation_json(row) for row in detail.obligations]
    out["responses"] = [response_json(row) for row in detail.responses]
    out["notifications"] = [notification_json(row) for row in detail.notifications]
    out["timeline"] = [
        {"at": event.at.isoformat(), "kind": event.kind, "actor": event.actor, "reason": event.reason,
         "data": event.data}
        for event in detail.timeline
    ]
    return out
