"""The after-action report (舆情处置效果评估报告) of one incident, as one JSON-ready dict.

Every format renders from this dict and nothing else, so the JSON carries every figure the HTML,
Markdown and PDF show. Times are ISO 8601 in the configured zone; durations are seconds.

Sections: ``incident`` (summary: what, where, category, grade and its reasons, department,
emergence, detection and its delay, status), ``obligations`` (the replay's shape,
docs/architecture.md#replay-scenarios, plus
``margin_seconds`` — positive when met early, negative when late (for a breach never met, how late
as of the report's time, given in ``margin_as_of``), null while open — the rule's allowance,
``pending_evidence`` (unconfirmed official items that may meet an open or breached deadline, 待确认),
the timeliness points and the release register's evidence), ``timeline`` (condensed),
``series`` (volume, negative share, sentiment and heat per bucket, with markers), ``sources`` by
authority tier, ``keywords``, ``posts`` (representative), ``effect`` (before/after the first
release) and ``score`` (:mod:`sentinel.reports.scoring`).

Negative shares are given per register as well (``negative_by_register``: news reports and posts,
by the kind of each item's source): a report of deaths is negative news however calm the posts
around it, so where an incident has both, the report shows the two apart rather than one average.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from sentinel.analyse.category import default_lexicon
from sentinel.analyse.grading import Grade
from sentinel.analyse.sentiment import Register, register_of_source
from sentinel.clock import local_iso
from sentinel.escalation.clocks import pending_evidence
from sentinel.escalation.obligations import ObligationKind, ObligationState, obligation_json
from sentinel.incidents.heat import Halving, HeatWeights, heat_item, rate_halving
from sentinel.incidents.series import as_json as series_json
from sentinel.incidents.series import incident_series
from sentinel.incidents.service import IncidentDetail, get_incident
from sentinel.notify.message import grade_label
from sentinel.reports import scoring
from sentinel.reports.hotlists import incident_hotlists
from sentinel.settings import Authority, Settings
from sentinel.store.models import Item, ItemAnalysis, Obligation, Response, TimelineEvent

__all__ = ["AUTHORITY_ZH", "build_incident_report"]

AUTHORITY_ZH = {Authority.CENTRAL: "中央媒体", Authority.PROVINCIAL: "省级媒体", Authority.LOCAL: "地方媒体、政府网站",
                Authority.COMMERCIAL: "商业门户", Authority.SELF_MEDIA: "自媒体"}
# the timeline, condensed: what the evaluators read; obligation starts are in the deadlines table
_TIMELINE_ZH = {
    "detected": "发现", "announced": "通报", "grade_changed": "定级", "department_assigned": "指定责任单位",
    "escalated": "升级通知", "reescalated": "再次升级", "reminder": "提醒", "acknowledged": "签收",
    "response_recorded": "回应登记", "evidence_recorded": "官方发布计入", "obligation_met": "时限完成",
    "obligation_breached": "时限超时", "closed": "结案", "dismissed": "排除", "note": "备注",
    "place_assessed": "属地研判", "adopted": "纳入本辖区", "verification_required": "待研判",
    "verification_requested": "请求研判", "verification_corroborated": "权威来源印证", "verification_confirmed": "研判属实",
    "verification_expired": "研判超时",
    "hotlist_marked": "上榜", "hotlist_top": "进入热搜前列", "hotlist_alerted": "上热搜提醒",
}
_NOTICE_ZH = {"announced": "新舆情通报", "verification_requested": "请值班员研判",
              "escalated": "逐级通知（未签收或已超时）", "reescalated": "签收后未回应，再次通知",
              "hotlist_alerted": "上热搜提醒"}
TOP_KEYWORDS = 10
TOP_POSTS = 5
EXCERPT = 140


def build_incident_report(engine: Engine, settings: Settings, incident_id: int, *, now: datetime) -> dict[str, Any]:
    """The report's figures; raises :class:`~sentinel.errors.NotFoundError` for an unknown incident."""
    zone = settings.zone
    detail = get_incident(engine, incident_id)
    responses = {r.id: r for r in detail.responses}
    obligations = [_obligation(row, responses.get(row.response_id), zone, now, detail.responses)
                   for row in detail.obligations]
    # the authoritative release is the one the effect is measured around; failing that, the first release
    recorded = [r for r in detail.responses if r.state == "recorded"]
    release = next((r for r in recorded if r.kind == ObligationKind.AUTHORITATIVE_INFO.value),
                   recorded[0] if recorded else None)
    register_of = _register_of(settings)
    before, after, effect = _effect(settings, detail, release, register_of)
    weights = settings.reports.weights.as_dict()
    score = scoring.score(detail.obligations, before, after, weights)
    series: dict[str, Any] = series_json(incident_series(engine, incident_id))
    for point in series["points"]:
        point["start"] = local_iso(datetime.fromisoformat(point["start"]), zone)
    for marker in series["markers"]:
        marker["at"] = local_iso(datetime.fromisoformat(marker["at"]), zone)
    return {
        "report": "incident",
        "generated_at": local_iso(now, zone),
        "timezone": settings.timezone,
        "incident": {**_summary(detail, zone),
                     "negative_by_register": _by_register(detail.items, register_of)},
        "obligations": obligations,
        "timeline": _timeline(detail.timeline, zone),
        "series": series,
        "sources": _sources(settings, detail.items),
        "keywords": _keywords(detail),
        "posts": _posts(settings, detail.items, zone),
        "effect": effect,
        "score": score.as_json(),
        "hotlists": incident_hotlists(engine, detail.incident, zone),
    }


def _summary(detail: IncidentDetail, zone: Any) -> dict[str, Any]:
    incident = detail.incident
    names = default_lexicon().names
    return {
        "id": incident.id, "title": incident.title, "kind": incident.kind, "state": incident.state,
        "category": incident.category,
        "category_name": names.get(incident.category, incident.category) if incident.category else None,
        "grade": incident.grade, "grade_label": grade_label(Grade(incident.grade)) if incident.grade else "未定级",
        "grade_source": incident.grade_source, "grade_reasons": list(incident.grade_reasons),
        "department": incident.department, "regions": list(incident.regions),
        "facts": {k: v for k, v in incident.facts.items() if v is not None},
        "emerged_at": local_iso(incident.emerged_at, zone), "detected_at": local_iso(incident.detected_at, zone),
        "detection_delay_seconds": (incident.detected_at - incident.emerged_at).total_seconds(),
        "clock_start": local_iso(incident.clock_start, zone),
        "acknowledged_at": local_iso(incident.acknowledged_at, zone), "acknowledged_by": incident.acknowledged_by,
        "responded_at": local_iso(incident.responded_at, zone),
        "last_item_at": local_iso(incident.last_item_at, zone), "item_count": incident.item_count,
        "source_count": incident.source_count, "heat": round(incident.heat, 3),
        "negative_share": incident.negative_share,
    }


def _obligation(row: Obligation, response: Response | None, zone: Any, now: datetime,
                responses: Iterable[Response]) -> dict[str, Any]:
    out = obligation_json(row, zone)
    margin, as_of = None, None
    if row.met_at is not None:
        margin = (row.due_at - row.met_at).total_seconds()
    elif row.state == ObligationState.BREACHED.value:
        # never met: how late it is as of the report (the text says "截至…仍未完成")
        margin, as_of = (row.due_at - now).total_seconds(), local_iso(now, zone)
    out.update({
        "name": ObligationKind(row.kind).name_zh,
        "started_at": local_iso(row.started_at, zone),
        "breached_at": local_iso(row.breached_at, zone),
        "allowed_seconds": (row.due_at - row.started_at).total_seconds(),
        "margin_seconds": margin,
        "margin_as_of": as_of,
        "pending_evidence": [{
            "response": candidate.id, "kind": candidate.kind, "at": local_iso(candidate.at, zone),
            "source": candidate.channel, "title": candidate.content, "url": candidate.url,
            "text": evidence_text(candidate, zone)} for candidate in pending_evidence(row, responses)],
        "points": scoring.deadline_points(row) if row.kind != scoring.SUSTAINED else None,
        "reason": row.reason,
        "provisional": row.provisional,  # why the deadline is not final (a year's holiday notice unknown)
        "evidence": None if response is None else {
            "kind": response.kind, "at": local_iso(response.at, zone), "url": response.url,
            "channel": response.channel, "unit": response.unit, "reviewer": response.reviewer,
            "publisher": response.publisher, "recorded_by": response.recorded_by,
        },
    })
    return out


def evidence_text(response: Response, zone: Any) -> str:
    """An unconfirmed official item as the report and the console show it beside a deadline:
    ``gov-city 01:07 关于…的情况通报 — 待确认``."""
    at = response.at.astimezone(zone).strftime("%H:%M")
    title = " ".join((response.content or "").split())
    if len(title) > 60:
        title = title[:60] + "…"
    return f"{response.channel or '官方渠道'} {at} {title} — 待确认"


def _timeline(events: list[TimelineEvent], zone: Any) -> list[dict[str, Any]]:
    out = []
    for event in events:
        if event.kind not in _TIMELINE_ZH:
            continue
        data = event.data or {}
        recipients: list[str] = []
        channels: list[str] = []
        for note in data.get("notifications") or []:
            channels.append(str(note.get("channel")))
            recipients += [str(name) for name in note.get("recipients") or [] if str(name) not in recipients]
        what = event.reason or ""
        if event.kind in ("obligation_met", "obligation_breached", "reminder") and data.get("kind"):
            what = ObligationKind(data["kind"]).name_zh + (f"：{what}" if what else "")
        if event.kind == "response_recorded" and data.get("kind"):
            what = ObligationKind(data["kind"]).name_zh + (f" {data['url']}" if data.get("url") else "")
        if not what and event.kind in _NOTICE_ZH:
            what = _NOTICE_ZH[event.kind]
        if event.kind == "grade_changed":
            what = f"{data.get('from') or '未定级'} → {data.get('to') or '未定级'}：{what}"
        out.append({"at": local_iso(event.at, zone), "kind": event.kind, "name": _TIMELINE_ZH[event.kind],
                    "actor": event.actor, "text": what, "recipients": recipients, "channels": sorted(set(channels)),
                    "late_by_seconds": data.get("late_by_seconds") or 0})
    return out


def _sources(settings: Settings, items: list[tuple[Item, ItemAnalysis]]) -> list[dict[str, Any]]:
    tier_of = {source.id: source.authority for source in settings.sources}
    counts: dict[Authority | None, Counter[str]] = defaultdict(Counter)
    for item, _ in items:
        counts[tier_of.get(item.source_id)][item.source_id] += 1
    order = [*Authority, None]
    return [{"tier": tier.value if tier else "unknown", "name": AUTHORITY_ZH[tier] if tier else "未配置来源",
             "items": sum(counts[tier].values()),
             "sources": [{"id": sid, "items": n} for sid, n in sorted(counts[tier].items())]}
            for tier in order if tier in counts]


def _keywords(detail: IncidentDetail) -> list[dict[str, Any]]:
    """The words that weigh most across the incident's items (TF-IDF weights summed), with how many items carry each."""
    weight: defaultdict[str, float] = defaultdict(float)
    carried: Counter[str] = Counter()
    for _, analysis in detail.items:
        for entry in analysis.keywords:
            word, value = str(entry[0]), float(entry[1]) if len(entry) > 1 else 1.0
            weight[word] += value
            carried[word] += 1
    if not weight:  # items analysed before keywords were kept: the incident's own list
        return [{"word": word, "weight": None, "items": None} for word in detail.incident.keywords[:TOP_KEYWORDS]]
    return [{"word": word, "weight": round(value, 3), "items": carried[word]}
            for word, value in sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_KEYWORDS]]


def _posts(settings: Settings, items: list[tuple[Item, ItemAnalysis]], zone: Any) -> list[dict[str, Any]]:
    """The most engaged posts, the more authoritative source first among equals, then the earliest."""
    rank: dict[Authority | None, int] = {tier: n for n, tier in enumerate(reversed(list(Authority)))}
    tier_of = {source.id: source.authority for source in settings.sources}

    def engagement(item: Item) -> int:
        return (item.reposts or 0) + (item.comments or 0) + (item.likes or 0)

    chosen = sorted(items, key=lambda pair: (-engagement(pair[0]), -rank.get(tier_of.get(pair[0].source_id), -1),
                                             pair[0].published_at, pair[0].id or 0))[:TOP_POSTS]
    return [{"id": item.external_id, "source": item.source_id, "title": item.title,
             "excerpt": _excerpt(item.text or item.title), "url": item.url,
             "published_at": local_iso(item.published_at, zone), "reposts": item.reposts, "comments": item.comments,
             "likes": item.likes, "sentiment": round(analysis.sentiment, 4), "negative": analysis.negative}
            for item, analysis in chosen]


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "…"


def _rate_halving(settings: Settings, detail: IncidentDetail, at: datetime) -> Halving:
    tiers = {source.id: source.authority.value for source in settings.sources}
    items = [heat_item(item, tiers) for item, _ in detail.items]
    return rate_halving(items, at, HeatWeights.from_config(settings.incidents.heat))


def _register_of(settings: Settings) -> Callable[[Item], Register]:
    """An item's register (news or post), from its source's kind and authority tier."""
    sources = {source.id: source for source in settings.sources}

    def register(item: Item) -> Register:
        source = sources.get(item.source_id)
        return register_of_source(source.kind if source else None, source.authority if source else None)

    return register


def _by_register(items: Iterable[tuple[Item, ItemAnalysis]], register_of: Callable[[Item], Register]
                 ) -> list[dict[str, Any]]:
    """Items and negative items per register present, news first."""
    counts: dict[Register, list[int]] = {}
    for item, analysis in items:
        entry = counts.setdefault(register_of(item), [0, 0])
        entry[0] += 1
        entry[1] += bool(analysis.negative)
    return [{"register": register.value, "name": register.name_zh, "items": counts[register][0],
             "negative": counts[register][1], "negative_share": counts[register][1] / counts[register][0]}
            for register in Register if register in counts]


def _window(detail: IncidentDetail, start: datetime, end: datetime, register_of: Callable[[Item], Register]
            ) -> scoring.WindowCounts:
    """The incident's items published in ``[start, end)`` and the negative among them (already loaded)."""
    inside = [(item, analysis) for item, analysis in detail.items if start <= item.published_at < end]
    return scoring.WindowCounts(len(inside), sum(analysis.negative for _, analysis in inside),
                                {entry["register"]: (entry["items"], entry["negative"])
                                 for entry in _by_register(inside, register_of)})


def _effect(settings: Settings, detail: IncidentDetail, release: Response | None,
            register_of: Callable[[Item], Register]
            ) -> tuple[scoring.WindowCounts | None, scoring.WindowCounts | None, dict[str, Any]]:
    """Before and after the release, in windows of equal length, and how soon the heat rate halved
    after it (:func:`sentinel.incidents.heat.rate_halving`)."""
    zone = settings.zone
    if release is None:
        return None, None, {"release": None, "window_seconds": None, "before": None, "after": None,
                            "heat_rate_at_release": None, "heat_halved_at": None, "heat_halving_seconds": None}
    incident = detail.incident
    assert incident.id is not None
    window = min(settings.reports.effect_window, max(release.at - incident.emerged_at, timedelta(0)))
    if window <= timedelta(0):  # released the moment it emerged: nothing before to compare with
        window = settings.reports.effect_window
    before = _window(detail, release.at - window, release.at, register_of)
    after = _window(detail, release.at, release.at + window, register_of)
    halving = _rate_halving(settings, detail, release.at)

    def side(counts: scoring.WindowCounts, start: datetime) -> dict[str, Any]:
        return {"from": local_iso(start, zone), "to": local_iso(start + window, zone), "items": counts.items,
                "negative": counts.negative, "negative_share": counts.negative_share,
                "by_register": [{"register": name, "name": Register(name).name_zh, "items": n, "negative": k,
                                 "negative_share": k / n} for name, (n, k) in counts.registers.items()]}

    return before, after, {
        "release": {"kind": release.kind, "name": ObligationKind(release.kind).name_zh,
                    "at": local_iso(release.at, zone), "url": release.url, "channel": release.channel},
        "window_seconds": window.total_seconds(),
        "before": side(before, release.at - window), "after": side(after, release.at),
        "heat_rate_at_release": round(halving.rate, 3),
        "heat_halved_at": local_iso(halving.halved_at, zone),
        "heat_halving_seconds": (halving.halved_at - release.at).total_seconds() if halving.halved_at else None,
    }
