"""The period report (舆情日报、周报、月报): incidents, deadline compliance, breaches, topics,
sentiment and source health between two moments, for everyone or one department.

What counts where:

- **incidents**: those that emerged in ``[start, end)`` (of the department, when one is asked for);
- **compliance and breaches**: the deadlines that fell due in ``[start, end)``, waived ones left out,
  of incidents of the department (whenever they emerged). Each is *on time* (met at or before its
  due time), *late* (met after it), *missed* (breached, no response on record) or *open* (due later
  than the report was made). Every late or missed one is listed with its department, deadline and
  how late — met late: by how much; missed: up to when the report was made. This is the list 通报
  and 约谈 work from.
- **response time**: from the clock's start to the response, for the deadlines met (on time or
  late); percentiles by the nearest-rank method (the ⌈q·n⌉-th smallest), so they are actual values.
- **topics**: the incidents' keywords, by how many incidents carry each;
- **hot lists**: those incidents that reached a hot list, with each list's best rank, hours on it
  and the time from emergence to the first list;
- **sentiment**: the items of those incidents published in the period, by sentiment score;
- **sources**: every configured source's health now, items fetched in the period, and the blind
  or blocked alerts raised in it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, func, select
from sqlmodel import Session, col

from sentinel.analyse.category import default_lexicon
from sentinel.analyse.grading import Grade
from sentinel.clock import local_iso
from sentinel.errors import SentinelError
from sentinel.escalation.obligations import ObligationKind
from sentinel.incidents.service import list_incident_rows
from sentinel.notify.message import grade_label
from sentinel.reports.hotlists import period_hotlists
from sentinel.reports.incident import AUTHORITY_ZH
from sentinel.settings import Settings
from sentinel.store.models import (
    Incident,
    Item,
    ItemAnalysis,
    Obligation,
    OutboxMessage,
    SourceState,
    columns_of,
)

__all__ = ["PeriodError", "build_period_report", "nearest_rank", "period_title"]

TOP_TOPICS = 15
SENTIMENT_BINS = 5
_MAX_INCIDENTS = 100_000
#: what the report reads of an incident of the period, and of a deadline with its incident's
_INCIDENT_COLUMNS = columns_of(Incident, "id", "title", "grade", "category", "department", "state", "emerged_at",
                               "item_count", "heat", "keywords")
_DEADLINE_COLUMNS = (*columns_of(Obligation, "kind", "sequence", "state", "started_at", "due_at", "met_at",
                                 "provisional"),
                     col(Incident.id).label("incident"), *columns_of(Incident, "title", "department", "grade"))


class PeriodError(SentinelError):
    """A period that cannot be reported on (its end before its start)."""


def period_title(start: datetime, end: datetime) -> str:
    """The report's name by the span it covers: a day 日报, a week 周报, a calendar month's length
    (28–31 days) 月报; any other span (two days, ten days, a quarter) is a 专报 (special report),
    not a weekly one."""
    days = (end - start).total_seconds() / 86400
    if 0 < days <= 1:
        return "舆情日报"
    if 6.5 <= days <= 7.5:
        return "舆情周报"
    if 28 <= days <= 31.5:
        return "舆情月报"
    return "舆情专报"


def nearest_rank(values: Sequence[float], q: float) -> float | None:
    """The ⌈q·n⌉-th smallest value (q in (0, 1]); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def build_period_report(engine: Engine, settings: Settings, start: datetime, end: datetime, *, now: datetime,
                        department: str | None = None) -> dict[str, Any]:
    if end <= start:
        raise PeriodError(f"the period ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    zone = settings.zone
    # Rows of the columns read, not ORM objects: a busy day has thousands of incidents and of
    # deadlines, and an object each, with every JSON column decoded, cost several times as much
    # (what a report builds and drops, the daemon's heap keeps in pieces: heap.py).
    incidents = list_incident_rows(engine, _INCIDENT_COLUMNS, state=None, department=department, since=start,
                                   until=end, limit=_MAX_INCIDENTS)
    incidents.sort(key=lambda i: (i.emerged_at, i.id or 0))
    with Session(engine) as session:
        query = (select(*_DEADLINE_COLUMNS)
                 .join(Incident, col(Incident.id) == col(Obligation.incident_id))
                 .where(col(Obligation.due_at) >= start, col(Obligation.due_at) < end,
                        col(Obligation.state) != "waived")
                 .order_by(col(Obligation.due_at), col(Obligation.id)))
        if department is not None:
            query = query.where(col(Incident.department) == department)
        deadlines = list(session.execute(query).all())
        ids = [i.id for i in incidents]
        scores = session.execute(
            select(col(ItemAnalysis.sentiment), col(ItemAnalysis.negative)).join(Item, col(Item.id) == col(ItemAnalysis.item_id))
            .where(col(ItemAnalysis.incident_id).in_(ids), col(Item.published_at) >= start,
                   col(Item.published_at) < end)).all() if ids else []
        sources = _sources(session, settings, start, end)
    return {
        "report": "period",
        "title": period_title(start, end),
        "from": local_iso(start, zone), "to": local_iso(end, zone), "department": department,
        "generated_at": local_iso(now, zone), "timezone": settings.timezone,
        "incidents": _incidents(incidents, zone),
        "compliance": _compliance(deadlines, now),
        "breaches": _breaches(deadlines, now, zone),
        "topics": _topics(incidents),
        "hotlists": period_hotlists(engine, incidents, zone),
        "sentiment": _sentiment([(float(score), bool(negative)) for score, negative in scores]),
        "sources": sources,
    }


def _counts(values: Sequence[str | None], label: Any) -> list[dict[str, Any]]:
    counted = Counter(values)
    return [{"key": key, "name": label(key), "count": n}
            for key, n in sorted(counted.items(), key=lambda kv: (-kv[1], kv[0] or ""))]


def _incidents(incidents: Sequence[Row[Any]], zone: Any) -> dict[str, Any]:
    names = default_lexicon().names
    grades = Counter(i.grade for i in incidents)
    return {
        "total": len(incidents),
        "by_grade": [{"key": g, "name": grade_label(Grade(g)) if g else "未定级", "count": grades[g]}
                     for g in ["I", "II", "III", "IV", None] if grades[g]],
        "by_category": _counts([i.category for i in incidents],
                               lambda c: names.get(c, c) if c else "未分类"),
        "by_department": _counts([i.department for i in incidents], lambda d: d or "未指定"),
        "list": [{"id": i.id, "title": i.title, "grade": i.grade,
                  "grade_label": grade_label(Grade(i.grade)) if i.grade else "未定级",
                  "category_name": names.get(i.category, i.category) if i.category else "未分类",
                  "department": i.department, "state": i.state, "emerged_at": local_iso(i.emerged_at, zone),
                  "items": i.item_count, "heat": round(i.heat, 3)} for i in incidents],
    }


def _outcome(row: Row[Any], now: datetime) -> str:
    if row.met_at is not None:
        return "on_time" if row.met_at <= row.due_at else "late"
    if row.state == "breached" or row.due_at <= now:
        return "missed"
    return "open"


def _compliance(rows: Sequence[Row[Any]], now: datetime) -> list[dict[str, Any]]:
    out = []
    for kind in ObligationKind:
        mine = [row for row in rows if row.kind == kind.value]
        if not mine:
            continue
        outcomes = Counter(_outcome(row, now) for row in mine)
        closed = outcomes["on_time"] + outcomes["late"] + outcomes["missed"]
        times = [(row.met_at - row.started_at).total_seconds() for row in mine if row.met_at is not None]
        out.append({
            "kind": kind.value, "name": kind.name_zh, "due": len(mine), "on_time": outcomes["on_time"],
            "late": outcomes["late"], "missed": outcomes["missed"], "open": outcomes["open"],
            "on_time_rate": outcomes["on_time"] / closed if closed else None,
            "response_seconds": {"count": len(times), "p50": nearest_rank(times, 0.5),
                                 "p90": nearest_rank(times, 0.9), "max": max(times, default=None)},
        })
    return out


def _breaches(deadlines: Sequence[Row[Any]], now: datetime, zone: Any) -> list[dict[str, Any]]:
    """The deadlines met late or missed (rows of :data:`_DEADLINE_COLUMNS`)."""
    out = []
    for row in deadlines:
        outcome = _outcome(row, now)
        if outcome not in ("late", "missed"):
            continue
        until = row.met_at if row.met_at is not None else now
        out.append({
            "incident": row.incident, "title": row.title, "department": row.department,
            "grade": row.grade, "kind": row.kind, "name": ObligationKind(row.kind).name_zh,
            "sequence": row.sequence, "due_at": local_iso(row.due_at, zone), "met_at": local_iso(row.met_at, zone),
            "outcome": outcome, "late_seconds": (until - row.due_at).total_seconds(), "provisional": row.provisional,
        })
    return out


def _topics(incidents: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    counted = Counter(word for i in incidents for word in dict.fromkeys(i.keywords))
    return [{"word": word, "incidents": n}
            for word, n in sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_TOPICS]]


def _sentiment(rows: list[tuple[float, bool]]) -> dict[str, Any]:
    bins = [0] * SENTIMENT_BINS
    for value, _ in rows:
        bins[min(SENTIMENT_BINS - 1, max(0, int(value * SENTIMENT_BINS)))] += 1
    scores = [value for value, _ in rows]
    negative = sum(1 for _, is_negative in rows if is_negative)
    return {"items": len(rows), "negative": negative, "negative_share": negative / len(rows) if rows else None,
            "histogram": [{"from": n / SENTIMENT_BINS, "to": (n + 1) / SENTIMENT_BINS, "items": count}
                          for n, count in enumerate(bins)],
            "mean": sum(scores) / len(scores) if scores else None}


def _sources(session: Session, settings: Settings, start: datetime, end: datetime) -> list[dict[str, Any]]:
    zone = settings.zone
    fetched = dict(session.execute(
        select(col(Item.source_id), func.count()).where(col(Item.fetched_at) >= start, col(Item.fetched_at) < end)
        .group_by(col(Item.source_id))).all())
    states = {row.source_id: row for row in session.scalars(select(SourceState)).all()}
    alerts: Counter[tuple[str, str]] = Counter()
    for action_key, kind in session.execute(
            select(col(OutboxMessage.action_key), col(OutboxMessage.kind)).distinct()
            .where(col(OutboxMessage.kind).in_(["source_blind", "source_blocked"]),
                   col(OutboxMessage.created_at) >= start, col(OutboxMessage.created_at) < end)).all():
        alerts[(action_key.split(":")[1], kind)] += 1
    out = []
    for source in settings.sources:
        state = states.get(source.id)
        out.append({
            "id": source.id, "kind": source.kind.value, "authority": source.authority.value,
            "authority_name": AUTHORITY_ZH[source.authority], "official": source.official,
            "enabled": source.enabled, "health": state.health if state else "unknown",
            "items": int(fetched.get(source.id, 0)),
            "last_success_at": local_iso(state.last_success_at, zone) if state else None,
            "last_error": state.last_error_reason if state else None,
            "consecutive_failures": state.consecutive_failures if state else 0,
            "blind_alerts": alerts[(source.id, "source_blind")],
            "blocked_alerts": alerts[(source.id, "source_blocked")],
        })
    return out
