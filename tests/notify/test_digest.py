"""The daily digest (舆情日报) is queued once a day at its time, for the leaders, with the day's news."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from sentinel.escalation import actions
from sentinel.escalation.clocks import Rules
from sentinel.escalation.engine import EscalationEngine
from sentinel.escalation.roster import Roster
from sentinel.notify import digest
from sentinel.notify.digest import queue_daily_digest
from sentinel.notify.serialisation import stored_message
from sentinel.settings import Settings
from sentinel.store.db import open_database
from sentinel.store.models import Incident, OutboxMessage

ZONE = ZoneInfo("Asia/Shanghai")
EMERGED = datetime(2026, 11, 23, 1, 0, tzinfo=ZONE)


def test_the_digest_goes_to_the_leaders_once_a_day_at_its_time(database_url) -> None:
    settings = Settings.model_validate({
        "database": {"url": database_url},
        "channels": [{"id": "duty", "kind": "console"}, {"id": "leaders", "kind": "console"}],
        "roster": {"leaders": [{"name": "钱局长", "phone": "13800000020", "channels": ["leaders"]}]},
    })
    db = open_database(database_url)
    try:
        rules = Rules(settings.policy, Roster(settings.roster, ZONE), ZONE)
        with Session(db.engine) as session:
            incident = Incident(title="某化工厂爆炸事故造成12人死亡", department="应急管理局", grade_reasons=[], facts={},
                                keywords=[], rules=[], regions=[], emerged_at=EMERGED, detected_at=EMERGED,
                                last_item_at=EMERGED, updated_at=EMERGED, heat_components={})
            session.add(incident)
            session.commit()
            incident_id = incident.id
        assert incident_id is not None
        actions.set_grade(db.engine, rules, incident_id, grade="II", reason="12人死亡", by="张伟", now=EMERGED)
        EscalationEngine(db.engine, rules, ["duty", "leaders"]).tick(EMERGED + timedelta(hours=6))  # 5h breached
        before = datetime(2026, 11, 23, 8, 29, tzinfo=ZONE)
        assert queue_daily_digest(db.engine, settings, ["duty", "leaders"], before) == []
        at = datetime(2026, 11, 23, 8, 31, tzinfo=ZONE)
        assert queue_daily_digest(db.engine, settings, ["duty", "leaders"], at) == ["digest:2026-11-23:leaders"]
        assert queue_daily_digest(db.engine, settings, ["duty", "leaders"], at + timedelta(hours=3)) == []
        with Session(db.engine) as session:
            (row,) = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "daily_digest")).all()
        message = stored_message(row.message)
        assert message.title == "【舆情日报】11月23日：新增1起，未结1起，超时1项"
        assert "新闻发布会" in message.text_plain and "权威信息发布" in message.text_plain
        assert [r["name"] for r in row.recipients] == ["钱局长"]
        # the next day has a digest of its own
        assert queue_daily_digest(db.engine, settings, ["duty", "leaders"], at + timedelta(days=1)) == [
            "digest:2026-11-24:leaders"]
    finally:
        db.close()


def test_the_digest_leaves_out_incidents_abroad_and_those_awaiting_verification(database_url) -> None:
    settings = Settings.model_validate({
        "database": {"url": database_url}, "channels": [{"id": "leaders", "kind": "console"}],
        "roster": {"leaders": [{"name": "钱局长", "channels": ["leaders"]}]}})
    db = open_database(database_url)
    try:
        common = dict(grade_reasons=[], facts={}, keywords=[], rules=[], regions=[], emerged_at=EMERGED,
                      detected_at=EMERGED, last_item_at=EMERGED, updated_at=EMERGED, heat_components={})
        with Session(db.engine) as session:
            session.add_all([
                Incident(title="本市一化工厂爆炸", jurisdiction="inside", **common),
                Incident(title="尼日利亚发生宗教暴力冲突致5人死亡", jurisdiction="outside", **common),
                Incident(title="#晋城隧道爆炸# 现场发现12具遗体", grade="II", jurisdiction="inside",
                         verification={"state": "pending", "since": EMERGED.isoformat()}, **common),
                Incident(title="网传某地塌方已获证实", grade="II", jurisdiction="unknown",
                         verification={"state": "confirmed", "since": EMERGED.isoformat(),
                                       "at": EMERGED.isoformat()}, **common)])
            session.commit()
        at = datetime(2026, 11, 23, 8, 31, tzinfo=ZONE)
        assert queue_daily_digest(db.engine, settings, ["leaders"], at) == ["digest:2026-11-23:leaders"]
        with Session(db.engine) as session:
            (row,) = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "daily_digest")).all()
        text = stored_message(row.message).text_plain
        assert "本市一化工厂爆炸" in text and "网传某地塌方已获证实" in text
        assert "尼日利亚" not in text and "晋城" not in text
    finally:
        db.close()


def test_the_open_incidents_come_in_the_order_their_next_deadline_falls(database_url, monkeypatch) -> None:
    # a long digest is cut at the channel's limit: the most urgent come first, whatever their ids
    settings = Settings.model_validate({
        "database": {"url": database_url}, "channels": [{"id": "leaders", "kind": "console"}],
        "roster": {"leaders": [{"name": "钱局长", "channels": ["leaders"]}]}})
    db = open_database(database_url)
    try:
        rules = Rules(settings.policy, Roster(settings.roster, ZONE), ZONE)
        ids = []
        for title, emerged in (("城西仓库火灾", EMERGED + timedelta(hours=3)), ("城东隧道塌方", EMERGED),
                               ("城北化工厂泄漏", EMERGED + timedelta(hours=1))):
            with Session(db.engine) as session:
                incident = Incident(title=title, grade_reasons=[], facts={}, keywords=[], rules=[], regions=[],
                                    emerged_at=emerged, detected_at=emerged, last_item_at=emerged, updated_at=emerged,
                                    heat_components={})
                session.add(incident)
                session.commit()
                ids.append(incident.id)
            actions.set_grade(db.engine, rules, ids[-1], grade="II", reason="重大", by="张伟", now=emerged)
        at = datetime(2026, 11, 23, 8, 31, tzinfo=ZONE)
        assert queue_daily_digest(db.engine, settings, ["leaders"], at) == ["digest:2026-11-23:leaders"]
        with Session(db.engine) as session:
            (row,) = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "daily_digest")).all()
        text = stored_message(row.message).text_plain
        pending = text[text.index("未结事件"):text.index("超时（")]
        places = [pending.index(title) for title in ("城东隧道塌方", "城北化工厂泄漏", "城西仓库火灾")]
        assert places == sorted(places), pending
        # a busy day: each part lists its first entries and counts the rest, the title counts them all
        monkeypatch.setattr(digest, "DIGEST_LISTED", 2)
        message = stored_message(digest.prepare_daily_digest(db.engine, settings, ["leaders"],
                                                             at + timedelta(days=1))[0].message)
        assert message.title == "【舆情日报】11月24日：新增0起，未结3起，超时0项"
        pending = message.text_plain[message.text_plain.index("未结事件（3）"):message.text_plain.index("超时（")]
        assert "城东隧道塌方" in pending and "城北化工厂泄漏" in pending and "城西仓库火灾" not in pending
        assert "另有1起未列出" in pending
    finally:
        db.close()
