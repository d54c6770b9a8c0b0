"""Hostile values in the console (issue 16): an id past 64 bits in a page's address is a 422 naming
it; a time or day in a form that leaves the calendar (or the years sentinel takes) comes back on
its page as a refusal of that field, and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

BIG = 2**63


def snapshot(console) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table (the session's last-seen marks aside: reading a page moves them)."""
    with console.database.engine.connect() as connection:
        return {table.name: sorted(tuple(map(repr, row)) for row in connection.execute(select(table)).all())
                for table in SQLModel.metadata.sorted_tables}

PATHS = [
    # (method, path, the path parameter named)
    ("GET", f"/incidents/{BIG}", "incident_id"),
    ("GET", f"/requests/{BIG}", "request_id"),
    ("POST", f"/incidents/{BIG}/ack", "incident_id"),
    ("POST", f"/evidence/{BIG}/reject", "evidence_id"),
    ("POST", f"/requests/{BIG}/confirm", "request_id"),
]


@pytest.mark.parametrize("method,path,name", PATHS, ids=[f"{m} {p}" for m, p, _ in PATHS])
def test_an_id_past_64_bits_in_the_address_is_422_naming_it(method, path, name, console) -> None:
    console.login("duty")
    if method == "GET":
        answer = console.client.get(path)
    else:
        answer = console.client.post(path, data={"csrf": console.csrf("/incidents/1"), "reason": "x"})
    assert answer.status_code == 422, answer.text[:300]
    assert ["path", name] in [error["loc"] for error in answer.json()["detail"]]


FORMS = [
    # (form page, action path, fields, the field the refusal names)
    ("/incidents/1", "/incidents/1/respond", {"kind": "authoritative_info", "at": "0001-01-01T00:00"}, "at"),
    ("/incidents/1", "/incidents/1/respond", {"kind": "authoritative_info", "at": "0001-01-01T00:00+14:00"}, "at"),
    ("/incidents/1", "/incidents/1/respond", {"kind": "authoritative_info", "at": "9999-12-31T23:59-14:00"}, "at"),
    ("/requests", "/requests", {"subject": "申请公开", "received_at": "0001-01-01T00:00"}, "submitted_on"),
    ("/requests", "/requests", {"subject": "申请公开", "received_at": "9999-12-31T00:00"}, "submitted_on"),
    ("/requests", "/requests", {"content": "申请公开", "submitted_on": "2026-03-10", "confirmed_on": "9999-12-31"},
     "confirmed_on"),
]


@pytest.mark.parametrize("page,path,fields,name", FORMS, ids=[f"{p} {f}" for _, p, f, _ in FORMS])
def test_a_time_beyond_the_calendar_in_a_form_is_refused_naming_the_field(page, path, fields, name, console) -> None:
    console.login("duty")
    csrf = console.csrf(page)
    before = snapshot(console)
    answer = console.client.post(path, data={"csrf": csrf, **fields}, follow_redirects=False)
    assert answer.status_code == 422, answer.text[:300]
    assert f"<b>{name}</b>：" in answer.text
    assert snapshot(console) == before


def test_a_hostile_filter_or_page_reference_is_no_server_error(console) -> None:
    console.login("duty")
    assert console.client.get(f"/requests?year={BIG}").status_code == 200  # an impossible year filters nothing
    refused = console.client.post("/evidence/1/reject", data={"csrf": console.csrf("/incidents/1"),
                                                               "incident": "9" * 5000, "reason": ""})
    assert refused.status_code == 404  # no such evidence here; the page it came from was read without raising
