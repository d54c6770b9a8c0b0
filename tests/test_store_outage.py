"""The store away (PostgreSQL stopped): /healthz says why, a push is answered 503 with Retry-After
and one log line a minute instead of a traceback per request, and both work again once it is back.

A server of its own, started and stopped here (the session's shared one serves other tests)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from tests.support.api import NOW, bearer, running_api
from tests.support.postgres import PostgresServer, PostgresUnavailable

pytestmark = pytest.mark.postgres


@pytest.fixture
def own_server():
    try:
        server = PostgresServer().start()
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL not available: {exc}")
    try:
        yield server
    finally:
        server.stop()


def _item(n: int) -> dict[str, str]:
    return {"id": f"outage-{n}", "title": f"郑州一化工厂发生爆炸（{n}）", "text": "事故造成3人死亡。",
            "published_at": (NOW - timedelta(minutes=n)).isoformat()}


def test_postgresql_stopped_answers_503_with_reasons_and_logs_one_line(own_server, monkeypatch, caplog) -> None:
    with running_api(own_server.create_database("outage"), monkeypatch) as api:
        assert api.client.get("/healthz").status_code == 200
        own_server.halt()
        try:
            health = api.client.get("/healthz")
            assert health.status_code == 503
            assert health.json()["reasons"][0].startswith("the database cannot be reached: OperationalError: ")
            caplog.clear()
            with caplog.at_level(logging.INFO):
                answers = [api.client.post("/api/items", json={"source": "crawler", "items": [_item(n)]},
                                           headers=bearer("ingest")) for n in range(5)]
            assert [answer.status_code for answer in answers] == [503] * 5
            assert answers[0].headers["Retry-After"] == "10"
            assert answers[0].json()["detail"].startswith("the store is unavailable: OperationalError: ")
            errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
            assert len(errors) == 1 and errors[0].exc_info is None, [r.getMessage() for r in errors]
        finally:
            own_server.resume()
        assert api.client.get("/healthz").status_code == 200
        answer = api.client.post("/api/items", json={"source": "crawler", "items": [_item(0)]}, headers=bearer("ingest"))
        assert answer.status_code == 200, answer.text
