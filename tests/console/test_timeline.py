"""The timeline as a reader sees it: every kind of entry sentinel writes has a Chinese name, and
the deliveries of one alert fold into one row."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sentinel.store.models import TimelineEvent
from sentinel.web.console import labels
from sentinel.web.console.timeline import Deliveries, names, timeline_rows

SRC = Path(__file__).resolve().parents[2] / "src" / "sentinel"
T0 = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)

# every way the source writes a timeline entry's kind
_WRITTEN = [re.compile(p) for p in (
    r'_event\(\s*session,\s*\w+,\s*"([a-z_]+)"', r'_event\(\s*\w+(?:\.\w+)?,\s*now,\s*"([a-z_]+)"',
    r'_on_timeline\(\s*session,\s*[\w.]+,\s*"([a-z_]+)"', r'TimelineEvent\([^)]*?kind="([a-z_]+)"',
    r'kind="([a-z_]+)",\s*actor=', r'dict\(incident_id=[^)]*?kind="([a-z_]+)"',
)]


def _written_kinds() -> set[str]:
    kinds: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in _WRITTEN:
            kinds.update(pattern.findall(text))
    engine = (SRC / "escalation" / "engine.py").read_text(encoding="utf-8")
    mapping = re.search(r"timeline_kind = \{(.*?)\}", engine, re.S)
    assert mapping, "the engine's alert → timeline kind table moved"
    kinds.update(re.findall(r':\s*"([a-z_]+)"', mapping.group(1)))
    return kinds


def test_every_kind_of_timeline_entry_has_a_chinese_name() -> None:
    kinds = _written_kinds()
    assert {"notification_delivered", "announced", "acknowledged", "grade_changed", "request_replied"} <= kinds
    missing = sorted(kinds - set(labels.TIMELINE))
    assert missing == [], f"timeline kinds shown as raw keys: {missing}"
    assert all(not re.search(r"[A-Za-z_]", name) for name in labels.TIMELINE.values())


def _event(minutes: int, entry: str, **data: object) -> TimelineEvent:
    return TimelineEvent(incident_id=1, at=T0 + timedelta(minutes=minutes), kind=entry, actor="sentinel", data=data)


def _delivered(minutes: int, alert: str, channel: str, *people: str, latency: float = 2.0) -> TimelineEvent:
    return _event(minutes, "notification_delivered", kind=alert, channel=channel, latency_seconds=latency,
                  recipients=[{"name": name, "role": "duty"} for name in people])


def test_the_deliveries_of_one_alert_fold_into_one_row() -> None:
    events = [
        _event(0, "detected"), _event(0, "announced"),
        *[_delivered(1, "new_incident", channel, person) for channel in ("dingtalk", "sms")
          for person in ("张伟", "李娜", "王强")],
        _event(2, "notification_failed", kind="new_incident", channel="wecom"),
        _event(30, "acknowledged"),
        _event(60, "reminder"), _delivered(60, "reminder", "dingtalk", "张伟"),
        _event(120, "reminder"), _delivered(120, "reminder", "dingtalk", "张伟", latency=300),
    ]
    rows = timeline_rows(events)
    assert [row.kind for row in rows] == ["detected", "announced", "deliveries", "notification_failed", "acknowledged",
                                          "reminder", "deliveries", "reminder", "deliveries"]
    first = rows[2]
    assert isinstance(first, Deliveries)
    assert first.name == "新舆情通知已送达" and len(first.events) == 6
    assert first.channels == ["dingtalk", "sms"] and first.recipients == ["张伟", "李娜", "王强"]
    assert first.at == T0 + timedelta(minutes=1)
    last = rows[-1]
    assert isinstance(last, Deliveries) and last.name == "时限提醒通知已送达" and last.slowest == 300


def test_a_long_list_of_recipients_is_cut() -> None:
    assert names(["甲", "乙"]) == "甲、乙"
    assert names([f"人{n}" for n in range(9)]) == "人0、人1、人2、人3、人4、人5等9人"
