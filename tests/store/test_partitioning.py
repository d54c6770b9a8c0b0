"""The item table partitioned by month on a real PostgreSQL, with the SQL of docs/operations.md
("Keep years") run as written on a migrated store that already holds items: sentinel still migrates
it (the head is recognised), ingests into the month's partition without duplicates, analyses a story
into one incident, searches, and prunes old months (with their analysis and index rows, which no
cascade removes any more), after which a month with nothing left is dropped."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlmodel import Session

from sentinel.analyse.pipeline import Analyzer
from sentinel.incidents import service
from sentinel.incidents.flows import IncidentStage
from sentinel.normalise.item import NormalItem
from sentinel.store import items as item_store
from sentinel.store import retention
from sentinel.store import search as item_search
from sentinel.store import sources as source_store
from sentinel.store.db import MIGRATIONS, open_database
from sentinel.store.models import HotlistEntry
from tests.incidents.test_flows import STORY, T0, push, settings_for

pytestmark = pytest.mark.postgres

DOCS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
AUGUST = datetime(2026, 8, 10, tzinfo=UTC)
SEPTEMBER = datetime(2026, 9, 10, tzinfo=UTC)


def documented_sql() -> list[str]:
    """The section's SQL blocks: the conversion, the months ahead, the drop of an old month."""
    section = DOCS.read_text(encoding="utf-8").split("## Keep years (PostgreSQL)\n")[1].split("\n## ")[0]
    return re.findall(r"```sql\n(.*?)```", section, re.S)


def run_sql(engine, script: str) -> list[tuple]:
    """A script as psql would run it (several statements, its own BEGIN/COMMIT); the last rows. The
    connection goes back to the pool as it came (not in autocommit, where the store's server-side
    cursors could not be declared)."""
    raw = engine.raw_connection()
    try:
        raw.driver_connection.autocommit = True
        with raw.driver_connection.cursor() as cursor:
            cursor.execute(script)
            return cursor.fetchall() if cursor.description else []
    finally:
        raw.driver_connection.autocommit = False
        raw.close()


def one(engine, query: str):
    return run_sql(engine, query)[0][0]


def old(external_id: str, at: datetime) -> NormalItem:
    return NormalItem(external_id=external_id, title=f"旧闻{external_id}", text="去年夏天的防汛通知", url=None,
                      canonical_url=None, author=None, published_at=at, published_at_estimated=False,
                      content_hash=f"{external_id:0>32}")


def head() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    (only,) = ScriptDirectory.from_config(config).get_heads()
    return only


def test_a_store_partitioned_by_month_as_documented_ingests_analyses_searches_and_prunes(postgres_server) -> None:
    url = postgres_server.create_database("partitioned_by_month")
    settings = settings_for(url)
    analyzer = Analyzer(settings)
    db = open_database(url)
    source_store.ensure_sources(db.engine, settings.sources, now=AUGUST)
    august = item_store.save_pushed(db.engine, "daily", [old(f"a{i}", AUGUST) for i in range(3)], now=AUGUST).new_ids
    september = item_store.save_pushed(db.engine, "daily", [old(f"s{i}", SEPTEMBER) for i in range(3)],
                                       now=SEPTEMBER).new_ids
    stage = IncidentStage(settings, analyzer, db.engine)
    stage.load(SEPTEMBER)
    stage.process(august + september, SEPTEMBER)
    with Session(db.engine) as session:  # one September item stays, held by a hot list
        session.add(HotlistEntry(source_id="hot", external_id="h", list_name="weibo", item_id=september[0],
                                 first_seen_at=SEPTEMBER, last_seen_at=SEPTEMBER))
        session.commit()
    db.close()

    convert, ahead, drop = documented_sql()
    run_sql(db.engine, convert)
    run_sql(db.engine, ahead)  # the monthly job, after the conversion made the same months
    assert one(db.engine, "SELECT relkind FROM pg_class WHERE relname = 'item'") == "p"
    assert one(db.engine, "SELECT count(*) FROM item_2026_08") == 3
    assert one(db.engine, "SELECT count(*) FROM item_default") == 0

    db = open_database(url)  # migrates: nothing to do, the head is still the store's
    try:
        assert one(db.engine, "SELECT version_num FROM alembic_version") == head()
        now = T0 + timedelta(hours=2)
        stage = IncidentStage(settings, analyzer, db.engine)
        stage.load(now)
        story = push(db, STORY, now=now)
        assert len(story) == len(STORY) and push(db, STORY, now=now) == []  # polled again: no duplicates
        assert one(db.engine, "SELECT count(*) FROM item_2026_11") == len(STORY)
        stage.process(story, now)
        (incident,) = service.list_incidents(db.engine)
        assert incident.item_count == len(service.get_incident(db.engine, incident.id).items) == len(STORY)
        found = item_search.search_items(db.engine, query="燃气爆炸 死亡")
        assert {f.item.id for f in found} <= set(story) and found
        assert len(item_search.search_items(db.engine, query="防汛")) == 6

        assert retention.prune(db.engine, before=T0 - timedelta(days=30)) == 5
        assert len(item_search.search_items(db.engine, query="防汛")) == 1  # the item on the hot list
        for table in ("item_search", "item_analysis"):  # nothing left pointing at a deleted item
            assert one(db.engine, f"SELECT count(*) FROM {table} WHERE item_id NOT IN (SELECT id FROM item)") == 0
        run_sql(db.engine, "VACUUM FULL item_2026_09")
        month = drop.replace("2025_01", "2026_08")
        assert run_sql(db.engine, month.split(";")[0]) == [(0,)]  # the documented check: nothing left in August
        run_sql(db.engine, month)
        assert one(db.engine, "SELECT to_regclass('item_2026_08')") is None

        later = push(db, [("hd-9", "daily", 120, "中原区燃气爆炸事故善后工作有序开展", "中原区建设路燃气爆炸事故善后工作有序开展。")],
                     now=now + timedelta(hours=1))
        stage.process(later, now + timedelta(hours=1))
        assert service.list_incidents(db.engine)[0].item_count == len(STORY) + 1
    finally:
        db.close()
