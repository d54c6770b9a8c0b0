"""Obligations in the store: starting, waiving and meeting them inside the caller's transaction.

Every function here takes an open :class:`~sqlmodel.Session` and leaves the commit to its caller,
so that an obligation's change, its timeline entry and whatever else made it happen (a regrade, a
recorded response) are one transaction. The rules themselves are pure and live in
:mod:`~sentinel.escalation.obligations`; this module applies them to rows.

The policy and roster an incident runs under are snapshotted into it when its first clock starts
(:func:`sync_clocks`) and read back from there ever after (:meth:`Rules.for_incident`), so that a
configuration change never moves the deadlines of an incident already running, and the record shows
who was supposed to be told.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, select, union_all
from sqlmodel import Session, col

from sentinel.analyse.grading import Grade
from sentinel.escalation import phone, verification
from sentinel.escalation.obligations import (
    MAJOR_GRADES,
    Obligation,
    ObligationError,
    ObligationKind,
    ObligationState,
    PlannedObligation,
    clock_start_for,
    next_sustained_release,
    obligations_met_by,
    on_regrade,
    response_needed,
    response_negative_share,
)
from sentinel.escalation.policy import Policy
from sentinel.escalation.reminders import next_escalation_moment, next_obligation_moment
from sentinel.escalation.roster import Roster
from sentinel.store.models import (
    EngineAction,
    Incident,
    IncidentKind,
    IncidentState,
    Jurisdiction,
    Response,
    TimelineEvent,
)
from sentinel.store.models import Obligation as ObligationRow

if TYPE_CHECKING:
    from sentinel.settings import Settings

__all__ = [
    "RELEASE_KINDS",
    "Rules",
    "announce_at",
    "check_verification",
    "open_obligation",
    "calls_from",
    "is_raise",
    "outside",
    "pending_evidence",
    "raise_key",
    "raises",
    "record_response",
    "refresh_escalation",
    "refresh_obligation",
    "sent_keys",
    "sync_clocks",
    "view",
    "waive",
]

#: Responses that are releases of authoritative information: each restarts the sustained-release clock.
RELEASE_KINDS = frozenset({ObligationKind.AUTHORITATIVE_INFO, ObligationKind.PRESS_CONFERENCE,
                           ObligationKind.SUSTAINED_RELEASE})


@dataclass(frozen=True, slots=True)
class Rules:
    """The policy and roster in force (from the configuration), and the zone for local times."""

    policy: Policy
    roster: Roster
    zone: ZoneInfo

    @classmethod
    def from_settings(cls, settings: Settings) -> Rules:
        """The rules the configuration puts in force."""
        return cls(settings.policy, Roster(settings.roster, settings.zone), settings.zone)

    def for_incident(self, incident: Incident) -> Rules:
        """The rules an incident runs under: its snapshots once its clocks started, else these."""
        if incident.policy_snapshot is None:
            return self
        policy = _policy(json.dumps(incident.policy_snapshot, sort_keys=True, ensure_ascii=False))
        roster = self.roster
        if incident.roster_snapshot:
            roster = _roster(json.dumps(incident.roster_snapshot, sort_keys=True, ensure_ascii=False), self.zone)
        return Rules(policy, roster, self.zone)


# Incidents started under the same configuration share one snapshot: parse each once (validating a
# policy costs about a millisecond, and the engine asks for every action it takes).
@lru_cache(maxsize=256)
def _policy(snapshot: str) -> Policy:
    return Policy.from_snapshot(json.loads(snapshot))


@lru_cache(maxsize=256)
def _roster(snapshot: str, zone: ZoneInfo) -> Roster:
    return Roster.from_snapshot(json.loads(snapshot), zone)


def _id(row: Incident | ObligationRow | Response) -> int:
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush it first")
    return row.id


def view(row: ObligationRow) -> Obligation:
    """The engine's view of a stored obligation."""
    return Obligation(id=_id(row), kind=ObligationKind(row.kind), due_at=row.due_at, started_at=row.started_at,
                      opened_at=row.opened_at, sequence=row.sequence)


def sent_keys(session: Session, *, obligation_ids: Collection[int] = (), incident_ids: Collection[int] = ()
              ) -> set[str]:
    """The idempotency keys already handled for these obligations and incidents."""
    key = col(EngineAction.key)
    queries = []  # one statement, a branch per index (an OR of the two led SQLite to scan the table)
    if obligation_ids:
        queries.append(select(key).where(col(EngineAction.obligation_id).in_(list(obligation_ids))))
    if incident_ids:
        queries.append(select(key).where(col(EngineAction.incident_id).in_(list(incident_ids)),
                                         col(EngineAction.obligation_id).is_(None)))
    if not queries:
        return set()
    return set(session.scalars(queries[0] if len(queries) == 1 else union_all(*queries)).all())


def refresh_obligation(row: ObligationRow, policy: Policy, already_sent: Collection[str]) -> None:
    """Index an obligation by the next moment the engine has something to do for it."""
    if row.state != ObligationState.OPEN.value:
        row.next_action_at = None
        return
    row.next_action_at = next_obligation_moment(view(row), policy=policy, already_sent=already_sent)


def announce_at(incident: Incident) -> datetime:
    """When an incident is announced: when it was detected, or adopted from outside the jurisdiction."""
    adopted = (incident.details or {}).get("adopted")
    if adopted:
        return max(incident.detected_at, datetime.fromisoformat(adopted["at"]))
    return incident.detected_at


def outside(incident: Incident | Row[Any]) -> bool:
    """Outside the jurisdiction (属地管理): kept and shown, but no clocks and nobody paged."""
    return incident.jurisdiction == Jurisdiction.OUTSIDE.value


def refresh_escalation(incident: Incident, policy: Policy, already_sent: Collection[str], *,
                       next_call: datetime | None = None, calls_read: bool = False) -> None:
    """Index an incident by the next moment an alert may fall due for it (the engine's tick reads it).

    Every open incident inside the jurisdiction is first announced (its ``incident:{id}:new`` key);
    one whose clocks run then climbs its grade's escalation chain, counted from when they started,
    beyond the duty officer only once verification allows (:mod:`~sentinel.escalation.verification`),
    and is called in by phone while nobody acknowledges it (:mod:`~sentinel.escalation.phone`).
    An incident outside the jurisdiction has no moment at all.

    ``next_call``: the next call's moment when the caller has read the calls made (``calls_read``,
    the engine); anyone else gets a moment no later than it, and the engine's tick then indexes the
    exact one.
    """
    incident_id = _id(incident)
    if incident.state != IncidentState.OPEN.value or outside(incident):
        incident.next_escalation_at = None
        return
    if f"incident:{incident_id}:new" not in already_sent:
        incident.next_escalation_at = announce_at(incident)
        return
    asked = []  # the verification request, while it is pending and not yet sent
    if verification.is_pending(incident.verification) and \
            verification.verify_key(incident_id) not in already_sent:
        asked = [datetime.fromisoformat(incident.verification["since"])]  # type: ignore[index]
    hold = verification.hold_until(incident.verification, policy.verification)
    asked += [max(at, hold) if hold is not None else at
              for key, at in raises(incident) if key not in already_sent]
    if incident.clocks_opened_at is None:
        incident.next_escalation_at = min(asked, default=None)
        return
    moment = next_escalation_moment(
        incident_id=incident_id, grade=incident.grade, opened_at=incident.clocks_opened_at,
        acknowledged_at=incident.acknowledged_at, responded_at=incident.responded_at,
        breached_at=incident.first_breach_at, policy=policy, already_sent=already_sent,
        held_until=verification.hold_until(incident.verification, policy.verification))
    if not calls_read:
        next_call = None
        start = calls_from(incident)
        if phone.calling(policy.phone, grade=incident.grade, clocks_opened_at=start,
                         acknowledged_at=incident.acknowledged_at, responded_at=incident.responded_at) \
                and phone.calls_done_key(incident_id) not in already_sent:
            assert start is not None
            next_call = phone.estimate(policy.phone, start)
    incident.next_escalation_at = min([*asked, *([moment] if moment else []), *([next_call] if next_call else [])],
                                      default=None)


def raise_key(incident_id: int | str, n: int) -> str:
    return f"incident:{incident_id}:raise:{n}"


def raises(incident: Incident) -> list[tuple[str, datetime]]:
    """The incident's raises to grade I or II (:func:`sync_clocks` records them in ``details``), as
    ``(key, when)``, in order: leaders and everyone already told hear of each once."""
    found = (incident.details or {}).get("raises") or []
    return [(raise_key(_id(incident), n), datetime.fromisoformat(entry["at"])) for n, entry in enumerate(found, 1)]


def calls_from(incident: Incident) -> datetime | None:
    """What the phone step counts from: when the clocks started, or the last raise to I/II if later
    (a grade IV incident unacknowledged for an hour and then raised to II is called 10 minutes after
    the raise, not at once)."""
    if incident.clocks_opened_at is None:
        return None
    return max([incident.clocks_opened_at, *(at for _, at in raises(incident))])


def is_raise(previous: str | None, grade: str | None) -> bool:
    """A raise that leaders hear of: a graded incident (III or IV, or II) becomes grade II or I. An
    incident's first grade is not a raise: its chain brings the leaders in (after 30 minutes
    unacknowledged, or at a breach)."""
    if previous is None or grade is None:
        return False
    return grade in {g.value for g in MAJOR_GRADES} and list(Grade).index(Grade(grade)) < list(Grade).index(
        Grade(previous))


def obligations_of(session: Session, incident_id: int) -> list[ObligationRow]:
    return list(session.scalars(select(ObligationRow).where(col(ObligationRow.incident_id) == incident_id)
                                .order_by(col(ObligationRow.id))).all())


def obligations_by_incident(session: Session, incident_ids: Collection[int]) -> dict[int, list[ObligationRow]]:
    """Every obligation of these incidents, in one query (a batch's, for :func:`sync_clocks`)."""
    found: dict[int, list[ObligationRow]] = {}
    if incident_ids:
        for row in session.scalars(select(ObligationRow).where(col(ObligationRow.incident_id).in_(list(incident_ids)))
                                   .order_by(col(ObligationRow.id))):
            found.setdefault(row.incident_id, []).append(row)
    return found


def _event(session: Session, incident: Incident, kind: str, at: datetime, /, *, actor: str = "sentinel",
           reason: str | None = None, **data: Any) -> None:
    session.add(TimelineEvent(incident_id=_id(incident), at=at, kind=kind, actor=actor, reason=reason, data=data))


def _snapshot(incident: Incident, rules: Rules, now: datetime) -> None:
    if incident.policy_snapshot is None:
        incident.policy_snapshot = rules.policy.snapshot()
        incident.roster_snapshot = rules.roster.snapshot()
    if incident.clocks_opened_at is None:
        incident.clocks_opened_at = now


def open_obligation(session: Session, incident: Incident, planned: PlannedObligation, *, now: datetime,
                    rules: Rules, existing: Sequence[ObligationRow] = (), actor: str = "sentinel",
                    reason: str | None = None) -> ObligationRow:
    """Start ``planned`` for ``incident`` (reopening a waived row of the same kind and sequence, so
    its keys, and the reminders already sent under them, carry over) and write the timeline entry."""
    _snapshot(incident, rules, now)
    rules = rules.for_incident(incident)
    row = next((r for r in existing if r.kind == planned.kind.value and r.sequence == planned.sequence), None)
    if row is not None and row.state != ObligationState.WAIVED.value:
        raise ObligationError(f"obligation {planned.kind.value} #{planned.sequence} already exists")
    if row is None:
        row = ObligationRow(incident_id=_id(incident), kind=planned.kind.value, sequence=planned.sequence,
                            started_at=planned.started_at, opened_at=now, due_at=planned.due_at, evidence={},
                            provisional=planned.provisional)
        session.add(row)
    else:
        row.state, row.reason, row.closed_at = ObligationState.OPEN.value, None, None
        row.started_at, row.due_at, row.opened_at = planned.started_at, planned.due_at, now
        row.provisional = planned.provisional
    session.flush()
    refresh_obligation(row, rules.policy, sent_keys(session, obligation_ids=[_id(row)]))
    _event(session, incident, "obligation_started", now, actor=actor, reason=reason,
           obligation=_id(row), kind=planned.kind.value, sequence=planned.sequence,
           started_at=planned.started_at.isoformat(), due_at=planned.due_at.isoformat(),
           past_due=planned.due_at <= now, **({"provisional": planned.provisional} if planned.provisional else {}))
    return row


def waive(session: Session, incident: Incident, row: ObligationRow, *, reason: str, now: datetime,
          actor: str = "sentinel") -> None:
    row.state, row.reason, row.closed_at, row.next_action_at = ObligationState.WAIVED.value, reason, now, None
    _event(session, incident, "obligation_waived", now, actor=actor, reason=reason, obligation=_id(row),
           kind=row.kind, sequence=row.sequence, due_at=row.due_at.isoformat())


def sync_clocks(session: Session, incident: Incident, *, previous_grade: str | None, now: datetime, rules: Rules,
                actor: str = "sentinel", rows: Sequence[ObligationRow] | None = None) -> list[ObligationRow]:
    """Start and waive the grade-driven obligations after ``incident``'s grade, heat or marking changed.

    A regrade into I/II starts the 5h/24h clocks from the incident's clock start (see
    :func:`~sentinel.escalation.obligations.on_regrade`); a regrade out of it waives them with the
    reason; a grade III/IV incident that needs a response gets the 48h clock. Returns the rows started.
    ``rows``: the incident's obligations, when the caller read them already (for a whole batch).
    """
    if incident.kind != IncidentKind.INCIDENT.value or incident.state != IncidentState.OPEN.value:
        return []
    if outside(incident):
        label = (incident.place or {}).get("label") or "辖区外"
        waive_all(session, incident, reason=f"不属本辖区（{label}），不计时 / outside the jurisdiction: no clocks",
                  now=now, actor=actor, rows=rows)
        incident.next_escalation_at = None
        return []
    if is_raise(previous_grade, incident.grade):
        recorded = [*((incident.details or {}).get("raises") or []),
                    {"from": previous_grade, "to": incident.grade, "at": now.isoformat()}]
        incident.details = {**(incident.details or {}), "raises": recorded}
        incident.next_escalation_at = min(filter(None, [incident.next_escalation_at, now]))
    in_force = rules.for_incident(incident)
    rows = obligations_of(session, _id(incident)) if rows is None else rows
    open_rows = [row for row in rows if row.state == ObligationState.OPEN.value]
    done = {ObligationKind(row.kind) for row in rows
            if row.state in (ObligationState.MET.value, ObligationState.BREACHED.value)}
    share = response_negative_share(incident.negative_share, incident.negative_by_register)
    needs = response_needed(incident.grade, negative_share=share, heat=incident.heat,
                            marked=incident.needs_response, policy=in_force.policy)
    start = incident.clock_start or clock_start_for(emerged_at=incident.emerged_at,
                                                    detected_at=incident.detected_at, policy=in_force.policy)
    by_view = {_id(row): row for row in open_rows}
    outcome = on_regrade(previous_grade, incident.grade, [view(row) for row in open_rows], clock_start=start,
                         now=now, policy=in_force.policy, needs_response=needs, met=done)
    for obligation, why in outcome.waive:
        waive(session, incident, by_view[int(obligation.id)], reason=why, now=now, actor=actor)
    started = []
    for planned in outcome.start:
        if incident.clock_start is None:
            incident.clock_start = start
        reason: str | None = None
        if planned in outcome.past_due:
            reason = (f"定级时已超过时限（时钟自{start.isoformat()}起算）/ already past due when the grade was set: "
                      f"the clock runs from {start.isoformat()}")
        started.append(open_obligation(session, incident, planned, now=now, rules=rules, existing=rows,
                                       actor=actor, reason=reason))
    if started:
        _apply_recorded(session, incident, started, now=now)
        refresh_escalation(incident, rules.for_incident(incident).policy, sent_keys(session, incident_ids=[_id(incident)]))
    return started


def check_verification(session: Session, incident: Incident, *, tiers: Collection[str], official: bool,
                       origins: int, now: datetime, rules: Rules) -> None:
    """研判 (:mod:`~sentinel.escalation.verification`), after a batch changed the incident: a machine
    grade I/II on weak evidence becomes 待研判, and a pending one is released once its evidence is
    corroborated; each with its timeline entry. ``tiers``: the authority tiers of its sources;
    ``official``: whether an official source carried it; ``origins``: its independent sources."""
    rule = rules.for_incident(incident).policy.verification
    evidence = verification.Evidence(frozenset(tiers), official, origins, incident.heat, incident.item_count)
    state = incident.verification
    if verification.is_pending(state):
        assert state is not None
        why = verification.corroboration(evidence, rule)
        if why is None:
            return
        incident.verification = verification.decided(state, verification.CORROBORATED, at=now, reason=why,
                                                      evidence=evidence)
        kind = "verification_corroborated"
    elif state:
        return  # decided once: never asked again
    else:
        weak = verification.weakness(incident.grade, incident.grade_source, evidence, rule)
        if weak is None:
            return
        incident.verification = verification.started(now=now, reason=weak, evidence=evidence)
        kind = "verification_required"
    _event(session, incident, kind, now, reason=incident.verification["reason"], evidence=evidence.to_dict(),
           grade=incident.grade)
    incident.next_escalation_at = min(filter(None, [incident.next_escalation_at, now]))


def record_response(session: Session, incident: Incident, response: Response, *, now: datetime, rules: Rules,
                    actor: str) -> list[ObligationRow]:
    """Apply a recorded response to ``incident``'s obligations; returns the rows it met (or late-met).

    An open obligation whose kind the response meets (:func:`obligations_met_by`) and whose clock
    had started by the response's time is met when the response came by its due time. A response
    dated after the due time stays a breach and is kept as its evidence, with how late it was; the
    engine still sends the breach notice if it had not yet. A breached obligation whose evidence,
    entered late, is dated on time becomes met. A release of a grade I/II incident starts the next
    sustained release (持续发布) from the latest release on record.
    """
    in_force = rules.for_incident(incident)
    rows = obligations_of(session, _id(incident))
    touched = _meet(session, incident, response, rows, now=now, actor=actor)
    if incident.responded_at is None or response.at < incident.responded_at:
        incident.responded_at = response.at
    if ObligationKind(response.kind) in RELEASE_KINDS and incident.grade in {g.value for g in MAJOR_GRADES} \
            and incident.state == IncidentState.OPEN.value:
        _next_release(session, incident, rows, now=now, rules=rules)
    refresh_escalation(incident, in_force.policy, sent_keys(session, incident_ids=[_id(incident)]))
    return touched


def pending_evidence(row: ObligationRow, responses: Iterable[Response]) -> list[Response]:
    """Unconfirmed official items (candidate evidence, 待确认) that would meet ``row`` once confirmed:
    of a kind that meets it and dated after its clock started, for an open or breached row only."""
    if row.state not in (ObligationState.OPEN.value, ObligationState.BREACHED.value):
        return []
    return sorted((response for response in responses if response.state == "candidate"
                   and ObligationKind(row.kind) in obligations_met_by(response.kind)
                   and response.at >= row.started_at), key=lambda response: (response.at, response.id or 0))


def _meet(session: Session, incident: Incident, response: Response, rows: Sequence[ObligationRow], *,
          now: datetime, actor: str) -> list[ObligationRow]:
    kinds = obligations_met_by(response.kind)
    touched = []
    for row in rows:
        kind = ObligationKind(row.kind)
        if kind not in kinds or response.at < row.started_at:
            continue
        if row.state in (ObligationState.WAIVED.value, ObligationState.MET.value):
            continue
        if row.met_at is not None and row.met_at <= response.at:
            continue  # already has earlier (late) evidence
        evidence = {"response": _id(response), "kind": response.kind, "at": response.at.isoformat(), "url": response.url,
                    "channel": response.channel, "reviewer": response.reviewer, "publisher": response.publisher}
        row.met_at, row.response_id, row.evidence = response.at, _id(response), evidence
        margin = (row.due_at - response.at).total_seconds()
        if response.at <= row.due_at:
            was_breached = row.state == ObligationState.BREACHED.value
            row.state, row.closed_at, row.next_action_at = ObligationState.MET.value, now, None
            _event(session, incident, "obligation_met", now, actor=actor,
                   reason="证据补录，时间在时限内 / evidence entered late but dated on time" if was_breached else None,
                   obligation=_id(row), kind=row.kind, sequence=row.sequence, due_at=row.due_at.isoformat(),
                   met_at=response.at.isoformat(), margin_seconds=margin, response=_id(response))
        else:
            # late: the breach stands (the engine raises it at its next tick if it has not yet)
            _event(session, incident, "obligation_met_late", now, actor=actor, obligation=_id(row), kind=row.kind,
                   sequence=row.sequence, due_at=row.due_at.isoformat(), met_at=response.at.isoformat(),
                   margin_seconds=margin, response=_id(response))
        touched.append(row)
    return touched


def _apply_recorded(session: Session, incident: Incident, started: Sequence[ObligationRow], *, now: datetime) -> None:
    """Releases already on record meet clocks started after them (an official release that came
    before the regrade to II still counts for the 5h clock it answers)."""
    responses = session.scalars(select(Response).where(
        col(Response.incident_id) == _id(incident), col(Response.state) == "recorded").order_by(col(Response.at))).all()
    for response in responses:
        _meet(session, incident, response, started, now=now, actor="sentinel")


def _next_release(session: Session, incident: Incident, rows: list[ObligationRow], *, now: datetime,
                  rules: Rules) -> None:
    """Keep exactly one sustained release open, due ``every`` after the latest release on record."""
    latest = session.scalars(
        select(Response).where(col(Response.incident_id) == _id(incident), col(Response.state) == "recorded",
                               col(Response.kind).in_([k.value for k in RELEASE_KINDS]))
        .order_by(col(Response.at).desc()).limit(1)).first()
    if latest is None:
        return
    sustained = [row for row in rows if row.kind == ObligationKind.SUSTAINED_RELEASE.value]
    if any(row.state == ObligationState.OPEN.value for row in sustained):
        return  # the one open is still running: a release after it started met it above
    if any(row.started_at >= latest.at for row in sustained):
        return  # already started from this release
    policy = rules.for_incident(incident).policy
    planned = next_sustained_release(latest.at, sequence=max((r.sequence for r in sustained), default=0) + 1,
                                     policy=policy)
    open_obligation(session, incident, planned, now=now, rules=rules, existing=rows)


def waive_all(session: Session, incident: Incident, *, reason: str, now: datetime, actor: str,
              kinds: Iterable[ObligationKind] | None = None,
              rows: Sequence[ObligationRow] | None = None) -> list[ObligationRow]:
    """Waive every open obligation of ``incident`` (of ``kinds`` when given), with the reason.
    ``rows``: the incident's obligations, when the caller read them already."""
    chosen = set(kinds) if kinds is not None else None
    waived = []
    for row in obligations_of(session, _id(incident)) if rows is None else rows:
        if row.state == ObligationState.OPEN.value and (chosen is None or ObligationKind(row.kind) in chosen):
            waive(session, incident, row, reason=reason, now=now, actor=actor)
            waived.append(row)
    return waived


def working_day_obligation(session: Session, incident: Incident, planned: PlannedObligation, *, now: datetime,
                           rules: Rules, actor: str, reason: str | None = None) -> ObligationRow:
    """Start a policy interpretation or disclosure reply: its clock is its document's or request's."""
    if incident.clock_start is None:
        incident.clock_start = planned.started_at
    return open_obligation(session, incident, planned, now=now, rules=rules,
                           existing=obligations_of(session, _id(incident)), actor=actor, reason=reason)

