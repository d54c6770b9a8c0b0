from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sentinel.escalation.obligations import Obligation, ObligationKind, PlannedObligation
from sentinel.escalation.policy import EscalationRole, Policy
from sentinel.escalation.reminders import (
    Action,
    ActionKind,
    due_actions,
    escalation_due,
    format_time_left,
    reminder_moments,
)

try:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    HYPOTHESIS = True
except ImportError:  # the seeded property checks below still run
    HYPOTHESIS = False

SHANGHAI = ZoneInfo("Asia/Shanghai")
POLICY = Policy()
H, M, S = timedelta(hours=1), timedelta(minutes=1), timedelta(seconds=1)
K = ObligationKind


def cst(h: int, mi: int = 0, s: int = 0, *, day: int = 12) -> datetime:
    return datetime(2025, 3, day, h, mi, s, tzinfo=SHANGHAI)


EMERGED = cst(9, 40)
# the 5h clock: emergence 09:40 +08:00, detected and opened at 09:45, due 14:40
INFO = PlannedObligation(K.AUTHORITATIVE_INFO, cst(14, 40), EMERGED).open(7, at=cst(9, 45))


def keys(actions: Sequence[Action]) -> list[str]:
    return [a.key for a in actions]


def test_reminder_moments_of_the_5h_clock() -> None:
    assert reminder_moments(K.AUTHORITATIVE_INFO, cst(14, 40), POLICY) == [
        (2 * H, cst(12, 40)), (1 * H, cst(13, 40)), (30 * M, cst(14, 10)), (10 * M, cst(14, 30))]
    # opened at 13:00 (a late regrade): the 12:40 reminder belongs to a time before sentinel knew
    assert [at for _, at in reminder_moments(K.AUTHORITATIVE_INFO, cst(14, 40), POLICY, opened_at=cst(13, 0))] == [
        cst(13, 40), cst(14, 10), cst(14, 30)]


@pytest.mark.parametrize(
    ("kind", "due", "moments"),
    [
        (K.PRESS_CONFERENCE, cst(9, 40, day=13), [cst(21, 40), cst(5, 40, day=13), cst(8, 40, day=13)]),
        (K.RESPONSE, cst(9, 40, day=14), [cst(21, 40, day=13), cst(7, 40, day=14)]),
        (K.SUSTAINED_RELEASE, cst(13, 5, day=13), [cst(1, 5, day=13), cst(9, 5, day=13), cst(12, 5, day=13)]),
        (K.POLICY_INTERPRETATION, datetime(2025, 3, 17, 15, 59, 59, 999999, tzinfo=UTC),
         [datetime(2025, 3, 16, 15, 59, 59, 999999, tzinfo=UTC)]),
    ],
)
def test_reminder_moments_per_kind(kind: K, due: datetime, moments: list[datetime]) -> None:
    assert [at for _, at in reminder_moments(kind, due, POLICY)] == moments


def test_ticks_every_minute_send_each_reminder_once_on_time() -> None:
    sent: set[str] = set()
    seen: list[tuple[datetime, str]] = []
    now = cst(9, 45)
    while now <= cst(15, 0):
        for action in due_actions(INFO, now=now, policy=POLICY, already_sent=sent):
            assert action.late_by == timedelta(0) and action.collapsed == ()
            seen.append((now, action.key))
            sent.update(action.keys)
        now += M
    assert seen == [
        (cst(12, 40), "obligation:7:reminder:2h"), (cst(13, 40), "obligation:7:reminder:1h"),
        (cst(14, 10), "obligation:7:reminder:30m"), (cst(14, 30), "obligation:7:reminder:10m"),
        (cst(14, 40), "obligation:7:breach")]


def test_catch_up_after_downtime_collapses_reminders() -> None:
    sent: set[str] = set()
    assert due_actions(INFO, now=cst(11, 0), policy=POLICY, already_sent=sent) == []
    # down from 11:00 to 14:31: one reminder, the latest, naming the three it stands for
    [action] = due_actions(INFO, now=cst(14, 31), policy=POLICY, already_sent=sent)
    assert action == Action(
        key="obligation:7:reminder:10m", kind=ActionKind.REMINDER, at=cst(14, 30), late_by=M, subject=7,
        obligation_kind=K.AUTHORITATIVE_INFO, due_at=cst(14, 40), offset=10 * M,
        collapsed=("obligation:7:reminder:2h", "obligation:7:reminder:1h", "obligation:7:reminder:30m"))
    assert format_time_left(action.due_at - cst(14, 31)) == "9分"  # type: ignore[operator]
    sent.update(action.keys)
    # idempotent: the same tick again, and every minute up to the deadline, send nothing
    for minute in range(31, 40):
        assert due_actions(INFO, now=cst(14, minute), policy=POLICY, already_sent=sent) == []
    [breach] = due_actions(INFO, now=cst(14, 40), policy=POLICY, already_sent=sent)
    assert (breach.key, breach.kind, breach.at, breach.late_by, breach.collapsed) == (
        "obligation:7:breach", ActionKind.BREACH, cst(14, 40), timedelta(0), ())
    sent.update(breach.keys)
    assert due_actions(INFO, now=cst(18, 0), policy=POLICY, already_sent=sent) == []


def test_recording_only_the_action_key_is_enough() -> None:
    [action] = due_actions(INFO, now=cst(14, 31), policy=POLICY, already_sent=set())
    # a caller that forgot the collapsed keys still gets nothing older than what it sent
    assert due_actions(INFO, now=cst(14, 35), policy=POLICY, already_sent={action.key}) == []


def test_breach_swallows_pending_reminders() -> None:
    [action] = due_actions(INFO, now=cst(15, 0), policy=POLICY, already_sent={"obligation:7:reminder:2h"})
    assert action.kind is ActionKind.BREACH
    assert (action.at, action.late_by) == (cst(14, 40), 20 * M)
    assert action.collapsed == ("obligation:7:reminder:1h", "obligation:7:reminder:30m", "obligation:7:reminder:10m")


def test_nothing_after_the_breach_is_sent() -> None:
    assert due_actions(INFO, now=cst(15, 0), policy=POLICY, already_sent={"obligation:7:breach"}) == []


def test_opened_after_its_reminders() -> None:
    late = PlannedObligation(K.AUTHORITATIVE_INFO, cst(14, 40), EMERGED).open(8, at=cst(13, 0))
    assert due_actions(late, now=cst(13, 0), policy=POLICY, already_sent=set()) == []
    assert keys(due_actions(late, now=cst(13, 40), policy=POLICY, already_sent=set())) == [
        "obligation:8:reminder:1h"]


def test_opened_past_due_breaches_at_once() -> None:
    # regraded to I at 20:00; the 5h clock from emergence fell due at 14:40
    past = PlannedObligation(K.AUTHORITATIVE_INFO, cst(14, 40), EMERGED).open(9, at=cst(20, 0))
    assert due_actions(past, now=cst(19, 59), policy=POLICY, already_sent=set()) == []
    [breach] = due_actions(past, now=cst(20, 0, 30), policy=POLICY, already_sent=set())
    assert breach.kind is ActionKind.BREACH and breach.collapsed == ()
    # the engine was 30s late; the deadline was missed by 5h20m before sentinel knew
    assert (breach.at, breach.late_by, breach.due_at) == (cst(20, 0), 30 * S, cst(14, 40))


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        due_actions(INFO, now=datetime(2025, 3, 12, 14, 0), policy=POLICY, already_sent=set())  # noqa: DTZ001


# --------------------------------------------------------------------------------- escalation

OPENED = cst(10, 0)


def escalate(now: datetime, sent: set[str] | frozenset[str] = frozenset(), *, grade: str | None = "I",
             acknowledged_at: datetime | None = None, responded_at: datetime | None = None,
             breached_at: datetime | None = None, policy: Policy = POLICY) -> list[Action]:
    return escalation_due(incident_id=3, grade=grade, opened_at=OPENED, acknowledged_at=acknowledged_at,
                          responded_at=responded_at, breached_at=breached_at, now=now, policy=policy,
                          already_sent=sent)


def test_chain_when_nobody_acknowledges() -> None:
    sent: set[str] = set()
    timeline = []
    now = OPENED
    while now <= cst(11, 0):
        for action in escalate(now, sent):
            timeline.append((now, action.key, action.roles))
            sent.update(action.keys)
        now += M
    assert timeline == [
        (cst(10, 0), "incident:3:escalate:duty_officer", (EscalationRole.DUTY_OFFICER,)),
        (cst(10, 15), "incident:3:escalate:section_chief", (EscalationRole.SECTION_CHIEF,)),
        (cst(10, 30), "incident:3:escalate:leader", (EscalationRole.LEADER,))]


def test_chain_after_downtime_tells_everyone_in_order() -> None:
    actions = escalate(cst(10, 40))
    assert [(a.key, a.at, a.late_by) for a in actions] == [
        ("incident:3:escalate:duty_officer", cst(10, 0), 40 * M),
        ("incident:3:escalate:section_chief", cst(10, 15), 25 * M),
        ("incident:3:escalate:leader", cst(10, 30), 10 * M)]
    assert escalate(cst(10, 40), {k for a in actions for k in a.keys}) == []


def test_acknowledged_stops_the_chain_but_not_the_breach() -> None:
    sent = {"incident:3:escalate:duty_officer"}
    assert escalate(cst(10, 45), sent, acknowledged_at=cst(10, 10)) == []
    [leader] = escalate(cst(14, 41), sent, acknowledged_at=cst(10, 10), responded_at=cst(12, 0),
                        breached_at=cst(14, 40))
    assert (leader.key, leader.at, leader.late_by) == ("incident:3:escalate:leader", cst(14, 40), M)


def test_a_step_overtaken_by_the_acknowledgment_during_downtime_is_dropped() -> None:
    # down 10:05–10:20; acknowledged at 10:18: the section chief need not hear "nobody acknowledged"
    assert escalate(cst(10, 20), {"incident:3:escalate:duty_officer"}, acknowledged_at=cst(10, 18)) == []


def test_leader_told_once_even_when_a_breach_follows() -> None:
    sent = {"incident:3:escalate:duty_officer", "incident:3:escalate:section_chief", "incident:3:escalate:leader"}
    assert escalate(cst(15, 0), sent, breached_at=cst(14, 40)) == []


def test_reescalation_once_when_acknowledged_without_response() -> None:
    sent = {"incident:3:escalate:duty_officer"}
    ack = cst(10, 10)
    assert escalate(cst(12, 9), sent, acknowledged_at=ack) == []
    [action] = escalate(cst(12, 10), sent, acknowledged_at=ack)
    assert (action.key, action.kind, action.roles) == (
        "incident:3:reescalate:1", ActionKind.REESCALATION, (EscalationRole.SECTION_CHIEF, EscalationRole.LEADER))
    sent.add(action.key)
    assert escalate(cst(20, 0), sent, acknowledged_at=ack) == []
    assert escalate(cst(12, 10), {"incident:3:escalate:duty_officer"}, acknowledged_at=ack,
                    responded_at=cst(11, 0)) == []
    [minor] = escalate(cst(12, 10), {"incident:3:escalate:duty_officer"}, grade="IV", acknowledged_at=ack)
    assert minor.roles == (EscalationRole.SECTION_CHIEF,)


def test_repeated_reescalation_collapses_after_downtime() -> None:
    policy = Policy.model_validate({"escalation": {"I": {"reescalate_every": "1h"}}})
    sent = {"incident:3:escalate:duty_officer"}
    ack = cst(10, 10)
    # due 12:10, 13:10, 14:10, 15:10; down until 14:30
    [action] = escalate(cst(14, 30), sent, acknowledged_at=ack, policy=policy)
    assert (action.key, action.at, action.late_by) == ("incident:3:reescalate:3", cst(14, 10), 20 * M)
    assert action.collapsed == ("incident:3:reescalate:1", "incident:3:reescalate:2")
    sent.add(action.key)
    assert escalate(cst(15, 9), sent, acknowledged_at=ack, policy=policy) == []
    assert keys(escalate(cst(15, 10), sent, acknowledged_at=ack, policy=policy)) == ["incident:3:reescalate:4"]


# ------------------------------------------------------------------------------- properties

Step = Callable[[datetime, set[str]], list[Action]]


def _obligation_step(obligation: Obligation) -> Step:
    return lambda now, sent: due_actions(obligation, now=now, policy=POLICY, already_sent=sent)


def _escalation_step(ack: datetime | None, breach: datetime | None) -> Step:
    policy = Policy.model_validate({"escalation": {"II": {"reescalate_every": "45m"}}})
    return lambda now, sent: escalation_due(
        incident_id=5, grade="II", opened_at=OPENED, acknowledged_at=ack, responded_at=None,
        breached_at=breach, now=now, policy=policy, already_sent=sent)


def check_never_twice(step: Step, offsets: Sequence[int], *, record_collapsed: bool) -> list[Action]:
    """Feed increasing ``now``s (minutes after 09:45); no key may come back, as action or collapsed."""
    sent: set[str] = set()
    accounted: list[str] = []
    returned: list[Action] = []
    for minutes in sorted(offsets):
        now = cst(9, 45) + minutes * M
        actions = step(now, sent)
        assert [a.at for a in actions] == sorted(a.at for a in actions)
        for action in actions:
            assert action.at <= now and action.late_by == now - action.at >= timedelta(0)
            accounted.extend(action.keys)
            sent.update(action.keys if record_collapsed else (action.key,))
        returned.extend(actions)
    assert len(accounted) == len(set(accounted)), accounted
    return returned


def check_obligation(offsets: Sequence[int], opened_minutes: int, record_collapsed: bool) -> None:
    obligation = PlannedObligation(K.AUTHORITATIVE_INFO, cst(14, 40), EMERGED).open(
        1, at=cst(9, 45) + opened_minutes * M)
    actions = check_never_twice(_obligation_step(obligation), offsets, record_collapsed=record_collapsed)
    kinds = [a.kind for a in actions]
    assert ActionKind.BREACH not in kinds[:-1]  # nothing after the breach
    breach_at = max(obligation.due_at, obligation.opened_at)
    breached = any(cst(9, 45) + m * M >= breach_at for m in offsets)
    assert kinds.count(ActionKind.BREACH) == (1 if breached else 0)


def check_escalation(offsets: Sequence[int], ack_minutes: int | None, breach_minutes: int | None) -> None:
    ack = cst(9, 45) + ack_minutes * M if ack_minutes is not None else None
    breach = cst(9, 45) + breach_minutes * M if breach_minutes is not None else None
    check_never_twice(_escalation_step(ack, breach), offsets, record_collapsed=False)


def test_never_twice_seeded() -> None:
    rng = random.Random(20160817)  # runs with or without hypothesis
    for _ in range(300):
        offsets = rng.sample(range(0, 600), rng.randint(1, 40))
        check_obligation(offsets, rng.choice([0, 200, 400, 500]), rng.random() < 0.5)
        check_escalation(offsets, rng.choice([None, 5, 20, 100]), rng.choice([None, 295, 500]))


if HYPOTHESIS:
    minutes = st.lists(st.integers(min_value=0, max_value=900), min_size=1, max_size=60)

    @settings(max_examples=300, deadline=None)
    @given(minutes, st.integers(min_value=0, max_value=600), st.booleans())
    def test_never_twice_obligation(offsets: list[int], opened: int, record_collapsed: bool) -> None:
        check_obligation(offsets, opened, record_collapsed)

    @settings(max_examples=300, deadline=None)
    @given(minutes, st.none() | st.integers(min_value=0, max_value=900),
           st.none() | st.integers(min_value=0, max_value=900))
    def test_never_twice_escalation(offsets: list[int], ack: int | None, breach: int | None) -> None:
        check_escalation(offsets, ack, breach)


# ---------------------------------------------------------------------------------- wording

@pytest.mark.parametrize(
    ("left", "text"),
    [
        (timedelta(hours=1, minutes=2), "1小时02分"),
        (timedelta(hours=2), "2小时"),
        (timedelta(hours=1, minutes=59, seconds=55), "2小时"),  # a tick a few seconds after T-2h
        (timedelta(minutes=30), "30分"),
        (timedelta(minutes=9, seconds=10), "9分"),
        (timedelta(seconds=45), "不足1分"),
        (timedelta(0), "0分"),
        (timedelta(days=1), "1天"),
        (timedelta(days=2, hours=4, minutes=20), "2天4小时"),
        (timedelta(hours=23, minutes=10), "23小时10分"),
        (-timedelta(minutes=12), "已超时12分"),
        (-timedelta(hours=5, minutes=20), "已超时5小时20分"),
    ],
)
def test_format_time_left(left: timedelta, text: str) -> None:
    assert format_time_left(left) == text
