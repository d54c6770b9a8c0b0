"""研判: when a machine grade needs a person, what corroborates it, and how long the escalation
beyond the duty officer waits (pure functions, tables of cases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sentinel.escalation import verification
from sentinel.escalation.policy import EscalationRole, Policy, VerificationRule
from sentinel.escalation.reminders import escalation_due, next_escalation_moment
from sentinel.escalation.verification import Evidence, corroboration, hold_until, weakness

RULE = Policy().verification
T0 = datetime(2026, 3, 1, 7, 10, tzinfo=UTC)


def evidence(tiers=("self_media",), official=False, origins=1, heat=3.9, items=1) -> Evidence:
    return Evidence(frozenset(tiers), official, origins, heat, items)


@pytest.mark.parametrize(("grade", "source", "given", "needed"), [
    ("II", "facts", evidence(), "仅有自媒体来源"),  # one Weibo post with a toll
    ("I", "facts", evidence(origins=2, items=2), "仅有自媒体来源"),
    ("II", "facts", evidence(tiers=("commercial",)), "单一来源"),  # one portal
    ("II", "facts", evidence(tiers=("commercial", "self_media"), origins=2), "仅2个非权威来源"),
    ("II", "facts", evidence(tiers=("local", "self_media"), origins=2), None),  # a local outlet reports it
    ("II", "facts", evidence(tiers=("central",)), None),
    ("II", "facts", evidence(tiers=("provincial",)), None),
    ("II", "facts", evidence(official=True), None),  # an official channel
    ("II", "facts", evidence(origins=3, items=3), None),  # three independent sources
    ("II", "intensity", evidence(heat=14.0), None),  # heat that alone makes it II
    ("III", "facts", evidence(), None),  # only I and II wait
    (None, None, evidence(), None),
    ("II", "manual", evidence(), None),  # a person's grade is a person's judgement
])
def test_which_grades_need_verification(grade, source, given, needed) -> None:
    found = weakness(grade, source, given, RULE)
    assert (found is None) == (needed is None)
    if needed is not None:
        assert needed in found


def test_the_rule_is_policy_with_documented_defaults_that_can_be_changed() -> None:
    assert (RULE.enabled, RULE.grades, RULE.authorities, RULE.sources, RULE.heat, RULE.wait) == (
        True, ["I", "II"], ["central", "provincial", "local"], 3, 14.0, timedelta(hours=1))
    strict = Policy.model_validate({"verification": {"authorities": ["central"], "sources": 5, "wait": "30m"}})
    assert strict.verification.heat == 14.0  # the rest keeps its default
    assert weakness("II", "facts", evidence(tiers=("local",)), strict.verification) is not None
    assert weakness("II", "facts", evidence(), Policy.model_validate(
        {"verification": {"enabled": False}}).verification) is None
    with pytest.raises(ValueError):
        VerificationRule.model_validate({"wait": "0s"})
    # an incident's snapshot keeps the rule it started under
    assert Policy.from_snapshot(strict.snapshot()).verification == strict.verification


def test_corroboration_says_why() -> None:
    assert "中央媒体" in corroboration(evidence(tiers=("central", "self_media")), RULE)
    assert "3个独立来源" in corroboration(evidence(origins=3), RULE)
    assert "热度15.0" in corroboration(evidence(heat=15.0), RULE)
    assert corroboration(evidence(), RULE) is None


def test_the_hold_lasts_while_pending_then_until_the_decision() -> None:
    pending = verification.started(now=T0, reason="仅有自媒体来源", evidence=evidence())
    assert verification.is_pending(pending)
    assert hold_until(pending, RULE) == T0 + timedelta(hours=1)
    assert verification.expired(pending, RULE, T0 + timedelta(minutes=59)) is None
    assert verification.expired(pending, RULE, T0 + timedelta(hours=2)) == T0 + timedelta(hours=1)
    confirmed = verification.decided(pending, verification.CONFIRMED, at=T0 + timedelta(minutes=20),
                                     reason="核实属实", by="张伟")
    assert hold_until(confirmed, RULE) == T0 + timedelta(minutes=20) and not verification.is_pending(confirmed)
    assert hold_until(None, RULE) is None
    with pytest.raises(ValueError):
        verification.decided(pending, "maybe", at=T0, reason="?")


CHAIN = dict(incident_id=7, grade="II", opened_at=T0, acknowledged_at=None, responded_at=None, breached_at=None,
             policy=Policy())


def _due(now: datetime, held: datetime | None, sent=()) -> list[tuple[str, datetime]]:
    return [(action.roles[0].value, action.at) for action in
            escalation_due(**CHAIN, now=now, already_sent=set(sent), held_until=held)]


def test_the_hold_delays_everyone_beyond_the_duty_officer_and_nobody_else() -> None:
    hold = T0 + timedelta(hours=1)
    # 40 minutes in, pending: the duty officer's step only; the section chief's (15m) and the
    # leader's (30m) wait
    assert _due(T0 + timedelta(minutes=40), hold) == [("duty_officer", T0)]
    assert _due(T0 + timedelta(minutes=40), None) == [
        ("duty_officer", T0), ("section_chief", T0 + timedelta(minutes=15)), ("leader", T0 + timedelta(minutes=30))]
    # decided at 40 minutes: both at once, at the decision, in chain order
    decided = T0 + timedelta(minutes=40)
    assert _due(decided, decided, sent=["incident:7:escalate:duty_officer"]) == [
        ("section_chief", decided), ("leader", decided)]
    # the engine's index wakes at the end of the hold, not before
    assert next_escalation_moment(**CHAIN, already_sent={"incident:7:escalate:duty_officer"},
                                  held_until=hold) == hold


def test_a_reescalation_waits_for_the_hold_too() -> None:
    acked = dict(CHAIN, acknowledged_at=T0 + timedelta(minutes=5))
    sent = {f"incident:7:escalate:{role.value}" for role in EscalationRole}
    hold = T0 + timedelta(hours=3)
    # re-escalation is due 2h after the acknowledgment (02:05 past T0), held until 3h
    assert escalation_due(**acked, now=T0 + timedelta(hours=2, minutes=30), already_sent=sent, held_until=hold) == []
    (action,) = escalation_due(**acked, now=hold, already_sent=sent, held_until=hold)
    assert action.kind.value == "reescalation" and action.at == hold
