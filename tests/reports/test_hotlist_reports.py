"""Hot lists in the reports, on a replay of real hours of Weibo's list (tests/replay/hotlist_climb.jsonl):
the after-action report's list history and time from emergence to the list, the period report's
topics that reached a list, in every format."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sentinel.replay import Replayer, load_scenario
from sentinel.reports.incident import build_incident_report
from sentinel.reports.period import build_period_report
from sentinel.reports.render import pdf_document, render
from sentinel.settings import Settings, load_settings
from sentinel.store.db import Database, open_database
from tests.reports.test_pdf_layout import broken_cells

REPLAY = Path(__file__).resolve().parents[1] / "replay"
SH = ZoneInfo("Asia/Shanghai")
KNIFE = "男子因噪音狂斩邻居30多刀后坠楼"


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Database, datetime]]:
    base = load_settings(REPLAY / "hotlist.yaml")
    settings = base.model_copy(update={"database": base.database.model_copy(
        update={"url": f"sqlite:///{tmp_path_factory.mktemp('hot')}/r.db"})})
    lines, errors = load_scenario(REPLAY / "hotlist_climb.jsonl")
    assert errors == []
    database = open_database(settings.database.url)
    replayer = Replayer(settings, database)
    replayer.run(lines, until=timedelta(hours=1))
    assert replayer.clock is not None
    try:
        yield settings, database, replayer.clock.now()
    finally:
        database.close()


def test_the_after_action_report_has_the_list_history_and_time_to_the_list(replayed) -> None:
    settings, database, now = replayed
    report = build_incident_report(database.engine, settings, 1, now=now)
    listed = report["hotlists"]
    # emerged 16:30 (the news item), first seen on the list at 17:00
    assert listed["first_listed_at"] == "2026-08-08T17:00:00+08:00" and listed["emergence_to_list_seconds"] == 1800
    (entry,) = listed["entries"]
    assert (entry["list"], entry["title"], entry["best_rank"], entry["hours"], entry["top_rank"]) == (
        "weibo", KNIFE, 8, 2.0, 8)
    assert entry["top_at"] == entry["alerted_at"] == "2026-08-08T18:00:00+08:00"
    assert [(row["at"][11:16], row["rank"], row["heat"], row["gone"]) for row in entry["history"]] == [
        ("17:00", 34, 241912, False), ("18:00", 8, 348769, False), ("19:00", 15, 320125, False)]
    listed_events = [(e["at"][11:16], e["name"], e["text"]) for e in report["timeline"] if e["kind"].startswith("hotlist")]
    assert listed_events == [
        ("17:00", "上榜", "上榜：微博热搜第34位，热度241,912 / on the Weibo hot list, rank 34, 241,912"),
        ("18:00", "进入热搜前列", "进入微博热搜前10（第8位）/ entered the top 10 of the Weibo hot list (rank 8)"),
        ("18:00", "上热搜提醒", "上热搜提醒")]
    for fmt in ("html", "md"):
        text = render(report, fmt, zone=SH).decode("utf-8")
        assert "热搜榜上榜情况" in text and "距首发 30分" in text
        assert "2026-08-08 17:00 第34位" in text and "2026-08-08 19:00 第15位" in text


def test_the_period_report_lists_the_topics_that_reached_a_list(replayed) -> None:
    settings, database, now = replayed
    day = datetime(2026, 8, 8, tzinfo=SH)
    report = build_period_report(database.engine, settings, day, day + timedelta(days=1), now=now)
    (topic,) = report["hotlists"]
    assert (topic["incident"], topic["department"], topic["emergence_to_list_seconds"]) == (1, "公安局", 1800)
    assert topic["lists"] == [{"list": "weibo", "list_name": "微博热搜", "best_rank": 8, "hours": 2.0,
                               "first_seen_at": "2026-08-08T17:00:00+08:00", "top": True}]
    other = build_period_report(database.engine, settings, day, day + timedelta(days=1), now=now, department="宣传部")
    assert other["hotlists"] == []
    for fmt in ("html", "md"):
        text = render(report, fmt, zone=SH).decode("utf-8")
        assert "上榜话题（1起）" in text and ("微博热搜 第8位" in text if fmt == "html" else "微博热搜 最高第8位" in text)


def test_the_hot_list_table_reads_on_a4(replayed) -> None:
    """The list's name, the climb and each rank change stay whole (微博热搜, not 微博/热搜)."""
    settings, database, now = replayed
    report = build_incident_report(database.engine, settings, 1, now=now)
    assert broken_cells(pdf_document(report, zone=SH)) == []
