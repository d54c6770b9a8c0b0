"""The analysis worker: a failed batch is retried by the periodic job, which otherwise does nothing."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

from sentinel.clock import FakeClock
from sentinel.incidents import service
from sentinel.incidents.flows import IncidentStage
from sentinel.incidents.worker import AnalysisWorker
from sentinel.metrics import Metrics
from sentinel.store import sources as source_store
from sentinel.store.db import open_database
from tests.incidents.test_flows import STORY, T0, push, settings_for


class FlakyStage(IncidentStage):
    """The real stage, whose next ``fail`` batches raise before doing anything."""

    fail = 0

    def process(self, item_ids, now):  # type: ignore[no-untyped-def]
        if self.fail:
            self.fail -= 1
            raise RuntimeError("database went away")
        return super().process(item_ids, now)


def test_a_failed_batch_is_retried_and_the_retry_is_free_otherwise(sqlite_url, analyzer, monkeypatch) -> None:
    settings = settings_for(sqlite_url)
    db = open_database(sqlite_url)
    source_store.ensure_sources(db.engine, settings.sources, now=T0)
    stage = FlakyStage(settings, analyzer, db.engine)
    worker = AnalysisWorker(stage, db, FakeClock(T0), Metrics(process=False))
    scans: list[int] = []
    real_scan = service.unanalysed_item_ids
    monkeypatch.setattr(service, "unanalysed_item_ids", lambda *a, **k: scans.append(1) or real_scan(*a, **k))

    async def go() -> None:
        await worker.start()
        await worker.wait_caught_up()
        started_scans = len(scans)
        assert await worker.retry_failed() == 0 and len(scans) == started_scans  # nothing failed: no scan
        stage.fail = 1
        ids = push(db, STORY, now=T0)
        await worker.submit("daily", ids)
        for _ in range(1000):  # until the failed batch is recorded (10 s at most, on a loaded machine)
            if worker._behind:
                break
            await asyncio.sleep(0.01)
        assert service.unanalysed_item_ids(db.engine) == sorted(ids)
        assert await worker.retry_failed() == len(ids)
        assert service.unanalysed_item_ids(db.engine) == []
        await worker.stop()

    try:
        asyncio.run(go())
        incidents = service.list_incidents(db.engine)
    finally:
        db.close()
    assert len(incidents) == 1 and incidents[0].item_count == 4


class CountingStage(IncidentStage):
    """The real stage, noting every batch it is given."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.batches: list[list[int]] = []

    @property
    def sizes(self) -> list[int]:
        return [len(batch) for batch in self.batches]

    def process(self, item_ids, now):  # type: ignore[no-untyped-def]
        self.batches.append(list(item_ids))
        return super().process(item_ids, now)


def test_a_poll_bigger_than_a_batch_is_analysed_a_batch_at_a_time(sqlite_url, analyzer) -> None:
    settings = settings_for(sqlite_url)
    db = open_database(sqlite_url)
    source_store.ensure_sources(db.engine, settings.sources, now=T0)
    stage = CountingStage(settings, analyzer, db.engine)
    worker = AnalysisWorker(stage, db, FakeClock(T0), Metrics(process=False), batch=3)

    async def go() -> None:
        await worker.start()
        await worker.wait_caught_up()
        ids = push(db, STORY, now=T0)
        await worker.submit("daily", ids)
        await worker.drain()
        await worker.stop()

    try:
        asyncio.run(go())
        assert service.unanalysed_item_ids(db.engine) == []
        incidents = service.list_incidents(db.engine)
    finally:
        db.close()
    assert len(STORY) > 3 and max(stage.sizes) <= 3 and sum(stage.sizes) >= len(STORY)
    assert len(incidents) == 1 and incidents[0].item_count == len(STORY)


class HeldStage(CountingStage):
    """The counting stage, whose batches wait until the test lets them go."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.go = threading.Event()

    def process(self, item_ids, now):  # type: ignore[no-untyped-def]
        self.go.wait(10)
        return super().process(item_ids, now)


def test_adopting_waits_for_the_catch_up_at_start_which_walks_the_same_items(sqlite_url, analyzer) -> None:
    settings = settings_for(sqlite_url)
    db = open_database(sqlite_url)
    source_store.ensure_sources(db.engine, settings.sources, now=T0)
    ids = push(db, STORY, now=T0)  # stored before the start, never analysed
    stage = HeldStage(settings, analyzer, db.engine)
    worker = AnalysisWorker(stage, db, FakeClock(T0), Metrics(process=False))

    async def go() -> tuple[int, int]:
        await worker.start()  # its catch-up's first batch waits for stage.go
        during = await asyncio.wait_for(worker.adopt(timedelta(0)), 1.0)
        stage.go.set()
        await worker.wait_caught_up()
        after = await worker.adopt(timedelta(0))
        await worker.stop()
        return during, after

    try:
        during, after = asyncio.run(go())
    finally:
        db.close()
    assert (during, after) == (0, 0)
    assert sorted(i for batch in stage.batches for i in batch) == sorted(ids)  # each item analysed once
