"""Hot lists through the whole daemon: a news feed and Weibo's hot search served on 127.0.0.1, the
real fetcher, store, analysis, incidents, engine and outbox. The list changes between polls."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from sentinel.notify.serialisation import stored_message
from sentinel.store.db import open_database
from sentinel.store.models import HotlistEntry, HotlistRank, Incident, IncidentHotlist, OutboxMessage
from tests.support.server import Request, Route
from tests.test_daemon import count, run_daemon, settings_for

SIDE = json.loads((Path(__file__).parent / "collect" / "fixtures" / "hotlist" / "weibo_side.json").read_bytes())
TOPIC = "郑州中原区化工厂爆炸"
STAR = "郑州站偶遇王一博"


def news(now: datetime) -> bytes:
    published = format_datetime(now - timedelta(minutes=20))
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>郑州晚报</title>'
            "<link>http://news.example.cn/</link><description>d</description>"
            "<item><title>郑州市中原区一化工厂发生爆炸</title><link>http://news.example.cn/1.html</link><guid>n-1</guid>"
            f"<pubDate>{published}</pubDate><description>今天上午，郑州市中原区一化工厂发生爆炸，现场浓烟滚滚，"
            "消防人员正在处置，伤亡情况不明。</description></item></channel></rss>").encode()


def side_panel(now: datetime, rank: int) -> bytes:
    """The real 18:00 list (ten entries) with our topic inserted at ``rank`` and a star's entry at 12."""
    payload = json.loads(json.dumps(SIDE))
    rows = [row for row in payload["data"]["realtime"] if not row.get("is_ad")]
    ours = {**rows[0], "word": TOPIC, "note": TOPIC, "word_scheme": f"#{TOPIC}#", "num": 1315270 if rank <= 10 else 241912,
            "category": "社会", "label_name": "新", "onboard_time": int((now - timedelta(minutes=5)).timestamp())}
    star = {**rows[1], "word": STAR, "note": STAR, "word_scheme": f"#{STAR}#", "num": 200000, "category": "明星"}
    rows.insert(rank - 1, ours)
    rows.insert(11, star)
    for position, row in enumerate(rows):
        row["rank"], row["realpos"] = position, position + 1
    payload["data"]["realtime"] = rows
    return json.dumps(payload, ensure_ascii=False).encode()


def test_a_topic_reaching_the_hot_list_marks_and_alerts_its_incident(http_server, sqlite_url) -> None:
    now = datetime.now(UTC)
    http_server.routes["/rss"] = Route(news(now), headers={"Content-Type": "application/rss+xml"})
    polls: list[Request] = []

    def hot_search(request: Request) -> Route:
        polls.append(request)  # 11th at the first poll, 6th from the second on
        return Route(side_panel(now, 11 if len(polls) == 1 else 6), headers={"Content-Type": "application/json"})

    http_server.routes["/ajax/side/hotSearch"] = hot_search
    settings = settings_for(sqlite_url, [
        {"id": "news", "kind": "rss", "url": http_server.url("/rss"), "interval": "1h", "authority": "local"},
        {"id": "wb-hot", "kind": "hotlist", "platform": "weibo", "url": http_server.url("/ajax/side/hotSearch"),
         "interval": "1s", "authority": "commercial", "cookie_env": "WEIBO_COOKIE"},
    ], watch=[
        {"id": "safety", "department": "应急管理局", "groups": {"region": ["郑州", "中原区"], "event": ["爆炸", "火灾"]}},
        {"id": "city", "department": "宣传部", "groups": {"region": ["郑州"]}},
    ], engine={"tick": "1s", "lease": "5s"}, channels=[{"id": "console", "kind": "console"}])

    def alerted(_daemon: Any) -> bool:
        database = open_database(sqlite_url)
        try:
            with Session(database.engine) as session:
                return session.scalars(select(OutboxMessage).where(col(OutboxMessage.kind) == "hotlist")).first() \
                    is not None and len(polls) >= 3
        finally:
            database.close()

    metrics = run_daemon(settings, alerted, timeout=60)
    database = open_database(sqlite_url)
    try:
        with Session(database.engine) as session:
            incidents = session.scalars(select(Incident)).all()
            # the star's entry matched "city" but is entertainment: no incident of its own
            (incident,) = [i for i in incidents if "化工厂" in i.title]
            assert not [i for i in incidents if STAR in i.title]
            (mark,) = session.scalars(select(IncidentHotlist)).all()
            assert (mark.incident_id, mark.external_id, mark.rank, mark.top_rank) == (incident.id, TOPIC, 11, 6)
            assert mark.alerted_at is not None and not mark.alert_pending
            (alert,) = session.scalars(select(OutboxMessage).where(col(OutboxMessage.kind) == "hotlist")).all()
            message = stored_message(alert.message)
            assert message.title == f"【上热搜】#{TOPIC}# 进入微博热搜第6位"
            assert "第11位，热度241,912" in message.text_plain and "第6位，热度1,315,270" in message.text_plain
            history = session.scalars(select(HotlistRank).where(col(HotlistRank.external_id) == TOPIC)
                                      .order_by(col(HotlistRank.id))).all()
            assert [row.rank for row in history][:2] == [11, 6]
            entry = session.get(HotlistEntry, ("wb-hot", TOPIC))
            assert entry is not None and entry.on_list and entry.best_rank == 6
            assert incident.listing["lists"]["weibo"]["best_rank"] == 6 and incident.heat_components["listing"] > 0
            assert incident.grade is not None
    finally:
        database.close()
    assert polls[0].headers.get("referer") == "https://weibo.com/"
    assert count(metrics, "sentinel_hotlist_polls_total", platform="weibo", outcome="ok") >= 3
    assert count(metrics, "sentinel_hotlist_entries", source="wb-hot", platform="weibo") == 12
    assert count(metrics, "sentinel_hotlist_matched_entries_total", platform="weibo", outcome="topic") == 1
    assert count(metrics, "sentinel_hotlist_matched_entries_total", platform="weibo", outcome="set_aside") == 1
    assert count(metrics, "sentinel_engine_actions_total", action="hotlist") == 1


def test_a_blocked_hot_list_is_counted_and_flagged(http_server, sqlite_url) -> None:
    http_server.routes["/api/v3/feed/topstory/hot-list-web"] = Route(
        '{"error": {"code": 10003, "message": "请求参数异常，请升级客户端后重试"}}'.encode(), 403)
    settings = settings_for(sqlite_url, [
        {"id": "zh-hot", "kind": "hotlist", "platform": "zhihu",
         "url": http_server.url("/api/v3/feed/topstory/hot-list-web"), "interval": "1h"}])
    metrics = run_daemon(settings, lambda _daemon: len(http_server.requests) >= 1, timeout=20)
    assert count(metrics, "sentinel_hotlist_polls_total", platform="zhihu", outcome="blocked") >= 1
    assert count(metrics, "sentinel_source_blocked", source="zh-hot", kind="hotlist") == 1
