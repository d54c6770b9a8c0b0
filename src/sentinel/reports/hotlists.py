"""Hot lists in the reports: an incident's list history and the time from its emergence to a
list (the after-action report), and the office's topics that reached a list (the period report).
Times are ISO 8601 in the configured zone; durations are seconds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, Row, select
from sqlmodel import Session, col

from sentinel.clock import local_iso
from sentinel.collect.hotlist.board import list_name_zh
from sentinel.store import hotlists as hotlist_store
from sentinel.store.models import HotlistEntry, Incident, IncidentHotlist

__all__ = ["incident_hotlists", "period_hotlists"]


def incident_hotlists(engine: Engine, incident: Incident, zone: Any) -> dict[str, Any]:
    """``{"first_listed_at", "emergence_to_list_seconds", "entries": [...]}``: every entry that put the
    incident on a list, with its best rank, hours on the list, when it reached the policy's top and
    was alerted, and its rank history (``gone`` rows where it left)."""
    assert incident.id is not None
    with Session(engine) as session:
        marked = hotlist_store.incident_entries(session, incident.id)
    entries = []
    first = None
    for found in marked:
        entry, mark = found.entry, found.mark
        seen = entry.first_seen_at if entry is not None else mark.marked_at
        first = seen if first is None else min(first, seen)
        entries.append({
            "list": mark.list_name, "list_name": list_name_zh(mark.list_name), "title": mark.title,
            "source": mark.source_id, "first_seen_at": local_iso(seen, zone),
            "best_rank": entry.best_rank if entry else mark.rank,
            "best_rank_at": local_iso(entry.best_rank_at, zone) if entry else None,
            "peak_heat": entry.peak_heat if entry else mark.heat,
            "hours": round(entry.listed_seconds / 3600, 2) if entry else 0.0,
            "on_list": bool(entry and entry.on_list),
            "top_at": local_iso(mark.top_at, zone), "top_rank": mark.top_rank, "alerted_at": local_iso(mark.alerted_at, zone),
            "history": [{"at": local_iso(row.at, zone), "rank": row.rank, "heat": row.heat, "label": row.label,
                         "gone": row.gone} for row in found.history],
        })
    return {"first_listed_at": local_iso(first, zone),
            "emergence_to_list_seconds": (first - incident.emerged_at).total_seconds() if first else None,
            "entries": entries}


def period_hotlists(engine: Engine, incidents: Sequence[Row[Any]], zone: Any) -> list[dict[str, Any]]:
    """The incidents (of the period, already chosen: rows with their id, title, department, grade
    and emerged_at) that reached a hot list, with each list's best rank, hours and first
    appearance, and the time from emergence to the first list."""
    ids = [incident.id for incident in incidents if incident.id is not None]
    if not ids:
        return []
    with Session(engine) as session:
        rows = session.execute(
            select(IncidentHotlist, HotlistEntry)
            .outerjoin(HotlistEntry, (col(HotlistEntry.source_id) == col(IncidentHotlist.source_id))
                       & (col(HotlistEntry.external_id) == col(IncidentHotlist.external_id)))
            .where(col(IncidentHotlist.incident_id).in_(ids)).order_by(col(IncidentHotlist.id))).all()
    by_incident: dict[int, list[tuple[IncidentHotlist, HotlistEntry | None]]] = defaultdict(list)
    for mark, entry in rows:
        by_incident[mark.incident_id].append((mark, entry))
    out = []
    for incident in incidents:
        marks = by_incident.get(incident.id or 0)
        if not marks:
            continue
        lists: dict[str, dict[str, Any]] = {}
        for mark, entry in marks:
            seen = entry.first_seen_at if entry is not None else mark.marked_at
            best = (entry.best_rank if entry else None) or mark.rank
            hours = entry.listed_seconds / 3600 if entry else 0.0
            found = lists.setdefault(mark.list_name, {"list": mark.list_name, "list_name": list_name_zh(mark.list_name),
                                                      "best_rank": best, "hours": 0.0, "first_seen_at": seen,
                                                      "top": False})
            found["best_rank"] = min(r for r in (found["best_rank"], best) if r is not None) if best else found["best_rank"]
            found["hours"] = max(found["hours"], round(hours, 2))
            found["first_seen_at"] = min(found["first_seen_at"], seen)
            found["top"] = found["top"] or mark.top_at is not None
        first = min(found["first_seen_at"] for found in lists.values())
        out.append({
            "incident": incident.id, "title": incident.title, "department": incident.department,
            "grade": incident.grade, "emerged_at": local_iso(incident.emerged_at, zone),
            "first_listed_at": local_iso(first, zone),
            "emergence_to_list_seconds": (first - incident.emerged_at).total_seconds(),
            "lists": [{**found, "first_seen_at": local_iso(found["first_seen_at"], zone)}
                      for found in sorted(lists.values(), key=lambda f: (f["best_rank"] or 10**6, f["list"]))],
        })
    return out
