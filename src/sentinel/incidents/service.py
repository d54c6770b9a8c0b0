"""Queries on incidents: lists, details, the analysis backlog, and a person's grade."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, case, select
from sqlmodel import Session, col

from sentinel.analyse.grading import Grade
from sentinel.errors import NotFoundError
from sentinel.store.models import Incident, IncidentState, Item, ItemAnalysis, TimelineEvent

_URGENCY = case({"I": 4, "II": 3, "III": 2, "IV": 1}, value=col(Incident.grade), else_=0)


def list_incidents(engine: Engine, *, state: str | None = IncidentState.OPEN.value, limit: int = 200) -> list[Incident]:
    """Most urgent first: grade, then heat, then the newest."""
    with Session(engine) as session:
        query = select(Incident).order_by(_URGENCY.desc(), col(Incident.heat).desc(), col(Incident.id).desc()).limit(limit)
        if state is not None:
            query = query.where(col(Incident.state) == state)
        return list(session.scalars(query).all())


@dataclass(frozen=True, slots=True)
class IncidentDetail:
    incident: Incident
    items: list[tuple[Item, ItemAnalysis]]
    timeline: list[TimelineEvent]


def get_incident(engine: Engine, incident_id: int) -> IncidentDetail:
    with Session(engine) as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFoundError(f"no incident {incident_id}")
        items = [
            (item, analysis)
            for item, analysis in session.execute(
                select(Item, ItemAnalysis)
                .join(ItemAnalysis, col(ItemAnalysis.item_id) == col(Item.id))
                .where(col(ItemAnalysis.incident_id) == incident_id)
                .order_by(col(Item.published_at), col(Item.id))
            ).all()
        ]
        timeline = list(session.scalars(
            select(TimelineEvent).where(col(TimelineEvent.incident_id) == incident_id).order_by(col(TimelineEvent.at), col(TimelineEvent.id))
        ).all())
        return IncidentDetail(incident, items, timeline)


def unanalysed_item_ids(engine: Engine, *, limit: int = 500) -> list[int]:
    """Items stored but not analysed yet (a crash between the two): the stage catches up on them."""
    with Session(engine) as session:
        return [i for i in session.scalars(
            select(col(Item.id)).outerjoin(ItemAnalysis, col(ItemAnalysis.item_id) == col(Item.id))
            .where(col(ItemAnalysis.item_id).is_(None)).order_by(col(Item.id)).limit(limit)
        ).all() if i is not None]


def set_grade(engine: Engine, incident_id: int, *, grade: str, reason: str, by: str, now: datetime) -> Incident:
    """A person grades an incident; it stands until a person changes it or the facts demand more."""
    chosen = Grade(grade)
    if not reason.strip():
        raise ValueError("a grade change needs a reason")
    with Session(engine) as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFoundError(f"no incident {incident_id}")
        previous = incident.grade
        incident.grade = chosen.value
        incident.grade_source = "manual"
        incident.grade_reasons = [f"{by}: {reason}"]
        incident.updated_at = now
        session.add(TimelineEvent(incident_id=incident_id, at=now, kind="grade_changed", actor=by, reason=reason,
                                  data={"from": previous, "to": chosen.value, "source": "manual"}))
        session.commit()
        session.refresh(incident)
        return incident


def incident_json(incident: Incident, *, zone: Any = None) -> dict[str, Any]:
    return {
        "id": incident.id, "title": incident.title, "state": incident.state, "grade": incident.grade,
        "grade_source": incident.grade_source, "grade_reasons": incident.grade_reasons,
        "category": incident.category, "subtype": incident.subtype, "department": incident.department,
        "department_source": incident.department_source, "facts": incident.facts, "keywords": incident.keywords,
        "rules": incident.rules, "regions": incident.regions, "emerged_at": incident.emerged_at.isoformat(),
        "detected_at": incident.detected_at.isoformat(), "last_item_at": incident.last_item_at.isoformat(),
        "item_count": incident.item_count, "source_count": incident.source_count, "heat": incident.heat,
        "heat_components": incident.heat_components, "negative_share": incident.negative_share,
    }


def detail_json(detail: IncidentDetail) -> dict[str, Any]:
    out = incident_json(detail.incident)
    out["items"] = [
        {"id": item.external_id, "source": item.source_id, "title": item.title, "url": item.url,
         "published_at": item.published_at.isoformat(), "sentiment": analysis.sentiment,
         "negative": analysis.negative, "facts": {k: v for k, v in analysis.facts.items() if v is not None}}
        for item, analysis in detail.items
    ]
    out["timeline"] = [
        {"at": event.at.isoformat(), "kind": event.kind, "actor": event.actor, "reason": event.reason,
         "data": event.data}
        for event in detail.timeline
    ]
    return out
