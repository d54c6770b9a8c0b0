"""An incident's series, built from a replayed scenario whose items and responses are known."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from sentinel.analyse.pipeline import Analyzer
from sentinel.errors import NotFoundError
from sentinel.incidents.series import as_json, choose_bucket, incident_series
from sentinel.incidents.service import list_incidents
from sentinel.replay import Replayer, load_scenario
from sentinel.settings import load_settings
from sentinel.store.db import open_database

REPLAY = Path(__file__).resolve().parents[1] / "replay"


def local(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00")


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    settings = load_settings(REPLAY / "sentinel.yaml")
    url = f"sqlite:///{tmp_path_factory.mktemp('series')}/s.db"
    settings = settings.model_copy(update={"database": settings.database.model_copy(update={"url": url})})
    lines, errors = load_scenario(REPLAY / "grade2_answered_3h.jsonl")
    assert errors == []
    database = open_database(url)
    Replayer(settings, database, Analyzer(settings)).run(lines)
    yield database
    database.close()


def test_counts_items_by_publication_and_marks_the_responses_and_deadlines(replayed) -> None:
    (incident,) = list_incidents(replayed.engine, state=None)
    series = incident_series(replayed.engine, incident.id, bucket=timedelta(minutes=30))
    assert series.start == local("2026-08-27T12:30")  # emergence: the first post
    # the three items were published at 12:30, 12:40 and 13:30
    by_start = {p.start: p for p in series.points}
    assert by_start[local("2026-08-27T12:30")].items == 2
    assert by_start[local("2026-08-27T13:00")].items == 0
    assert by_start[local("2026-08-27T13:30")].items == 1
    assert sum(p.items for p in series.points) == 3
    assert all(p.sentiment is None for p in series.points if p.items == 0)
    assert all(0 <= p.negative <= p.items for p in series.points)
    # heat is sampled as items join, so it is known from the first bucket on and never drops to None
    heats = [p.heat for p in series.points]
    assert heats[0] is not None and None not in heats
    kinds = [(m.kind, m.label) for m in series.markers]
    assert ("response", "authoritative_info") in kinds and ("response", "press_conference") in kinds
    release = next(m for m in series.markers if m.label == "authoritative_info" and m.kind == "response")
    assert release.at == local("2026-08-27T15:30")
    deadline = next(m for m in series.markers if m.label == "authoritative_info" and m.kind == "deadline")
    assert (deadline.at, deadline.state) == (local("2026-08-27T17:30"), "met")
    assert series.end > local("2026-08-28T08:00")  # it reaches the press conference


def test_chooses_a_bucket_that_keeps_the_chart_readable(replayed) -> None:
    (incident,) = list_incidents(replayed.engine, state=None)
    series = incident_series(replayed.engine, incident.id)
    assert len(series.points) <= 48
    assert choose_bucket(timedelta(hours=2)) == timedelta(minutes=5)
    assert choose_bucket(timedelta(hours=30)) == timedelta(hours=1)
    data = as_json(series)
    assert data["bucket_seconds"] == int(series.bucket.total_seconds())
    assert sum(p["items"] for p in data["points"]) == 3


def test_an_unknown_incident_is_an_error(replayed) -> None:
    with pytest.raises(NotFoundError):
        incident_series(replayed.engine, 999)
