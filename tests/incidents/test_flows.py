"""The incidents stage over a real store: analysis, clustering, aggregation, grading, timeline."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sentinel.analyse.pipeline import Analyzer
from sentinel.collect.push import parse_pushed_item
from sentinel.escalation import actions
from sentinel.incidents import service
from sentinel.incidents.flows import IncidentStage
from sentinel.normalise.item import normalise
from sentinel.settings import Settings
from sentinel.store import items as item_store
from sentinel.store import sources as source_store
from sentinel.store.db import open_database
from sentinel.store.models import Incident

T0 = datetime(2026, 11, 21, 1, 40, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Shanghai")

# Real phrasing of emergency reports (after the CEC corpus), set in a city the watch rule covers.
STORY = [
    ("wb-1", "weibo", 0, None, "刚刚中原区建设路附近一小区传来巨响，好像是燃气爆炸了，好多消防车过去了"),
    ("hd-1", "daily", 20, "郑州中原区一居民楼发生燃气爆炸 已致3人死亡",
     "记者从郑州市应急管理局获悉，中原区建设路一居民楼发生燃气爆炸事故，截至目前已造成3人死亡、12人受伤，其中2人重伤。"),
    ("cn-1", "central", 30, "郑州中原区一居民楼发生燃气爆炸 已致3人死亡",
     "记者从郑州市应急管理局获悉，中原区建设路一居民楼发生燃气爆炸事故，截至目前已造成3人死亡、12人受伤，其中2人重伤。"),
    ("hd-2", "daily", 90, "中原区燃气爆炸事故死亡人数上升至十一人",
     "记者从救援现场获悉，中原区建设路燃气爆炸事故死亡人数上升至十一人，另有20余人受伤。"),
]
UNRELATED = [
    ("hd-3", "daily", 40, "郑州地铁6号线一期工程全线贯通", "郑州地铁6号线一期工程实现全线贯通，预计明年上半年开通试运营。"),
    ("hd-4", "daily", 50, "南京一化工厂发生爆炸 造成2人死亡", "南京市江北新区一化工厂发生爆炸，造成2人死亡。"),
    ("hd-5", "daily", 60, "郑州市开展消防演练", "郑州市中原区组织开展高层建筑火灾消防演练。"),
]


def settings_for(url: str) -> Settings:
    return Settings.model_validate({
        "database": {"url": url},
        "sources": [
            {"id": "weibo", "kind": "push", "authority": "self_media"},
            {"id": "daily", "kind": "push", "authority": "provincial"},
            {"id": "central", "kind": "push", "authority": "central"},
        ],
        "watch": [
            {"id": "safety", "department": "郑州市应急管理局",
             "groups": {"region": ["郑州", "中原区", "南京"], "event": ["爆炸", "坍塌", "火灾", "死亡"]},
             "exclude": ["演练", "演习"]},
        ],
        "incidents": {"regions": {"南京": "南京市应急管理局"}},
    })


def push(db, rows, *, now: datetime) -> list[int]:
    ids = []
    for external_id, source, minutes, title, text in rows:
        raw = parse_pushed_item({"id": external_id, "title": title, "text": text,
                                 "published_at": (T0 + timedelta(minutes=minutes)).isoformat()})
        ids += item_store.save_pushed(db.engine, source, [normalise(raw, zone=ZONE, fetched_at=now)], now=now).new_ids
    return ids


def one_incident(db) -> Incident:
    """The store's only incident, holding every item of ``STORY`` and detected once."""
    incidents = service.list_incidents(db.engine, state=None)
    assert len(incidents) == 1, [(i.id, i.title) for i in incidents]
    detail = service.get_incident(db.engine, incidents[0].id)
    assert incidents[0].item_count == len(detail.items) == len(STORY)
    assert [e.kind for e in detail.timeline].count("detected") == 1
    return incidents[0]


@pytest.fixture
def world(database_url: str, analyzer: Analyzer):
    settings = settings_for(database_url)
    db = open_database(database_url)
    source_store.ensure_sources(db.engine, settings.sources, now=T0)
    stage = IncidentStage(settings, analyzer, db.engine)
    stage.load(T0)
    yield settings, db, stage
    db.close()


def test_a_story_becomes_one_graded_incident_and_unrelated_news_does_not_join(world) -> None:
    _settings, db, stage = world
    now = T0 + timedelta(hours=2)
    report = stage.process(push(db, STORY + UNRELATED, now=now), now)
    assert report.analysed == 7
    incidents = {i.title: i for i in service.list_incidents(db.engine)}
    assert len(incidents) == 2, list(incidents)  # Zhengzhou's explosion, and Nanjing's apart from it
    zz = next(i for i in incidents.values() if "郑州" in "".join(i.regions))
    detail = service.get_incident(db.engine, zz.id)
    assert sorted(item.external_id for item, _ in detail.items) == ["cn-1", "hd-1", "hd-2", "wb-1"]
    # the central-media title led until a later report raised the toll: the title follows the toll
    assert zz.title == "中原区燃气爆炸事故死亡人数上升至十一人"
    assert zz.facts["deaths"] == 11 and zz.facts["seriously_injured"] == 2
    assert (zz.grade, zz.grade_source) == ("II", "facts")
    assert zz.category == "accident" and zz.department == "郑州市应急管理局" and zz.department_source == "rule"
    assert zz.emerged_at == T0 and zz.item_count == 4 and zz.source_count == 3
    kinds = [event.kind for event in detail.timeline]
    # placed (郑州, inside the default jurisdiction, the whole country); graded II: the 5h and 24h
    # clocks start in the same transaction
    assert kinds == ["detected", "place_assessed", "grade_changed", "obligation_started", "obligation_started"]
    assert detail.timeline[1].data["jurisdiction"] == "inside" and "郑州" in detail.timeline[1].data["place"]
    assert zz.jurisdiction == "inside" and zz.verification is None  # a central source carried it
    assert "11" in detail.timeline[2].reason and detail.timeline[2].data["to"] == "II"
    nj = next(i for i in incidents.values() if "南京" in "".join(i.regions))
    assert nj.grade == "IV" and nj.facts["deaths"] == 2
    # the drill is excluded by the rule's exclusion words; the metro news matched nothing
    analysed = {item.external_id: a for item, a in service.get_incident(db.engine, nj.id).items}
    assert list(analysed) == ["hd-4"]


def test_the_title_follows_the_latest_toll_and_a_stale_repost_does_not_take_it_back(world, analyzer) -> None:
    settings, db, stage = world
    now = T0 + timedelta(hours=1)
    stage.process(push(db, STORY[:3], now=now), now)
    (incident,) = service.list_incidents(db.engine)
    assert incident.title == "郑州中原区一居民楼发生燃气爆炸 已致3人死亡" and incident.facts["deaths"] == 3
    later = T0 + timedelta(hours=2)
    stage.process(push(db, STORY[3:], now=later), later)
    incident = service.get_incident(db.engine, incident.id).incident
    assert incident.facts["deaths"] == 11 and incident.title == "中原区燃气爆炸事故死亡人数上升至十一人"
    # after a restart, central media repeating the first report (3 deaths) does not put it back on top
    restarted = IncidentStage(settings, analyzer, db.engine)
    restarted.load(later)
    stale = [("cn-2", "central", 100, "郑州中原区一居民楼燃气爆炸 已致3人死亡",
              "记者从郑州市应急管理局获悉，中原区建设路一居民楼发生燃气爆炸事故，截至目前已造成3人死亡、12人受伤。")]
    end = T0 + timedelta(hours=3)
    restarted.process(push(db, stale, now=end), end)
    detail = service.get_incident(db.engine, incident.id)
    assert "cn-2" in {item.external_id for item, _ in detail.items}
    assert detail.incident.title == "中原区燃气爆炸事故死亡人数上升至十一人"


def test_items_are_analysed_once_and_a_restart_rebuilds_the_clusters(world, analyzer) -> None:
    settings, db, stage = world
    now = T0 + timedelta(hours=1)
    ids = push(db, STORY[:2], now=now)
    stage.process(ids, now)
    assert stage.process(ids, now).analysed == 0  # idempotent
    restarted = IncidentStage(settings, analyzer, db.engine)
    restarted.load(now)
    later = now + timedelta(hours=1)
    restarted.process(push(db, STORY[3:], now=later), later)
    rows = service.list_incidents(db.engine)
    assert len(rows) == 1 and rows[0].item_count == 3 and rows[0].grade == "II"


def test_the_first_batch_after_a_load_does_not_load_again_on_a_store_no_batch_was_written_to(world) -> None:
    """The lock row is made by the first batch: "no batch yet" before and after it is the same
    memory, not another process's batch (a second rebuild of every open incident)."""
    _settings, db, stage = world  # loaded on a store without the lock row
    assert stage.reloads == 1
    now = T0 + timedelta(hours=1)
    stage.process(push(db, STORY[:2], now=now), now)
    assert stage.reloads == 1


def test_a_persons_grade_stands_until_facts_demand_more(world) -> None:
    _settings, db, stage = world
    now = T0 + timedelta(hours=1)
    stage.process(push(db, STORY[:2], now=now), now)
    (incident,) = service.list_incidents(db.engine)
    assert incident.grade == "III"  # three dead
    actions.set_grade(db.engine, stage.rules, incident.id, grade="IV", reason="核实后伤亡较轻", by="张三", now=now)
    stage.process(push(db, [STORY[2]], now=now), now)  # no new facts: the person's grade stands
    assert service.get_incident(db.engine, incident.id).incident.grade == "IV"
    later = now + timedelta(hours=1)
    stage.process(push(db, [STORY[3]], now=later), later)  # eleven dead: the machine must raise it
    detail = service.get_incident(db.engine, incident.id)
    assert detail.incident.grade == "II"
    changes = [(e.actor, e.data["from"], e.data["to"]) for e in detail.timeline if e.kind == "grade_changed"]
    assert changes == [("sentinel", None, "III"), ("张三", "III", "IV"), ("sentinel", "IV", "II")]


def test_unanalysed_items_are_caught_up(world) -> None:
    _settings, db, _stage = world
    ids = push(db, STORY, now=T0)
    assert service.unanalysed_item_ids(db.engine) == sorted(ids)


def test_end_to_end_from_a_feed_to_a_graded_incident(http_server, tmp_path) -> None:
    from sentinel.app import Daemon, Timing
    from sentinel.metrics import Metrics
    from tests.support.server import Route

    entries = "".join(
        f"<item><title>{title or text[:20]}</title><guid>{external_id}</guid>"
        f"<pubDate>{(T0 + timedelta(minutes=m)).strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
        f"<description>{text}</description></item>"
        for external_id, _s, m, title, text in STORY + UNRELATED
    )
    http_server.routes["/rss"] = Route(
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{entries}</channel></rss>'
        .encode(), headers={"Content-Type": "application/rss+xml"})
    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    settings = settings_for(url).model_copy(update={"sources": [
        Settings.model_validate({"sources": [{"id": "feed", "kind": "rss", "url": http_server.url("/rss")}]}).sources[0]
    ]})

    metrics = Metrics(process=False)

    async def go() -> None:
        daemon = Daemon(settings, metrics=metrics, serve_http=False,
                        timing=Timing(collect_tick=0.05, health_tick=0.5))
        task = asyncio.create_task(daemon.run())
        await daemon.wait_ready()
        for _ in range(200):
            assert daemon.database is not None
            incidents = service.list_incidents(daemon.database.engine)
            counted = metrics.registry.get_sample_value("sentinel_items_analysed_total") or 0
            opened_count = sum(s.value for f in metrics.registry.collect() if f.name == "sentinel_incidents_opened"
                               for s in f.samples if s.name.endswith("_total"))
            # both stories, all batches done and counted (the counts follow each batch's commit)
            if len(incidents) == 2 and any(i.grade == "II" for i in incidents) and counted == 7 and opened_count == 2:
                break
            await asyncio.sleep(0.05)
        daemon.request_stop()
        await task

    asyncio.run(go())
    db = open_database(url)
    try:
        graded = [i for i in service.list_incidents(db.engine) if i.grade == "II"]
        assert len(graded) == 1 and graded[0].facts["deaths"] == 11 and graded[0].item_count == 4
    finally:
        db.close()
    assert metrics.registry.get_sample_value("sentinel_items_analysed_total") == 7
    assert metrics.registry.get_sample_value("sentinel_items_relevant_total") == 5  # the drill is excluded
    opened = [s for f in metrics.registry.collect() if f.name == "sentinel_incidents_opened" for s in f.samples
              if s.name.endswith("_total")]
    assert sum(s.value for s in opened) == 2 and {s.labels["kind"] for s in opened} == {"incident"}


def test_the_largest_toll_stands_unless_a_report_corrects_it(world) -> None:
    _settings, db, stage = world
    now = T0 + timedelta(hours=3)
    stage.process(push(db, STORY, now=now), now)
    repost = [("wb-9", "weibo", 100, None, "转发：郑州中原区建设路一居民楼发生燃气爆炸事故，已造成3人死亡、12人受伤，愿平安")]
    stage.process(push(db, repost, now=now), now)
    (incident,) = [i for i in service.list_incidents(db.engine) if "郑州" in "".join(i.regions)]
    assert incident.facts["deaths"] == 11  # a repost of the first report does not lower the toll
    corrected = [("hd-9", "daily", 150, "中原区燃气爆炸事故死亡人数核减为10人",
                  "记者从郑州市应急管理局获悉，经逐一核实，中原区建设路燃气爆炸事故死亡人数由11人核减为10人。")]
    stage.process(push(db, corrected, now=now), now)
    assert service.get_incident(db.engine, incident.id).incident.facts["deaths"] == 10
