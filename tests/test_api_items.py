"""Items search and push, the sources, the masked configuration view, and malformed requests
answered 422 with the field at fault and nothing changed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.support.api import EMERGED, NOW, PEOPLE, Api, assert_refused, bearer, running_api, seed

ITEMS = [
    {"id": "a1", "title": "郑州中原区燃气爆炸", "text": "中原区建设路一居民楼发生燃气爆炸，已造成12人死亡。",
     "published_at": (EMERGED - timedelta(hours=3)).isoformat()},
    {"id": "a2", "title": "爆炸现场救援持续", "text": "消防救援人员在现场搜救。", "published_at": (EMERGED - timedelta(hours=2)).isoformat()},
    {"id": "a3", "title": "空气质量", "text": "今日PM2.5浓度下降，优良天数占比100%。",
     "published_at": (EMERGED - timedelta(hours=1)).isoformat()},
    {"id": "a4", "title": "通知", "text": "报名人数1000人，下划线_测试。", "published_at": EMERGED.isoformat()},
]


def pushed(api: Api, items: list[dict[str, Any]] = ITEMS) -> dict[str, Any]:
    answer = api.client.post("/api/items", json={"source": "crawler", "items": items}, headers=bearer("ingest"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def search(api: Api, **params: Any) -> list[str]:
    answer = api.client.get("/api/items", params=params, headers=bearer("readonly"))
    assert answer.status_code == 200, answer.text
    return [row["external_id"] for row in answer.json()]


def test_items_search_by_words_source_and_time(database_url, monkeypatch) -> None:
    with running_api(database_url, monkeypatch) as api:
        assert pushed(api)["new"] == 4
        assert search(api) == ["a4", "a3", "a2", "a1"]  # newest publication first
        assert search(api, q="爆炸") == ["a2", "a1"]  # inside words: Chinese has no spaces
        assert search(api, q="爆炸 死亡") == ["a1"]  # every word must appear, in title or text
        assert search(api, q="pm2.5") == ["a3"]  # case does not matter
        assert search(api, q="100%") == ["a3"]  # a whole number: not "1000"
        refused = api.client.get("/api/items", params={"q": "_"}, headers=bearer("readonly"))
        assert refused.status_code == 422 and "letter" in refused.text  # punctuation alone is not indexed
        assert search(api, q="地震") == []
        assert search(api, source="crawler", q="救援") == ["a2"] and search(api, source="other") == []
        assert search(api, since=(EMERGED - timedelta(hours=2)).isoformat(), until=EMERGED.isoformat()) == ["a3", "a2"]
        first = api.client.get("/api/items", params={"limit": 2}, headers=bearer("readonly")).json()
        assert [r["external_id"] for r in first] == ["a4", "a3"]
        assert search(api, limit=2, before=first[-1]["id"]) == ["a2", "a1"]
        row = api.client.get("/api/items", params={"q": "燃气"}, headers=bearer("duty")).json()[0]
        assert row["source"] == "crawler" and row["relevant"] is None and row["incident"] is None  # not analysed
        assert row["published_at"] == (EMERGED - timedelta(hours=3)).isoformat()


def test_a_pushed_batch_keeps_the_good_items_and_names_each_bad_one(sqlite_url, monkeypatch) -> None:
    with running_api(sqlite_url, monkeypatch) as api:
        result = pushed(api, [ITEMS[0], {"id": "b1", "text": "", "published_at": NOW.isoformat()},
                              {"id": "b2", "text": "无时区", "published_at": "2026-05-20 10:00"}, ITEMS[0]])
        assert (result["received"], result["new"], result["duplicates"]) == (4, 1, 1)  # the repeat within the batch is a duplicate
        assert [(r["index"], r["id"]) for r in result["rejected"]] == [(1, "b1"), (2, "b2")]
        assert result["rejected"][0]["reason"].startswith("text:")
        assert pushed(api, [ITEMS[0]])["duplicates"] == 1
        sources = {s["id"]: s for s in api.client.get("/api/sources", headers=bearer("readonly")).json()}
        assert sources["crawler"]["health"] == "up" and sources["crawler"]["items_total"] == 1
        assert sources["crawler"]["configured"] and not sources["crawler"]["blind"]
        counted = api.metrics.registry.get_sample_value
        assert counted("sentinel_push_items_total", {"outcome": "rejected"}) == 2
        assert counted("sentinel_api_requests_total",
                       {"method": "POST", "route": "/api/items", "status": "200"}) == 2


# ----------------------------------------------------------------------------- 422 and nothing changed

MALFORMED = [
    # (method, path template, body or query, the loc expected)
    ("POST", "/api/incidents/{i}/respond", {"kind": "tweet"}, ["body", "kind"]),
    ("POST", "/api/incidents/{i}/respond", {"kind": "authoritative_info", "at": "2026-05-20T09:00:00"}, ["body", "at"]),
    ("POST", "/api/incidents/{i}/respond", {"kind": "authoritative_info", "at": "昨天"}, ["body", "at"]),
    ("POST", "/api/incidents/{i}/respond",  # before the incident emerged: the action's own check
     {"kind": "authoritative_info", "at": (EMERGED - timedelta(hours=2)).isoformat()}, ["body", "at"]),
    ("POST", "/api/incidents/{i}/grade", {"grade": "V", "reason": "x"}, ["body", "grade"]),
    ("POST", "/api/incidents/{i}/grade", {"grade": "I"}, ["body", "reason"]),
    ("POST", "/api/incidents/{i}/dismiss", {"reason": ""}, ["body", "reason"]),
    ("POST", "/api/incidents/{i}/assign", {}, ["body", "department"]),
    ("POST", "/api/incidents/{i}/notes", {"text": "x" * 4001}, ["body", "text"]),
    ("POST", "/api/incidents/{i}/notes", None, ["body"]),
    ("POST", "/api/evidence/{e}/confirm", {"kind": "press"}, ["body", "kind"]),
    ("POST", "/api/requests", {"content": "公开", "submitted_on": (NOW + timedelta(days=1)).date().isoformat()},
     ["body", "submitted"]),
    ("POST", "/api/requests", {"submitted_on": NOW.date().isoformat()}, ["body", "content"]),
    ("POST", "/api/requests", {"content": "公开", "applicant_type": "alien"}, ["body", "applicant_type"]),
    ("POST", "/api/items", {"source": "nowhere", "items": []}, ["body", "source"]),
    ("POST", "/api/items", {"source": "crawler", "items": "p1"}, ["body", "items"]),
    ("POST", "/api/incidents/abc/ack", None, ["path", "incident_id"]),
    ("POST", "/api/incidents/{big}/ack", None, ["path", "incident_id"]),
    ("GET", "/api/incidents", {"grade": "V"}, ["query", "grade"]),
    ("GET", "/api/incidents", {"since": "2026-05-20T09:00:00"}, ["query", "since"]),
    ("GET", "/api/items", {"since": "2026-05-20T09:00:00"}, ["query", "since"]),
    ("GET", "/api/items", {"limit": 0}, ["query", "limit"]),
]


def test_an_ingest_token_pushes_only_into_its_own_push_sources(sqlite_url, monkeypatch) -> None:
    with running_api(sqlite_url, monkeypatch) as api:
        before = api.snapshot()
        for source in ("gov-city", "elsewhere"):  # an official source (its items are evidence); an unknown one
            answer = api.client.post("/api/items", json={"source": source, "items": ITEMS[:1]}, headers=bearer("ingest"))
            assert answer.status_code == 403 and f"source {source!r}" in answer.json()["detail"], answer.text
        assert api.snapshot() == before
        assert pushed(api, ITEMS[:1])["new"] == 1  # its own source
        admin = api.client.post("/api/items", json={"source": "gov-city", "items": ITEMS[1:2]}, headers=bearer("admin"))
        assert admin.status_code == 200 and admin.json()["new"] == 1  # admin is not limited


@pytest.mark.parametrize("method,template,payload,loc", MALFORMED,
                         ids=[f"{m} {t} {'.'.join(map(str, loc))}" for m, t, _, loc in MALFORMED])
def test_a_malformed_request_is_422_naming_the_field_and_changes_nothing(
        method, template, payload, loc, sqlite_url, monkeypatch) -> None:
    with running_api(sqlite_url, monkeypatch) as api:
        seed(api)
        assert_refused(api, method, template.format(i=api.incident, e=api.evidence, big=2**63), payload, loc)

def test_an_unknown_case_is_404_and_a_forbidden_state_409(sqlite_url, monkeypatch) -> None:
    with running_api(sqlite_url, monkeypatch) as api:
        seed(api)
        assert api.client.get("/api/incidents/999", headers=bearer("readonly")).status_code == 404
        assert api.client.post("/api/evidence/999/reject", json={"reason": "x"}, headers=bearer("duty")).status_code == 404
        assert api.client.post(f"/api/incidents/{api.incident}/dismiss", json={"reason": "误报"},
                               headers=bearer("duty")).status_code == 200
        before = api.snapshot()
        again = api.client.post(f"/api/incidents/{api.incident}/grade", json={"grade": "I", "reason": "x"},
                                headers=bearer("duty"))
        assert again.status_code == 409 and api.snapshot() == before
        corrected = api.client.post(f"/api/requests/{api.request}/corrected", json={}, headers=bearer("duty"))
        assert corrected.status_code == 409 and api.snapshot() == before  # it was never asked for a correction
        assert api.client.post("/api/requests/999/extend", json={"approver": "主任"},
                               headers=bearer("duty")).status_code == 404


def test_incident_detail_has_its_obligations_timeline_and_filters(sqlite_url, monkeypatch) -> None:
    with running_api(sqlite_url, monkeypatch) as api:
        seed(api)
        detail = api.client.get(f"/api/incidents/{api.incident}", headers=bearer("leader")).json()
        assert {o["kind"] for o in detail["obligations"]} >= {"authoritative_info", "press_conference"}
        assert detail["timeline"][0]["actor"] == "值班员" and detail["items"] == []
        listed = api.client.get("/api/incidents", params={"kind": "incident", "grade": "II",
                                                          "department": "郑州市应急管理局"}, headers=bearer("leader"))
        assert [row["id"] for row in listed.json()] == [api.incident]
        assert api.client.get("/api/incidents", params={"since": NOW.isoformat()},
                              headers=bearer("leader")).json() == []
        requests = api.client.get("/api/requests", params={"applicant_type": "natural_person"},
                                  headers=bearer("readonly")).json()
        assert [(r["id"], r["deadline"]["state"]) for r in requests] == [(api.request, "open")]
        waiting = api.client.get("/api/requests", params={"state": "awaiting_confirmation"}, headers=bearer("readonly"))
        assert [r["id"] for r in waiting.json()] == [api.unconfirmed] and waiting.json()[0]["deadline"] is None


# ----------------------------------------------------------------------------- configuration view


def test_the_configuration_view_masks_every_secret(sqlite_url, monkeypatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", "hmac-key-9f8e")
    channels = [
        {"id": "duty-hook", "kind": "webhook", "url": "https://ops:pa55w0rd@hooks.example.cn/in", "secret_env": "HOOK_SECRET"},
        {"id": "ding", "kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=4c1d2e3f"},
        {"id": "ding2", "kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=${DING_TOKEN}"},
        {"id": "wecom", "kind": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=77aa-bb"},
        {"id": "feishu", "kind": "feishu", "url": "https://open.feishu.cn/open-apis/bot/v2/hook/0f9e-secret"},
    ]
    with running_api(sqlite_url, monkeypatch, channels=channels) as api:
        assert api.client.get("/api/config", headers=bearer("duty")).status_code == 403
        answer = api.client.get("/api/config", headers=bearer("admin"))
        assert answer.status_code == 200
        text = answer.text
        for secret in ("pa55w0rd", "4c1d2e3f", "77aa-bb", "0f9e-secret", "hmac-key-9f8e",
                       *(secret for _, secret in PEOPLE.values())):
            assert secret not in text, secret
        view = answer.json()
        shown = {c["id"]: c["url"] for c in view["config"]["channels"]}
        assert shown["duty-hook"] == "https://ops:***@hooks.example.cn/in"
        assert shown["ding"].endswith("access_token=***") and shown["ding2"].endswith("access_token=${DING_TOKEN}")
        assert shown["feishu"].endswith("/hook/***") and "key=***" in shown["wecom"]
        assert view["config"]["sources"][1]["url"] == "http://127.0.0.1:9/rss"  # nothing secret: shown as is
        refs = {r["key"]: (r["env"], r["set"]) for r in view["secrets"]}
        assert refs["channels[duty-hook].secret_env"] == ("HOOK_SECRET", True)
        assert refs["http.tokens[管理员].token_env"] == ("T_ADMIN", True)
        assert refs["http.tokens[nobody].token_env"] == ("T_UNSET", False)
