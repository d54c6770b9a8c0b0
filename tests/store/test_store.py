"""The store's contract, run against SQLite and a real PostgreSQL server."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, SQLModel

from sentinel.normalise.item import NormalItem
from sentinel.settings import SourceConfig
from sentinel.store import items as item_store
from sentinel.store import sources as source_store
from sentinel.store.db import open_database
from sentinel.store.models import Item, SourceState
from sentinel.store.search import INDEX_TABLES

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def FakeItem(external_id: str, **fields: Any) -> NormalItem:  # noqa: N802 (reads like the class it builds)
    """A normalised item with defaults for what a test does not care about."""
    values: dict[str, Any] = {"title": "标题", "text": "正文", "url": None, "canonical_url": None, "author": None,
                              "published_at": NOW - timedelta(hours=1), "published_at_estimated": False,
                              "content_hash": "0" * 32}
    return NormalItem(external_id=external_id, **{**values, **fields})


def source(source_id: str = "zz-gov") -> SourceConfig:
    return SourceConfig(id=source_id, kind="rss", url="http://127.0.0.1/feed.xml")


@pytest.fixture
def db(database_url: str):
    database = open_database(database_url)
    source_store.ensure_sources(database.engine, [source("zz-gov"), source("other")], now=NOW)
    yield database
    database.close()


def save(db, items, *, source_id="zz-gov", etag=None, cursor=None):
    return item_store.save_poll(db.engine, source_id, items, now=NOW, etag=etag, last_modified=None,
                                cursor=cursor, next_check_at=NOW + timedelta(minutes=5))


def _models_only(name, kind, _parents) -> bool:
    return not (kind == "table" and name in INDEX_TABLES)  # the search index lives outside the models


def test_migrations_match_the_models_and_rerun_as_a_no_op(db) -> None:
    db.migrate()  # a second run changes nothing
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True, "include_name": _models_only}),
                                SQLModel.metadata)
    assert diff == []


def test_a_poll_stores_new_items_once_and_counts_duplicates(db) -> None:
    first = save(db, [FakeItem("a"), FakeItem("b"), FakeItem("b")], etag='"v1"')
    assert (first.new, first.duplicates) == (2, 1)
    second = save(db, [FakeItem("b"), FakeItem("c")], etag='"v2"')
    assert (second.new, second.duplicates) == (1, 1)
    state = source_store.get_state(db.engine, "zz-gov")
    assert state is not None and state.etag == '"v2"' and state.items_total == 3 and state.health == "up"


def test_the_same_external_id_in_two_sources_is_two_items(db) -> None:
    save(db, [FakeItem("x")], source_id="zz-gov")
    save(db, [FakeItem("x")], source_id="other")
    assert len(item_store.list_items(db.engine)) == 2


def test_the_database_itself_refuses_a_second_row_for_source_and_external_id(db) -> None:
    save(db, [FakeItem("a")])
    with Session(db.engine) as session:
        session.add(Item(source_id="zz-gov", external_id="a", published_at=NOW, fetched_at=NOW,
                         content_hash="x", extra={}))
        with pytest.raises(IntegrityError):
            session.commit()


def test_times_come_back_aware_utc_and_naive_times_are_refused(db) -> None:
    eastern = timezone(timedelta(hours=8))
    save(db, [FakeItem("a", published_at=datetime(2026, 11, 20, 9, 30, tzinfo=eastern))])
    row = item_store.list_items(db.engine)[0]
    assert row.published_at == datetime(2026, 11, 20, 1, 30, tzinfo=UTC)
    assert row.published_at.utcoffset() == timedelta(0)
    with pytest.raises(StatementError, match="naive datetime"):
        save(db, [FakeItem("b", published_at=datetime(2026, 11, 20, 9, 30))])  # noqa: DTZ001 (naive on purpose)


def test_cursor_and_extra_round_trip_as_json(db) -> None:
    save(db, [FakeItem("a", extra={"retweet_of": "123", "is_top": True, "标签": ["郑州"]})],
         cursor={"since_id": 4646131823281332})
    state = source_store.get_state(db.engine, "zz-gov")
    assert state is not None and state.cursor == {"since_id": 4646131823281332}
    assert item_store.list_items(db.engine)[0].extra == {"retweet_of": "123", "is_top": True, "标签": ["郑州"]}


def test_failures_count_up_and_a_success_resets_them(db) -> None:
    for n in (1, 2, 3):
        got = source_store.record_failure(db.engine, "zz-gov", now=NOW, reason="http_5xx", message="HTTP 500",
                                          blocked=False, next_check_at=NOW + timedelta(minutes=n))
        assert got == n
    state = source_store.get_state(db.engine, "zz-gov")
    assert state is not None and state.health == "failing" and state.last_error_reason == "http_5xx"
    source_store.record_failure(db.engine, "zz-gov", now=NOW, reason="blocked", message="432",
                                blocked=True, next_check_at=NOW)
    assert source_store.get_state(db.engine, "zz-gov").health == "blocked"
    save(db, [FakeItem("a")])
    state = source_store.get_state(db.engine, "zz-gov")
    assert state.consecutive_failures == 0 and state.health == "up"


def test_only_due_and_unleased_sources_are_leased(db) -> None:
    source_store.record_not_modified(db.engine, "other", now=NOW, next_check_at=NOW + timedelta(minutes=5))
    leased = source_store.lease_due(db.engine, owner="p1", now=NOW, lease_for=timedelta(minutes=2),
                                    source_ids=["zz-gov", "other"])
    assert [row.source_id for row in leased] == ["zz-gov"]
    again = source_store.lease_due(db.engine, owner="p2", now=NOW, lease_for=timedelta(minutes=2),
                                   source_ids=["zz-gov", "other"])
    assert again == []
    later = source_store.lease_due(db.engine, owner="p2", now=NOW + timedelta(minutes=3),
                                   lease_for=timedelta(minutes=2), source_ids=["zz-gov"])
    assert [row.lease_owner for row in later] == ["p2"]  # an expired lease (a dead process) is free


def test_concurrent_leasing_gives_each_source_to_one_process(database_url: str) -> None:
    database = open_database(database_url)
    try:
        source_store.ensure_sources(database.engine, [source(f"s{i}") for i in range(40)], now=NOW)
        ids = [f"s{i}" for i in range(40)]
        taken: dict[str, list[str]] = {}
        errors: list[BaseException] = []

        def worker(owner: str) -> None:
            try:
                rows = []
                for _ in range(10):
                    rows += source_store.lease_due(database.engine, owner=owner, now=NOW,
                                                   lease_for=timedelta(minutes=2), source_ids=ids, limit=5)
                taken[owner] = [row.source_id for row in rows]
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(f"p{n}",)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        everything = [sid for rows in taken.values() for sid in rows]
        assert sorted(everything) == sorted(ids)  # every source leased exactly once
        with Session(database.engine) as session:
            owners = dict(session.execute(select(SourceState.source_id, SourceState.lease_owner)).all())
        assert all(owners[sid] is not None for sid in ids)
    finally:
        database.close()


def test_known_ids_and_summary(db) -> None:
    save(db, [FakeItem("a"), FakeItem("b")])
    assert item_store.known_ids(db.engine, "zz-gov", ["a", "z", "b"]) == {"a", "b"}
    rows = {row.source_id: row for row in source_store.summarize(db.engine, now=NOW)}
    assert rows["zz-gov"].items_24h == 2 and rows["other"].items_24h == 0
    assert source_store.summarize(db.engine, now=NOW + timedelta(days=2))[1].items_24h == 0


def test_a_source_another_process_creates_meanwhile_does_not_fail_the_start(database_url: str) -> None:
    """Two processes starting on one database both find a source missing; the second insert skips it."""
    from sqlalchemy import event

    database = open_database(database_url)
    try:
        made = []

        def another_process_first(conn, cursor, statement, *_args) -> None:
            if statement.lstrip().upper().startswith("INSERT INTO SOURCE_STATE") and not made:
                made.append(True)  # between this process's read and its insert, the other one commits
                with Session(open_database(database_url, migrate_schema=False).engine) as other:
                    other.add(SourceState(source_id="new", kind="rss", next_check_at=NOW - timedelta(days=1),
                                          cursor={"by": "other"}))
                    other.commit()

        event.listen(database.engine, "before_cursor_execute", another_process_first)
        source_store.ensure_sources(database.engine, [source("new"), source("zz-gov")], now=NOW)
        event.remove(database.engine, "before_cursor_execute", another_process_first)
        states = source_store.all_states(database.engine)
        assert made and set(states) == {"new", "zz-gov"}
        assert states["new"].cursor == {"by": "other"}  # the first one's row stands
    finally:
        database.close()
