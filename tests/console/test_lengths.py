"""Free text has a length limit in the console's forms too (issue 16), the same as the API's: a
field one character past it comes back on its page as a refusal naming that field, and changes
nothing; at its limit it is taken."""

from __future__ import annotations

import pytest

from sentinel.web.params import MAX_CONTENT, MAX_NAME, MAX_NOTE, MAX_REASON, MAX_URL
from tests.console.test_hostile_input import snapshot

URL = "https://www.example.gov.cn/"
RESPOND = {"kind": "authoritative_info"}

TOO_LONG = [
    # (form page, action path, fields with one past its limit, the field the refusal names)
    ("/incidents/1", "/incidents/1/respond", {**RESPOND, "url": URL + "a" * MAX_URL}, "url"),
    ("/incidents/1", "/incidents/1/respond", {**RESPOND, "url": URL + "a" * 1_000_000}, "url"),
    ("/incidents/1", "/incidents/1/respond", {**RESPOND, "channel": "网" * (MAX_NAME + 1)}, "channel"),
    ("/incidents/1", "/incidents/1/respond", {**RESPOND, "reviewer": "审" * (MAX_NAME + 1)}, "reviewer"),
    ("/incidents/1", "/incidents/1/respond", {**RESPOND, "publisher": "发" * (MAX_NAME + 1)}, "publisher"),
    ("/incidents/1", "/incidents/1/respond", {**RESPOND, "unit": "局" * (MAX_NAME + 1)}, "unit"),
    ("/incidents/1", "/incidents/1/respond", {**RESPOND, "content": "文" * (MAX_CONTENT + 1)}, "content"),
    ("/incidents/1", "/incidents/1/grade", {"grade": "I", "reason": "因" * (MAX_REASON + 1)}, "reason"),
    ("/incidents/1", "/incidents/1/dismiss", {"reason": "因" * (MAX_REASON + 1)}, "reason"),
    ("/incidents/1", "/incidents/1/assign", {"department": "局" * (MAX_NAME + 1)}, "department"),
    ("/incidents/1", "/incidents/1/note", {"text": "记" * (MAX_NOTE + 1)}, "text"),
    ("/incidents/1", "/evidence/1/reject", {"incident": "1", "reason": "因" * (MAX_REASON + 1)}, "reason"),
    ("/requests", "/requests", {"subject": "申" * (MAX_NOTE + 1)}, "subject"),
    ("/requests", "/requests", {"content": "申请公开", "unit": "局" * (MAX_NAME + 1)}, "unit"),
    ("/requests", "/requests", {"content": "申请公开", "applicant": "王" * (MAX_NAME + 1)}, "applicant"),
]


@pytest.mark.parametrize("page,path,fields,name", TOO_LONG, ids=[f"{p} {n}" for _, p, _, n in TOO_LONG])
def test_a_field_past_its_length_is_refused_naming_it(page, path, fields, name, console) -> None:
    console.login("duty")
    csrf = console.csrf(page)
    before = snapshot(console)
    answer = console.client.post(path, data={"csrf": csrf, **fields}, follow_redirects=False)
    assert answer.status_code == 422, answer.text[:300]
    assert f"<b>{name}</b>：" in answer.text
    assert "太长" in answer.text
    assert len(answer.content) < 500_000  # what was typed is not shown back
    assert snapshot(console) == before


def test_a_release_at_the_longest_lengths_is_recorded(console) -> None:
    console.login("duty")
    fields = {**RESPOND, "url": URL + "a" * (MAX_URL - len(URL)), "reviewer": "审" * MAX_NAME, "content": "文" * 100}
    answer = console.client.post("/incidents/1/respond", data={"csrf": console.csrf("/incidents/1"), **fields},
                                 follow_redirects=False)
    assert answer.status_code == 303, answer.text[:300]
