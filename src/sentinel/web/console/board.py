"""The incident board (值班看板): open cases by urgency, each with the deadlines still to meet.

Urgency is the grade first (I before IV, ungraded last); within a grade, an incident with a missed
deadline still unanswered comes first, then the one whose next deadline is nearest, then the hotter.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from sentinel.incidents import service
from sentinel.store.models import Incident, IncidentKind, Obligation

_SEVERITY = {"I": 4, "II": 3, "III": 2, "IV": 1}


@dataclass(frozen=True, slots=True)
class Deadline:
    id: int
    kind: str
    sequence: int
    due_at: datetime
    breached: bool  # past due with no response on record


@dataclass(frozen=True, slots=True)
class BoardRow:
    incident: Incident
    deadlines: list[Deadline]

    @property
    def breached(self) -> bool:
        return any(d.breached for d in self.deadlines)

    @property
    def next_due(self) -> datetime | None:
        return min((d.due_at for d in self.deadlines if not d.breached), default=None)


def urgency(row: BoardRow) -> tuple[int, int, float, float, int]:
    """Sort key, most urgent first."""
    due = row.next_due
    return (-_SEVERITY.get(row.incident.grade or "", 0), 0 if row.breached else 1,
            due.timestamp() if due is not None else float("inf"), -row.incident.heat, -(row.incident.id or 0))


def pending_deadlines(engine: Engine, incident_ids: list[int]) -> dict[int, list[Deadline]]:
    """Each incident's deadlines still to meet: open ones, and breached ones with no response yet."""
    found: dict[int, list[Deadline]] = defaultdict(list)
    if not incident_ids:
        return found
    with Session(engine) as session:
        rows = session.scalars(
            select(Obligation).where(col(Obligation.incident_id).in_(incident_ids),
                                     col(Obligation.state).in_(("open", "breached")), col(Obligation.met_at).is_(None))
            .order_by(col(Obligation.due_at), col(Obligation.id))).all()
        for row in rows:
            assert row.id is not None
            found[row.incident_id].append(Deadline(row.id, row.kind, row.sequence, row.due_at, row.state == "breached"))
    return found


def board(engine: Engine, *, limit: int = 200) -> list[BoardRow]:
    """Open incidents and policy documents (disclosure requests have their own page), most urgent first."""
    incidents = [i for i in service.list_incidents(engine, limit=limit)
                 if i.kind != IncidentKind.DISCLOSURE_REQUEST.value]
    deadlines = pending_deadlines(engine, [i.id for i in incidents if i.id is not None])
    return sorted((BoardRow(i, deadlines.get(i.id or 0, [])) for i in incidents), key=urgency)
