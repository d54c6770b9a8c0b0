"""Several incidents stages on one store (as several ``sentinel run`` processes run them), and a
store that goes away in the middle of a batch: the store decides which incident an item joins, so
one story is one incident, and its counts are the store's.

(The same with real daemons: ``tests/test_processes.py``.)"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from sentinel.analyse.pipeline import Analyzer
from sentinel.incidents.flows import IncidentStage
from sentinel.store.db import open_database
from tests.incidents.test_flows import STORY, T0, one_incident, push, settings_for
from tests.support.proxy import TcpProxy


@pytest.fixture
def shared(database_url: str, analyzer: Analyzer):
    settings = settings_for(database_url)
    db = open_database(database_url)
    from sentinel.store import sources as source_store

    source_store.ensure_sources(db.engine, settings.sources, now=T0)
    stages = [IncidentStage(settings, analyzer, db.engine) for _ in range(3)]
    for stage in stages:
        stage.load(T0)
    yield db, stages
    db.close()


def test_a_story_told_to_two_stages_in_turn_isone_incident(shared) -> None:
    db, (first, second, _) = shared
    now = T0 + timedelta(hours=2)
    first.process(push(db, STORY[:2], now=now), now)
    second.process(push(db, STORY[2:3], now=now), now)  # its memory predates the incident
    first.process(push(db, STORY[3:], now=now), now)  # the item counted by the second stage is not lost
    one_incident(db)


def test_a_story_told_to_three_stages_at_the_same_moment_isone_incident(shared) -> None:
    db, stages = shared
    now = T0 + timedelta(hours=2)
    batches = [push(db, STORY[:2], now=now), push(db, STORY[2:3], now=now), push(db, STORY[3:], now=now)]
    start = threading.Barrier(len(stages))
    errors: list[BaseException] = []

    def run(stage: IncidentStage, ids: list[int]) -> None:
        start.wait()
        try:
            stage.process(ids, now)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=pair) for pair in zip(stages, batches, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    one_incident(db)


@pytest.mark.postgres
def test_the_store_gone_in_the_middle_of_a_batch_opens_no_second_incident(postgres_server, analyzer) -> None:
    """The connection is cut (a proxy between the stage and PostgreSQL) while a batch is analysed: the
    batch fails and so does the rebuild of the memory; once the store is back, the story's next items
    join its incident."""
    url = postgres_server.create_database(f"outage_{id(analyzer)}")
    parsed = make_url(url)
    proxy = TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432).start()
    settings = settings_for(url)
    direct = open_database(url)
    through = open_database(parsed.set(port=proxy.port).render_as_string(hide_password=False), migrate_schema=False)
    try:
        from sentinel.store import sources as source_store

        source_store.ensure_sources(direct.engine, settings.sources, now=T0)

        cut = threading.Event()

        class CutMidway:
            """The real analyzer; the connection is cut while it analyses the second batch."""

            def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
                return getattr(analyzer, name)

            def analyze(self, *args, **kwargs):  # type: ignore[no-untyped-def]
                if cut.is_set():
                    cut.clear()
                    proxy.down()
                return analyzer.analyze(*args, **kwargs)

        stage = IncidentStage(settings, analyzer, through.engine)
        stage.analyzer = CutMidway()  # type: ignore[assignment]
        stage.load(T0)
        now = T0 + timedelta(hours=2)
        stage.process(push(direct, STORY[:2], now=now), now)
        cut.set()
        failed = push(direct, STORY[2:3], now=now)
        with pytest.raises(OperationalError):
            stage.process(failed, now)
        proxy.up()
        stage.process(failed + push(direct, STORY[3:], now=now), now)  # the catch-up, and the next item
        one_incident(direct)
    finally:
        through.close()
        direct.close()
        proxy.stop()
