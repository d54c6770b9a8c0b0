"""The page a one-tap 认领 link opens, end to end: the engine queues an alert over the replayed
store, the link in the stored message is opened and tapped through the daemon's app."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from sentinel.escalation import ack_links
from sentinel.escalation.clocks import Rules
from sentinel.escalation.engine import EscalationEngine
from sentinel.notify.message import AckLink
from sentinel.notify.serialisation import stored_message
from sentinel.settings import Settings
from sentinel.store.db import open_database
from sentinel.store.models import Incident, OutboxMessage, TimelineEvent
from sentinel.web.console.session import COOKIE, LOGIN_COOKIE
from tests.console.conftest import Console, Replayed, console_settings, serve, set_tokens

PUBLIC = "http://127.0.0.1:8470"  # plain http: the test client sends no Secure cookie
SECRET = "kQ2v8Zr_1xLmN4pT7wYb3Hc9sDf6GjUe-ack"


def link_settings(database_url: str) -> Settings:
    """The console's settings with a public address, an ack secret and a DingTalk channel."""
    data = console_settings(database_url).model_dump(mode="json", by_alias=True, exclude_none=True)
    data["http"].update(public_url=PUBLIC, ack_secret_env="T_ACK_SECRET")
    data["channels"] = [*data["channels"], {"id": "dt-duty", "kind": "dingtalk", "url": "http://127.0.0.1:9/robot"}]
    return Settings.model_validate(data)


@pytest.fixture
def linked(replayed: Replayed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Console, AckLink, int]]:
    """The app over the replayed store after the engine queued a reminder with links through DingTalk."""
    set_tokens(monkeypatch)
    monkeypatch.setenv("T_ACK_SECRET", SECRET)
    path = tmp_path / "console.db"
    shutil.copy(replayed.path, path)
    settings = link_settings(f"sqlite:///{path}")
    signer = ack_links.signer(settings)
    assert signer is not None
    database = open_database(settings.database.url)
    now = replayed.now + timedelta(hours=4)  # T-1h of the 5-hour deadline: a reminder
    engine = EscalationEngine(database.engine, Rules.from_settings(settings), ["dt-duty"], owner="test",
                              link_base=PUBLIC, ack_links=signer)
    engine.tick(now)
    with Session(database.engine) as session:
        rows = session.scalars(select(OutboxMessage).where(col(OutboxMessage.channel) == "dt-duty")).all()
    messages = [stored_message(row.message) for row in rows]
    acks = [ack for message in messages for ack in message.acks if ack.person == "张伟"]
    assert acks, [message.kind for message in messages]
    incident_id = int(messages[0].incident_id or 0)
    with serve(settings, database, now) as console:
        yield console, acks[0], incident_id


def _path(ack: AckLink) -> str:
    assert ack.url.startswith(f"{PUBLIC}/a/")
    return ack.url.removeprefix(PUBLIC)


def _acknowledged(console: Console, incident_id: int) -> list[TimelineEvent]:
    with Session(console.database.engine) as session:
        return list(session.scalars(select(TimelineEvent).where(
            col(TimelineEvent.incident_id) == incident_id, col(TimelineEvent.kind) == "acknowledged")).all())


def test_the_link_in_a_queued_alert_acknowledges_the_incident_once(linked) -> None:
    console, ack, incident_id = linked
    page = console.client.get(_path(ack))
    assert page.status_code == 200 and 'method="post"' in page.text and "认领（张伟）" in page.text
    assert "以 <b>张伟</b> 的名义" in page.text and "钉钉" in page.text  # a forwarded link says whose it is
    assert "<script" not in page.text and "set-cookie" not in page.headers
    assert "新闻发布会：截止" in page.text and "剩余" in page.text  # the open deadlines and the time left
    assert _acknowledged(console, incident_id) == []  # a GET (a chat preview) acknowledges nothing

    tapped = console.client.post(_path(ack))
    assert tapped.status_code == 200 and "已认领（张伟" in tapped.text and "登记发布" in tapped.text
    assert "set-cookie" not in tapped.headers
    (entry,) = _acknowledged(console, incident_id)
    assert entry.actor == "张伟" and entry.data["channel"] == "dt-duty" and entry.data["channel_kind"] == "dingtalk"
    with Session(console.database.engine) as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None and incident.acknowledged_by == "张伟"

    again = console.client.post(_path(ack))
    assert again.status_code == 409 and "已使用过" in again.text
    assert len(_acknowledged(console, incident_id)) == 1
    console.login("leader")
    timeline = console.client.get(f"/incidents/{incident_id}").text
    assert re.search(r"张伟</span>\s*<span class=\"detail\">认领 via 钉钉 link", timeline), timeline[-3000:]


def test_a_changed_character_and_an_expired_link_give_a_clear_page_and_change_nothing(linked) -> None:
    console, ack, incident_id = linked
    path = _path(ack)
    changed = path[:-1] + ("A" if path[-1] != "A" else "B")
    for method in (console.client.get, console.client.post):
        refused = method(changed)
        assert refused.status_code == 404 and "链接无效" in refused.text
    console.clock.advance(timedelta(hours=25))
    for method in (console.client.get, console.client.post):
        expired = method(path)
        assert expired.status_code == 410 and "已于" in expired.text and "过期" in expired.text
        assert f'href="/incidents/{incident_id}"' in expired.text  # the way on: the console
    assert _acknowledged(console, incident_id) == []


def test_an_answer_to_a_visitor_never_replaces_a_login(linked) -> None:
    """A cross-site link arrives without the session cookie when it is SameSite=Strict; whatever the
    browser leaves out, the answer must not set the login cookie, or the login is gone."""
    console, ack, _ = linked
    console.login("duty")
    assert COOKIE in console.client.cookies
    for path in ("/incidents/1", "/login?next=%2Fincidents%2F1", _path(ack)):
        bare = console.client.__class__(console.client.app, base_url="http://127.0.0.1")  # no cookies
        answer = bare.get(path)
        names = [header.split("=", 1)[0] for header in answer.headers.get_list("set-cookie")]
        assert COOKIE not in names, (path, names)
        if path.startswith("/login"):
            assert names == [LOGIN_COOKIE] and "samesite=lax" in answer.headers["set-cookie"].lower()
    assert console.client.get("/", follow_redirects=False).status_code == 200  # still logged in
