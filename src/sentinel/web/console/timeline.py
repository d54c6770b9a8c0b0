"""An incident's timeline as a reader sees it: every entry named in Chinese, and the routine
deliveries of one alert folded into one line.

Each alert (新舆情通知, a reminder, an escalation) goes out on every channel to every recipient, and
each delivery is a ``notification_delivered`` entry: a grade II incident's first hour had 13 of
them between the entries that matter. :func:`timeline_rows` keeps the alert's own entry and folds
its deliveries into one :class:`Deliveries` row (how many, on which channels, to whom, the slowest);
a delivery that failed stays a line of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sentinel.escalation.ack_links import CHANNEL_NAMES
from sentinel.store.models import TimelineEvent
from sentinel.web.console import labels

__all__ = ["Deliveries", "names", "timeline_detail", "timeline_rows"]

#: the timeline entry each alert writes when it is sent, by the alert's (outbox) kind
ALERT_ENTRY = {"new_incident": "announced", "reminder": "reminder", "escalation": "escalated",
               "reescalation": "reescalated", "evidence": "evidence_requested",
               "verification": "verification_requested", "hotlist": "hotlist_alerted", "breach": "obligation_breached"}
_ALERT_OF_ENTRY = {entry: kind for kind, entry in ALERT_ENTRY.items()}


@dataclass(slots=True)
class Deliveries:
    """The deliveries of one alert, folded: shown at the first one's time."""

    alert: str  # the outbox kind: new_incident, reminder, …
    events: list[TimelineEvent] = field(default_factory=list)
    kind: str = "deliveries"

    @property
    def at(self) -> datetime:
        return self.events[0].at

    @property
    def name(self) -> str:
        return f"{labels.NOTIFICATION.get(self.alert, self.alert)}通知已送达"

    @property
    def channels(self) -> list[str]:
        return sorted({str((e.data or {}).get("channel")) for e in self.events if (e.data or {}).get("channel")})

    @property
    def recipients(self) -> list[str]:
        names: list[str] = []
        for event in self.events:
            for person in (event.data or {}).get("recipients") or []:
                name = str(person.get("name") if isinstance(person, dict) else person)
                if name and name not in names:
                    names.append(name)
        return names

    @property
    def slowest(self) -> float:
        return max(float((e.data or {}).get("latency_seconds") or 0) for e in self.events)


def timeline_rows(events: Iterable[TimelineEvent]) -> list[TimelineEvent | Deliveries]:
    """The entries in order, each alert's deliveries folded into one row where the first of them was."""
    rows: list[TimelineEvent | Deliveries] = []
    open_groups: dict[str, Deliveries] = {}
    for event in events:
        if event.kind in _ALERT_OF_ENTRY:  # a new alert of this kind: its deliveries start a new row
            open_groups.pop(_ALERT_OF_ENTRY[event.kind], None)
        if event.kind != "notification_delivered":
            rows.append(event)
            continue
        alert = str((event.data or {}).get("kind") or "")
        group = open_groups.get(alert)
        if group is None:
            group = open_groups[alert] = Deliveries(alert)
            rows.append(group)
        group.events.append(event)
    return rows


def timeline_detail(event: TimelineEvent) -> str:
    """What a timeline entry's data adds to its reason, in a few words."""
    data = event.data or {}
    if event.kind == "grade_changed":
        return f"{data.get('from') or '未定级'} → {data.get('to')}"
    if event.kind == "department_assigned":
        return f"{data.get('previous') or '—'} → {data.get('department')}"
    if event.kind.startswith("obligation_") or event.kind == "reminder":
        name = labels.obligation_name(str(data.get("kind", "")))
        return f"{name} {data.get('offset', '')}".strip()
    if event.kind in ("hotlist_marked", "hotlist_top", "hotlist_alerted") and data.get("rank"):
        return f"第{data['rank']}位"
    if event.kind in ("acknowledged", "evidence_confirmed") and data.get("via") == "link":
        kind = str(data.get("channel_kind") or data.get("channel") or "")
        verb = "认领" if event.kind == "acknowledged" else "确认"
        return f"{verb} via {CHANNEL_NAMES.get(kind, kind)} link"
    if event.kind in ("response_recorded", "evidence_confirmed"):
        return " ".join(str(part) for part in (labels.obligation_name(str(data.get("kind", ""))), data.get("channel"),
                                               data.get("url")) if part)
    if event.kind == "notification_failed":
        return " ".join(part for part in (labels.NOTIFICATION.get(str(data.get("kind")), str(data.get("kind") or "")),
                                          str(data.get("channel") or "")) if part)
    return ""


def names(values: Sequence[str], most: int = 6) -> str:
    """``张伟、李娜、…等9人`` — a long list of recipients cut for one line."""
    shown = "、".join(values[:most])
    return f"{shown}等{len(values)}人" if len(values) > most else shown

