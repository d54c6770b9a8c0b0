"""Who may call what, tested route by route and role by role: 401 without a valid token, 403 for a
role that may not, and a refused request changes nothing in the store."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from sentinel.store.models import TimelineEvent
from tests.support.api import EMERGED, PEOPLE, ROLES, Api, bearer, running_api, seed

READERS = {"duty", "leader", "admin", "readonly"}
ACTORS = {"duty", "admin"}

# The table, written out independently of sentinel.web.auth: (method, route) -> roles let through,
# and how to call the route (a path and a body valid for the seeded store).
Call = Callable[[Api], tuple[str, dict[str, Any] | None]]
TABLE: dict[tuple[str, str], tuple[set[str], Call]] = {
    ("GET", "/api/incidents"): (READERS, lambda a: ("/api/incidents", None)),
    ("GET", "/api/incidents/{incident_id}"): (READERS, lambda a: (f"/api/incidents/{a.incident}", None)),
    ("POST", "/api/incidents/{incident_id}/ack"): (ACTORS, lambda a: (f"/api/incidents/{a.incident}/ack", None)),
    ("POST", "/api/incidents/{incident_id}/respond"): (ACTORS, lambda a: (
        f"/api/incidents/{a.incident}/respond",
        {"kind": "authoritative_info", "at": (EMERGED + timedelta(hours=1)).isoformat(), "url": "https://x.gov.cn/1"})),
    ("POST", "/api/incidents/{incident_id}/grade"): (ACTORS, lambda a: (
        f"/api/incidents/{a.incident}/grade", {"grade": "I", "reason": "死亡人数上升至31人"})),
    ("POST", "/api/incidents/{incident_id}/dismiss"): (ACTORS, lambda a: (
        f"/api/incidents/{a.incident}/dismiss", {"reason": "误报"})),
    ("POST", "/api/incidents/{incident_id}/close"): (ACTORS, lambda a: (
        f"/api/incidents/{a.incident}/close", {"reason": "处置完毕"})),
    ("POST", "/api/incidents/{incident_id}/mark"): (ACTORS, lambda a: (
        f"/api/incidents/{a.incident}/mark", {"reason": "群众关切，需回应"})),
    ("POST", "/api/incidents/{incident_id}/assign"): (ACTORS, lambda a: (
        f"/api/incidents/{a.incident}/assign", {"department": "中原区应急管理局"})),
    ("POST", "/api/incidents/{incident_id}/adopt"): (ACTORS, lambda a: (
        f"/api/incidents/{a.outside}/adopt", {"reason": "我市援外工程人员受伤"})),
    ("POST", "/api/incidents/{incident_id}/verify"): (ACTORS, lambda a: (
        f"/api/incidents/{a.pending}/verify", {"reason": "电话核实属实"})),
    ("POST", "/api/incidents/{incident_id}/notes"): (ACTORS | {"leader"}, lambda a: (
        f"/api/incidents/{a.incident}/notes", {"text": "已电话联系区应急局"})),
    ("GET", "/api/evidence"): (READERS, lambda a: ("/api/evidence", None)),
    ("POST", "/api/evidence/{evidence_id}/confirm"): (ACTORS, lambda a: (f"/api/evidence/{a.evidence}/confirm", {})),
    ("POST", "/api/evidence/{evidence_id}/reject"): (ACTORS, lambda a: (
        f"/api/evidence/{a.other_evidence}/reject", {"reason": "非本事件通报"})),
    ("GET", "/api/requests"): (READERS, lambda a: ("/api/requests", None)),
    ("POST", "/api/requests"): (ACTORS, lambda a: (
        "/api/requests", {"content": "申请公开事故调查报告", "submitted_on": EMERGED.date().isoformat()})),
    ("GET", "/api/requests/{request_id}"): (READERS, lambda a: (f"/api/requests/{a.request}", None)),
    ("POST", "/api/requests/{request_id}/extend"): (ACTORS, lambda a: (
        f"/api/requests/{a.request}/extend", {"approver": "政务公开办主任", "reason": "经办公室负责人同意延期"})),
    ("POST", "/api/requests/{request_id}/confirm"): (ACTORS, lambda a: (f"/api/requests/{a.unconfirmed}/confirm", {})),
    ("POST", "/api/requests/{request_id}/correction"): (ACTORS, lambda a: (
        f"/api/requests/{a.request}/correction", {"until": "2099-01-01"})),
    ("POST", "/api/requests/{request_id}/corrected"): (ACTORS, lambda a: (f"/api/requests/{a.correcting}/corrected", {})),
    ("POST", "/api/requests/{request_id}/consult"): (ACTORS, lambda a: (
        f"/api/requests/{a.consulting}/consult", {"party": "agency"})),
    ("POST", "/api/requests/{request_id}/consulted"): (ACTORS, lambda a: (f"/api/requests/{a.consulting}/consulted", {})),
    ("POST", "/api/requests/{request_id}/delay"): (ACTORS, lambda a: (
        f"/api/requests/{a.consulting}/delay", {"until": "2099-01-01", "reason": "申请数量明显超出合理范围"})),
    ("POST", "/api/requests/{request_id}/reply"): (ACTORS, lambda a: (
        f"/api/requests/{a.request}/reply", {"outcome": "granted"})),
    ("POST", "/api/appeals"): (ACTORS, lambda a: ("/api/appeals", {"kind": "review", "filed_on": "2026-05-19", "request": a.request})),
    ("GET", "/api/reports/annual/{year}"): (READERS, lambda a: ("/api/reports/annual/2026", None)),
    ("GET", "/api/items"): (READERS, lambda a: ("/api/items?q=爆炸", None)),
    ("POST", "/api/items"): ({"ingest", "admin"}, lambda a: ("/api/items", {"source": "crawler", "items": [
        {"id": "p1", "text": "中原区燃气爆炸", "published_at": EMERGED.isoformat()}]})),
    ("GET", "/api/sources"): (READERS, lambda a: ("/api/sources", None)),
    ("GET", "/api/config"): ({"admin"}, lambda a: ("/api/config", None)),
}


def send(api: Api, method: str, path: str, body: dict[str, Any] | None, headers: dict[str, str]) -> Any:
    return api.client.request(method, path, json=body, headers=headers)


def test_every_api_route_is_in_the_table(sqlite_url, monkeypatch) -> None:
    with running_api(sqlite_url, monkeypatch) as api:
        paths = api.client.get("/openapi.json").json()["paths"]
    routes = {(method.upper(), path) for path, ops in paths.items() if path.startswith("/api/") for method in ops}
    assert routes == set(TABLE)


@pytest.mark.parametrize("route", list(TABLE), ids=[f"{m} {p}" for m, p in TABLE])
def test_each_role_is_let_through_or_refused_as_the_table_says(route, database_url, monkeypatch) -> None:
    allowed, call = TABLE[route]
    method = route[0]
    with running_api(database_url, monkeypatch) as api:
        seed(api)
        path, body = call(api)
        before = api.snapshot()
        refusals = {}
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {PEOPLE['admin'][1]}"},
                        {"Authorization": "Bearer "}, {"Authorization": "Bearer"}):
            refusals[str(headers)] = send(api, method, path, body, headers).status_code
        for role in ROLES:
            if role not in allowed:
                answer = send(api, method, path, body, bearer(role))
                refusals[role] = answer.status_code
                assert answer.json()["detail"].startswith(f"role {role} may not")
        assert api.snapshot() == before, "a refused request changed the store"
        assert refusals == {key: (403 if key in ROLES else 401) for key in refusals}
        first, *others = sorted(allowed)
        answer = send(api, method, path, body, bearer(first))
        assert answer.status_code in (200, 201), (first, answer.text)
        for role in others:
            answer = send(api, method, path, body, bearer(role))
            # let through; the first one's action may have changed the state (409), never a refusal
            assert answer.status_code in (200, 201, 409), (role, answer.text)


def test_an_unset_token_variable_lets_nobody_in(sqlite_url, monkeypatch) -> None:
    # http.tokens names T_UNSET for an admin "nobody"; with the variable unset, an empty bearer
    # value or the literal variable name must not match it
    with running_api(sqlite_url, monkeypatch) as api:
        for token in ("T_UNSET", "None", "null"):
            assert api.client.get("/api/config", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_the_eleventh_wrong_bearer_token_in_a_minute_is_429_for_that_client(sqlite_url, monkeypatch, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="sentinel.web.throttle")
    with running_api(sqlite_url, monkeypatch) as api:
        for _ in range(10):
            assert api.client.get("/api/incidents", headers={"Authorization": "Bearer wrong-guess"}).status_code == 401
        held = api.client.get("/api/incidents", headers=bearer("readonly"))  # even a right token, from there
        assert held.status_code == 429 and 1 <= int(held.headers["Retry-After"]) <= 60
        assert api.metrics.registry.get_sample_value("sentinel_login_failures_total", {"surface": "api"}) == 10
        assert api.metrics.registry.get_sample_value("sentinel_login_failures_total", {"surface": "console"}) == 0
        api.clock.advance(timedelta(seconds=61))
        assert api.client.get("/api/incidents", headers=bearer("readonly")).status_code == 200
    logged = [record.getMessage() for record in caplog.records if record.name == "sentinel.web.throttle"]
    assert logged == ["failed api login from testclient"] * 10  # the address, never the secret tried


# ----------------------------------------------------------------------------------- audit


ACTIONS = [route for route in TABLE if route[0] == "POST" and route[1] != "/api/items"]


@pytest.mark.parametrize("role", ["duty", "admin"])
def test_every_action_is_on_the_timeline_under_the_tokens_name(role, sqlite_url, monkeypatch, caplog) -> None:
    name = PEOPLE[role][0]
    caplog.set_level("INFO", logger="sentinel.audit")
    with running_api(sqlite_url, monkeypatch) as api:
        seed(api)
        for route in ACTIONS:
            if route[1].endswith(("/dismiss", "/close")):
                continue  # ending the incident would refuse the rest; done last below
            path, body = TABLE[route][1](api)
            before = timeline_ids(api)
            answer = api.client.post(path, json=body, headers=bearer(role))
            assert answer.status_code in (200, 201), (route, answer.text)
            new = [e for e in events(api) if e["id"] not in before]
            people = {e["actor"] for e in new} - {"sentinel"}
            assert people == {name}, (route, new)
        path, body = TABLE[("POST", "/api/incidents/{incident_id}/dismiss")][1](api)
        assert api.client.post(path, json=body, headers=bearer(role)).status_code == 200
        assert events(api)[-1]["actor"] == name
    logged = [r.getMessage() for r in caplog.records if r.name == "sentinel.audit"]
    assert len(logged) == len(ACTIONS) - 1 and all(f"by {name} ({role})" in line for line in logged)


def events(api: Api) -> list[dict[str, Any]]:
    """Every timeline entry of every case, oldest first."""
    with Session(api.database.engine) as session:
        rows = session.exec(select(TimelineEvent).order_by(col(TimelineEvent.id))).all()
    return [{"id": r.id, "actor": r.actor, "kind": r.kind, "incident": r.incident_id} for r in rows]


def timeline_ids(api: Api) -> set[int]:
    return {e["id"] for e in events(api)}


def test_refused_requests_are_audited_too(sqlite_url, monkeypatch, caplog) -> None:
    caplog.set_level("INFO", logger="sentinel.audit")
    with running_api(sqlite_url, monkeypatch) as api:
        seed(api)
        api.client.post(f"/api/incidents/{api.incident}/ack", headers=bearer("leader"))
        api.client.post(f"/api/incidents/{api.incident}/ack")
        api.client.get("/api/incidents", headers={"Authorization": "Bearer a-wrong-token"})
        api.client.get("/api/config", headers=bearer("duty"))
        api.client.get("/api/incidents", headers=bearer("duty"))  # a read let through: not audited
    logged = [r.getMessage() for r in caplog.records if r.name == "sentinel.audit"]
    assert logged == [f"POST /api/incidents/{api.incident}/ack -> 403 by 钱局长 (leader) from testclient",
                      f"POST /api/incidents/{api.incident}/ack -> 401 by - (no valid token) from testclient",
                      "GET /api/incidents -> 401 by - (no valid token) from testclient: failed login: unknown token",
                      "GET /api/config -> 403 by 张伟 (duty) from testclient"]
