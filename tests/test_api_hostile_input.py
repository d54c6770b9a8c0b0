"""Hostile values (issue 16): an id past 64 bits, a time that leaves the calendar once put in UTC
(year 1 at +14:00, year 9999 at -14:00) or lies outside the years sentinel takes, a day outside
them. Each is a 422 naming the field, never a 500, and changes nothing; in a pushed batch only the
bad item is rejected and the good ones are stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.support.api import EMERGED, NOW, assert_refused, bearer, running_api, seed

BIG = 2**63  # one past the largest signed 64-bit integer
HUGE = 2**64 + 1
LOW = "0001-01-01T00:00:00+14:00"  # 0000-12-31 in UTC: before the calendar
HIGH = "9999-12-31T23:59:59-14:00"  # 10000-01-01 in UTC: after it
FAR = "9999-12-31T00:00:00+00:00"  # in the calendar, but no time sentinel could mean
TOO_EARLY_DAY = "0001-01-01"
TOO_LATE_DAY = "9999-12-31"  # working days counted from it leave the calendar

HOSTILE = [
    # (method, path template, body or query, the loc expected)
    ("GET", "/api/incidents", {"since": LOW}, ["query", "since"]),
    ("GET", "/api/incidents", {"since": HIGH}, ["query", "since"]),
    ("GET", "/api/incidents", {"until": HIGH}, ["query", "until"]),
    ("GET", "/api/incidents", {"until": FAR}, ["query", "until"]),
    ("GET", "/api/items", {"since": LOW}, ["query", "since"]),
    ("GET", "/api/items", {"until": HIGH}, ["query", "until"]),
    ("GET", "/api/items", {"before": BIG}, ["query", "before"]),
    ("GET", "/api/items", {"limit": BIG}, ["query", "limit"]),
    ("GET", "/api/incidents/{big}", None, ["path", "incident_id"]),
    ("GET", "/api/incidents/{huge}", None, ["path", "incident_id"]),
    ("POST", "/api/incidents/{big}/ack", None, ["path", "incident_id"]),
    ("POST", "/api/incidents/{i}/respond", {"kind": "authoritative_info", "at": LOW}, ["body", "at"]),
    ("POST", "/api/incidents/{i}/respond", {"kind": "authoritative_info", "at": HIGH}, ["body", "at"]),
    ("POST", "/api/incidents/{i}/respond", {"kind": "authoritative_info", "at": FAR}, ["body", "at"]),
    ("POST", "/api/evidence/{big}/confirm", {}, ["path", "evidence_id"]),
    ("POST", "/api/evidence/{big}/reject", {"reason": "x"}, ["path", "evidence_id"]),
    ("GET", "/api/requests/{big}", None, ["path", "request_id"]),
    ("GET", "/api/requests", {"year": BIG}, ["query", "year"]),
    ("POST", "/api/requests", {"content": "公开", "submitted_on": TOO_EARLY_DAY}, ["body", "submitted_on"]),
    ("POST", "/api/requests", {"content": "公开", "submitted_on": TOO_LATE_DAY}, ["body", "submitted_on"]),
    ("POST", "/api/requests", {"content": "公开", "confirmed_on": TOO_LATE_DAY}, ["body", "confirmed_on"]),
    ("POST", "/api/requests/{r}/confirm", {"on": TOO_EARLY_DAY}, ["body", "on"]),
    ("POST", "/api/requests/{r}/correction", {"until": TOO_LATE_DAY}, ["body", "until"]),
    ("POST", "/api/requests/{r}/delay", {"until": TOO_LATE_DAY, "reason": "x"}, ["body", "until"]),
    ("POST", "/api/requests/{r}/reply", {"outcome": "granted", "at": LOW}, ["body", "at"]),
    ("POST", "/api/requests/{r}/reply", {"outcome": "granted", "at": HIGH}, ["body", "at"]),
    ("POST", "/api/requests/{big}/reply", {"outcome": "granted"}, ["path", "request_id"]),
    ("POST", "/api/appeals", {"kind": "review", "filed_on": "2026-05-01", "request": BIG}, ["body", "request"]),
    ("POST", "/api/appeals", {"kind": "review", "filed_on": TOO_LATE_DAY}, ["body", "filed_on"]),
    ("POST", "/api/appeals", {"kind": "review", "filed_on": "2026-05-01", "decided_on": TOO_EARLY_DAY},
     ["body", "decided_on"]),
    ("GET", "/api/reports/annual/{big}", None, ["path", "year"]),
]


@pytest.mark.parametrize("method,template,payload,loc", HOSTILE,
                         ids=[f"{m} {t} {'.'.join(map(str, loc))}={p}" for m, t, p, loc in HOSTILE])
def test_a_hostile_value_is_422_naming_the_field_and_changes_nothing(
        method, template, payload, loc, sqlite_url, monkeypatch) -> None:
    with running_api(sqlite_url, monkeypatch) as api:
        seed(api)
        assert_refused(api, method, template.format(i=api.incident, r=api.request, big=BIG, huge=HUGE), payload, loc)

GOOD = [
    {"id": "g1", "title": "郑州中原区燃气爆炸", "text": "中原区建设路一居民楼发生燃气爆炸。",
     "published_at": (EMERGED - timedelta(hours=2)).isoformat()},
    {"id": "g2", "title": "爆炸现场救援持续", "text": "消防救援人员在现场搜救。", "published_at": EMERGED.isoformat()},
]
BAD_ITEMS = [
    # (the bad item's fields over a good one's, the field its rejection must name)
    ({"published_at": LOW}, "published_at"),
    ({"published_at": HIGH}, "published_at"),
    ({"reposts": BIG}, "reposts"),
    ({"comments": HUGE}, "comments"),
    ({"likes": 10**30}, "likes"),
    ({"author_verified_type": 2**31}, "author_verified_type"),
]


@pytest.mark.parametrize("bad,field", BAD_ITEMS, ids=[field + "=" + str(next(iter(bad.values()))) for bad, field in BAD_ITEMS])
def test_one_hostile_item_is_rejected_and_the_rest_of_its_batch_is_stored(bad, field, sqlite_url, monkeypatch) -> None:
    item: dict[str, Any] = {"id": "bad", "text": "一条坏数据", "published_at": NOW.isoformat(), **bad}
    with running_api(sqlite_url, monkeypatch) as api:
        answer = api.client.post("/api/items", json={"source": "crawler", "items": [GOOD[0], item, GOOD[1]]},
                                 headers=bearer("ingest"))
        assert answer.status_code == 200, answer.text
        result = answer.json()
        assert (result["received"], result["new"], result["duplicates"]) == (3, 2, 0)
        assert [(r["index"], r["id"]) for r in result["rejected"]] == [(1, "bad")]
        assert result["rejected"][0]["reason"].startswith(f"{field}:"), result["rejected"]
        stored = api.client.get("/api/items", params={"source": "crawler"}, headers=bearer("readonly")).json()
        assert sorted(row["external_id"] for row in stored) == ["g1", "g2"]
