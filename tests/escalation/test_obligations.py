from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sentinel.analyse.grading import Grade
from sentinel.errors import SentinelError
from sentinel.escalation import workdays
from sentinel.escalation.obligations import (
    Obligation,
    ObligationKind,
    ObligationState,
    PlannedObligation,
    ResponseTimeError,
    clock_start_for,
    disclosure_reply_for,
    margin,
    next_sustained_release,
    obligations_for_grade,
    obligations_met_by,
    on_regrade,
    policy_interpretation_for,
    response_needed,
    response_negative_share,
    validate_response_time,
)
from sentinel.escalation.policy import Policy

SHANGHAI = ZoneInfo("Asia/Shanghai")
POLICY = Policy()
K = ObligationKind
H, M = timedelta(hours=1), timedelta(minutes=1)


def cst(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SHANGHAI)


EMERGED = cst(2025, 3, 12, 9, 40)  # 01:40Z


def test_kind_names_in_chinese() -> None:
    assert {kind.value: kind.name_zh for kind in K} == {
        "authoritative_info": "权威信息发布", "press_conference": "新闻发布会", "sustained_release": "持续发布",
        "response": "回应", "policy_interpretation": "政策解读", "disclosure_reply": "依申请公开答复"}
    assert [kind for kind in K if kind.major] == [K.AUTHORITATIVE_INFO, K.PRESS_CONFERENCE, K.SUSTAINED_RELEASE]
    assert [kind for kind in K if kind.working_days] == [K.POLICY_INTERPRETATION, K.DISCLOSURE_REPLY]
    assert [state.value for state in ObligationState] == ["open", "met", "breached", "waived"]


@pytest.mark.parametrize(
    ("grade", "needs", "expected"),
    [
        (Grade.I, False, [(K.AUTHORITATIVE_INFO, cst(2025, 3, 12, 14, 40)), (K.PRESS_CONFERENCE, cst(2025, 3, 13, 9, 40))]),
        ("II", True, [(K.AUTHORITATIVE_INFO, cst(2025, 3, 12, 14, 40)), (K.PRESS_CONFERENCE, cst(2025, 3, 13, 9, 40))]),
        (Grade.III, True, [(K.RESPONSE, cst(2025, 3, 14, 9, 40))]),
        ("IV", True, [(K.RESPONSE, cst(2025, 3, 14, 9, 40))]),
        (None, True, [(K.RESPONSE, cst(2025, 3, 14, 9, 40))]),
        (Grade.III, False, []),
        (None, False, []),
    ],
)
def test_obligations_for_grade(grade: Grade | str | None, needs: bool, expected: list[tuple[K, datetime]]) -> None:
    planned = obligations_for_grade(grade, clock_start=EMERGED, needs_response=needs, policy=POLICY)
    assert [(p.kind, p.due_at) for p in planned] == expected
    for p in planned:
        assert p.started_at == EMERGED and p.sequence == 1
        assert p.due_at.tzinfo is UTC


def test_clock_start_rule() -> None:
    detected = cst(2025, 3, 12, 10, 30)
    assert clock_start_for(emerged_at=EMERGED, detected_at=detected, policy=POLICY) == EMERGED
    by_detection = Policy.model_validate({"clock_start": "detection"})
    assert clock_start_for(emerged_at=EMERGED, detected_at=detected, policy=by_detection) == detected


@pytest.mark.parametrize(
    ("grade", "share", "heat", "marked", "needed"),
    [
        ("III", 0.5, 6.0, False, True),    # both thresholds reached, inclusive
        ("IV", 0.8, 20.0, False, True),
        (None, 0.6, 7.0, False, True),
        ("III", 0.49, 20.0, False, False),  # heat alone is not enough
        ("IV", 0.9, 5.9, False, False),    # negativity alone is not enough
        ("IV", 0.0, 0.0, True, True),      # marked by hand
        ("I", 1.0, 99.0, True, False),     # I/II have their own clocks
        ("II", 1.0, 99.0, False, False),
    ],
)
def test_response_needed(grade: str | None, share: float, heat: float, marked: bool, needed: bool) -> None:
    assert response_needed(grade, negative_share=share, heat=heat, marked=marked, policy=POLICY) is needed


@pytest.mark.parametrize("overall, by_register, expected", [
    # three negative reports of deaths among ten calm posts: the news is negative all the same
    (3 / 13, {"news": {"items": 3, "negative": 3}, "post": {"items": 10, "negative": 0}}, 1.0),
    (0.5, {"news": {"items": 4, "negative": 1}, "post": {"items": 4, "negative": 3}}, 0.75),
    (0.25, {"post": {"items": 4, "negative": 1}}, 0.25),
    (0.4, {}, 0.4),  # an incident from before the split was kept: its overall share
    (0.0, {"news": {"items": 0, "negative": 0}}, 0.0),
])
def test_the_48h_rule_reads_the_more_negative_register(overall: float, by_register: dict, expected: float) -> None:
    share = response_negative_share(overall, by_register)
    assert share == pytest.approx(expected)
    needed = response_needed("IV", negative_share=share, heat=POLICY.response.heat, marked=False, policy=POLICY)
    assert needed is (expected >= POLICY.response.negative_share)


def opened(kind: K, due: datetime, id: int = 1) -> Obligation:
    return PlannedObligation(kind, due, EMERGED).open(id, at=EMERGED + 10 * M)


RESPONSE = opened(K.RESPONSE, cst(2025, 3, 14, 9, 40), 1)
INFO = opened(K.AUTHORITATIVE_INFO, cst(2025, 3, 12, 14, 40), 2)
PRESS = opened(K.PRESS_CONFERENCE, cst(2025, 3, 13, 9, 40), 3)
SUSTAINED = opened(K.SUSTAINED_RELEASE, cst(2025, 3, 14, 12, 0), 4)
INTERPRETATION = opened(K.POLICY_INTERPRETATION, cst(2025, 3, 17, 23, 59), 5)


@pytest.mark.parametrize(
    ("old", "new", "open_", "needs", "met", "start", "waive"),
    [
        pytest.param("III", "I", [RESPONSE, INTERPRETATION], False, (),
                     [K.AUTHORITATIVE_INFO, K.PRESS_CONFERENCE], [1], id="up-from-III-replaces-response"),
        pytest.param(None, "II", [], False, (), [K.AUTHORITATIVE_INFO, K.PRESS_CONFERENCE], [], id="up-from-none"),
        pytest.param("II", "I", [INFO, PRESS], False, (), [], [], id="within-major"),
        pytest.param("II", "I", [PRESS], False, (K.AUTHORITATIVE_INFO,), [], [], id="within-major-info-met"),
        pytest.param("I", "III", [INFO, PRESS, SUSTAINED, INTERPRETATION], True, (),
                     [K.RESPONSE], [2, 3, 4], id="down-starts-response"),
        pytest.param("I", "IV", [PRESS], False, (K.AUTHORITATIVE_INFO,), [], [3], id="down-no-response"),
        pytest.param("II", None, [INFO, PRESS], True, (), [K.RESPONSE], [2, 3], id="down-to-ungraded"),
        pytest.param("III", "IV", [RESPONSE], True, (), [], [], id="within-minor-keeps-response"),
        pytest.param("III", "IV", [RESPONSE], False, (), [], [], id="within-minor-never-waives"),
        pytest.param(None, "IV", [], True, (), [K.RESPONSE], [], id="minor-starts-needed-response"),
        pytest.param(None, "IV", [], True, (K.RESPONSE,), [], [], id="response-already-met"),
        pytest.param("IV", "II", [], False, (K.AUTHORITATIVE_INFO,), [K.PRESS_CONFERENCE], [],
                     id="up-again-after-info-met"),
    ],
)
def test_on_regrade(old: str | None, new: str | None, open_: list[Obligation], needs: bool,
                    met: tuple[K, ...], start: list[K], waive: list[int]) -> None:
    now = EMERGED + 30 * M
    outcome = on_regrade(old, new, open_, clock_start=EMERGED, now=now, policy=POLICY,
                         needs_response=needs, met=met)
    assert [p.kind for p in outcome.start] == start
    assert [o.id for o, _ in outcome.waive] == waive
    assert outcome.past_due == []
    for p in outcome.start:
        assert p.started_at == EMERGED


def test_regrade_reasons_say_what_changed() -> None:
    down = on_regrade("II", "III", [INFO], clock_start=EMERGED, now=EMERGED, policy=POLICY)
    assert down.waive == [(INFO, "等级由II下调为III / grade lowered from II to III")]
    up = on_regrade(None, "I", [RESPONSE], clock_start=EMERGED, now=EMERGED, policy=POLICY)
    assert up.waive[0][1].startswith("等级由未定级/ungraded上调为I")
    assert "5h/24h" in up.waive[0][1]


@pytest.mark.parametrize(
    ("now", "past_due"),
    [
        (cst(2025, 3, 12, 14, 39), []),                                        # 1 min left on the 5h clock
        (cst(2025, 3, 12, 14, 40), [K.AUTHORITATIVE_INFO]),                    # due exactly now
        (cst(2025, 3, 12, 20, 0), [K.AUTHORITATIVE_INFO]),
        (cst(2025, 3, 13, 11, 0), [K.AUTHORITATIVE_INFO, K.PRESS_CONFERENCE]),  # the next day
    ],
)
def test_late_regrade_keeps_the_regulation_due_times(now: datetime, past_due: list[K]) -> None:
    outcome = on_regrade("III", "I", [], clock_start=EMERGED, now=now, policy=POLICY)
    # the clocks run from emergence, not from the regrade: the evaluators see the breach
    assert [(p.kind, p.due_at) for p in outcome.start] == [
        (K.AUTHORITATIVE_INFO, cst(2025, 3, 12, 14, 40)), (K.PRESS_CONFERENCE, cst(2025, 3, 13, 9, 40))]
    assert [p.kind for p in outcome.past_due] == past_due


def test_sustained_release_every_24h_after_the_last() -> None:
    release = cst(2025, 3, 12, 13, 5)
    planned = next_sustained_release(release, sequence=2, policy=POLICY)
    assert planned == PlannedObligation(K.SUSTAINED_RELEASE, cst(2025, 3, 13, 13, 5), release, 2)
    faster = Policy.model_validate({"sustained_release": {"every": "12h", "reminders": ["1h"]}})
    assert next_sustained_release(release, sequence=1, policy=faster).due_at == cst(2025, 3, 13, 1, 5)
    with pytest.raises(ValueError):
        next_sustained_release(release, sequence=0, policy=POLICY)


def test_policy_interpretation_in_working_days() -> None:
    # published Friday before 国庆 2024: Sun Sep 29 (调休), Mon Sep 30, then Tue Oct 8
    published = cst(2024, 9, 27, 16, 0)
    planned = policy_interpretation_for(published, policy=POLICY, zone=SHANGHAI)
    assert planned.kind is K.POLICY_INTERPRETATION
    assert planned.started_at == published
    assert planned.due_at == datetime(2024, 10, 8, 15, 59, 59, 999999, tzinfo=UTC)
    closing = Policy.model_validate({"end_of_day": "17:30"})
    assert policy_interpretation_for(published, policy=closing, zone=SHANGHAI).due_at == cst(2024, 10, 8, 17, 30)


def test_disclosure_reply_and_its_one_extension() -> None:
    received = cst(2025, 9, 15, 11, 0)
    first = disclosure_reply_for(received, policy=POLICY, zone=SHANGHAI)
    extended = disclosure_reply_for(received, policy=POLICY, zone=SHANGHAI, extended=True)
    assert first.due_at.astimezone(SHANGHAI).date().isoformat() == "2025-10-17"
    assert extended.due_at.astimezone(SHANGHAI).date().isoformat() == "2025-11-14"
    assert extended.started_at == first.started_at == received


def test_working_day_obligation_past_the_calendar_is_provisional(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workdays, "package_years", lambda: frozenset(range(2004, 2027)))  # chinese_calendar 1.11
    planned = disclosure_reply_for(cst(2026, 12, 10, 9), policy=POLICY, zone=SHANGHAI)
    # Dec 11–31 are 1–15, 元旦 off by rule, Jan 4–8 are 16–20
    assert planned.due_at.astimezone(SHANGHAI).date().isoformat() == "2027-01-08"
    assert planned.provisional is not None and "2027" in planned.provisional
    known = disclosure_reply_for(cst(2026, 11, 2, 9), policy=POLICY, zone=SHANGHAI)
    assert known.provisional is None


def test_working_day_obligations_use_the_policy_calendar() -> None:
    # a made-up 2027 notice (not the State Council's): Fri Jan 1 off, Mon Feb 8 – Fri Feb 12 off
    policy = Policy.model_validate({"end_of_day": "17:30", "calendar": {
        "2027": {"holidays": ["2027-01-01", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11", "2027-02-12"],
                 "workdays": ["2027-02-20"]}}})
    # received Thu 2026-12-10: Dec 11 is 1, Dec 14–31 are 2–15, Jan 1 off, Jan 4–8 are 16–20
    reply = disclosure_reply_for(cst(2026, 12, 10, 9), policy=policy, zone=SHANGHAI)
    assert reply.due_at == cst(2027, 1, 8, 17, 30)
    # extended by 20: Jan 11 – Feb 5 are 21–40
    extended = disclosure_reply_for(cst(2026, 12, 10, 9), policy=policy, zone=SHANGHAI, extended=True)
    assert extended.due_at == cst(2027, 2, 5, 17, 30)
    # published Wed 2026-12-30: Thu Dec 31 is 1, Jan 1 off, Mon Jan 4 is 2, Tue Jan 5 is 3
    interpretation = policy_interpretation_for(cst(2026, 12, 30, 15), policy=policy, zone=SHANGHAI)
    assert interpretation.due_at == cst(2027, 1, 5, 17, 30)
    # published Fri Feb 5: Feb 8–12 off, then Mon Feb 15, Tue 16, Wed 17
    festival = policy_interpretation_for(cst(2027, 2, 5, 10), policy=policy, zone=SHANGHAI)
    assert festival.due_at == cst(2027, 2, 17, 17, 30)
    # 2028 is in neither calendar: counted by rule, and said so
    assert interpretation.provisional is None
    assert "2028" in (disclosure_reply_for(cst(2027, 12, 10, 9), policy=policy, zone=SHANGHAI).provisional or "")


@pytest.mark.parametrize(
    ("kind", "meets"),
    [
        (K.PRESS_CONFERENCE, {K.PRESS_CONFERENCE, K.AUTHORITATIVE_INFO, K.SUSTAINED_RELEASE, K.RESPONSE}),
        ("authoritative_info", {K.AUTHORITATIVE_INFO, K.SUSTAINED_RELEASE, K.RESPONSE}),
        (K.RESPONSE, {K.RESPONSE}),
        (K.DISCLOSURE_REPLY, {K.DISCLOSURE_REPLY}),
    ],
)
def test_obligations_met_by(kind: K | str, meets: set[K]) -> None:
    assert obligations_met_by(kind) == meets


@pytest.mark.parametrize(
    ("due", "met", "expected"),
    [
        (cst(2025, 3, 12, 14, 40), cst(2025, 3, 12, 13, 5), timedelta(hours=1, minutes=35)),
        (cst(2025, 3, 12, 14, 40), cst(2025, 3, 12, 14, 40), timedelta(0)),
        (cst(2025, 3, 12, 14, 40), cst(2025, 3, 12, 16, 0), -timedelta(hours=1, minutes=20)),
        (cst(2025, 3, 12, 14, 40), datetime(2025, 3, 12, 6, 40, tzinfo=UTC), timedelta(0)),  # zones agree
    ],
)
def test_margin(due: datetime, met: datetime, expected: timedelta) -> None:
    assert margin(due, met) == expected


def test_response_time_before_emergence_is_an_error() -> None:
    with pytest.raises(ResponseTimeError, match="before the incident emerged") as caught:
        validate_response_time(cst(2025, 3, 12, 9, 39), emerged_at=EMERGED)
    assert isinstance(caught.value, SentinelError)
    assert "早于事件首次出现时间" in str(caught.value)


def test_response_time_checks() -> None:
    at = validate_response_time(cst(2025, 3, 12, 9, 40), emerged_at=EMERGED, now=cst(2025, 3, 12, 9, 40))
    assert at == EMERGED and at.tzinfo is UTC
    with pytest.raises(ResponseTimeError, match="in the future"):
        validate_response_time(cst(2025, 3, 12, 12, 0), emerged_at=EMERGED, now=cst(2025, 3, 12, 11, 0))
    with pytest.raises(ResponseTimeError, match="naive"):
        validate_response_time(datetime(2025, 3, 12, 12, 0), emerged_at=EMERGED)  # noqa: DTZ001 - on purpose


def test_planned_obligation_opens_with_an_id() -> None:
    planned = PlannedObligation(K.AUTHORITATIVE_INFO, cst(2025, 3, 12, 14, 40), EMERGED)
    assert planned.open(7, at=cst(2025, 3, 12, 10, 0)) == Obligation(
        7, K.AUTHORITATIVE_INFO, planned.due_at, EMERGED, cst(2025, 3, 12, 10, 0), 1)
    assert not planned.is_past_due(cst(2025, 3, 12, 14, 39))
    assert planned.is_past_due(cst(2025, 3, 12, 14, 40))
