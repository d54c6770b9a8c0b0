"""``POST /api/callbacks/aliyun-voice``: Aliyun's report of each voice call. A wrong or missing token
is refused and changes nothing; key 1 on an answered call acknowledges (认领) the incident as the
person called; a repeated report changes nothing; every report is a ``call_result`` timeline entry."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session, col, select

from sentinel.store.models import Incident, TimelineEvent
from tests.notify.phone_fakes import aliyun_voice_report
from tests.support.api import Api, running_api, seed

TOKEN = "cb-token-3f9a0c1d2e"
PHONE = "13800000002"
CHANNELS = [{"id": "night-call", "kind": "aliyun_voice", "access_key_id_env": "ALI_ID", "access_key_secret_env": "ALI_SK",
             "tts_code": "TTS_1", "called_show_number": "057100000000",
             "ivr": {"start_code": "TTS_START", "ack_code": "TTS_ACK", "callback_token_env": "ALI_CALLBACK_TOKEN"}}]
ROSTER = {"duty": [{"name": "李娜", "phone": PHONE, "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                    "start": "17:30", "end": "08:30"}]}


@pytest.fixture
def api(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ALI_CALLBACK_TOKEN", TOKEN)
    with running_api(sqlite_url, monkeypatch, channels=CHANNELS, roster=ROSTER) as made:
        yield seed(made)


def post(api: Api, body: Any, token: str | None = TOKEN) -> Any:
    path = "/api/callbacks/aliyun-voice" + (f"?token={token}" if token is not None else "")
    return api.client.post(path, json=body)


def call_results(api: Api) -> list[TimelineEvent]:
    with Session(api.database.engine) as session:
        return list(session.exec(select(TimelineEvent).where(col(TimelineEvent.kind) == "call_result")))


def incident(api: Api) -> Incident:
    with Session(api.database.engine) as session:
        found = session.get(Incident, api.incident)
        assert found is not None
        return found


def test_an_unauthenticated_callback_is_refused_and_changes_nothing(api: Api) -> None:
    before = api.snapshot()
    body = aliyun_voice_report(call_id="c1", out_id=f"{api.incident}:{PHONE}", dtmf="1")
    assert post(api, body, token=None).status_code == 401
    assert post(api, body, token="wrong").status_code == 401
    assert api.client.post("/api/callbacks/aliyun-voice", json=body,
                           headers={"Authorization": "Bearer " + TOKEN[:-1]}).status_code == 401
    assert api.snapshot() == before


def test_key_1_acknowledges_as_the_person_called_once(api: Api) -> None:
    body = aliyun_voice_report(call_id="116012854210^102675823811", out_id=f"{api.incident}:{PHONE}", dtmf="1")
    answer = post(api, body)
    assert answer.status_code == 200 and answer.json() == {"code": 0, "msg": "成功"}
    found = incident(api)
    assert found.acknowledged_by == "李娜" and found.acknowledged_at is not None
    [result] = call_results(api)
    assert result.data == {"person": "李娜", "phone": PHONE, "channel": "night-call", "answered": True, "key": "1",
                           "call_id": "116012854210^102675823811"}
    assert result.reason == "认领 by 李娜 via 电话按键"
    snapshot = api.snapshot()
    assert post(api, body).status_code == 200  # Aliyun posts a receipt again: nothing changes
    assert api.snapshot() == snapshot


def test_an_unanswered_call_is_recorded_for_the_escalation(api: Api) -> None:
    body = aliyun_voice_report(call_id="c-2", out_id=f"{api.incident}:{PHONE}", dtmf=None, answered=False)
    with Session(api.database.engine) as session:  # the next step was an hour away
        found = session.get(Incident, api.incident)
        assert found is not None
        found.next_escalation_at = datetime(2026, 5, 20, 3, 0, tzinfo=UTC)
        session.add(found)
        session.commit()
    assert post(api, body).status_code == 200
    [result] = call_results(api)
    assert result.data["answered"] is False and result.data["key"] is None and result.reason == "未接听 / not answered"
    after = incident(api)
    assert after.acknowledged_at is None
    assert after.next_escalation_at == result.at  # nobody answered: the chain goes on at once


def test_another_key_does_not_acknowledge_and_a_malformed_report_is_422(api: Api) -> None:
    assert post(api, aliyun_voice_report(call_id="c-3", out_id=f"{api.incident}:{PHONE}", dtmf="2")).status_code == 200
    assert incident(api).acknowledged_at is None and call_results(api)[0].data["key"] == "2"
    assert post(api, [{"out_id": "1:2"}]).status_code == 422
    assert post(api, aliyun_voice_report(call_id="c-4", out_id=f"999999:{PHONE}", dtmf="1")).status_code == 200
    assert len(call_results(api)) == 1  # no such incident: nothing recorded
