"""Adopt (纳入本辖区) and verify (研判属实) through the API, on SQLite and PostgreSQL: what changes, what
the incident shows afterwards, and what is refused."""

from __future__ import annotations

from tests.support.api import EMERGED, bearer, running_api, seed


def test_adopt_starts_the_clocks_of_an_incident_abroad_from_its_emergence(database_url, monkeypatch) -> None:
    with running_api(database_url, monkeypatch) as api:
        seed(api)
        before = api.client.get(f"/api/incidents/{api.outside}", headers=bearer("readonly")).json()
        assert before["jurisdiction"] == "outside" and before["place"]["label"] == "尼日利亚"
        assert before["obligations"] == [] and before["place"]["inside"] is False
        answer = api.client.post(f"/api/incidents/{api.outside}/adopt", headers=bearer("duty"))  # no body: no reason
        assert answer.status_code == 200, answer.text
        after = answer.json()
        assert after["jurisdiction"] == "adopted"
        assert after["details"]["adopted"]["by"] == "张伟"
        adopted = next(e for e in after["timeline"] if e["kind"] == "adopted")
        assert adopted["actor"] == "张伟" and adopted["data"]["place"] == "尼日利亚"
        # grade IV without a marking needs no clock; marking it starts the 48h response from emergence
        assert after["obligations"] == []
        marked = api.client.post(f"/api/incidents/{api.outside}/mark", headers=bearer("duty"),
                                 json={"reason": "涉我国公民"}).json()
        (response,) = marked["obligations"]
        assert response["kind"] == "response" and response["started_at"] == EMERGED.isoformat()
        again = api.client.post(f"/api/incidents/{api.outside}/adopt", headers=bearer("duty"))
        assert again.status_code == 409 and "already adopted" in again.json()["detail"]


def test_marking_an_incident_outside_pulls_it_in(database_url, monkeypatch) -> None:
    with running_api(database_url, monkeypatch) as api:
        seed(api)
        marked = api.client.post(f"/api/incidents/{api.outside}/mark", headers=bearer("duty"),
                                 json={"reason": "涉我国公民"}).json()
        assert marked["jurisdiction"] == "adopted" and [o["kind"] for o in marked["obligations"]] == ["response"]
        assert [e["kind"] for e in marked["timeline"]][:2] == ["adopted", "marked_needs_response"]


def test_verify_confirms_it_once(database_url, monkeypatch) -> None:
    with running_api(database_url, monkeypatch) as api:
        seed(api)
        listed = api.client.get("/api/incidents", headers=bearer("readonly")).json()
        assert {row["id"]: (row["verification"] or {}).get("state") for row in listed}[api.pending] == "pending"
        answer = api.client.post(f"/api/incidents/{api.pending}/verify", headers=bearer("duty"),
                                 json={"reason": "中原区应急局电话确认"})
        assert answer.status_code == 200, answer.text
        state = answer.json()["verification"]
        assert (state["state"], state["by"], state["reason"]) == ("confirmed", "张伟", "中原区应急局电话确认")
        assert api.client.post(f"/api/incidents/{api.pending}/verify", headers=bearer("duty")).status_code == 409
        # the seeded incident that never needed verification cannot be verified either
        refused = api.client.post(f"/api/incidents/{api.incident}/verify", headers=bearer("duty"))
        assert refused.status_code == 409 and "not awaiting verification" in refused.json()["detail"]
        # an incident whose place could not be told may be adopted too: it is then ours by a decision
        assert api.client.post(f"/api/incidents/{api.incident}/adopt", headers=bearer("duty")).json()[
            "jurisdiction"] == "adopted"


def test_a_grade_by_hand_is_a_persons_judgement_and_confirms_it(database_url, monkeypatch) -> None:
    with running_api(database_url, monkeypatch) as api:
        seed(api)
        graded = api.client.post(f"/api/incidents/{api.pending}/grade", headers=bearer("duty"),
                                 json={"grade": "II", "reason": "区应急局确认12人遇难"}).json()
        assert graded["verification"]["state"] == "confirmed" and graded["verification"]["by"] == "张伟"
        assert "verification_confirmed" in [e["kind"] for e in graded["timeline"]]
