"""The console's pages and forms through FastAPI's TestClient, on a store filled by the real pipeline:
login, roles, CSRF, escaping, and the actions reaching the timeline with the person behind the token."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from sentinel.liveness import Liveness, Part
from sentinel.store.models import TimelineEvent
from sentinel.web.console.session import COOKIE
from tests.console.conftest import PEOPLE


def events(console, kind: str) -> list[TimelineEvent]:
    with Session(console.database.engine) as session:
        return list(session.scalars(select(TimelineEvent).where(col(TimelineEvent.kind) == kind)).all())


# ------------------------------------------------------------------------------------------ login

def test_a_visitor_without_a_session_is_sent_to_the_login_form_and_back(console) -> None:
    response = console.client.get("/incidents/1?x=1", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fincidents%2F1%3Fx%3D1"
    csrf = console.csrf("/login?next=%2Fincidents%2F1")
    logged = console.client.post("/login", data={"csrf": csrf, "token": PEOPLE["duty"][1], "next": "/incidents/1"},
                                 follow_redirects=False)
    assert logged.status_code == 303 and logged.headers["location"] == "/incidents/1"
    cookie = logged.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert PEOPLE["duty"][1] not in cookie  # the cookie holds a random session id, never the token
    page = console.client.get("/incidents/1")
    assert page.status_code == 200 and "张伟（值班员）" in page.text


def test_a_wrong_token_an_ingest_token_and_a_foreign_next_are_refused(console) -> None:
    wrong = console.client.post("/login", data={"csrf": console.csrf(), "token": "guess", "next": "/"})
    assert wrong.status_code == 401 and "令牌无效" in wrong.text
    ingest = console.client.post("/login", data={"csrf": console.csrf(), "token": PEOPLE["ingest"][1], "next": "/"})
    assert ingest.status_code == 401 and "数据接入令牌不能登录控制台" in ingest.text
    assert console.client.get("/", follow_redirects=False).status_code == 303  # still not logged in
    away = console.client.post("/login", data={"csrf": console.csrf(), "token": PEOPLE["leader"][1],
                                               "next": "//evil.example/x"}, follow_redirects=False)
    assert away.headers["location"] == "/"


def test_logout_ends_the_session(console) -> None:
    console.login("leader")
    assert console.client.get("/", follow_redirects=False).status_code == 200
    out = console.client.post("/logout", data={"csrf": console.csrf("/")}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert console.client.get("/", follow_redirects=False).status_code == 303


def test_a_tampered_cookie_is_no_session(console) -> None:
    console.login("duty")
    value = console.client.cookies[COOKIE]
    console.client.cookies.set(COOKIE, value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
    assert console.client.get("/", follow_redirects=False).status_code == 303


# ------------------------------------------------------------------------------------------ roles

def test_readonly_reads_but_may_not_act_or_note(console) -> None:
    console.login("readonly")
    board = console.client.get("/")
    assert board.status_code == 200 and "/incidents/1" in board.text
    page = console.client.get("/incidents/1")
    assert page.status_code == 200 and 'id="ack"' not in page.text and "添加批注" not in page.text
    csrf = console.csrf("/incidents/1")
    assert console.client.post("/incidents/1/ack", data={"csrf": csrf}).status_code == 403
    assert console.client.post("/incidents/1/note", data={"csrf": csrf, "text": "x"}).status_code == 403
    assert console.client.get("/config").status_code == 403
    assert events(console, "acknowledged") == [] and events(console, "note") == []


def test_a_leader_adds_notes_but_does_not_acknowledge(console) -> None:
    console.login("leader")
    page = console.client.get("/incidents/1")
    assert 'id="ack"' not in page.text and "添加批注" in page.text
    csrf = console.csrf("/incidents/1")
    assert console.client.post("/incidents/1/ack", data={"csrf": csrf}).status_code == 403
    noted = console.client.post("/incidents/1/note", data={"csrf": csrf, "text": "请应急局<b>立即</b>核实"},
                                follow_redirects=False)
    assert noted.status_code == 303
    (note,) = events(console, "note")
    assert (note.actor, note.reason) == ("钱局长", "请应急局<b>立即</b>核实")
    timeline = console.client.get(noted.headers["location"]).text
    assert "批注已添加" in timeline and "请应急局&lt;b&gt;立即&lt;/b&gt;核实" in timeline


def test_duty_acknowledges_and_the_timeline_names_them(console) -> None:
    console.login("duty")
    acked = console.client.post("/incidents/1/ack", data={"csrf": console.csrf("/incidents/1")}, follow_redirects=False)
    assert acked.status_code == 303 and acked.headers["location"] == "/incidents/1?done=ack#timeline"
    (event,) = events(console, "acknowledged")
    assert event.actor == "张伟"
    assert "已签收（张伟）" in console.client.get("/").text


def test_only_an_admin_sees_the_configuration_and_its_secrets_are_masked(console, monkeypatch) -> None:
    monkeypatch.setenv("T_CONSOLE_ADMIN", PEOPLE["admin"][1])
    console.login("duty")
    assert console.client.get("/config").status_code == 403
    console.login("admin")
    page = console.client.get("/config")
    assert page.status_code == 200 and "$T_CONSOLE_DUTY（已设置）" in page.text
    for _, token in PEOPLE.values():
        assert token not in page.text


# ------------------------------------------------------------------------------------------- CSRF

def test_a_post_without_the_sessions_csrf_token_is_refused_and_changes_nothing(console) -> None:
    console.login("duty")
    assert console.client.post("/incidents/1/ack", data={}).status_code == 403
    refused = console.client.post("/incidents/1/ack", data={"csrf": "not-the-token"})
    assert refused.status_code == 403 and "CSRF" in refused.text
    other = console.client.__class__(console.client.app, base_url="http://127.0.0.1")
    foreign = re.search(r'name="csrf" value="([^"]+)"', other.get("/login").text)
    assert foreign is not None
    assert console.client.post("/incidents/1/ack", data={"csrf": foreign.group(1)}).status_code == 403
    assert console.client.post("/login", data={"token": PEOPLE["duty"][1]}).status_code == 403
    assert events(console, "acknowledged") == []


# ------------------------------------------------------------------------------------------ audit

def test_console_actions_refusals_csrf_failures_and_failed_logins_are_audited_with_the_address(
        console, caplog) -> None:
    caplog.set_level("INFO", logger="sentinel.audit")
    assert console.client.post("/login", data={"csrf": console.csrf(), "token": "guess"}).status_code == 401
    assert console.client.post("/login", data={"csrf": console.csrf(), "token": PEOPLE["ingest"][1]}).status_code == 401
    console.login("readonly")
    assert console.client.get("/config").status_code == 403
    console.login("duty")
    assert console.client.post("/incidents/1/ack", data={"csrf": "not-the-token"}).status_code == 403
    csrf = console.csrf("/incidents/1")
    assert console.client.post("/incidents/1/dismiss", data={"csrf": csrf, "reason": "误报"},
                               follow_redirects=False).status_code == 303
    assert console.client.post("/incidents/1/ack", data={"csrf": csrf}).status_code == 409
    logged = [r.getMessage() for r in caplog.records if r.name == "sentinel.audit"]
    assert logged == [
        "POST /login -> 401 by - (no valid token) from testclient: failed login: unknown token",
        "POST /login -> 401 by crawler (ingest) from testclient: failed login: an ingest token may not log in to "
        "the console",
        "POST /login -> 303 by 大屏 (readonly) from testclient",
        "GET /config -> 403 by 大屏 (readonly) from testclient",
        "POST /login -> 303 by 张伟 (duty) from testclient",
        "POST /incidents/1/ack -> 403 by 张伟 (duty) from testclient: CSRF check failed",
        "POST /incidents/1/dismiss -> 303 by 张伟 (duty) from testclient",
        "POST /incidents/1/ack -> 409 by 张伟 (duty) from testclient",
    ]
    for _, token in PEOPLE.values():
        assert token not in caplog.text


# --------------------------------------------------------------------------------- errors, escaping

def test_feed_content_is_escaped(console) -> None:
    console.login("duty")
    page = console.client.get("/incidents/1").text
    assert '&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;' in page
    assert '<script>alert(' not in page
    headers = console.client.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]


def test_a_refused_action_names_the_field_and_keeps_what_was_typed(console) -> None:
    console.login("duty")
    early = (console.clock.now() - timedelta(days=2)).astimezone(console.settings.zone).strftime("%Y-%m-%dT%H:%M")
    response = console.client.post("/incidents/1/respond", data={
        "csrf": console.csrf("/incidents/1"), "kind": "authoritative_info", "at": early,
        "url": "https://gov.example/notice/1.html", "channel": "市政府网站"})
    assert response.status_code == 422
    assert "<b>at</b>：" in response.text and "早于事件首次出现" in response.text
    assert 'value="https://gov.example/notice/1.html"' in response.text and 'value="市政府网站"' in response.text
    assert events(console, "response_recorded") == []
    bad_time = console.client.post("/incidents/1/respond", data={
        "csrf": console.csrf("/incidents/1"), "kind": "authoritative_info", "at": "yesterday"})
    assert bad_time.status_code == 422 and "时间格式应为" in bad_time.text
    assert console.client.get("/incidents/999").status_code == 404


def test_an_action_the_incidents_state_forbids_is_a_conflict_shown_on_the_page(console) -> None:
    console.login("duty")
    dismissed = console.client.post("/incidents/1/dismiss", data={"csrf": console.csrf("/incidents/1"),
                                                                    "reason": "误报"}, follow_redirects=False)
    assert dismissed.status_code == 303
    (event,) = events(console, "dismissed")
    assert (event.actor, event.reason) == ("张伟", "误报")
    again = console.client.post("/incidents/1/ack", data={"csrf": console.csrf("/incidents/1")})
    assert again.status_code == 409 and "已撤销，不能签收" in again.text
    assert "/incidents/1" not in console.client.get("/").text  # off the board


def test_a_response_recorded_in_the_page_meets_the_deadline(console) -> None:
    console.login("duty")
    at = console.clock.now().astimezone(console.settings.zone).strftime("%Y-%m-%dT%H:%M")
    response = console.client.post("/incidents/1/respond", data={
        "csrf": console.csrf("/incidents/1"), "kind": "authoritative_info", "at": at,
        "url": "https://gov.example/notice/1.html", "channel": "市政府网站", "reviewer": "王主任", "publisher": "李娜"},
        follow_redirects=False)
    assert response.status_code == 303
    (event,) = events(console, "response_recorded")
    assert event.actor == "张伟" and event.data["channel"] == "市政府网站"
    page = console.client.get("/incidents/1").text
    assert "按时完成" in page and "王主任 / 李娜" in page


def test_a_disclosure_request_entered_in_the_page_gets_its_working_day_deadline(console) -> None:
    console.login("duty")
    created = console.client.post("/requests", data={
        "csrf": console.csrf("/requests"), "subject": "申请公开火灾调查报告", "received_at": "2026-03-10T10:00",
        "requester": "李某"}, follow_redirects=False)
    assert created.status_code == 303
    listed = console.client.get("/requests").text
    assert "申请公开火灾调查报告" in listed and "李某" in listed
    # 20 working days after Tuesday 2026-03-10, counted from the next day; 清明 2026 is off on Monday
    # 04-06: the 18th is Friday 04-03, the 19th Tuesday 04-07, the 20th Wednesday 04-08
    assert "2026-04-08" in listed and "剩余29天" in listed
    refused = console.client.post("/requests", data={"csrf": console.csrf("/requests"), "subject": ""})
    assert refused.status_code == 422 and "content" in refused.text


def test_the_sources_page_shows_each_sources_health(console) -> None:
    console.login("readonly")
    page = console.client.get("/sources").text
    for source in ("wb-hot", "news-city", "gov-city"):
        assert source in page
    assert "自媒体" in page and "官方" in page


def test_a_requests_page_shows_its_clock_and_moves_it(console) -> None:
    console.login("duty")
    created = console.client.post("/requests", data={
        "csrf": console.csrf("/requests"), "content": "申请公开某企业整改报告", "applicant_type": "commercial",
        "channel": "in_person", "submitted_on": "2026-03-10", "applicant": "某公司"}, follow_redirects=False)
    assert created.status_code == 303, created.text[created.text.find('class="error"'):][:300]
    path = created.headers["location"].split("?")[0]
    page = console.client.get(path).text
    assert "某公司（商业企业）" in page and "2026-04-08" in page and "征求意见" in page
    consulted = console.client.post(f"{path}/consult", data={
        "csrf": console.csrf(path), "party": "third_party", "on": "2026-03-10"}, follow_redirects=False)
    assert consulted.status_code == 303
    page = console.client.get(path).text
    assert "征求第三方意见" in page and "2026-04-29" in page  # awaited: its 15 working days not counted
    refused = console.client.post(f"{path}/extend", data={"csrf": console.csrf(path), "approver": ""})
    assert refused.status_code == 422 and "approver" in refused.text
    listed = console.client.get("/requests?applicant_type=commercial").text
    assert "申请公开某企业整改报告" in listed
    assert "申请公开某企业整改报告" not in console.client.get("/requests?applicant_type=research").text


def test_the_board_shows_what_healthz_answers_503_for(console) -> None:
    liveness = console.database.liveness = Liveness(console.clock, engine_tick=timedelta(seconds=5))
    liveness.done(Part.ENGINE)
    console.login("duty")
    assert console.client.get("/healthz").status_code == 200
    assert 'id="health-problem"' not in console.client.get("/").text
    console.clock.advance(timedelta(minutes=2))
    liveness.write_failed("attempt to write a readonly database")
    health = console.client.get("/healthz")
    assert health.status_code == 503 and len(health.json()["reasons"]) == 2
    board = console.client.get("/").text
    assert 'id="health-problem"' in board
    assert "the store cannot write: attempt to write a readonly database" in board
    assert "the escalation engine has not ticked for 120 s" in board


# ------------------------------------------------------------------------------ channels down

def test_the_board_warns_of_a_channel_failing_longer_than_channel_down_after(console) -> None:
    from sentinel.store.models import ChannelHealth

    channel = console.settings.effective_channels[0].id
    now = console.clock.now()
    with Session(console.database.engine) as session:
        session.add(ChannelHealth(channel=channel, failing_since=now - timedelta(minutes=14),
                                  last_failure_at=now, last_reason="server_error"))
        session.commit()
    console.login("duty")
    assert "通知通道故障" not in console.client.get("/").text  # 14 minutes: not yet
    console.clock.advance(timedelta(minutes=2))
    page = console.client.get("/").text
    assert "通知通道故障" in page and channel in page and "server_error" in page


def test_the_board_shows_a_delivery_backlog_once_an_alert_waits_five_minutes(console) -> None:
    from sentinel.store.models import OutboxMessage

    now = console.clock.now()
    with Session(console.database.engine) as session:
        session.add(OutboxMessage(key="incident:1:new:hook", action_key="incident:1:new", kind="announced",
                                  channel=console.settings.effective_channels[0].id, created_at=now,
                                  not_before=now, message={"title": "t", "body": "b"}))
        session.commit()
    console.login("duty")
    console.clock.advance(timedelta(minutes=4))
    assert 'id="backlog"' not in console.client.get("/").text  # four minutes: a retry, not yet a backlog
    console.clock.advance(timedelta(minutes=3))
    page = console.client.get("/").text
    assert 'id="backlog"' in page and "1条通知待发，最久的已等待7分钟" in page


def test_the_search_page_finds_items_and_marks_the_words_they_matched(console) -> None:
    console.login("readonly")
    page = console.client.get("/items", params={"q": "火灾 死亡 -演习"}).text
    assert "汕头潮阳一家庭作坊发生火灾 13人死亡3人重伤" in page
    assert "<mark>火灾</mark>" in page and "火灾、死亡" in page
    page = console.client.get("/items", params={"q": "火灾"}).text
    assert page.count("<mark>火灾</mark>") >= 2 and "alert(" not in page  # the first post too, its markup never run
    refused = console.client.get("/items", params={"q": "-火灾"})
    assert refused.status_code == 200 and "无法检索" in refused.text
    assert "没有找到" in console.client.get("/items", params={"q": "地震"}).text
