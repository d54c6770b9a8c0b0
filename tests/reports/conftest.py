"""Replayed scenarios with known outcomes (tests/replay/README.md), once per module and backend."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sentinel.analyse.pipeline import Analyzer
from sentinel.incidents.service import list_incidents
from sentinel.replay import Replayer, load_scenario
from sentinel.settings import Settings, load_settings
from sentinel.store.db import Database, open_database

REPLAY = Path(__file__).resolve().parents[1] / "replay"
_counter = itertools.count()


class Replayed:
    def __init__(self, settings: Settings, database: Database, result: dict) -> None:
        self.settings = settings
        self.database = database
        self.engine = database.engine
        self.result = result  # what ``sentinel replay --json`` prints
        (incident,) = list_incidents(database.engine, state=None)
        assert incident.id is not None
        self.incident_id: int = incident.id


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    return Analyzer(load_settings(REPLAY / "sentinel.yaml"))


def _replay(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, analyzer: Analyzer,
            scenario: str) -> Iterator[Replayed]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('reports')}/r.db"
    else:
        url = request.getfixturevalue("postgres_server").create_database(f"rep{os.getpid()}_{next(_counter)}")
    base = load_settings(REPLAY / "sentinel.yaml")
    settings = base.model_copy(update={
        "database": base.database.model_copy(update={"url": url}),
        "reports": base.reports.model_copy(update={"archive_dir": str(tmp_path_factory.mktemp("archive"))}),
    })
    lines, errors = load_scenario(REPLAY / f"{scenario}.jsonl")
    assert errors == []
    database = open_database(url)
    replayer = Replayer(settings, database, analyzer)
    replayer.run(lines)
    try:
        yield Replayed(settings, database, replayer.result())
    finally:
        database.close()


_BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=_BACKENDS)
def answered(request, tmp_path_factory, analyzer) -> Iterator[Replayed]:
    """grade2_answered_3h: authoritative info at E+3h (2h to spare), press conference at E+19h30m."""
    yield from _replay(request, tmp_path_factory, analyzer, "grade2_answered_3h")


@pytest.fixture(scope="module", params=_BACKENDS)
def unanswered(request, tmp_path_factory, analyzer) -> Iterator[Replayed]:
    """grade2_no_response: both clocks breached exactly at 5h and 24h, nobody answers."""
    yield from _replay(request, tmp_path_factory, analyzer, "grade2_no_response")
