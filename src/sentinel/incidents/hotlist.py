"""Hot lists as signals (上榜): what an incident's entries on hot lists do to it.

An entry of a hot list is an item like any other: analysed, and, when it matches a watch rule and is
a public-opinion topic (:mod:`sentinel.analyse.hotlist_topic`), placed in an incident — opening
one, or joining one that a news item opened. After each poll of a list, :meth:`HotlistSignals.apply`
looks at every open incident holding such entries, in one transaction:

- **marks** it the first time each entry is seen with it (a mark row, and the timeline entry
  "上榜：微博热搜第7位，热度1,315,270 / on the Weibo hot list, rank 7, 1,315,270");
- keeps its **listing** (per list: best rank, rank now, hours on the list, heat and heat share) and
  the heat component that follows from it (:mod:`.hotlist_heat`), with a heat sample;
- the first time an entry reaches the top ``policy.hotlist.top`` of a list in
  ``policy.hotlist.national``: raises its intensity grade a step (``raise_intensity``), marks a grade
  III/IV incident as needing a response so its 48 h clock starts (``start_response_clock``), and
  leaves the alert to the engine (``alert``: the mark's ``alert_pending``; the engine sends it once,
  with the entry's rank history).

An entry that leaves a list and comes back is the same entry and the same mark: it is not marked or
alerted again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlmodel import Session, col

from sentinel.analyse.grading import Grade
from sentinel.analyse.hotlist_topic import TopicVerdict, judge_entry
from sentinel.collect.hotlist.board import list_name_zh
from sentinel.incidents.grade import ListRaise
from sentinel.incidents.hotlist_heat import ListingWeights, ListStanding, listing_heat
from sentinel.store.models import (
    HeatSample,
    HotlistEntry,
    HotlistRank,
    Incident,
    IncidentHotlist,
    IncidentKind,
    IncidentState,
    Item,
    ItemAnalysis,
    TimelineEvent,
)

__all__ = ["HotlistSignals", "SignalsReport", "alert_context", "entry_verdict", "heat_parts", "list_raise", "mark_text", "with_listing"]

#: The heat components that come from items (sentinel.incidents.heat); "listing" is added to them.
ITEM_PARTS = ("engagement", "volume", "breadth", "momentum")

Regrade = Callable[[Session, Incident, datetime], None]
#: starts and waives the clocks after a grade or marking changed: (session, incident, previous grade, now)
SyncClocks = Callable[[Session, Incident, str | None, datetime], None]


class HotlistRule(Protocol):
    """What the response policy says of hot lists (``policy.hotlist``, in the escalation stage)."""

    @property
    def top(self) -> int: ...
    @property
    def national(self) -> list[str]: ...
    @property
    def raise_intensity(self) -> bool: ...
    @property
    def max_raised_grade(self) -> Grade: ...
    @property
    def start_response_clock(self) -> bool: ...
    @property
    def alert(self) -> bool: ...


#: the hot-list policy an incident runs under (its snapshot once its clocks started)
PolicyOf = Callable[[Incident], HotlistRule]


@dataclass(slots=True)
class SignalsReport:
    marked: list[tuple[int, str]] = field(default_factory=list)  # (incident, list) newly marked
    top: list[tuple[int, str]] = field(default_factory=list)  # (incident, list) newly in the top N
    updated: list[int] = field(default_factory=list)  # incidents whose listing changed


def heat_number(value: int | None) -> str:
    """``1315270`` → ``1,315,270`` (how the lists show heat)."""
    return f"{value:,}" if value is not None else "—"


def mark_text(list_name: str, rank: int | None, heat: int | None) -> str:
    """The timeline's words for an entry on a list."""
    zh, en = list_name_zh(list_name), f"the {list_name.capitalize()} hot list"
    if rank is None:
        return f"上榜：{zh} / on {en}"
    return (f"上榜：{zh}第{rank}位，热度{heat_number(heat)} / on {en}, rank {rank}, {heat_number(heat)}")


def list_raise(incident: Incident, rule: HotlistRule) -> ListRaise | None:
    """The grade raise an incident has earned by reaching the top of a national list, if it has."""
    top = (incident.listing or {}).get("top")
    if not rule.raise_intensity or not isinstance(top, dict):
        return None
    return ListRaise(f"进入{list_name_zh(str(top.get('list')))}前{rule.top}（第{top.get('rank')}位）",
                     f"entered the top {rule.top} of the {str(top.get('list')).capitalize()} hot list "
                     f"(rank {top.get('rank')})", rule.max_raised_grade)


def entry_verdict(item: Item) -> TopicVerdict | None:
    """For a hot-list entry's item: a public-opinion topic, or entertainment (kept, no incident)?
    None for an item of any other source."""
    facts = (item.extra or {}).get("hotlist")
    return judge_entry(facts, item.title, item.text) if isinstance(facts, dict) else None


def heat_parts(components: Mapping[str, Any]) -> float:
    """The items' share of an incident's heat, from its stored components."""
    return sum(float(components.get(name) or 0.0) for name in ITEM_PARTS)


def with_listing(components: Mapping[str, Any], listing: Mapping[str, Any]) -> tuple[float, dict[str, Any]]:
    """The incident's heat and components once its listing component is added to the items' parts
    (unchanged when it has been on no list)."""
    if not listing:
        return round(float(components.get("total") or heat_parts(components)), 4), dict(components)
    extra = listing.get("heat") or {}
    value = float(extra.get("total") or 0.0)
    merged = {**components, "listing": round(value, 4), "listing_terms": dict(extra.get("terms") or {})}
    total = round(heat_parts(components) + value, 4)
    merged["total"] = total
    return total, merged


class HotlistSignals:
    """The stage hands in what belongs to the escalation stage: the policy an incident runs under,
    and the function that starts its clocks in the same transaction."""

    def __init__(self, policy_of: PolicyOf, weights: ListingWeights | None = None) -> None:
        self.policy_of = policy_of
        self.weights = weights or ListingWeights()

    def apply(self, session: Session, now: datetime, *, regrade: Regrade, sync_clocks: SyncClocks) -> SignalsReport:
        """Mark, heat, grade and clock every open incident holding hot-list entries (module docstring)."""
        report = SignalsReport()
        rows = session.execute(
            select(HotlistEntry, Incident)
            .join(ItemAnalysis, col(ItemAnalysis.item_id) == col(HotlistEntry.item_id))
            .join(Incident, col(Incident.id) == col(ItemAnalysis.incident_id))
            .where(col(Incident.state) == IncidentState.OPEN.value, col(Incident.kind) == IncidentKind.INCIDENT.value,
                   col(HotlistEntry.best_rank).is_not(None))).all()
        grouped: dict[int, tuple[Incident, list[HotlistEntry]]] = {}
        for entry, incident in rows:
            grouped.setdefault(_id(incident), (incident, []))[1].append(entry)
        if not grouped:
            return report
        marks: dict[tuple[int, str, str], IncidentHotlist] = {
            (m.incident_id, m.source_id, m.external_id): m for m in session.scalars(
                select(IncidentHotlist).where(col(IncidentHotlist.incident_id).in_(list(grouped)))).all()}
        for _, (incident, entries) in sorted(grouped.items()):
            self._incident(session, incident, entries, marks, now, report, regrade, sync_clocks)
        return report

    def _incident(self, session: Session, incident: Incident, entries: list[HotlistEntry],
                  marks: dict[tuple[int, str, str], IncidentHotlist], now: datetime, report: SignalsReport,
                  regrade: Regrade, sync_clocks: SyncClocks) -> None:
        incident_id = _id(incident)
        rule = self.policy_of(incident)
        newly_top: list[IncidentHotlist] = []
        for entry in sorted(entries, key=lambda e: (e.first_seen_at, e.source_id, e.external_id)):
            key = (incident_id, entry.source_id, entry.external_id)
            mark = marks.get(key)
            if mark is None:
                mark = marks[key] = self._mark(session, incident, entry, now)
                report.marked.append((incident_id, entry.list_name))
            if mark.top_at is None and entry.best_rank is not None and entry.best_rank <= rule.top \
                    and entry.list_name in rule.national:
                mark.top_at, mark.top_rank, mark.alert_pending = now, entry.best_rank, rule.alert
                newly_top.append(mark)
        listing = self._listing(incident, entries, rule)
        if newly_top and not isinstance(listing.get("top"), dict):
            first = newly_top[0]
            listing["top"] = {"list": first.list_name, "rank": first.top_rank, "at": now.isoformat(),
                              "title": first.title, "source": first.source_id}
        changed = listing != incident.listing
        if changed:
            incident.listing = listing
            incident.heat, incident.heat_components = with_listing(incident.heat_components, listing)
            incident.updated_at = now
            session.add(HeatSample(incident_id=incident_id, at=now, heat=incident.heat, items=incident.item_count,
                                   negative_share=incident.negative_share))
            report.updated.append(incident_id)
        for mark in newly_top:
            report.top.append((incident_id, mark.list_name))
            _event(session, incident, now, "hotlist_top",
                   f"进入{list_name_zh(mark.list_name)}前{rule.top}（第{mark.top_rank}位）/ entered the top {rule.top} "
                   f"of the {mark.list_name.capitalize()} hot list (rank {mark.top_rank})",
                   list=mark.list_name, source=mark.source_id, entry=mark.external_id, rank=mark.top_rank,
                   alert=mark.alert_pending)
        if changed or newly_top:
            self._policy(session, incident, rule, now, regrade, sync_clocks, top=bool(newly_top))

    def _mark(self, session: Session, incident: Incident, entry: HotlistEntry, now: datetime) -> IncidentHotlist:
        rank = entry.rank if entry.on_list else entry.best_rank
        heat = entry.heat if entry.on_list else entry.peak_heat
        mark = IncidentHotlist(incident_id=_id(incident), source_id=entry.source_id, external_id=entry.external_id,
                               list_name=entry.list_name, title=entry.title, marked_at=now, rank=rank, heat=heat)
        session.add(mark)
        _event(session, incident, now, "hotlist_marked", mark_text(entry.list_name, rank, heat),
               list=entry.list_name, source=entry.source_id, entry=entry.external_id, title=entry.title, rank=rank,
               heat=heat, on_list=entry.on_list, first_seen_at=entry.first_seen_at.isoformat())
        return mark

    def _listing(self, incident: Incident, entries: list[HotlistEntry], rule: HotlistRule) -> dict[str, Any]:
        lists: dict[str, list[HotlistEntry]] = defaultdict(list)
        for entry in entries:
            lists[entry.list_name].append(entry)
        summary: dict[str, Any] = {}
        standings = []
        for name, mine in sorted(lists.items()):
            on = [e for e in mine if e.on_list and e.rank is not None]
            best = min(e.best_rank for e in mine if e.best_rank is not None)
            shares = [e.heat_share for e in mine if e.heat_share is not None]
            hours = max(e.listed_seconds for e in mine) / 3600
            summary[name] = {
                "best_rank": best, "rank": min((e.rank for e in on if e.rank is not None), default=None),
                "on": bool(on), "hours": round(hours, 3), "heat": max((e.heat for e in on if e.heat is not None),
                                                                      default=None),
                "peak_heat": max((e.peak_heat for e in mine if e.peak_heat is not None), default=None),
                "heat_share": max(shares) if shares else None, "entries": len(mine),
                "first_seen_at": min(e.first_seen_at for e in mine).isoformat(),
                "title": min(mine, key=lambda e: e.best_rank or 10**6).title,
            }
            standings.append(ListStanding(name, best, max(shares) if shares else None, hours))
        total, terms = listing_heat(standings, rule.national, self.weights)
        listing: dict[str, Any] = {"lists": summary, "heat": {"total": round(total, 4),
                                                              "terms": {k: round(v, 4) for k, v in terms.items()}}}
        if isinstance((incident.listing or {}).get("top"), dict):
            listing["top"] = incident.listing["top"]
        return listing

    def _policy(self, session: Session, incident: Incident, rule: HotlistRule, now: datetime, regrade: Regrade,
                sync_clocks: SyncClocks, *, top: bool) -> None:
        """Heat changed: grade again (a step higher once the incident reached the top of a national list,
        :func:`list_raise`); reached the top: start the 48 h clock of a III/IV; then the clocks."""
        previous = incident.grade
        regrade(session, incident, now)
        if top and rule.start_response_clock and incident.grade in (Grade.III.value, Grade.IV.value) \
                and not incident.needs_response:
            incident.needs_response = True
            reached = incident.listing.get("top") or {}
            _event(session, incident, now, "marked_needs_response",
                   f"进入{list_name_zh(str(reached.get('list')))}前{rule.top}，需在48小时内回应 / on a national hot list: "
                   "a response is due within 48 hours")
        sync_clocks(session, incident, previous, now)


#: Rank history rows an alert shows at most (the latest).
ALERT_HISTORY = 12


def alert_context(session: Session, mark: IncidentHotlist, *, top: int) -> dict[str, Any]:
    """What the hot-list alert says (``notify/templates/hotlist.*``): the entry, its list, the rank
    and heat with which it entered the top ``top``, and its rank history so far."""
    history = session.scalars(
        select(HotlistRank).where(col(HotlistRank.source_id) == mark.source_id,
                                  col(HotlistRank.external_id) == mark.external_id)
        .order_by(col(HotlistRank.at), col(HotlistRank.id))).all()
    at_top = [row for row in history if not row.gone and row.rank == mark.top_rank
              and (mark.top_at is None or row.at <= mark.top_at)]
    return {
        "title": mark.title, "list": mark.list_name, "list_zh": list_name_zh(mark.list_name), "rank": mark.top_rank,
        "heat": at_top[-1].heat if at_top else mark.heat, "top": top, "top_at": mark.top_at or mark.marked_at,
        "history": [{"at": row.at, "rank": row.rank, "heat": row.heat, "gone": row.gone}
                    for row in history[-ALERT_HISTORY:]],
    }


def _event(session: Session, incident: Incident, at: datetime, kind: str, reason: str, **data: Any) -> None:
    session.add(TimelineEvent(incident_id=_id(incident), at=at, kind=kind, actor="sentinel", reason=reason, data=data))


def _id(row: Incident) -> int:
    if row.id is None:
        raise ValueError("the incident has no id yet: flush it first")
    return row.id
