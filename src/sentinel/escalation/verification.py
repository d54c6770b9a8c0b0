"""研判 (verification): a machine grade of I or II resting on weak evidence waits for a person.

Weak evidence is the opposite of corroboration (:func:`corroboration`): no ``official`` source and no
source of an authoritative tier (central, provincial, local by default) carries the story, fewer than
``sources`` independent sources do, and its heat is below ``heat`` — typically a few self-media posts,
or a single commercial portal. Such an incident is *to be verified* (待研判):

- the duty officer is asked at once (the ``verification`` alert, in place of the duty officer's first
  escalation step) with the evidence and one step to confirm (``sentinel verify``) or dismiss;
- its obligations open as for any grade I/II incident, due from emergence: verification never moves
  a deadline, and reminders and breaches reach the duty officer as usual;
- the escalation beyond the duty officer (section chiefs, leaders, re-escalation) is held until a
  person confirms, the incident is corroborated, or ``wait`` passes (:func:`hold_until`); a step
  that fell due meanwhile goes out at that moment, so on corroboration after half an hour the leaders
  hear at once. A dismissal waives everything, as always.

The state lives in ``incident.verification`` (a dict: ``state``, ``since``, ``at``, ``reason``,
``evidence``, ``by``); the rule in ``policy.verification``. Everything here is pure.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sentinel.analyse.grading import Grade
from sentinel.escalation.policy import VerificationRule

__all__ = ["Evidence", "corroboration", "decided", "hold_until", "is_pending", "started", "verify_key", "weakness"]

PENDING, CONFIRMED, CORROBORATED, EXPIRED = "pending", "confirmed", "corroborated", "expired"
_TIERS_ZH = {"central": "中央媒体", "provincial": "省级媒体", "local": "地方媒体", "commercial": "商业门户",
             "self_media": "自媒体"}


def verify_key(incident_id: int | str) -> str:
    """The idempotency key of the request to the duty officer."""
    return f"incident:{incident_id}:verify"


@dataclass(frozen=True, slots=True)
class Evidence:
    """What an incident's story rests on: the authority tiers of its sources, whether an official
    source carried it, how many independent sources did, its heat and its items."""

    tiers: frozenset[str]
    official: bool
    origins: int
    heat: float
    items: int

    def to_dict(self) -> dict[str, Any]:
        return {"tiers": sorted(self.tiers), "official": self.official, "sources": self.origins,
                "heat": round(self.heat, 2), "items": self.items}


def corroboration(evidence: Evidence, rule: VerificationRule) -> str | None:
    """Why the evidence is strong enough without a person, or None when it is weak."""
    if evidence.official:
        return "官方渠道发布 / an official source reports it"
    strong = [tier for tier in rule.authorities if tier in evidence.tiers]
    if strong:
        names = "、".join(_TIERS_ZH.get(tier, tier) for tier in strong)
        return f"{names}报道 / reported by a {', '.join(strong)} source"
    if evidence.origins >= rule.sources:
        return f"{evidence.origins}个独立来源 / {evidence.origins} independent sources"
    if evidence.heat >= rule.heat:
        return f"热度{evidence.heat:.1f}达到{rule.heat:g} / heat {evidence.heat:.1f} reached {rule.heat:g}"
    return None


def weakness(grade: Grade | str | None, grade_source: str | None, evidence: Evidence,
             rule: VerificationRule) -> str | None:
    """Why a machine grade needs verification (仅有自媒体来源 …), or None when it does not: a person's
    grade, a grade the rule does not cover, or corroborated evidence."""
    if not rule.enabled or grade is None or Grade(grade) not in rule.grades or grade_source == "manual":
        return None
    if corroboration(evidence, rule) is not None:
        return None
    if evidence.tiers <= {"self_media"}:
        what = "仅有自媒体来源 / only self-media sources"
    elif evidence.origins <= 1:
        what = "单一来源 / a single source"
    else:
        what = f"仅{evidence.origins}个非权威来源 / only {evidence.origins} sources, none authoritative"
    return f"{what}，热度{evidence.heat:.1f}低于{rule.heat:g} / heat below {rule.heat:g}"


def started(*, now: datetime, reason: str, evidence: Evidence) -> dict[str, Any]:
    """The state of an incident that has just become 待研判."""
    return {"state": PENDING, "since": now.isoformat(), "at": None, "reason": reason, "evidence": evidence.to_dict(),
            "by": None}


def decided(state: Mapping[str, Any], outcome: str, *, at: datetime, reason: str, by: str = "sentinel",
            evidence: Evidence | None = None) -> dict[str, Any]:
    """The state once ``outcome`` (confirmed, corroborated, expired) ended the wait at ``at``."""
    if outcome not in (CONFIRMED, CORROBORATED, EXPIRED):
        raise ValueError(f"not an outcome of verification: {outcome!r}")
    out = {**state, "state": outcome, "at": at.isoformat(), "reason": reason, "by": by}
    if evidence is not None:
        out["evidence"] = evidence.to_dict()
    return out


def is_pending(state: Mapping[str, Any] | None) -> bool:
    return bool(state) and state.get("state") == PENDING  # type: ignore[union-attr]


def hold_until(state: Mapping[str, Any] | None, rule: VerificationRule) -> datetime | None:
    """Until when the escalation beyond the duty officer is held: while pending, until the wait
    ends; once decided, until the decision (a step that fell due meanwhile goes out then, not
    earlier); None for an incident that never needed verification."""
    if not state:
        return None
    if state.get("state") == PENDING:
        return datetime.fromisoformat(state["since"]) + rule.wait
    at = state.get("at")
    return datetime.fromisoformat(at) if at else None


def expired(state: Mapping[str, Any] | None, rule: VerificationRule, now: datetime) -> datetime | None:
    """The moment the wait ran out, when the state is pending and that moment has come."""
    if not is_pending(state):
        return None
    end = hold_until(state, rule)
    return end if end is not None and end <= now else None


def held(role_values: Collection[str]) -> bool:
    """Whether an escalation to these roles waits for verification: anyone beyond the duty officer."""
    return any(role != "duty_officer" for role in role_values)


def wait_text(wait: timedelta) -> str:
    minutes = round(wait.total_seconds() / 60)
    return f"{minutes // 60}小时{minutes % 60}分" if minutes % 60 and minutes >= 60 else (
        f"{minutes // 60}小时" if minutes >= 60 else f"{minutes}分钟")
