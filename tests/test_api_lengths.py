"""Free text has a length limit (issue 16): a 1M-character release URL made a 9 MB incident page.
Every text field the API takes, one character past its limit, is a 422 naming it and changes
nothing; at its limit it is taken. A pushed item with a field longer than sentinel keeps is
rejected naming the field, and the rest of its batch is stored."""

from __future__ import annotations

from typing import Any

import pytest

from sentinel.normalise.item import MAX_AUTHOR_CHARS, MAX_TEXT_BYTES, MAX_TITLE_CHARS, MAX_URL_CHARS
from sentinel.web.params import MAX_CONTENT, MAX_NAME, MAX_NOTE, MAX_REASON, MAX_URL
from tests.support.api import NOW, assert_refused, bearer, running_api, seed

RESPOND = {"kind": "authoritative_info"}
URL = "https://www.example.gov.cn/"


def url_of(length: int) -> str:
    return URL + "a" * (length - len(URL))


TOO_LONG = [
    # (method, path template, body or query with one field one past its limit, the loc expected)
    ("POST", "/api/incidents/{i}/respond", {**RESPOND, "url": url_of(MAX_URL + 1)}, ["body", "url"]),
    ("POST", "/api/incidents/{i}/respond", {**RESPOND, "url": url_of(1_000_000)}, ["body", "url"]),
    ("POST", "/api/incidents/{i}/respond", {**RESPOND, "channel": "网" * (MAX_NAME + 1)}, ["body", "channel"]),
    ("POST", "/api/incidents/{i}/respond", {**RESPOND, "reviewer": "审" * (MAX_NAME + 1)}, ["body", "reviewer"]),
    ("POST", "/api/incidents/{i}/respond", {**RESPOND, "publisher": "发" * (MAX_NAME + 1)}, ["body", "publisher"]),
    ("POST", "/api/incidents/{i}/respond", {**RESPOND, "unit": "局" * (MAX_NAME + 1)}, ["body", "unit"]),
    ("POST", "/api/incidents/{i}/respond", {**RESPOND, "content": "文" * (MAX_CONTENT + 1)}, ["body", "content"]),
    ("POST", "/api/incidents/{i}/grade", {"grade": "I", "reason": "因" * (MAX_REASON + 1)}, ["body", "reason"]),
    ("POST", "/api/incidents/{i}/dismiss", {"reason": "因" * (MAX_REASON + 1)}, ["body", "reason"]),
    ("POST", "/api/incidents/{i}/close", {"reason": "因" * (MAX_REASON + 1)}, ["body", "reason"]),
    ("POST", "/api/incidents/{i}/mark", {"reason": "因" * (MAX_REASON + 1)}, ["body", "reason"]),
    ("POST", "/api/incidents/{o}/adopt", {"reason": "因" * (MAX_REASON + 1)}, ["body", "reason"]),
    ("POST", "/api/incidents/{p}/verify", {"reason": "因" * (MAX_REASON + 1)}, ["body", "reason"]),
    ("POST", "/api/incidents/{i}/assign", {"department": "局" * (MAX_NAME + 1)}, ["body", "department"]),
    ("POST", "/api/incidents/{i}/notes", {"text": "记" * (MAX_NOTE + 1)}, ["body", "text"]),
    ("POST", "/api/evidence/{e}/reject", {"reason": "因" * (MAX_REASON + 1)}, ["body", "reason"]),
    ("GET", "/api/incidents", {"department": "局" * (MAX_NAME + 1)}, ["query", "department"]),
    ("POST", "/api/items", {"source": "s" * 65, "items": []}, ["body", "source"]),
    ("POST", "/api/requests", {"content": "申" * (MAX_NOTE + 1)}, ["body", "content"]),
    ("POST", "/api/requests", {"content": "申请", "applicant": "王" * 257}, ["body", "applicant"]),
    ("POST", "/api/requests", {"content": "申请", "reference": "号" * 65}, ["body", "reference"]),
    ("POST", "/api/requests", {"content": "申请", "form": "纸" * (MAX_NAME + 1)}, ["body", "form"]),
    ("POST", "/api/requests", {"content": "申请", "unit": "局" * (MAX_NAME + 1)}, ["body", "unit"]),
    ("POST", "/api/requests/{c}/correction", {"until": "2026-06-30", "note": "补" * (MAX_REASON + 1)},
     ["body", "note"]),
    ("POST", "/api/requests/{r}/consult", {"party": "third_party", "note": "征" * (MAX_REASON + 1)}, ["body", "note"]),
    ("POST", "/api/requests/{r}/extend", {"approver": "钱" * (MAX_NAME + 1)}, ["body", "approver"]),
    ("POST", "/api/requests/{r}/extend", {"approver": "钱局长", "reason": "因" * (MAX_REASON + 1)}, ["body", "reason"]),
    ("POST", "/api/requests/{r}/delay", {"until": "2026-07-30", "reason": "因" * (MAX_REASON + 1)}, ["body", "reason"]),
    ("POST", "/api/requests/{r}/reply", {"outcome": "g" * (MAX_NAME + 1)}, ["body", "outcome"]),
    ("POST", "/api/requests/{r}/reply", {"outcome": "granted", "reply_type": "t" * (MAX_NAME + 1)},
     ["body", "reply_type"]),
    ("POST", "/api/requests/{r}/reply", {"outcome": "granted", "channel": "邮" * 65}, ["body", "channel"]),
    ("POST", "/api/requests/{r}/reply", {"outcome": "granted", "note": "答" * (MAX_NOTE + 1)}, ["body", "note"]),
    ("POST", "/api/appeals", {"kind": "review", "filed_on": "2026-05-01", "reference": "号" * 129},
     ["body", "reference"]),
    ("GET", "/api/requests", {"unit": "局" * (MAX_NAME + 1)}, ["query", "unit"]),
    ("GET", "/api/requests", {"outcome": "g" * (MAX_NAME + 1)}, ["query", "outcome"]),
    ("GET", "/api/requests", {"search": "查" * 201}, ["query", "search"]),
    ("GET", "/api/reports/annual/2026", {"unit": "局" * (MAX_NAME + 1)}, ["query", "unit"]),
    ("GET", "/api/items", {"q": "查" * 201}, ["query", "q"]),
]


@pytest.mark.parametrize("method,template,payload,loc", TOO_LONG, ids=[f"{m} {t} {loc[-1]}" for m, t, _, loc in TOO_LONG])
def test_a_field_past_its_length_is_422_naming_it_and_changes_nothing(
        method, template, payload, loc, sqlite_url, monkeypatch) -> None:
    with running_api(sqlite_url, monkeypatch) as api:
        seed(api)
        path = template.format(i=api.incident, e=api.other_evidence, o=api.outside, p=api.pending, r=api.request,
                               c=api.correcting)
        assert_refused(api, method, path, payload, loc)


def test_a_release_at_the_longest_lengths_is_recorded_and_its_page_stays_small(sqlite_url, monkeypatch) -> None:
    with running_api(sqlite_url, monkeypatch) as api:
        seed(api)
        body = {**RESPOND, "url": url_of(MAX_URL), "channel": "网" * MAX_NAME, "reviewer": "审" * MAX_NAME,
                "publisher": "发" * MAX_NAME, "unit": "局" * MAX_NAME, "content": "文" * MAX_CONTENT}
        answer = api.client.post(f"/api/incidents/{api.incident}/respond", json=body, headers=bearer("duty"))
        assert answer.status_code == 200, answer.text[:500]
        release = answer.json()["response"]
        assert (len(release["url"]), len(release["reviewer"]), len(release["content"])) == (MAX_URL, MAX_NAME,
                                                                                            MAX_CONTENT)


GOOD: dict[str, Any] = {"id": "g1", "title": "燃气爆炸", "text": "中原区建设路一居民楼发生燃气爆炸。",
                        "published_at": NOW.isoformat()}
LONG_ITEMS = [
    # (the long field over a good item's, the field its rejection names)
    ({"url": url_of(MAX_URL_CHARS + 1)}, "url"),
    ({"title": "标" * (MAX_TITLE_CHARS + 1)}, "title"),
    ({"author": "作" * (MAX_AUTHOR_CHARS + 1)}, "author"),
    ({"text": "文" * (MAX_TEXT_BYTES + 1)}, "text"),
]


@pytest.mark.parametrize("long,field", LONG_ITEMS, ids=[field for _, field in LONG_ITEMS])
def test_a_pushed_item_with_a_field_too_long_is_rejected_naming_it(long, field, sqlite_url, monkeypatch) -> None:
    bad = {**GOOD, "id": "long", **long}
    at_limit = {**GOOD, "id": "edge", "url": url_of(MAX_URL_CHARS), "title": "标" * MAX_TITLE_CHARS,
                "author": "作" * MAX_AUTHOR_CHARS}
    with running_api(sqlite_url, monkeypatch, http={"max_push_body": 16 * 2**20}) as api:
        answer = api.client.post("/api/items", json={"source": "crawler", "items": [GOOD, bad, at_limit]},
                                 headers=bearer("ingest"))
        assert answer.status_code == 200, answer.text[:500]
        result = answer.json()
        assert (result["received"], result["new"]) == (3, 2)
        assert [(r["index"], r["id"]) for r in result["rejected"]] == [(1, "long")]
        assert result["rejected"][0]["reason"].startswith(f"{field}: too long"), result["rejected"]
        stored = api.client.get("/api/items", params={"source": "crawler"}, headers=bearer("readonly")).json()
        assert sorted(row["external_id"] for row in stored) == ["edge", "g1"]


def test_a_refusal_does_not_echo_a_huge_value_back(sqlite_url, monkeypatch) -> None:
    with running_api(sqlite_url, monkeypatch) as api:
        seed(api)
        answer = api.client.post(f"/api/incidents/{api.incident}/respond", json={**RESPOND, "url": url_of(1_000_000)},
                                 headers=bearer("duty"))
        assert answer.status_code == 422
        assert len(answer.content) < 2000, len(answer.content)
        [error] = answer.json()["detail"]
        assert error["loc"] == ["body", "url"] and error["input"].startswith(URL) and error["input"].endswith("…")
