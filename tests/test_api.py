"""The JSON API of the running daemon: items pushed in become a graded incident whose alert reaches
a webhook on 127.0.0.1; people act on it with their tokens, and the timeline records who."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from sentinel.app import Daemon
from tests.support.server import Route
from tests.test_daemon import run_daemon, settings_for

TOKENS = {"T_INGEST": "ingest-secret", "T_DUTY": "duty-secret", "T_LEADER": "leader-secret", "T_READ": "read-secret"}


def auth(env: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[env]}"}


def test_the_api_end_to_end(http_server, sqlite_url, monkeypatch) -> None:
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    received: list[dict[str, Any]] = []

    def hook(request) -> Route:
        received.append(json.loads(request.body))
        return Route(b'{"ok": true}', headers={"Content-Type": "application/json"})

    http_server.routes["/hook"] = hook
    settings = settings_for(
        sqlite_url, [{"id": "crawler", "kind": "push", "authority": "provincial"}],
        http={"listen": "127.0.0.1:0", "tokens": [
            {"name": "crawler", "role": "ingest", "token_env": "T_INGEST", "sources": ["crawler"]},
            {"name": "张伟", "role": "duty", "token_env": "T_DUTY"},
            {"name": "钱局长", "role": "leader", "token_env": "T_LEADER"},
            {"name": "dashboard", "role": "readonly", "token_env": "T_READ"}]},
        watch=[{"id": "safety", "department": "郑州市应急管理局",
                "groups": {"region": ["郑州", "中原区"], "event": ["爆炸", "死亡"]}}],
        channels=[{"id": "duty-hook", "kind": "webhook", "url": http_server.url("/hook")}],
        engine={"tick": "1s", "lease": "5s"},
    )
    emerged = datetime.now(UTC) - timedelta(hours=1)
    results: dict[str, Any] = {}
    state = {"step": 0}

    async def exercise(daemon: Daemon) -> None:
        base = f"http://127.0.0.1:{daemon.http_port}"
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            if state["step"] == 0:
                batch = {"source": "crawler", "items": [
                    {"id": "p1", "title": "郑州中原区一居民楼发生燃气爆炸 已致12人死亡",
                     "text": "记者从郑州市应急管理局获悉，中原区建设路一居民楼发生燃气爆炸事故，截至目前已造成12人死亡。",
                     "published_at": emerged.isoformat()}]}
                pushed = await client.post("/api/items", json=batch, headers=auth("T_INGEST"))
                results["push"] = pushed.status_code
                state["step"] = 1
                return
            listed = (await client.get("/api/incidents", headers=auth("T_READ"))).json()
            if state["step"] == 1:
                if not listed or not any(r.get("kind") == "new_incident" for r in received):
                    return  # analysis, then the engine's announcement, take a moment
                incident_id = listed[0]["id"]
                results["listed"] = listed
                results["filtered"] = (await client.get("/api/incidents", params={"grade": "III"},
                                                        headers=auth("T_READ"))).json()
                results["no_token"] = (await client.post(f"/api/incidents/{incident_id}/ack")).status_code
                results["leader_ack"] = (await client.post(f"/api/incidents/{incident_id}/ack",
                                                           headers=auth("T_LEADER"))).status_code
                results["ack"] = (await client.post(f"/api/incidents/{incident_id}/ack",
                                                    headers=auth("T_DUTY"))).status_code
                results["note"] = (await client.post(f"/api/incidents/{incident_id}/notes", json={"text": "已电话联系区应急局"},
                                                     headers=auth("T_LEADER"))).status_code
                early = await client.post(f"/api/incidents/{incident_id}/respond", headers=auth("T_DUTY"), json={
                    "kind": "authoritative_info", "at": (emerged - timedelta(hours=2)).isoformat()})
                results["early"] = (early.status_code, early.json())
                wrong_kind = await client.post(f"/api/incidents/{incident_id}/respond", headers=auth("T_DUTY"),
                                               json={"kind": "response"})
                results["wrong_kind"] = (wrong_kind.status_code, wrong_kind.json())
                results["malformed"] = (await client.post(f"/api/incidents/{incident_id}/respond",
                                                          headers=auth("T_DUTY"), json={"kind": "tweet"})).status_code
                results["missing"] = (await client.post("/api/incidents/999/ack", headers=auth("T_DUTY"))).status_code
                ok = await client.post(f"/api/incidents/{incident_id}/respond", headers=auth("T_DUTY"), json={
                    "kind": "authoritative_info", "at": (emerged + timedelta(hours=1)).isoformat(),
                    "url": "https://www.zhengzhou.gov.cn/news/1.html", "channel": "市政府网站", "reviewer": "王主任",
                    "publisher": "李娜"})
                results["respond"] = (ok.status_code, ok.json())
                results["detail"] = (await client.get(f"/api/incidents/{incident_id}", headers=auth("T_READ"))).json()
                results["openapi"] = (await client.get("/openapi.json")).json()
                results["items"] = (await client.get("/api/items", params={"q": "燃气 爆炸"},
                                                     headers=auth("T_READ"))).json()
                state["step"] = 2

    run_daemon(settings, lambda d: state["step"] == 2, serve_http=True, during=exercise, timeout=60)
    assert results["push"] == 200
    (incident,) = results["listed"]
    assert incident["grade"] == "II" and results["filtered"] == []
    # the alert went out through the webhook, with its idempotency key
    announced = next(r for r in received if r["kind"] == "new_incident")
    assert announced["idempotency_key"].startswith(f"incident:{incident['id']}:new:")
    assert (results["no_token"], results["leader_ack"], results["ack"], results["note"]) == (401, 403, 200, 200)
    status, body = results["early"]
    assert status == 422 and body["detail"][0]["loc"] == ["body", "at"] and "早于事件首次出现" in body["detail"][0]["msg"]
    status, body = results["wrong_kind"]
    assert status == 422 and body["detail"][0]["loc"] == ["body", "kind"]
    assert results["malformed"] == 422 and results["missing"] == 404
    status, body = results["respond"]
    assert status == 200 and [o["kind"] for o in body["met"]] == ["authoritative_info"]
    assert body["met"][0]["margin_seconds"] == 4 * 3600  # released 1h after emergence: 4h to spare
    detail = results["detail"]
    actors = {(e["kind"], e["actor"]) for e in detail["timeline"]}
    assert ("acknowledged", "张伟") in actors and ("note", "钱局长") in actors and ("response_recorded", "张伟") in actors
    assert detail["acknowledged_by"] == "张伟"
    states = {o["kind"]: o["state"] for o in detail["obligations"]}
    assert states == {"authoritative_info": "met", "press_conference": "open", "sustained_release": "open"}
    assert any(n["kind"] == "new_incident" for n in detail["notifications"])
    (item,) = results["items"]  # found by words inside the text, analysed, and in the incident
    assert item["external_id"] == "p1" and item["relevant"] and item["incident"] == incident["id"]
    paths = results["openapi"]["paths"]
    assert "/api/incidents/{incident_id}/respond" in paths and "/api/requests" in paths
