"""Official sources in the incidents stage: a policy document starts its interpretation clock in
working days, and an official item in an incident is evidence of the release it may be."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from sentinel.analyse.pipeline import Analyzer
from sentinel.collect.push import parse_pushed_item
from sentinel.incidents.flows import IncidentStage, _reports_press_conference
from sentinel.normalise.item import normalise
from sentinel.settings import Settings
from sentinel.store import items as item_store
from sentinel.store import sources as source_store
from sentinel.store.db import open_database
from sentinel.store.models import Incident, Obligation, Response

ZONE = ZoneInfo("Asia/Shanghai")
PUBLISHED = datetime(2026, 9, 29, 16, 0, tzinfo=ZONE)  # the Tuesday before 国庆


def settings_for(url: str) -> Settings:
    return Settings.model_validate({
        "database": {"url": url},
        "sources": [{"id": "gov", "kind": "push", "authority": "local", "official": True},
                    {"id": "news", "kind": "push", "authority": "provincial"}],
        "watch": [
            {"id": "policy", "department": "市发展改革委", "policy_documents": True, "scope": "title",
             "groups": {"doc": ["实施意见", "管理办法", "若干措施"]}},
            {"id": "safety", "department": "郑州市应急管理局",
             "groups": {"region": ["郑州", "中原区"], "event": ["爆炸", "死亡"]}},
        ],
    })


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(settings_for("sqlite:///unused.db"))


def push(db, source: str, external_id: str, title: str, text: str, published: datetime, now: datetime) -> list[int]:
    raw = parse_pushed_item({"id": external_id, "title": title, "text": text, "published_at": published.isoformat()})
    return item_store.save_pushed(db.engine, source, [normalise(raw, zone=ZONE, fetched_at=now)], now=now).new_ids


@pytest.fixture
def world(sqlite_url: str, analyzer: Analyzer):
    settings = settings_for(sqlite_url)
    db = open_database(sqlite_url)
    source_store.ensure_sources(db.engine, settings.sources, now=PUBLISHED)
    stage = IncidentStage(settings, analyzer, db.engine)
    stage.load(PUBLISHED.astimezone(UTC))
    yield db, stage
    db.close()


def test_a_policy_document_from_an_official_source_starts_its_interpretation_clock(world) -> None:
    db, stage = world
    now = PUBLISHED + timedelta(minutes=30)
    ids = push(db, "gov", "doc-1", "关于促进民营经济发展的若干措施", "为进一步促进民营经济发展，现提出以下措施。", PUBLISHED, now)
    stage.process(ids, now)
    with Session(db.engine) as session:
        (case,) = session.scalars(select(Incident)).all()
        (row,) = session.scalars(select(Obligation).where(col(Obligation.incident_id) == case.id)).all()
    assert case.kind == "policy_document" and case.department == "市发展改革委"
    assert row.kind == "policy_interpretation"
    # Sep 29 is not counted; Sep 30 is day 1; Oct 1-7 are 国庆; Oct 8 and 9 are days 2 and 3
    assert row.due_at.astimezone(ZONE).isoformat() == "2026-10-09T23:59:59.999999+08:00"


def test_the_same_document_on_a_news_site_starts_nothing(world) -> None:
    db, stage = world
    now = PUBLISHED + timedelta(minutes=30)
    stage.process(push(db, "news", "doc-2", "关于促进民营经济发展的若干措施", "为进一步促进民营经济发展。", PUBLISHED, now), now)
    with Session(db.engine) as session:
        assert not session.scalars(select(Obligation)).all()
        assert all(i.kind == "incident" for i in session.scalars(select(Incident)).all())


def test_an_official_item_in_an_incident_is_evidence_to_confirm(world) -> None:
    db, stage = world
    now = PUBLISHED + timedelta(hours=1)
    stage.process(push(db, "news", "n-1", "郑州中原区一居民楼发生燃气爆炸 已致12人死亡",
                       "中原区建设路一居民楼发生燃气爆炸事故，已造成12人死亡。", PUBLISHED, now), now)
    later = now + timedelta(hours=1)
    stage.process(push(db, "gov", "g-1", "关于中原区建设路燃气爆炸事故的情况通报",
                       "中原区建设路一居民楼发生燃气爆炸事故，造成12人死亡，善后工作正在进行。", later, later), later)
    with Session(db.engine) as session:
        (response,) = session.scalars(select(Response)).all()
        incident = session.get(Incident, response.incident_id)
    assert incident is not None and incident.grade == "II"
    assert (response.state, response.kind, response.channel) == ("candidate", "authoritative_info", "gov")
    assert response.at == later.astimezone(UTC)
    assert incident.next_escalation_at is not None  # the engine asks the duty officer at its next tick


@pytest.mark.parametrize(("text", "held"), [
    ("今天下午，市政府召开新闻发布会，通报事故情况。", True),
    ("在今天举行的新闻发布会上，市应急管理局负责人介绍了救援进展。", True),
    ("郑州市将于今日16时召开中原区燃气爆炸事故新闻发布会。", False),
    ("市政府拟于明天上午举行新闻发布会。", False),
    ("事故造成3人死亡，救援工作正在进行。", False),
])
def test_a_press_conference_is_evidence_only_once_held(text: str, held: bool) -> None:
    assert _reports_press_conference(text) is held
