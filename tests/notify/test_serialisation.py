"""What an outbox row holds: a whole message that round-trips exactly, or a template and its context
rendered when it is sent; a malformed document is a clear error."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sentinel.notify.message import AckLink, Message
from sentinel.notify.serialisation import message_from_json, message_title, message_to_json, stored_message
from sentinel.store.outbox import deferred_message
from tests.notify.samples import sample

ZONE = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
CONTEXT = {
    "now": START + timedelta(hours=3, minutes=58),
    "incident": {"id": 7, "title": "某化工厂爆炸", "grade": "II", "department": "应急管理局", "category": "accident",
                 "emerged_at": START, "detected_at": START + timedelta(minutes=5)},
    "obligations": [{"kind": "authoritative_info", "due_at": START + timedelta(hours=5), "started_at": START,
                     "state": "open"}],
    "obligation": {"kind": "authoritative_info", "due_at": START + timedelta(hours=5), "started_at": START,
                   "state": "open"},
    "offset": timedelta(hours=1), "late_by": 0, "collapsed": 0,
    "recipients": [{"name": "张伟", "phone": "13800000001", "role": "duty_officer"}],
}


def test_a_deferred_message_survives_json_and_renders_as_composed() -> None:
    stored = json.loads(json.dumps(deferred_message("reminder", CONTEXT, zone=ZONE, link_base="https://yq.example.gov.cn",
                                                    idempotency_key="obligation:1:reminder:1h:hook")))
    message = stored_message(stored)
    assert "距5小时权威信息发布时限还剩1小时02分" in message.text_plain
    assert message.mentions == ("13800000001",)
    assert message.idempotency_key == "obligation:1:reminder:1h:hook"
    assert message.link == "https://yq.example.gov.cn/incidents/7"
    assert message_title(stored) == message.title
    # a message written whole still reads as it was written
    assert stored_message(message_to_json(message)) == message


def test_a_context_that_does_not_fit_its_template_is_a_clear_error() -> None:
    broken = deferred_message("reminder", {k: v for k, v in CONTEXT.items() if k != "obligation"}, zone=ZONE,
                              link_base=None, idempotency_key="k")
    with pytest.raises(ValueError, match="does not fit template 'reminder'"):
        stored_message(broken)
    assert message_title(broken).startswith("(unreadable message:")


@pytest.mark.parametrize("message", [
    sample(),
    sample(grade=None, incident_id=None, department=None, link=None, mentions=(), idempotency_key=""),
    sample(kind="test", title="", text_plain="", text_markdown="", grade="I"),
    sample(acks=(AckLink(person="张伟", url="https://yq.example.gov.cn/ack/abc", code="abc", phone="13800000001"),
                 AckLink(person="李娜", url="https://yq.example.gov.cn/ack/def", code="def"))),
])
def test_message_json_round_trips_exactly(message: Message) -> None:
    data = message_to_json(message)
    assert set(data) == {"kind", "title", "text_markdown", "text_plain", "incident_id", "grade", "department",
                         "link", "mentions", "idempotency_key", "acks"}
    assert data["grade"] in (None, "I", "II") and isinstance(data["mentions"], list)
    assert message_from_json(data) == message
    assert message_from_json({**data, "added_in_a_later_version": 1}) == message


@pytest.mark.parametrize("broken", [
    [], {"title": "t", "text_markdown": "", "text_plain": ""}, {**message_to_json(sample()), "grade": "V"},
    {**message_to_json(sample()), "mentions": "13800000000"}, {**message_to_json(sample()), "incident_id": 7},
])
def test_a_malformed_message_document_is_a_value_error(broken: Any) -> None:
    with pytest.raises(ValueError):
        message_from_json(broken)


def test_a_message_finds_the_ack_link_of_one_person_by_name_or_number() -> None:
    zhang = AckLink(person="张伟", url="https://yq.example.gov.cn/ack/abc", code="abc", phone="13800000001")
    message = sample(acks=(zhang, AckLink(person="李娜", url="https://yq.example.gov.cn/ack/def", code="def")))
    assert message.ack_for(person="张伟") is zhang and message.ack_for(phone="13800000001") is zhang
    assert message.ack_for(person="王强") is None and message.ack_for(phone="13800000002") is None
    with pytest.raises(ValueError, match="acks entry lacks"):
        message_from_json({**message_to_json(message), "acks": [{"person": "x"}]})
