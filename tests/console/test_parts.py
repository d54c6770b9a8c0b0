"""The console's parts on their own: the board's order and query (SQLite and PostgreSQL), the
charts' geometry, the masked configuration, the session cookie and the links it will write."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlmodel import Session as SqlSession
from starlette.responses import Response

from sentinel.clock import FakeClock
from sentinel.incidents.series import IncidentSeries, Marker, Point
from sentinel.masking import mask_url
from sentinel.replay import Replayer, load_scenario
from sentinel.settings import Role, Settings
from sentinel.store.db import open_database
from sentinel.store.models import Incident
from sentinel.store.sessions import ConsoleSession
from sentinel.web.auth import Principal
from sentinel.web.console.board import BoardRow, Deadline, board, urgency
from sentinel.web.console.charts import LEFT, PLOT_W, charts
from sentinel.web.console.config_view import masked_config
from sentinel.web.console.core import local_redirect, safe_href
from sentinel.web.console.session import COOKIE, Session, Sessions
from tests.console.conftest import HERE, console_settings

T0 = datetime(2026, 3, 10, 0, 0, tzinfo=UTC)


def incident(id_: int, grade: str | None, heat: float = 1.0) -> Incident:
    return Incident(id=id_, title=f"#{id_}", grade=grade, heat=heat, emerged_at=T0, detected_at=T0, last_item_at=T0,
                    updated_at=T0)


def deadline(hours: float, *, breached: bool = False) -> Deadline:
    return Deadline(1, "authoritative_info", 1, T0 + timedelta(hours=hours), breached)


def test_the_board_orders_by_grade_then_breach_then_the_nearest_deadline_then_heat() -> None:
    rows = [
        BoardRow(incident(1, "III", heat=90), []),
        BoardRow(incident(2, "II"), [deadline(4)]),
        BoardRow(incident(3, "II"), [deadline(1)]),
        BoardRow(incident(4, "II"), [deadline(-1, breached=True), deadline(20)]),
        BoardRow(incident(5, None, heat=500), []),
        BoardRow(incident(6, "I"), [deadline(3)]),
        BoardRow(incident(7, "III", heat=10), []),
    ]
    assert [row.incident.id for row in sorted(rows, key=urgency)] == [6, 4, 3, 2, 1, 7, 5]


@pytest.mark.slow
def test_the_board_query_on_each_database(database_url) -> None:
    settings = console_settings(database_url)
    lines, _ = load_scenario(HERE / "scenario.jsonl")
    database = open_database(database_url)
    try:
        replayer = Replayer(settings, database)
        replayer.run(lines, until=timedelta(hours=2))  # 13:30 local: the 5h deadline (12:40) is breached
        (row,) = board(database.engine)
    finally:
        database.close()
    assert row.incident.grade == "II" and row.breached
    assert [(d.kind, d.breached) for d in row.deadlines] == [("authoritative_info", True), ("press_conference", False)]
    assert row.next_due == datetime(2026, 3, 10, 23, 40, tzinfo=UTC)  # 24h after the first post at 07:40 local


def test_charts_place_bars_marks_and_lines_on_one_time_axis() -> None:
    hour = timedelta(hours=1)
    points = [Point(T0, 2, 1, 0.3, 5.0), Point(T0 + hour, 0, 0, None, 5.0), Point(T0 + 2 * hour, 4, 0, 0.7, 9.0),
              Point(T0 + 3 * hour, 0, 0, None, None)]
    series = IncidentSeries(1, hour, points, [
        Marker(T0, "emergence", "emergence"), Marker(T0 + 2 * hour, "response", "authoritative_info"),
        Marker(T0 + 5 * hour, "deadline", "authoritative_info", "open"),  # beyond the chart: left out
    ])
    volume, sentiment, heat = charts(series, ZoneInfo("Asia/Shanghai"), now=T0 + 3 * hour)
    assert volume.y_max == "4"
    totals = [bar for bar in volume.bars if bar.css == "all"]
    assert [bar.title for bar in totals] == ["03-10 08:00 2 条，负面 1 条", "03-10 10:00 4 条，负面 0 条"]
    assert totals[1].h == 2 * totals[0].h and totals[1].x == LEFT + PLOT_W / 2 + 1
    assert [(m.css, m.short) for m in volume.marks] == [("emergence", "首发"), ("response", "回应"), ("now", "现在")]
    assert volume.marks[0].x == LEFT and volume.marks[2].x == LEFT + PLOT_W * 3 / 4
    assert len(sentiment.dots) == 2 and sentiment.dots[0][1] > sentiment.dots[1][1]  # 0.3 is drawn lower than 0.7
    assert heat.y_max == "9" and len(heat.dots) == 3


def test_the_configuration_view_masks_secrets(monkeypatch) -> None:
    monkeypatch.setenv("DING_SECRET", "SEC-very-secret")
    settings = Settings.model_validate({
        "database": {"url": "postgresql+psycopg://sentinel:pg-password@db.internal/sentinel"},
        "http": {"tokens": [{"name": "张伟", "role": "duty", "token_env": "T_UNSET_FOR_TEST"}]},
        "channels": [{"id": "ding", "kind": "dingtalk", "secret_env": "DING_SECRET",
                      "url": "https://oapi.dingtalk.com/robot/send?access_token=robot-token-123"}],
    })
    shown = masked_config(settings)
    for secret in ("pg-password", "robot-token-123", "SEC-very-secret"):
        assert secret not in shown
    assert "postgresql+psycopg://sentinel:***@db.internal/sentinel" in shown
    assert "$DING_SECRET（已设置）" in shown and "$T_UNSET_FOR_TEST（未设置）" in shown
    assert mask_url("sqlite:///var/sentinel.db") == "sqlite:///var/sentinel.db"


def test_a_session_ends_when_its_token_is_removed_or_changed_and_is_bound_to_its_key(tmp_path) -> None:
    duty = Principal("张伟", Role.DUTY)
    database = open_database(f"sqlite:///{tmp_path / 'sessions.db'}")
    clock = FakeClock(datetime(2026, 5, 20, tzinfo=UTC))

    def sessions(key: str, tokens: list[tuple[str, Principal]]) -> Sessions:
        return Sessions(key, tokens, database, clock)

    class Request:
        cookies: dict[str, str] = {}

    async def scenario() -> None:
        before = sessions("key-1", [("tok-1-" + "x" * 20, duty)])
        assert before.person(" tok-1-" + "x" * 20 + " ") is duty and before.person("tok-2") is None
        opened = await before.log_in("tok-1-" + "x" * 20, duty, "127.0.0.1")
        before.write(response := Response(), opened)
        Request.cookies = {COOKIE: response.headers["set-cookie"].split(";")[0].split("=", 1)[1]}
        assert (await before.read(Request())).who == duty  # type: ignore[arg-type]
        # another signing key: the cookie is not even read
        assert (await sessions("key-2", [("tok-1-" + "x" * 20, duty)]).read(Request())).stored is False  # type: ignore[arg-type]
        # the same name with a new secret: the session is over, and stays over when the old one returns
        assert (await sessions("key-1", [("tok-9-" + "y" * 20, duty)]).read(Request())).who is None  # type: ignore[arg-type]
        assert (await before.read(Request())).who is None  # type: ignore[arg-type]

    try:
        asyncio.run(scenario())
        with SqlSession(database.engine) as session:
            row = session.scalars(select(ConsoleSession)).one()
        assert row.ended_reason == "token_changed" and row.token_name == "张伟" and row.client == "127.0.0.1"
    finally:
        database.close()
    assert not Sessions.csrf_ok(Session("s", "c"), "c")  # a CSRF token only counts from a stored session
    assert Sessions.csrf_ok(Session("s", "c", stored=True), "c")


@pytest.mark.parametrize(("url", "href"), [
    ("https://news.example/a?b=1", "https://news.example/a?b=1"), ("HTTP://x.example/", "HTTP://x.example/"),
    ("javascript:alert(1)", None), ("data:text/html,<script>", None), ("//evil.example", None), (None, None),
    ("https://x.example/a b", None),
])
def test_only_plain_web_addresses_become_links(url, href) -> None:
    assert safe_href(url) == href


@pytest.mark.parametrize(("target", "goes"), [("/incidents/1", "/incidents/1"), ("//evil.example", "/"),
                                              ("https://evil.example", "/"), ("/\\evil.example", "/"), (None, "/")])
def test_after_login_only_paths_on_this_site(target, goes) -> None:
    assert local_redirect(target) == goes
