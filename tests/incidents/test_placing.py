"""The incidents stage decides where a batch's items go before it takes the incidents lock (on
SQLite, the write lock every push waits for), and writes under it only what it decided: a batch of
another process, or a person's change to an incident, landing between the two is not overwritten
and splits no story — the stage decides again, under the lock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event

from sentinel.analyse.pipeline import Analyzer
from sentinel.escalation import actions
from sentinel.escalation.clocks import Rules
from sentinel.incidents import service
from sentinel.incidents.cluster import Clusterer
from sentinel.incidents.flows import IncidentStage
from sentinel.store import sources as source_store
from sentinel.store.db import open_database
from tests.incidents.test_flows import STORY, T0, one_incident, push, settings_for


@pytest.fixture
def two(database_url: str, analyzer: Analyzer):
    """Two stages on one store, each with its own engine (as two processes)."""
    settings = settings_for(database_url)
    databases = [open_database(database_url), open_database(database_url, migrate_schema=False)]
    source_store.ensure_sources(databases[0].engine, settings.sources, now=T0)
    stages = [IncidentStage(settings, analyzer, db.engine) for db in databases]
    for stage in stages:
        stage.load(T0)
    yield settings, databases[0], stages
    for db in databases:
        db.close()


@contextmanager
def before_the_lock(engine: Engine, meanwhile: Callable[[], None]) -> Iterator[None]:
    """Run ``meanwhile`` once, just before ``engine``'s next statement that takes the incidents lock."""
    done = []

    def hook(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not done and statement.lstrip().startswith("UPDATE lease SET until"):
            done.append(True)
            meanwhile()

    event.listen(engine, "before_cursor_execute", hook)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", hook)
    assert done, "the stage never took the lock"


def test_items_are_placed_before_the_write_transaction(two, monkeypatch) -> None:
    _settings, db, (stage, _) = two
    writing: set[int] = set()  # connections of the stage inside a transaction that wrote
    placed_while_writing: list[int] = []

    def wrote(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip().upper().startswith("SELECT"):
            writing.add(id(connection))

    def ended(connection: Any) -> None:
        writing.discard(id(connection))

    assign = Clusterer.assign

    def spied(self: Clusterer, item: Any) -> Any:
        if writing:
            placed_while_writing.append(item.item_id)
        return assign(self, item)

    monkeypatch.setattr(Clusterer, "assign", spied)
    for name, listener in (("before_cursor_execute", wrote), ("commit", ended), ("rollback", ended)):
        event.listen(db.engine, name, listener)
    now = T0 + timedelta(hours=2)
    stage.process(push(db, STORY[:2], now=now), now)
    stage.process(push(db, STORY[2:], now=now), now)
    assert placed_while_writing == []
    one_incident(db)


def test_a_batch_of_another_process_between_placing_and_writing_is_placed_again(two) -> None:
    _settings, db, (first, second) = two
    now = T0 + timedelta(hours=2)
    first.process(push(db, STORY[:2], now=now), now)
    second_batch = push(db, STORY[2:3], now=now)
    reloads = first.reloads
    with before_the_lock(first.engine, lambda: second.process(second_batch, now)):
        first.process(push(db, STORY[3:], now=now), now)  # placed on a memory that had not seen the second's
    assert first.reloads == reloads + 1  # rebuilt under the lock, and placed again
    one_incident(db)


def test_a_grade_set_by_hand_between_placing_and_writing_stands(two) -> None:
    settings, db, (stage, _) = two
    now = T0 + timedelta(hours=2)
    stage.process(push(db, STORY[:3], now=now), now)
    incident = service.list_incidents(db.engine, state=None)[0]
    rules = Rules.from_settings(settings)

    def by_hand() -> None:
        actions.set_grade(db.engine, rules, incident.id, grade="I", reason="省里要求按I级处置", by="值班员",
                          now=now)

    with before_the_lock(stage.engine, by_hand):
        stage.process(push(db, STORY[3:], now=now), now)  # eleven dead: the facts alone would grade it again
    graded = one_incident(db)
    assert (graded.grade, graded.grade_source) == ("I", "manual")
