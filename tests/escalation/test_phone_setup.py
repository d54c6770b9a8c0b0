"""The phone step's set-up: which channels carry what, and the warnings when it would call nobody."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from sentinel.escalation.clocks import Rules
from sentinel.escalation.engine import EscalationEngine
from sentinel.escalation.phone import setup_problems
from sentinel.escalation.policy import Policy
from sentinel.escalation.roster import Roster, RosterConfig
from sentinel.store.db import open_database

ZONE = ZoneInfo("Asia/Shanghai")
ALWAYS = {"weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "24:00"}


def roster(*, phones: bool) -> RosterConfig:
    phone = {"phone": "13800000001"} if phones else {}
    return RosterConfig.model_validate({"duty": [{"name": "张伟", **phone, **ALWAYS}],
                                        "leaders": [{"name": "钱局长", **phone}]})


@pytest.mark.parametrize(("kinds", "phones", "expected"), [
    (["dingtalk"], True, None),  # no phones set up at all: the default step is not nagged about
    (["dingtalk", "aliyun_sms"], True, "no aliyun_voice or tencent_voice channel"),
    (["dingtalk", "tencent_voice"], False, "nobody in the chain"),
    (["dingtalk", "aliyun_voice"], True, None),
])
def test_the_phone_step_warns_when_it_would_call_nobody(kinds: list[str], phones: bool, expected: str | None) -> None:
    problems = setup_problems(Policy().phone, kinds, roster(phones=phones))
    if expected is None:
        assert problems == []
    else:
        [problem] = problems
        assert problem.startswith("policy.phone:") and expected in problem


def test_a_step_turned_off_is_not_warned_about() -> None:
    rule = Policy.model_validate({"phone": {"enabled": False}}).phone
    assert setup_problems(rule, ["aliyun_sms", "aliyun_voice"], roster(phones=False)) == []


def test_digests_and_operator_alerts_never_go_by_text_message_or_call(tmp_path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 's.db'}")
    kinds = {"ding": "dingtalk", "sms": "aliyun_sms", "voice": "aliyun_voice", "mail": "email"}
    rules = Rules(Policy(), Roster(roster(phones=True), ZONE), ZONE)
    engine = EscalationEngine(database.engine, rules, list(kinds), channel_kinds=kinds)
    assert engine.alert_ids == ["ding", "sms", "mail"]  # incidents' alerts: SMS for those who list it
    assert engine.opt_in == {"sms", "voice"}
    assert engine.text_ids == ["ding", "mail"]  # the daemon's digests, operator and disclosure alerts
