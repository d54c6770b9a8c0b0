"""Evidence to confirm, in the console: an official item that joined the incident, under the
default ``official_evidence: confirm``, waits for the duty officer; confirming it records the
release and meets the deadline, rejecting it needs a reason, and neither can be done twice."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from sentinel.replay import Replayer, load_scenario
from sentinel.store.db import open_database
from sentinel.store.models import Obligation, Response, TimelineEvent
from tests.console.conftest import Console, console_settings, serve, set_tokens

SCENARIO = Path(__file__).resolve().parents[1] / "replay" / "official_evidence.jsonl"


@pytest.fixture
def evidence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Console]:
    set_tokens(monkeypatch)
    settings = console_settings(f"sqlite:///{tmp_path / 'evidence.db'}")
    settings = settings.model_copy(update={"policy": settings.policy.model_copy(update={"official_evidence": "confirm"})})
    lines, errors = load_scenario(SCENARIO)
    assert errors == []
    database = open_database(settings.database.url)
    replayer = Replayer(settings, database)
    replayer.run(lines, until=timedelta(minutes=10))  # the official item has come; the 5h clock still runs
    assert replayer.clock is not None
    with serve(settings, database, replayer.clock.now()) as console:
        yield console


def candidates(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'action="/evidence/(\d+)/confirm"', page)]


def rows(console: Console, model: type, *where: object) -> list:
    with Session(console.database.engine) as session:
        return list(session.scalars(select(model).where(*where)).all())


def test_the_duty_officer_confirms_an_official_item_and_the_deadline_is_met(evidence: Console) -> None:
    evidence.login("duty")
    page = evidence.client.get("/incidents/1").text
    (candidate,) = candidates(page)
    (waiting,) = rows(evidence, Obligation, col(Obligation.kind) == "authoritative_info")
    assert waiting.state == "open"
    done = evidence.client.post(f"/evidence/{candidate}/confirm",
                                data={"csrf": evidence.csrf("/incidents/1"), "incident": "1"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/incidents/1")
    (confirmed,) = rows(evidence, TimelineEvent, col(TimelineEvent.kind) == "evidence_confirmed")
    assert confirmed.actor == "张伟"
    (release,) = rows(evidence, Response, col(Response.id) == candidate)
    assert release.state == "recorded"
    (met,) = rows(evidence, Obligation, col(Obligation.kind) == "authoritative_info")
    assert met.state == "met" and met.met_at == release.at  # dated when the official item was published
    assert candidates(evidence.client.get("/incidents/1").text) == []
    again = evidence.client.post(f"/evidence/{candidate}/confirm",
                                 data={"csrf": evidence.csrf("/incidents/1"), "incident": "1"})
    assert again.status_code in (409, 422)


def test_a_rejection_needs_a_reason_and_a_leader_may_not_decide(evidence: Console) -> None:
    evidence.login("leader")
    page = evidence.client.get("/incidents/1").text
    assert candidates(page) == []  # a leader sees no forms to decide
    csrf = evidence.csrf("/incidents/1")
    (candidate,) = [r.id for r in rows(evidence, Response, col(Response.state) == "candidate")]
    assert evidence.client.post(f"/evidence/{candidate}/confirm", data={"csrf": csrf, "incident": "1"}).status_code == 403
    evidence.client.post("/logout", data={"csrf": csrf})
    evidence.login("duty")
    csrf = evidence.csrf("/incidents/1")
    blank = evidence.client.post(f"/evidence/{candidate}/reject", data={"csrf": csrf, "incident": "1", "reason": " "})
    assert blank.status_code == 422
    assert [r.state for r in rows(evidence, Response, col(Response.id) == candidate)] == ["candidate"]
    done = evidence.client.post(f"/evidence/{candidate}/reject", data={"csrf": csrf, "incident": "1",
                                                                        "reason": "只是转载，不是权威发布"},
                                follow_redirects=False)
    assert done.status_code == 303
    assert [r.state for r in rows(evidence, Response, col(Response.id) == candidate)] == ["rejected"]
    (waiting,) = rows(evidence, Obligation, col(Obligation.kind) == "authoritative_info")
    assert waiting.state == "open"
