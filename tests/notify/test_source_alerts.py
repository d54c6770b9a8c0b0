"""A source gone blind or blocked is an alert for the operators, once per episode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from sentinel.notify.serialisation import message_from_json
from sentinel.notify.source_alerts import queue_source_alerts
from sentinel.settings import Settings
from sentinel.store import items as item_store
from sentinel.store import sources as source_store
from sentinel.store.db import open_database
from sentinel.store.models import OutboxMessage
from tests.store.test_store import FakeItem

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def test_blocked_and_blind_sources_are_alerted_once_per_episode(database_url) -> None:
    settings = Settings.model_validate({
        "database": {"url": database_url},
        "sources": [{"id": "wb", "kind": "weibo", "url": "https://m.weibo.cn/api/container/getIndex?containerid=1"},
                    {"id": "quiet", "kind": "rss", "url": "https://example.gov.cn/rss"},
                    {"id": "fine", "kind": "rss", "url": "https://example.gov.cn/fine"}],
        "channels": [{"id": "ops", "kind": "console"}],
        "collect": {"blind_after": "6h"},
    })
    db = open_database(database_url)
    try:
        source_store.ensure_sources(db.engine, settings.sources, now=NOW)
        for source_id, at in (("wb", NOW - timedelta(hours=1)), ("quiet", NOW - timedelta(hours=7)),
                              ("fine", NOW - timedelta(minutes=5))):
            item_store.save_poll(db.engine, source_id, [FakeItem(f"{source_id}-1")], now=at, etag=None,
                                 last_modified=None, cursor=None, next_check_at=at + timedelta(minutes=5))
        source_store.record_failure(db.engine, "wb", now=NOW, reason="blocked", message="HTTP 432",
                                    blocked=True, next_check_at=NOW + timedelta(minutes=30))
        first = queue_source_alerts(db.engine, settings, ["ops"], NOW)
        assert sorted(key.split(":")[2] for key in first) == ["blind", "blocked"]
        assert {key.split(":")[1] for key in first} == {"quiet", "wb"}
        # checked again and again, and after a restart: no second alert for the same episode
        assert queue_source_alerts(db.engine, settings, ["ops"], NOW + timedelta(minutes=1)) == []
        assert queue_source_alerts(db.engine, settings, ["ops"], NOW + timedelta(hours=2)) == []
        with Session(db.engine) as session:
            rows = session.scalars(select(OutboxMessage)).all()
        assert len(rows) == 2 and {row.kind for row in rows} == {"source_blind", "source_blocked"}
        blocked = next(row for row in rows if row.kind == "source_blocked")
        assert "wb" in message_from_json(blocked.message).text_plain
        # the blocked source recovers, then is blocked again: a new episode, a new alert
        item_store.save_poll(db.engine, "wb", [FakeItem("wb-2")], now=NOW + timedelta(hours=3), etag=None,
                             last_modified=None, cursor=None, next_check_at=NOW + timedelta(hours=3, minutes=5))
        source_store.record_failure(db.engine, "wb", now=NOW + timedelta(hours=4), reason="blocked",
                                    message="HTTP 432", blocked=True, next_check_at=NOW + timedelta(hours=5))
        again = queue_source_alerts(db.engine, settings, ["ops"], NOW + timedelta(hours=4))
        assert [key.split(":")[:3] for key in again] == [["source", "wb", "blocked"]]
    finally:
        db.close()
