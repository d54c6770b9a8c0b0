"""News of deaths is negative: the after-action report's negative share and the 48h response clock.

Two replayed explosions, built from real reports of the CEC corpus (``cec_emergency_dev.jsonl``:
``CEC/恐怖袭击/阿尔及利亚汽车炸弹爆炸11人死31人伤.xml`` and ``CEC/火灾/手机充电器爆炸引发大火致2死2伤.xml``):
each item is a sentence or paragraph of the article as it was written, carried by a news source
(the headline with a paragraph) or posted on Weibo (a paragraph, or the headline in 【】 with one).

- An 11-death explosion: the after-action report shows the news reports all negative, and the posts
  apart from them, in the summary and around the release (news and posts are never averaged into one
  share).
- A 2-death explosion reported by three news outlets and picked up on Weibo: grade IV, hot enough for
  the 48h response (国办发〔2016〕61号) and negative news, so the response clock starts by itself. The
  same replay with a scorer that calls the reports positive (as snownlp-like models did: 0.9)
  starts no clock: the negativity is what starts it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sentinel.analyse.pipeline import Analyzer
from sentinel.analyse.sentiment import FixedSentiment
from sentinel.incidents.service import get_incident, list_incidents
from sentinel.replay import Replayer, read_scenario
from sentinel.reports.incident import build_incident_report
from sentinel.reports.render import render
from sentinel.settings import Settings
from sentinel.store.db import open_database

CONFIG: dict[str, Any] = {
    "timezone": "Asia/Shanghai",
    "sources": [
        {"id": "xinhua", "kind": "push", "authority": "central"},
        {"id": "province-news", "kind": "push", "authority": "provincial"},
        {"id": "city-news", "kind": "push", "authority": "local"},
        {"id": "weibo-hot", "kind": "push", "authority": "self_media"},
    ],
    "watch": [{"id": "safety", "department": "应急管理局",
               "groups": {"event": ["爆炸", "火灾", "大火", "死亡", "丧生", "伤亡"]}, "exclude": ["演练", "演习"]}],
    "channels": [{"id": "console", "kind": "console"}],
    "roster": {"duty": [{"name": "张伟", "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                         "start": "00:00", "end": "24:00"}],
               "section_chiefs": [{"name": "赵科长"}], "leaders": [{"name": "钱局长"}]},
}

ALGERIA = "阿尔及利亚汽车炸弹爆炸　11人死31人伤"
ALGERIA_1 = "新快报讯8月20日，阿尔及利亚发生两起汽车炸弹爆炸事件，造成11人死亡。"
ALGERIA_2 = ("据阿尔及利亚内政部长称，这是近一年来该国最为血腥的一个星期。爆炸发生在首都阿尔及尔以东150公里的卜伊拉。"
             "目前尚无人声称对这两次爆炸事件负责。当地媒体报道称,包括4名军事人员在内的31人受伤。11名死者都是平民。")
ALGERIA_3 = ("当天上午6点，第一次爆炸在一个军事区域发生。第二次爆炸15分钟后发生在一家旅馆附近，当时一辆公共汽车正载着"
             "上班的工人经过。")

CHARGER = "手机充电器爆炸引发大火 致2死2伤"
CHARGER_1 = ("昨日凌晨，发生在海珠区南村路一民居的一场大火，导致家中两位老人死亡，女主人跟小女儿受伤，根据警方初步调查结果，"
             "是电路短路导致手机充电器爆炸引发火灾。")
CHARGER_2 = ("昨日凌晨2时30分，记者赶到南村路事故现场时，大火已基本被消防员扑灭。由于险情仍未最后排除，大批受影响的居民"
             "不能回家，站在路边观望。")
CHARGER_3 = "3时30分，险情基本排除，民警与消防队员上门搜索，证实两位老人已在大火中丧生。"
CHARGER_4 = "我看到对面楼501房冒出大量的黑烟，一对母女站在阳台抓着防盗网大呼救命。"


def item(at: str, source: str, ident: str, text: str, *, title: str | None = None, reposts: int = 0,
         comments: int = 0, likes: int = 0) -> str:
    body: dict[str, Any] = {"id": ident, "text": text, "published_at": at, "reposts": reposts,
                            "comments": comments, "likes": likes, "url": f"https://{source}.example/{ident}"}
    if title:
        body["title"] = title
    return json.dumps({"at": at, "type": "item", "source": source, "item": body}, ensure_ascii=False)


EXPLOSION_11 = [
    item("2026-08-20T09:00:00+08:00", "xinhua", "x-1", ALGERIA_1 + ALGERIA_2, title=ALGERIA),
    item("2026-08-20T09:10:00+08:00", "weibo-hot", "w-1", f"【{ALGERIA}】{ALGERIA_1}", reposts=120, comments=40),
    item("2026-08-20T09:30:00+08:00", "province-news", "p-1", ALGERIA_2 + ALGERIA_3, title=ALGERIA),
    # An event abroad starts no clocks until a person pulls it in (属地管理); this office answers for it.
    json.dumps({"at": "2026-08-20T09:34:00+08:00", "type": "action", "action": "adopt", "item": "x-1", "by": "张伟",
                "reason": "涉及本地援外人员"}),
    json.dumps({"at": "2026-08-20T09:35:00+08:00", "type": "action", "action": "respond", "item": "x-1", "by": "张伟",
                "kind": "authoritative_info", "url": "https://gov.example/notice", "channel": "政府网站"}),
    item("2026-08-20T09:40:00+08:00", "weibo-hot", "w-2", ALGERIA_3, reposts=15, comments=8, likes=30),
]

EXPLOSION_2 = [
    item("2026-08-04T07:00:00+08:00", "city-news", "c-1", CHARGER_1 + CHARGER_2, title=CHARGER),
    item("2026-08-04T07:20:00+08:00", "weibo-hot", "w-1", CHARGER_4, reposts=200, comments=150, likes=600),
    item("2026-08-04T07:40:00+08:00", "province-news", "p-1", CHARGER_1 + CHARGER_3, title=CHARGER),
    item("2026-08-04T08:00:00+08:00", "xinhua", "x-1", CHARGER_1, title=CHARGER, reposts=300, comments=120,
         likes=800),
]


def replay(tmp_path: Path, scenario: list[str], *, analyzer: Analyzer | None = None) -> tuple[Replayer, int]:
    settings = Settings.model_validate({**CONFIG, "database": {"url": f"sqlite:///{tmp_path / 'r.db'}"},
                                        "reports": {"archive_dir": str(tmp_path / "archive")}})
    lines, errors = read_scenario(scenario)
    assert errors == []
    replayer = Replayer(settings, open_database(settings.database.url), analyzer or Analyzer(settings))
    replayer.run(lines, until=timedelta(hours=1))
    (incident,) = list_incidents(replayer.engine, state=None)
    assert incident.id is not None
    return replayer, incident.id


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(Settings.model_validate(CONFIG))


@pytest.fixture
def explosion_11(tmp_path: Path, analyzer: Analyzer) -> Iterator[tuple[Replayer, int]]:
    replayer, incident_id = replay(tmp_path, EXPLOSION_11, analyzer=analyzer)
    yield replayer, incident_id
    replayer.database.close()


def test_the_report_of_an_11_death_explosion_shows_negative_news_apart_from_posts(explosion_11) -> None:
    replayer, incident_id = explosion_11
    report = build_incident_report(replayer.engine, replayer.settings, incident_id,
                                   now=datetime.fromisoformat("2026-08-21T09:00:00+08:00"))
    incident = report["incident"]
    assert incident["facts"]["deaths"] == 11 and incident["item_count"] == 4
    news, posts = incident["negative_by_register"]
    assert (news["register"], news["items"], news["negative"], news["negative_share"]) == ("news", 2, 2, 1.0)
    assert (posts["register"], posts["items"]) == ("post", 2)
    # the headline reposted in 【】 is read as news: negative, like the reports it repeats
    negative = {item.external_id: analysis.negative for item, analysis in get_incident(replayer.engine, incident_id).items}
    assert negative["x-1"] and negative["p-1"] and negative["w-1"]
    markdown = render(report, "md", zone=replayer.settings.zone).decode()
    assert "新闻 100.0%（2 条中 2 条）" in markdown and "；帖文 " in markdown and "分别统计" in markdown
    html = render(report, "html", zone=replayer.settings.zone).decode()
    assert "新闻 100.0%（2条中2条）" in html and "不合并平均" in html

    # the release at 09:35: before it two reports and a post, after it a post; the posts are
    # compared with each other, the news reports with nothing
    effect = report["effect"]
    assert [(g["register"], g["items"]) for g in effect["before"]["by_register"]] == [("news", 2), ("post", 1)]
    assert [(g["register"], g["items"]) for g in effect["after"]["by_register"]] == [("post", 1)]
    (change,) = [c for c in report["score"]["components"] if c["key"] == "sentiment_change"]
    assert change["basis"].startswith("负面占比 帖文 发布前") and "新闻" not in change["basis"]
    assert "<th>发布前·新闻</th>" in html and "<th>发布后·帖文</th>" in html and "<th>发布后·新闻</th>" not in html
    assert "- 发布前：3 条；新闻 2 条，负面 2 条（100.0%）；帖文 1 条" in markdown


def test_negative_news_of_a_hot_grade_iv_explosion_starts_the_48h_clock_by_itself(
    tmp_path: Path, analyzer: Analyzer
) -> None:
    replayer, incident_id = replay(tmp_path, EXPLOSION_2, analyzer=analyzer)
    detail = get_incident(replayer.engine, incident_id)
    incident = detail.incident
    assert incident.grade in ("III", "IV") and incident.facts["deaths"] == 2
    assert not incident.needs_response  # nobody marked it: the clock started from the figures
    assert incident.negative_by_register["news"] == {"items": 3, "negative": 3}
    assert incident.heat >= 6  # the default policy's heat threshold for the 48h response
    (response,) = [row for row in detail.obligations if row.kind == "response"]
    emerged = datetime.fromisoformat("2026-08-04T07:00:00+08:00")
    assert (response.state, response.started_at, response.due_at) == ("open", emerged, emerged + timedelta(hours=48))
    replayer.database.close()


def test_reports_read_as_positive_start_no_clock(tmp_path: Path) -> None:
    """The same replay with every item scored 0.9 (how the old Weibo-trained model read news of deaths)."""
    analyzer = Analyzer(Settings.model_validate(CONFIG))
    analyzer.sentiment = FixedSentiment(0.9)  # type: ignore[assignment]
    replayer, incident_id = replay(tmp_path, EXPLOSION_2, analyzer=analyzer)
    detail = get_incident(replayer.engine, incident_id)
    assert detail.incident.heat >= 6 and detail.incident.negative_share == 0.0
    assert [row.kind for row in detail.obligations] == []
    replayer.database.close()
