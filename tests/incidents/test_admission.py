"""Which watched items open incidents: reports open one, weak reports wait for a second, chatter
only joins (sentinel.incidents.admission and the incidents stage over a real store)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sentinel.analyse.pipeline import Analyzer
from sentinel.incidents import service
from sentinel.incidents.admission import Admission, Tier
from sentinel.incidents.flows import IncidentStage
from sentinel.settings import ReportThresholds
from sentinel.store import sources as source_store
from sentinel.store.db import open_database
from tests.incidents.test_flows import T0, push, settings_for


def test_tiers_by_score_and_register() -> None:
    admission = Admission.from_config(ReportThresholds(open=0.5, open_post=0.7), model_threshold=0.25)
    assert admission.candidate == 0.25
    assert [admission.tier(score, post=False) for score in (0.1, 0.25, 0.49, 0.5, 0.9)] == [
        Tier.CHATTER, Tier.CANDIDATE, Tier.CANDIDATE, Tier.REPORT, Tier.REPORT]
    assert [admission.tier(score, post=True) for score in (0.5, 0.69, 0.7)] == [Tier.CANDIDATE, Tier.CANDIDATE, Tier.REPORT]
    everything = Admission.from_config(ReportThresholds(candidate=0, open=0, open_post=0), model_threshold=0.25)
    assert everything.tier(0.0, post=True) is Tier.REPORT  # all three 0: every watched item opens one
    raised = Admission.from_config(ReportThresholds(candidate=0.6, open=0.5, open_post=0.7), model_threshold=0.25)
    assert raised.open == 0.6  # opening never needs less than holding


@pytest.fixture
def stage_world(database_url: str, analyzer: Analyzer):
    settings = settings_for(database_url)
    db = open_database(database_url)
    source_store.ensure_sources(db.engine, settings.sources, now=T0)
    stage = IncidentStage(settings, analyzer, db.engine)
    stage.load(T0)
    yield settings, db, stage
    db.close()


def test_chatter_opens_nothing_but_is_kept_and_may_join_a_story_without_lending_facts(stage_world) -> None:
    _settings, db, stage = stage_world
    now = T0 + timedelta(hours=1)
    joke = [("wb-joke", "weibo", 5, None, "好希望郑州今晚来场大火灾把公司烧了，明天就不用上班了哈哈")]
    report = stage.process(push(db, joke, now=now), now)
    assert (report.relevant, report.opened, report.held) == (1, [], 1)
    assert service.list_incidents(db.engine) == []
    story = [("hd-1", "daily", 20, "郑州中原区一居民楼发生燃气爆炸 已致3人死亡",
              "记者从郑州市应急管理局获悉，中原区建设路一居民楼发生燃气爆炸事故，截至目前已造成3人死亡、12人受伤，其中2人重伤。")]
    stage.process(push(db, story, now=now), now)
    reaction = [("wb-2", "weibo", 40, None, "中原区建设路燃气爆炸太吓人了，据说死了几十个人，要是真的这么多就完了")]
    stage.process(push(db, reaction, now=now), now)
    (incident,) = service.list_incidents(db.engine)
    assert incident.facts["deaths"] == 3  # the reaction's hearsay joined the story but set no toll
    detail = service.get_incident(db.engine, incident.id)
    assert {item.external_id for item, _ in detail.items} >= {"hd-1"}


def test_a_weak_report_waits_for_a_second_and_the_incident_runs_from_the_first(stage_world, analyzer) -> None:
    settings, db, _stage = stage_world
    # A post must be all but certain to open an incident on its own here, so this one is a candidate.
    settings = settings.model_copy(update={"incidents": settings.incidents.model_copy(
        update={"reports": ReportThresholds(open=0.5, open_post=0.99)})})
    stage = IncidentStage(settings, analyzer, db.engine)
    stage.load(T0)
    now = T0 + timedelta(hours=1)
    weak = [("wb-1", "weibo", 0, None, "刚刚中原区建设路附近一小区传来巨响，好像是燃气爆炸了，好多消防车过去了")]
    score = analyzer.analyze(None, weak[0][4], judge=True).report.score
    assert stage.admission.candidate <= score < stage.admission.open_post, score
    report = stage.process(push(db, weak, now=now), now)
    assert report.opened == [] and report.held == 1
    # a restart in between: the pending story is rebuilt from the store
    stage = IncidentStage(settings, analyzer, db.engine)
    stage.load(now)
    later = now + timedelta(minutes=30)
    second = [("hd-1", "daily", 20, "郑州中原区一居民楼发生燃气爆炸 已致3人死亡",
               "记者从郑州市应急管理局获悉，中原区建设路一居民楼发生燃气爆炸事故，截至目前已造成3人死亡、12人受伤。")]
    report = stage.process(push(db, second, now=later), later)
    (incident,) = service.list_incidents(db.engine)
    assert report.opened == [incident.id]
    detail = service.get_incident(db.engine, incident.id)
    assert [item.external_id for item, _ in detail.items] == ["wb-1", "hd-1"]
    assert incident.emerged_at == T0 and incident.item_count == 2  # the clocks run from the first report
    detected = next(e for e in detail.timeline if e.kind == "detected")
    assert detected.data["item"] == "wb-1" and "事件报道" in detected.reason


def test_one_weak_post_does_not_confirm_another_but_a_news_item_does(stage_world, analyzer) -> None:
    settings, db, _stage = stage_world
    settings = settings.model_copy(update={"incidents": settings.incidents.model_copy(
        update={"reports": ReportThresholds(open=0.99, open_post=0.99)})})  # everything weak is a candidate
    stage = IncidentStage(settings, analyzer, db.engine)
    stage.load(T0)
    now = T0 + timedelta(hours=1)
    first = [("wb-1", "weibo", 0, None, "刚刚中原区建设路附近一小区传来巨响，好像是燃气爆炸了，好多消防车过去了")]
    echo = [("wb-2", "weibo", 0, None, "中原区建设路那边一小区好像燃气爆炸了，巨响，消防车一辆接一辆过去了")]
    assert stage.process(push(db, first, now=now), now).held == 1
    report = stage.process(push(db, echo, now=now + timedelta(minutes=5)), now + timedelta(minutes=5))
    assert report.opened == [] and service.list_incidents(db.engine) == []  # posts echo each other
    later = now + timedelta(minutes=20)
    news = [("hd-1", "daily", 20, "郑州中原区一小区疑似发生燃气爆炸",
             "记者从郑州市中原区获悉，建设路一小区传出巨响，疑似燃气爆炸，消防人员已赶到现场处置。")]
    report = stage.process(push(db, news, now=later), later)
    (incident,) = service.list_incidents(db.engine)
    assert report.opened == [incident.id] and incident.emerged_at == T0


def test_a_posts_topic_names_others_headline_and_sets_no_toll(stage_world) -> None:
    """A post of advice under a headline's #topic#: if it joins or opens a story, its own words
    state no deaths, so the topic's 17 grade nothing; a post that states its own toll still does."""
    _settings, db, stage = stage_world
    now = T0 + timedelta(hours=1)
    story = [("hd-1", "daily", 20, "郑州中原区一居民楼发生燃气爆炸",
              "记者从郑州市应急管理局获悉，今天上午中原区建设路一居民楼发生燃气爆炸事故，造成2人受伤，现场正在救援。")]
    stage.process(push(db, story, now=now), now)
    topic = [("wb-1", "weibo", 30, None, "#中原区燃气爆炸已致17人死亡# 中原区建设路居民楼燃气爆炸，消防正在现场救援，"
                                          "附近居民注意安全，关好燃气阀门")]
    stage.process(push(db, topic, now=now), now)
    (incident,) = service.list_incidents(db.engine)
    detail = service.get_incident(db.engine, incident.id)
    assert "wb-1" in {item.external_id for item, _ in detail.items}
    assert incident.facts.get("deaths") is None  # the topic's 17 is someone else's headline
    own = [("wb-2", "weibo", 40, None, "中原区建设路居民楼燃气爆炸，消防正在现场救援，目前已造成3人死亡")]
    stage.process(push(db, own, now=now), now)
    (incident,) = service.list_incidents(db.engine)
    assert incident.facts["deaths"] == 3
