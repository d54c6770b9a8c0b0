"""Items search through the full-text index, on SQLite and a real PostgreSQL: Chinese words of one,
two and more characters, phrases, AND/OR/NOT, the filters and paging, why each item matched, the
index kept in step with the items, and the migration that builds it for a store already full."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, insert, text, update
from sqlmodel import Session

from sentinel.normalise.item import NormalItem
from sentinel.settings import SourceConfig
from sentinel.store import db as store_db
from sentinel.store import items as item_store
from sentinel.store import search as item_search
from sentinel.store import sources as source_store
from sentinel.store.models import Incident, Item, ItemAnalysis
from sentinel.store.search_query import QueryError, doc_tokens, parse, term

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
ITEMS = {  # id: (title, text); published an hour apart, s1 oldest
    "s1": ("郑州中原区燃气爆炸", "中原区建设路一居民楼发生燃气爆炸，已造成12人死亡。"),
    "s2": ("爆炸现场救援持续", "消防救援人员在现场搜救，COVID-19防控同步进行。"),
    "s3": ("应急演习", "市里举行燃气爆炸应急演习，无人员伤亡。"),
    "s4": ("拆迁补偿引发不满", "村民称拆迁补偿款迟迟未到位，PM2.5监测站也被拆除。"),
    "s5": ("空气质量", "今日PM2.5浓度下降，优良天数占比100%。报名人数1000人。"),
    "s6": ("欠薪", "工人讨薪，称被拖欠工资半年。A股市场平稳。"),
}


def normal(external_id: str, title: str, body: str, published_at: datetime) -> NormalItem:
    return NormalItem(external_id=external_id, title=title, text=body, url=None, canonical_url=None, author=None,
                      published_at=published_at, published_at_estimated=False, content_hash="0" * 32)


@pytest.fixture
def db(database_url: str):
    database = store_db.open_database(database_url)
    source_store.ensure_sources(database.engine, [SourceConfig(id=s, kind="rss", url="http://127.0.0.1/f")
                                                  for s in ("news", "forum")], now=NOW)
    for n, (key, (title, body)) in enumerate(ITEMS.items()):
        item_store.save_pushed(database.engine, "forum" if key == "s6" else "news",
                               [normal(key, title, body, NOW - timedelta(hours=10 - n))], now=NOW)
    yield database
    database.close()


def found(db, query: str | None = None, **filters: Any) -> list[str]:
    return [f.item.external_id for f in item_search.search_items(db.engine, query=query, **filters)]


def test_chinese_words_of_any_length_are_found_inside_longer_words(db) -> None:
    assert found(db, "爆炸") == ["s3", "s2", "s1"]  # two characters, inside 燃气爆炸 and at a title's start
    assert found(db, "燃气爆炸") == ["s3", "s1"]  # four characters: a phrase of pairs
    assert found(db, "中原区") == ["s1"]
    assert found(db, "薪") == ["s6"]  # one character: 欠薪 ends with it, 讨薪 holds it
    assert found(db, "欠") == ["s6"]
    assert found(db, "爆炸事故") == []  # every pair present somewhere is not enough: they must follow on
    assert found(db, "爆，炸") == []  # the punctuation splits it: 爆 then 炸 alone, nowhere
    assert found(db, "地震") == [] and found(db, "爆破") == []


def test_latin_words_and_numbers_match_from_their_start_in_any_case(db) -> None:
    assert found(db, "pm2.5") == ["s5", "s4"]
    assert found(db, "ＰＭ２．５") == ["s5", "s4"]  # full width is folded
    assert found(db, "covid") == ["s2"] and found(db, "COVID-19") == ["s2"]
    assert found(db, "100%") == ["s5"]  # a whole number: not 1000
    assert found(db, "100") == ["s5"]  # the start of 100 and of 1000, in one item
    assert found(db, "A股") == ["s6"]


def test_and_or_not_and_phrases_as_watch_rules_write_them(db) -> None:
    assert found(db, "爆炸 死亡") == ["s1"]  # every word
    assert found(db, "爆炸 AND 死亡") == ["s1"]
    assert found(db, "欠薪 OR 拆迁") == ["s6", "s4"]
    assert found(db, "欠薪 | 拆迁") == ["s6", "s4"]
    assert found(db, "燃气爆炸 -演习") == ["s1"]
    assert found(db, "燃气爆炸 NOT 演习") == ["s1"]
    assert found(db, "(郑州 OR 拆迁) (死亡 OR 不满)") == ["s4", "s1"]
    assert found(db, "（郑州 OR 拆迁）") == ["s4", "s1"]  # full-width parentheses
    assert found(db, '"燃气爆炸应急"') == ["s3"]
    assert found(db, "“应急演习”") == ["s3"]  # Chinese quotes


@pytest.mark.parametrize("query", ["-演习", "NOT 演习", "爆炸 OR -演习", "_", "(爆炸", "OR 爆炸"])
def test_a_query_that_cannot_be_searched_says_why(db, query: str) -> None:
    with pytest.raises(QueryError):
        found(db, query)


def test_filters_and_paging_combine_with_the_index(db) -> None:
    assert found(db, "爆炸", source_id="news", since=NOW - timedelta(hours=9)) == ["s3", "s2"]
    assert found(db, "爆炸", until=NOW - timedelta(hours=9)) == ["s1"]
    assert found(db, "欠薪", source_id="news") == []
    first = item_search.search_items(db.engine, query="爆炸", limit=2)
    assert [f.item.external_id for f in first] == ["s3", "s2"]
    assert found(db, "爆炸", limit=2, before_id=first[-1].item.id) == ["s1"]
    with Session(db.engine) as session:
        incident = Incident(title="燃气爆炸", emerged_at=NOW, detected_at=NOW, last_item_at=NOW, updated_at=NOW)
        session.add(incident)
        session.flush()
        s1 = session.scalars(text("SELECT id FROM item WHERE external_id = 's1'")).one()
        session.add(ItemAnalysis(item_id=s1, analysed_at=NOW, incident_id=incident.id))
        session.commit()
        incident_id = incident.id
    assert found(db, "爆炸", incident_id=incident_id) == ["s1"]
    assert found(db, incident_id=incident_id) == ["s1"]


def test_each_item_says_which_words_it_matched_and_shows_one_in_context(db) -> None:
    rows = item_search.search_items(db.engine, query="(死亡 OR 拆迁) 燃气 -演习")
    assert [(f.item.external_id, f.matched) for f in rows] == [("s1", ["死亡", "燃气"])]
    assert rows[0].snippet is not None and "死亡" in rows[0].snippet
    rows = item_search.search_items(db.engine, query="pm2.5")
    assert rows[0].matched == ["pm2.5"] and "PM2.5" in (rows[0].snippet or "")


def test_the_index_follows_inserts_updates_and_deletes(db) -> None:
    item_store.save_pushed(db.engine, "news", [normal("n1", "山体滑坡", "暴雨引发山体滑坡", NOW)], now=NOW)
    assert found(db, "滑坡") == ["n1"]
    with Session(db.engine) as session:
        session.execute(delete(ItemAnalysis))
        session.execute(delete(Item).where(Item.external_id.in_(["n1", "s1"])))  # type: ignore[attr-defined]
        session.commit()
    assert found(db, "滑坡") == [] and found(db, "爆炸") == ["s3", "s2"]
    item_store.save_pushed(db.engine, "news", [normal("n2", "山洪", "无关", NOW)], now=NOW)
    assert found(db, "滑坡") == []  # a new item taking a freed id does not inherit the old one's words
    if db.is_sqlite:  # PostgreSQL's items are written once; SQLite's triggers also follow an edit
        with Session(db.engine) as session:
            session.execute(update(Item).where(Item.external_id == "n2").values(title="泥石流"))  # type: ignore[arg-type]
            session.commit()
        assert found(db, "泥石流") == ["n2"] and found(db, "山洪") == []
    assert item_search.reindex(db.engine) == 6
    assert found(db, "爆炸") == ["s3", "s2"]


def test_the_migration_indexes_a_store_that_already_has_items(database_url, monkeypatch) -> None:
    from alembic import command

    real = command.upgrade
    monkeypatch.setattr(command, "upgrade", lambda config, _revision: real(config, "0007_delivery_faults"))
    engine = store_db.create_db_engine(database_url)
    store_db.migrate(engine)
    with engine.begin() as connection:
        assert "item_search" not in {name for (name,) in connection.execute(text(
            "SELECT name FROM sqlite_master" if engine.dialect.name == "sqlite"
            else "SELECT tablename FROM pg_tables"))}
        connection.execute(insert(Item.__table__), [  # type: ignore[attr-defined]
            {"source_id": "news", "external_id": f"old{i}", "title": title, "text": body, "published_at": NOW,
             "fetched_at": NOW, "content_hash": "0", "extra": {}} for i, (title, body) in enumerate(ITEMS.values())])
    monkeypatch.setattr(command, "upgrade", real)
    store_db.migrate(engine)
    assert [f.item.external_id for f in item_search.search_items(engine, query="拆迁")] == ["old3"]
    assert [f.item.external_id for f in item_search.search_items(engine, query="爆炸 -演习")] == ["old1", "old0"]
    engine.dispose()


@pytest.mark.parametrize(("text", "tokens", "prefix"), [
    ("爆炸", ("爆炸",), False), ("燃气爆炸", ("燃气", "气爆", "爆炸"), False), ("薪", ("薪",), True),
    ("A股", ("a", "股"), True), ("100%", ("100",), False), ("疫情COVID", ("疫情", "情", "covid"), True),
])
def test_a_word_stands_for_consecutive_tokens(text: str, tokens: tuple[str, ...], prefix: bool) -> None:
    assert (term(text).tokens, term(text).prefix) == (tokens, prefix)


def test_an_item_is_indexed_as_character_pairs_and_words() -> None:
    assert doc_tokens("燃气爆炸", "COVID-19，疫") == ["燃气", "气爆", "爆炸", "炸", "covid", "19", "疫"]
    assert parse("  ") is None


@pytest.mark.parametrize("few", [0, 1, 2000])
def test_a_word_matching_few_or_many_items_is_found_alike(db, monkeypatch, few: int) -> None:
    """The items of a rare word are fetched by id, a common one's walked newest first (PostgreSQL
    leaves it to the planner, SQLite is kept from looking the ids up; store/search.py, FEW_MATCHES):
    both ways give the same pages, on both stores."""
    monkeypatch.setattr(item_search, "FEW_MATCHES", few)
    assert found(db, "爆炸") == ["s3", "s2", "s1"]
    assert found(db, "爆炸", source_id="news", since=NOW - timedelta(hours=9)) == ["s3", "s2"]
    first = item_search.search_items(db.engine, query="爆炸", limit=2)
    assert found(db, "爆炸", limit=2, before_id=first[-1].item.id) == ["s1"]
    assert found(db, "欠薪 OR 爆炸", until=NOW - timedelta(hours=9)) == ["s1"]
    assert found(db, "无此词") == []
