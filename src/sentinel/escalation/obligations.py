"""Obligations (处置时限): what a grade or an event starts, when each falls due, what a regrade does.

An obligation is a deadline the responsible department must meet with recorded evidence (a release,
a press conference, a reply). Grades start four of them; two are started by an event:

- grade I/II (特别重大/重大): ``authoritative_info`` and ``press_conference`` from the clock start,
  then ``sustained_release`` after every release while the incident is active (国办发〔2016〕80号);
- grade III/IV, or ungraded, when a response is needed: ``response`` (国办发〔2016〕61号);
- a policy document's publication: ``policy_interpretation`` in working days (政策解读);
- a disclosure request's receipt: ``disclosure_reply`` in working days (政府信息公开条例 第三十三条).

A regrade that raises an incident to I/II starts its clocks from the *same* clock start as any other
(by default the incident's emergence), not from the regrade. If the incident emerged long ago they
are already past due: they are started anyway with their regulation due time, listed in
:attr:`RegradeOutcome.past_due`, and breach at the engine's next tick (see
:mod:`~sentinel.escalation.reminders`). Restarting them from the regrade would hide from the
evaluators a deadline the regulation says was missed; the timeline says why it was missed.

Times are aware datetimes; the functions return UTC for what they compute.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sentinel.analyse.grading import Grade
from sentinel.clock import local_iso, require_aware
from sentinel.errors import SentinelError
from sentinel.escalation.policy import ClockStart, Policy
from sentinel.escalation.workdays import working_deadline

if TYPE_CHECKING:
    from sentinel.store.models import Obligation as ObligationRow

__all__ = [
    "MAJOR_GRADES",
    "Obligation",
    "ObligationError",
    "ObligationKind",
    "ObligationState",
    "PlannedObligation",
    "RegradeOutcome",
    "ResponseTimeError",
    "clock_start_for",
    "disclosure_reply_for",
    "margin",
    "next_sustained_release",
    "obligations_for_grade",
    "obligation_json",
    "obligations_met_by",
    "on_regrade",
    "policy_interpretation_for",
    "response_needed",
    "response_negative_share",
    "validate_response_time",
]

MAJOR_GRADES = frozenset({Grade.I, Grade.II})


class ObligationKind(StrEnum):
    AUTHORITATIVE_INFO = "authoritative_info"
    PRESS_CONFERENCE = "press_conference"
    SUSTAINED_RELEASE = "sustained_release"
    RESPONSE = "response"
    POLICY_INTERPRETATION = "policy_interpretation"
    DISCLOSURE_REPLY = "disclosure_reply"

    @property
    def name_zh(self) -> str:
        return _NAMES_ZH[self]

    @property
    def major(self) -> bool:
        """Started by grade I/II; waived when the incident is graded down."""
        return self in _MAJOR_KINDS

    @property
    def working_days(self) -> bool:
        """Counted in working days rather than hours."""
        return self in (ObligationKind.POLICY_INTERPRETATION, ObligationKind.DISCLOSURE_REPLY)


_NAMES_ZH = {
    ObligationKind.AUTHORITATIVE_INFO: "权威信息发布",
    ObligationKind.PRESS_CONFERENCE: "新闻发布会",
    ObligationKind.SUSTAINED_RELEASE: "持续发布",
    ObligationKind.RESPONSE: "回应",
    ObligationKind.POLICY_INTERPRETATION: "政策解读",
    ObligationKind.DISCLOSURE_REPLY: "依申请公开答复",
}
_MAJOR_KINDS = frozenset(
    {ObligationKind.AUTHORITATIVE_INFO, ObligationKind.PRESS_CONFERENCE, ObligationKind.SUSTAINED_RELEASE}
)


class ObligationState(StrEnum):
    """``open`` until evidence meets it (``met``), its due time passes (``breached``) or it no longer
    applies (``waived``, with a reason). Evidence that arrives after the breach is kept with the
    breach: :func:`margin` says by how much it was missed (evidence entered late but dated on time
    makes it ``met``: the response time, not the time of entry, decides)."""

    OPEN = "open"
    MET = "met"
    BREACHED = "breached"
    WAIVED = "waived"


class ObligationError(SentinelError):
    """An obligation cannot be planned or met as asked."""


class ResponseTimeError(ObligationError):
    """A recorded response time is impossible: before the incident emerged, or in the future."""


@dataclass(frozen=True, slots=True)
class PlannedObligation:
    """An obligation to start. ``started_at`` is when its clock runs from (the clock start, the last
    release, the publication or receipt), so ``due_at - started_at`` is the time the rule allows.
    ``sequence`` numbers the sustained releases 1, 2, …; it is 1 for every other kind.
    ``provisional`` says why a working-day deadline is not final (a year counted without its
    holiday notice, see :mod:`~sentinel.escalation.workdays`); None when it is."""

    kind: ObligationKind
    due_at: datetime
    started_at: datetime
    sequence: int = 1
    provisional: str | None = None

    def is_past_due(self, now: datetime) -> bool:
        return self.due_at <= now

    def open(self, id: int | str, *, at: datetime) -> Obligation:
        """The stored obligation once it has an id, opened by sentinel at ``at``."""
        return Obligation(id=id, kind=self.kind, due_at=self.due_at, started_at=self.started_at,
                          opened_at=require_aware(at).astimezone(UTC), sequence=self.sequence)


@dataclass(frozen=True, slots=True)
class Obligation:
    """An open obligation as the engine knows it. ``opened_at`` is when sentinel started it, which
    is later than ``started_at`` when an incident is detected or regraded after its clock started:
    no reminder is sent for a moment before it (the alert that opened it gave the time left)."""

    id: int | str
    kind: ObligationKind
    due_at: datetime
    started_at: datetime
    opened_at: datetime
    sequence: int = 1


@dataclass(frozen=True, slots=True)
class RegradeOutcome:
    """What a grade change does: obligations to start, open ones to waive (each with its reason),
    and which of those started are already past due at the regrade (a subset of ``start``)."""

    start: list[PlannedObligation] = field(default_factory=list)
    waive: list[tuple[Obligation, str]] = field(default_factory=list)
    past_due: list[PlannedObligation] = field(default_factory=list)


def _grade(value: Grade | str | None) -> Grade | None:
    return Grade(value) if value else None


def _utc(value: datetime) -> datetime:
    return require_aware(value).astimezone(UTC)


def clock_start_for(*, emerged_at: datetime, detected_at: datetime, policy: Policy) -> datetime:
    """When an incident's clocks start under ``policy.clock_start``."""
    chosen = emerged_at if policy.clock_start is ClockStart.EMERGENCE else detected_at
    return _utc(chosen)


def response_needed(
    grade: Grade | str | None, *, negative_share: float, heat: float, marked: bool, policy: Policy
) -> bool:
    """Whether a non-major incident needs a 48h response (国办发〔2016〕61号): marked so by hand, or
    both its negative share and its heat reach the policy's thresholds. Grade I/II have their own
    clocks and never need this one."""
    if _grade(grade) in MAJOR_GRADES:
        return False
    if marked:
        return True
    rule = policy.response
    return negative_share >= rule.negative_share and heat >= rule.heat


def response_negative_share(overall: float, by_register: Mapping[str, Mapping[str, int]]) -> float:
    """The negative share the 48h rule compares: that of the incident's more negative register.

    News reports and posts are counted apart (``{"news": {"items": 3, "negative": 3}, ...}``) and
    never averaged together: three negative reports of a fatal accident among thirty posts of
    condolence are negative news all the same. ``overall`` serves an incident without the split.
    """
    shares = [counts["negative"] / counts["items"] for counts in by_register.values() if counts.get("items")]
    return max(shares) if shares else overall


def obligations_for_grade(
    grade: Grade | str | None, *, clock_start: datetime, needs_response: bool, policy: Policy
) -> list[PlannedObligation]:
    """The obligations a grade starts, due from ``clock_start``. Sustained releases are not among
    them: the first starts when the first release is recorded (:func:`next_sustained_release`)."""
    start = _utc(clock_start)
    if _grade(grade) in MAJOR_GRADES:
        return [
            PlannedObligation(ObligationKind.AUTHORITATIVE_INFO, start + policy.authoritative_info.within, start),
            PlannedObligation(ObligationKind.PRESS_CONFERENCE, start + policy.press_conference.within, start),
        ]
    if needs_response:
        return [PlannedObligation(ObligationKind.RESPONSE, start + policy.response.within, start)]
    return []


def on_regrade(
    old: Grade | str | None,
    new: Grade | str | None,
    open_obligations: Sequence[Obligation],
    *,
    clock_start: datetime,
    now: datetime,
    policy: Policy,
    needs_response: bool = False,
    met: Collection[ObligationKind] = (),
) -> RegradeOutcome:
    """What changing the grade from ``old`` to ``new`` starts and waives.

    Crossing into I/II starts the 5h and 24h clocks from ``clock_start`` and waives an open 48h
    response (the stricter clocks replace it). Crossing out of I/II waives the open I/II obligations
    and, when ``needs_response``, starts the 48h response from ``clock_start``. A change within
    I/II or within III/IV/ungraded waives nothing. Kinds already open, or in ``met``, are not
    started again. Clocks already past due at ``now`` are started all the same (module docstring).
    """
    before, after = _grade(old), _grade(new)
    was_major, is_major = before in MAJOR_GRADES, after in MAJOR_GRADES
    before_label = before.value if before else "未定级/ungraded"
    after_label = after.value if after else "未定级/ungraded"
    waive: list[tuple[Obligation, str]] = []
    if is_major and not was_major:
        reason = (f"等级由{before_label}上调为{after_label}，由5小时/24小时时限取代 / "
                  f"grade raised from {before_label} to {after_label}: the 5h/24h clocks replace it")
        waive = [(o, reason) for o in open_obligations if o.kind is ObligationKind.RESPONSE]
    elif was_major and not is_major:
        reason = f"等级由{before_label}下调为{after_label} / grade lowered from {before_label} to {after_label}"
        waive = [(o, reason) for o in open_obligations if o.kind.major]
    waived = [o for o, _ in waive]
    keep = {o.kind for o in open_obligations if o not in waived} | set(met)
    wanted = obligations_for_grade(after, clock_start=clock_start, needs_response=needs_response, policy=policy)
    start = [p for p in wanted if p.kind not in keep]
    moment = _utc(now)
    return RegradeOutcome(start=start, waive=waive, past_due=[p for p in start if p.is_past_due(moment)])


def next_sustained_release(last_release_at: datetime, *, sequence: int, policy: Policy) -> PlannedObligation:
    """The next 持续发布 after a release at ``last_release_at``: start one when the first release of
    a grade I/II incident is recorded, and again at each release while the incident is active."""
    if sequence < 1:
        raise ValueError(f"sustained releases are numbered from 1, got {sequence}")
    start = _utc(last_release_at)
    return PlannedObligation(ObligationKind.SUSTAINED_RELEASE, start + policy.sustained_release.every, start,
                             sequence)


def policy_interpretation_for(published_at: datetime, *, policy: Policy, zone: ZoneInfo) -> PlannedObligation:
    """政策解读 of a policy document published at ``published_at``: at the latest N working days
    after it. Working days come from ``policy.calendar`` for the years it gives, else
    ``chinese_calendar``, else the statutory holidays by rule (then the deadline is provisional)."""
    start = _utc(published_at)
    due = working_deadline(start, policy.policy_interpretation.working_days, zone, end_of_day=policy.end_of_day,
                           calendar=policy.calendar)
    return PlannedObligation(ObligationKind.POLICY_INTERPRETATION, due.at, start, provisional=due.reason)


def disclosure_reply_for(
    received_at: datetime, *, policy: Policy, zone: ZoneInfo, extended: bool = False
) -> PlannedObligation:
    """依申请公开答复 within N working days of receipt, or N + extension once extended.

    The extended deadline is counted from the receipt, so it is the same however often it is asked
    for; that it is granted only once (with the approval 第三十三条 requires) is the caller's record.
    """
    start = _utc(received_at)
    rule = policy.disclosure_reply
    days = rule.working_days + (rule.extension if extended else 0)
    due = working_deadline(start, days, zone, end_of_day=policy.end_of_day, calendar=policy.calendar)
    return PlannedObligation(ObligationKind.DISCLOSURE_REPLY, due.at, start, provisional=due.reason)


_MET_BY = {
    # a press conference is itself a release of authoritative information (国办发〔2016〕80号)
    ObligationKind.PRESS_CONFERENCE: frozenset({
        ObligationKind.PRESS_CONFERENCE, ObligationKind.AUTHORITATIVE_INFO,
        ObligationKind.SUSTAINED_RELEASE, ObligationKind.RESPONSE}),
    ObligationKind.AUTHORITATIVE_INFO: frozenset({
        ObligationKind.AUTHORITATIVE_INFO, ObligationKind.SUSTAINED_RELEASE, ObligationKind.RESPONSE}),
    ObligationKind.SUSTAINED_RELEASE: frozenset({
        ObligationKind.AUTHORITATIVE_INFO, ObligationKind.SUSTAINED_RELEASE, ObligationKind.RESPONSE}),
    ObligationKind.RESPONSE: frozenset({ObligationKind.RESPONSE}),
    ObligationKind.POLICY_INTERPRETATION: frozenset({ObligationKind.POLICY_INTERPRETATION}),
    ObligationKind.DISCLOSURE_REPLY: frozenset({ObligationKind.DISCLOSURE_REPLY}),
}


def obligations_met_by(kind: ObligationKind | str) -> frozenset[ObligationKind]:
    """The kinds of open obligation that a recorded response of ``kind`` meets."""
    return _MET_BY[ObligationKind(kind)]


def margin(due_at: datetime, met_at: datetime) -> timedelta:
    """How early an obligation was met: positive when early, negative when late."""
    return require_aware(due_at) - require_aware(met_at)


def validate_response_time(
    responded_at: datetime, *, emerged_at: datetime, now: datetime | None = None
) -> datetime:
    """``responded_at`` in UTC, or :class:`ResponseTimeError` when it is before the incident emerged
    (a typo, or a wrong zone) or, given ``now``, in the future."""
    try:
        at = _utc(responded_at)
    except ValueError as exc:
        raise ResponseTimeError(str(exc)) from None
    emerged = _utc(emerged_at)
    if at < emerged:
        raise ResponseTimeError(
            f"回应时间 {at.isoformat()} 早于事件首次出现时间 {emerged.isoformat()} / the response time "
            f"{at.isoformat()} is before the incident emerged at {emerged.isoformat()}")
    if now is not None and at > _utc(now):
        raise ResponseTimeError(
            f"回应时间 {at.isoformat()} 晚于当前时间 / the response time {at.isoformat()} is in the future")
    return at


def obligation_json(row: ObligationRow, zone: ZoneInfo) -> dict[str, Any]:
    """One obligation as the replay prints it (docs/architecture.md#replay-scenarios); the
    after-action report builds on this."""
    return {"kind": row.kind, "sequence": row.sequence, "due_at": local_iso(row.due_at, zone),
            "met_at": local_iso(row.met_at, zone), "state": row.state}
