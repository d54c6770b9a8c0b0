"""What the engine must send at ``now``: reminders, breaches and escalation steps, idempotently.

Nothing here fires "when the hour is a multiple of the interval": every action has a moment, and a
tick returns each action whose moment is at or before ``now`` and whose idempotency key is not in
``already_sent``. A late tick therefore loses nothing, and a repeated tick repeats nothing. The
caller records every key of every action it handles (:attr:`Action.keys`) in the transaction that
writes the outbox message and the timeline entry.

Catch-up after downtime: each action carries ``late_by`` (``now`` minus its moment), so the message
and the timeline can say it is late. Reminders of one obligation that all fell due while sentinel was
down collapse into one, the latest, whose ``collapsed`` names the others; a breach that fell due
swallows the reminders still pending (a "10 minutes left" after the deadline would be false).
Escalation steps do not collapse: each widens the audience to a different person.

Keys::

    obligation:{id}:reminder:{offset}     e.g. obligation:7:reminder:30m
    obligation:{id}:breach
    incident:{id}:escalate:{role}         once per role: a role told once stays in the audience
    incident:{id}:reescalate:{n}          n = 1, 2, … (only 1 unless reescalate_every is set)
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sentinel.analyse.grading import Grade
from sentinel.clock import require_aware
from sentinel.configtypes import format_duration
from sentinel.escalation.obligations import Obligation, ObligationKind
from sentinel.escalation.policy import EscalationRole, Policy

__all__ = [
    "OBLIGATION_KEY",
    "Action",
    "ActionKind",
    "breach_key",
    "due_actions",
    "escalation_due",
    "escalation_key",
    "next_escalation_moment",
    "next_obligation_moment",
    "format_time_left",
    "reescalation_key",
    "reminder_key",
    "reminder_moments",
]


class ActionKind(StrEnum):
    REMINDER = "reminder"
    BREACH = "breach"
    ESCALATION = "escalation"
    REESCALATION = "reescalation"


@dataclass(frozen=True, slots=True)
class Action:
    """One thing to send. ``at`` is the moment it fell due; ``subject`` the obligation's id for a
    reminder or breach, the incident's for an escalation; ``due_at`` the obligation's deadline."""

    key: str
    kind: ActionKind
    at: datetime
    late_by: timedelta
    subject: int | str
    obligation_kind: ObligationKind | None = None
    due_at: datetime | None = None
    offset: timedelta | None = None  # a reminder's distance before due_at (T-offset)
    roles: tuple[EscalationRole, ...] = ()
    collapsed: tuple[str, ...] = ()  # keys of earlier actions folded into this one

    @property
    def keys(self) -> tuple[str, ...]:
        """Every key this action accounts for: record them all as sent."""
        return (self.key, *self.collapsed)


#: How an obligation's keys begin; every other key is its incident's (engine_action.obligation_id NULL).
OBLIGATION_KEY = "obligation:"


def reminder_key(obligation_id: int | str, offset: timedelta) -> str:
    return f"{OBLIGATION_KEY}{obligation_id}:reminder:{format_duration(offset)}"


def breach_key(obligation_id: int | str) -> str:
    return f"{OBLIGATION_KEY}{obligation_id}:breach"


def escalation_key(incident_id: int | str, role: EscalationRole | str) -> str:
    return f"incident:{incident_id}:escalate:{EscalationRole(role).value}"


def reescalation_key(incident_id: int | str, n: int) -> str:
    return f"incident:{incident_id}:reescalate:{n}"


def _utc(value: datetime) -> datetime:
    return require_aware(value).astimezone(UTC)


def reminder_moments(
    kind: ObligationKind | str, due_at: datetime, policy: Policy, *, opened_at: datetime | None = None
) -> list[tuple[timedelta, datetime]]:
    """``(offset, moment)`` of each reminder of an obligation of ``kind`` due at ``due_at``, earliest
    first, leaving out moments at or before ``opened_at`` (a time before sentinel knew of it)."""
    rule = getattr(policy, ObligationKind(kind).value)
    due = _utc(due_at)
    moments = sorted(((offset, due - offset) for offset in rule.reminders), key=lambda pair: pair[1])
    if opened_at is None:
        return moments
    opened = _utc(opened_at)
    return [(offset, at) for offset, at in moments if at > opened]


def due_actions(
    obligation: Obligation, *, now: datetime, policy: Policy, already_sent: Collection[str]
) -> list[Action]:
    """The reminder or breach of an open obligation due at ``now`` and not yet sent: at most one.

    The breach falls due at ``due_at``, or at ``opened_at`` for an obligation opened past due (a
    late regrade), so that ``late_by`` measures only the engine's own lateness. Once the breach is
    sent nothing more is returned; a reminder at or before one already sent is superseded.
    """
    now = _utc(now)
    kind = ObligationKind(obligation.kind)
    due, opened = _utc(obligation.due_at), _utc(obligation.opened_at)
    breach = breach_key(obligation.id)
    if breach in already_sent:
        return []
    pending = [(offset, at, key) for offset, at, key in _unsent_reminders(obligation, policy, already_sent)
               if at <= now]
    at = max(due, opened)
    if at <= now:
        return [Action(breach, ActionKind.BREACH, at, now - at, obligation.id, kind, due,
                       collapsed=tuple(key for _, _, key in pending))]
    if not pending:
        return []
    offset, at, key = pending[-1]
    return [Action(key, ActionKind.REMINDER, at, now - at, obligation.id, kind, due, offset=offset,
                   collapsed=tuple(key for _, _, key in pending[:-1]))]


def escalation_due(
    *,
    incident_id: int | str,
    grade: Grade | str | None,
    opened_at: datetime,
    acknowledged_at: datetime | None,
    responded_at: datetime | None,
    breached_at: datetime | None,
    now: datetime,
    policy: Policy,
    already_sent: Collection[str],
    held_until: datetime | None = None,
) -> list[Action]:
    """Escalation steps and re-escalations of an incident due at ``now``, in order of their moment.

    ``held_until`` (研判, :mod:`~sentinel.escalation.verification`): a step to anyone beyond the duty
    officer, and a re-escalation, falls due no earlier than it.

    A step with ``after`` falls due at ``opened_at + after`` while nobody has acknowledged (or
    responded) by ``now``: a step that fell due during downtime but was overtaken by an
    acknowledgment is dropped, its reason no longer holds. A step with ``on_breach`` falls due at
    ``breached_at`` (when the engine handled the incident's first breach: that breach action's
    ``at``), acknowledged or not. Each role is told once. Once acknowledged, with no response
    on record, re-escalation ``n`` falls due at ``acknowledged_at + reescalate_after +
    (n-1) * reescalate_every``; those missed while down collapse into the latest.
    """
    now = _utc(now)
    opened = _utc(opened_at)
    acknowledged = _utc(acknowledged_at) if acknowledged_at is not None else None
    if acknowledged is not None and acknowledged > now:
        acknowledged = None  # not yet, as far as this tick is concerned
    answered = responded_at is not None and _utc(responded_at) <= now
    chain = policy.chain(grade)
    actions: list[Action] = []
    for step in chain.steps:
        key = escalation_key(incident_id, step.role)
        if key in already_sent:
            continue
        moments = []
        if step.after is not None and acknowledged is None and not answered:
            moments.append(opened + step.after)
        if step.on_breach and breached_at is not None:
            moments.append(_utc(breached_at))
        if step.role is not EscalationRole.DUTY_OFFICER:
            moments = _held(moments, held_until)
        due = [moment for moment in moments if moment <= now]
        if due:
            at = min(due)
            actions.append(Action(key, ActionKind.ESCALATION, at, now - at, incident_id, roles=(step.role,)))
    if acknowledged is not None and not answered:
        moments = _reescalation_moments(acknowledged, now, chain.reescalate_after, chain.reescalate_every)
        hold = _utc(held_until) if held_until is not None else None
        if hold is not None and hold > now:
            moments = []
        elif hold is not None:
            moments = _held(moments, hold)
        keys = [reescalation_key(incident_id, n) for n in range(1, len(moments) + 1)]
        latest_sent = max((n for n, key in enumerate(keys) if key in already_sent), default=-1)
        pending = list(range(latest_sent + 1, len(keys)))
        if pending:
            last = pending[-1]
            actions.append(Action(keys[last], ActionKind.REESCALATION, moments[last], now - moments[last],
                                  incident_id, roles=tuple(chain.reescalate_to),
                                  collapsed=tuple(keys[n] for n in pending[:-1])))
    # a stable sort: steps due at the same moment keep the chain's order
    return sorted(actions, key=lambda action: action.at)


def _held(moments: list[datetime], held_until: datetime | None) -> list[datetime]:
    if held_until is None:
        return moments
    hold = _utc(held_until)
    return [max(moment, hold) for moment in moments]


def _reescalation_moments(
    acknowledged: datetime, now: datetime, after: timedelta, every: timedelta | None
) -> list[datetime]:
    first = acknowledged + after
    if first > now:
        return []
    if every is None:
        return [first]
    count = (now - first) // every + 1
    return [first + n * every for n in range(count)]


def format_time_left(left: timedelta) -> str:
    """Time left before a deadline in Chinese: ``1小时02分``, ``30分``, ``2天4小时``, ``不足1分``;
    a negative value is time past it, ``已超时12分``. Rounded to the minute: a reminder sent a few
    seconds after T-2h says 2小时, not 1小时59分."""
    if left < timedelta(0):
        return "已超时" + _span(-left)
    return _span(left)


def _span(span: timedelta) -> str:
    seconds = span.total_seconds()
    if seconds == 0:
        return "0分"
    if seconds < 60:
        return "不足1分"
    minutes = int((seconds + 30) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        # with a day or more left, minutes are noise (working-day deadlines are days away)
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{minutes:02d}分" if minutes else f"{hours}小时"
    return f"{minutes}分"


def next_obligation_moment(obligation: Obligation, *, policy: Policy, already_sent: Collection[str]) -> datetime | None:
    """The earliest moment at which :func:`due_actions` can return something for ``obligation``, given
    the keys already handled: the engine indexes open obligations by it. None once the breach is sent."""
    if breach_key(obligation.id) in already_sent:
        return None
    due, opened = _utc(obligation.due_at), _utc(obligation.opened_at)
    pending = [at for _, at, _ in _unsent_reminders(obligation, policy, already_sent)]
    return min([*pending, max(due, opened)])


def _unsent_reminders(obligation: Obligation, policy: Policy, already_sent: Collection[str]
                      ) -> list[tuple[timedelta, datetime, str]]:
    """``(offset, moment, key)`` of the reminders still to send, earliest first: those after the
    latest one sent (an earlier one is superseded by it) and after the obligation was opened."""
    due, opened = _utc(obligation.due_at), _utc(obligation.opened_at)
    reminders = [(offset, at, reminder_key(obligation.id, offset))
                 for offset, at in reminder_moments(obligation.kind, due, policy, opened_at=opened)]
    latest_sent = max((at for _, at, key in reminders if key in already_sent), default=None)
    return [(offset, at, key) for offset, at, key in reminders
            if key not in already_sent and (latest_sent is None or at > latest_sent)]


def next_escalation_moment(
    *,
    incident_id: int | str,
    grade: Grade | str | None,
    opened_at: datetime,
    acknowledged_at: datetime | None,
    responded_at: datetime | None,
    breached_at: datetime | None,
    policy: Policy,
    already_sent: Collection[str],
    held_until: datetime | None = None,
) -> datetime | None:
    """The earliest moment at which :func:`escalation_due` can return something, or None when no step
    or re-escalation can fall due any more (every role told, or answered with nothing left to say)."""
    opened = _utc(opened_at)
    chain = policy.chain(grade)
    answered = responded_at is not None
    moments: list[datetime] = []
    for step in chain.steps:
        if escalation_key(incident_id, step.role) in already_sent:
            continue
        found = []
        if step.after is not None and acknowledged_at is None and not answered:
            found.append(opened + step.after)
        if step.on_breach and breached_at is not None:
            found.append(_utc(breached_at))
        moments.extend(found if step.role is EscalationRole.DUTY_OFFICER else _held(found, held_until))
    if acknowledged_at is not None and not answered:
        first = _utc(acknowledged_at) + chain.reescalate_after
        prefix = reescalation_key(incident_id, 0)[:-1]
        done = max((int(key[len(prefix):]) for key in already_sent if key.startswith(prefix)), default=0)
        if done == 0:
            moments.extend(_held([first], held_until))
        elif chain.reescalate_every is not None:
            moments.extend(_held([first + done * chain.reescalate_every], held_until))
    return min(moments, default=None)
