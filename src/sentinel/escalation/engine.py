"""The engine's tick: everything due at or before ``now``, handled once, in order.

A tick reads the open obligations and the incidents whose indexed next moment
(``obligation.next_action_at``, ``incident.next_escalation_at``) has come, asks the pure rules in
:mod:`~sentinel.escalation.reminders` what is due, and for each action writes, in one transaction:
the state change (a breach), the idempotency key (``engine_action``), the timeline entry and one
outbox message per channel. A tick that dies half-way leaves nothing half-done; a tick repeated
repeats nothing; a tick that comes late (after downtime) handles what fell due in the order it fell
due, says by how much it is late, and sends one reminder for several whose moments all passed.

Who hears what (the roster in force for the incident decides the people, their channels the route):

================  ========================================================================
alert             audience (SMS channels reach only those who list them; voice rings only for calls)
================  ========================================================================
new_incident      the duty officer on shift and the department's contacts
verification      the same: a machine grade I/II on weak evidence (待研判), with the evidence and
                  the step to confirm or dismiss; it stands for the new_incident alert and the
                  duty officer's escalation step when they fall at the same time
reminder          the duty officer and the department's contacts
breach            each breach, once: the duty officer and the department's contacts, everyone told
                  beyond them (a section chief's step or a re-escalation sent) and the leaders (it
                  stands for the leaders' on-breach step); while 待研判, the duty officer only
grade_raised      each raise of a graded incident to II or I, once: the same audience as a breach,
                  with chain steps due at the same moment folded in; held while 待研判
escalation        the chain's role: section chiefs, then leaders; while an incident is 待研判,
                  nobody beyond the duty officer until a person confirms it, it is corroborated or
                  ``policy.verification.wait`` passes (then at once)
phone_call        grade I/II unacknowledged ``policy.phone.after`` (10 min) after its clocks start:
                  one person at a time along ``policy.phone.chain`` on their voice channel, every
                  ``interval`` or at once after an unanswered ``call_result``; stops at the first
                  acknowledgment (:mod:`~sentinel.escalation.phone`); beyond the duty officer held
                  while 待研判; quiet hours never hold I/II
reescalation      the chain's ``reescalate_to`` roles (held by verification likewise)
evidence          the duty officer: an official item to confirm as the release
hotlist           the duty officer and the department's contacts: an entry of the incident entered
                  the top of a national hot list (once per entry and incident, after the incident
                  was announced)
================  ========================================================================

An incident outside the jurisdiction (属地管理: another province, or abroad) is on the board and
nowhere else: no alert at all, until a person adopts it.

One process at a time runs the engine: on PostgreSQL several sentinel processes share the
``lease`` row named ``engine`` and only its holder ticks
(docs/architecture.md#several-processes-on-one-postgresql).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Row, Table, bindparam, func, insert, inspect, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from sentinel.analyse.grading import Grade
from sentinel.configtypes import format_duration
from sentinel.escalation import phone, verification
from sentinel.escalation.ack_links import ACK_KINDS, CONFIRM_KINDS, AckSigner
from sentinel.escalation.clocks import (
    Rules,
    announce_at,
    calls_from,
    outside,
    raises,
    refresh_escalation,
    refresh_obligation,
    sent_keys,
    view,
)
from sentinel.escalation.obligations import ObligationKind, ObligationState
from sentinel.escalation.phone import Call, CallResult
from sentinel.escalation.policy import EscalationRole
from sentinel.escalation.reminders import (
    OBLIGATION_KEY,
    Action,
    ActionKind,
    due_actions,
    escalation_due,
    escalation_key,
    format_time_left,
    reescalation_key,
)
from sentinel.escalation.roster import Recipient, routes
from sentinel.incidents.hotlist import alert_context
from sentinel.metrics import Metrics
from sentinel.store.ack_links import AckLinkRow, Purpose
from sentinel.store.inserts import insert_ignoring
from sentinel.store.models import (
    EngineAction,
    Incident,
    IncidentHotlist,
    IncidentKind,
    IncidentState,
    Jurisdiction,
    Lease,
    OutboxMessage,
    OutboxState,
    Response,
    TimelineEvent,
    columns_of,
)
from sentinel.store.models import Obligation as ObligationRow
from sentinel.store.outbox import deferred_message
from sentinel.store.pgwake import OUTBOX, announce

log = logging.getLogger(__name__)

__all__ = ["EscalationEngine", "TickReport", "Notice", "new_incident_key"]

_SNAPSHOTS = 50_000
#: the unique column a row of these tables is skipped on when it is taken already (_write_rows)
_UNIQUE: dict[type, str] = {EngineAction: "key", OutboxMessage: "key"}
_BATCH = 200  # rows per transaction: a catch-up goes round again rather than hold the writer for long


def new_incident_key(incident_id: int) -> str:
    return f"incident:{incident_id}:new"


@dataclass(frozen=True, slots=True)
class Notice:
    """One alert the tick decided on (its outbox rows are one per channel)."""

    key: str
    kind: str  # new_incident, reminder, breach, escalation, reescalation
    incident: int
    at: datetime  # the moment it fell due
    late_by: timedelta
    obligation: int | None = None
    channels: tuple[str, ...] = ()


@dataclass(slots=True)
class TickReport:
    now: datetime
    notices: list[Notice] = field(default_factory=list)
    breaches: list[int] = field(default_factory=list)
    skipped: bool = False  # another process holds the engine


@dataclass(slots=True)
class _Pending:
    """An action and what it is about, before it is applied."""

    action: Action
    incident: Incident
    row: ObligationRow | None = None
    kind: str = ""
    response: Response | None = None
    mark: IncidentHotlist | None = None  # a hot-list alert's entry
    person: Recipient | None = None  # the person a phone call rings
    channel: str | None = None  # the voice channel it rings on


class EscalationEngine:
    def __init__(
        self, engine: Engine, rules: Rules, channel_ids: Sequence[str], *, metrics: Metrics | None = None,
        owner: str = "sentinel", lease: timedelta = timedelta(seconds=30), late_after: timedelta = timedelta(seconds=60),
        link_base: str | None = None, ack_links: AckSigner | None = None, channel_kinds: Mapping[str, str] | None = None,
    ) -> None:
        if not channel_ids:
            raise ValueError("the engine needs at least one channel to address its alerts to")
        self.engine = engine
        self.rules = rules
        self.channel_ids = list(channel_ids)
        kinds = dict(channel_kinds or {})
        # voice channels ring only for the phone step; a text-message channel reaches only the people
        # who list it (an SMS to everyone without a channel list would be a robot alert by SMS)
        self.voice_ids = [channel for channel in self.channel_ids if kinds.get(channel) in phone.VOICE_KINDS]
        self.alert_ids = [channel for channel in self.channel_ids if channel not in self.voice_ids] or self.channel_ids
        self.opt_in = frozenset(channel for channel in self.channel_ids
                                if kinds.get(channel) in phone.SMS_KINDS | phone.VOICE_KINDS)
        #: the channels of everything that is not an incident's alert (digests, operator alerts,
        #: disclosure reminders): never a text message or a call
        self.text_ids = [channel for channel in self.channel_ids if channel not in self.opt_in] or self.alert_ids
        self.metrics = metrics
        self.owner = owner
        self.lease = lease
        self.late_after = late_after
        self.link_base = link_base
        self.ack_links = ack_links  # None: alerts carry no one-tap 认领 links
        self._open_rows: dict[int, list[ObligationRow]] = {}
        self._sqlite = engine.dialect.name == "sqlite"
        self._snapshots: dict[int, Rules] = {}  # by incident id: this engine's database only
        self._audiences: dict[tuple[int, EscalationRole, str | None], list[Recipient]] = {}
        self._calls: dict[int, tuple[list[Call], list[CallResult]]] = {}
        self._rows: dict[type, list[dict[str, Any]]] = {EngineAction: [], TimelineEvent: [], OutboxMessage: [],
                                                        AckLinkRow: []}
        self._met_since: datetime | None = None
        self._met_seen: set[int] = set()

    # --------------------------------------------------------------------------------- the tick

    def tick(self, now: datetime) -> TickReport:
        """Handle everything due at or before ``now``; safe to call as often as wanted."""
        report = TickReport(now)
        while True:
            with Session(self.engine) as session:
                if not self._hold_lease(session, now):
                    session.rollback()
                    report.skipped = True
                    return report
                more = self._tick_once(session, now, report)
                session.commit()
            if not more:
                break
        if self.metrics is not None:
            self.metrics.engine_last_tick.set(now.timestamp())
        return report

    def _tick_once(self, session: Session, now: datetime, report: TickReport) -> bool:
        for pending_rows in self._rows.values():
            pending_rows.clear()  # a tick that failed half-way left its rows uncommitted: drop them
        self._audiences = {}
        # No autoflush: the batch's changes are written at the end, one statement per table
        # (:meth:`_write_changes`), not flushed piecemeal before each query.
        with session.no_autoflush:
            found = session.execute(
                select(ObligationRow, Incident).join(Incident, col(Incident.id) == col(ObligationRow.incident_id))
                .where(col(ObligationRow.state) == ObligationState.OPEN.value, col(ObligationRow.next_action_at) <= now)
                .order_by(col(ObligationRow.next_action_at), col(ObligationRow.id)).limit(_BATCH)).all()
            rows = [row for row, _ in found]
            incidents = {_id(incident): incident for _, incident in found}
            stored_due = list(session.scalars(
                select(Incident).where(col(Incident.next_escalation_at) <= now)
                .order_by(col(Incident.next_escalation_at), col(Incident.id)).limit(_BATCH)).all())
            listed = self._listed(session)
            # what both steps read, in one query each: the keys handled so far and the open obligations
            involved = {**incidents, **{_id(incident): incident for incident in stored_due},
                        **{_id(incident): incident for _, incident in listed}}
            sent = sent_keys(session, obligation_ids=[_id(row) for row in rows], incident_ids=list(involved))
            self._load_open(session, involved)
            self._load_calls(session, involved, now)

            pending: list[_Pending] = []
            for row in rows:
                incident = incidents[row.incident_id]
                policy = self._rules_for(incident).policy
                for action in due_actions(view(row), now=now, policy=policy, already_sent=sent):
                    pending.append(_Pending(action, incident, row, action.kind.value))
            # obligations first: a breach may make an escalation due at once (leaders hear of breaches)
            pending.sort(key=lambda p: (p.action.at, _id(p.incident), p.action.key))
            for item in pending:
                self._apply(session, item, now, report, sent)
            for row in rows:
                incident = incidents[row.incident_id]
                refresh_obligation(row, self._rules_for(incident).policy, sent)

            due_incidents = _due_incidents(stored_due, incidents.values(), now)
            escalations: list[_Pending] = []
            for incident in due_incidents:
                escalations.extend(self._escalations(incident, now, sent))
            escalations.extend(self._evidence(session, due_incidents, now, sent))
            # stable: steps due at one moment keep the chain's order (section chief, then leader)
            escalations.sort(key=lambda p: (p.action.at, _id(p.incident)))
            for item in escalations:
                self._apply(session, item, now, report, sent)
            self._hotlist_alerts(session, listed, now, report, sent)  # after the announcements above
            for incident in due_incidents:
                call = self._next_call(incident, now, sent)
                refresh_escalation(incident, self._rules_for(incident).policy, sent,
                                   next_call=call[0] if call else None, calls_read=True)
            self._write_changes(session, rows, involved.values())
            self._write_rows(session)
        session.flush()  # nothing is left to flush; a safety net should a change escape _write_changes
        return len(rows) == _BATCH or len(due_incidents) == _BATCH

    def _write_changes(self, session: Session, obligations: Iterable[ObligationRow],
                       incidents: Iterable[Incident]) -> None:
        """The batch's changes to obligations and incidents as one UPDATE per table, every row with
        the same columns. The ORM's flush sent one statement per distinct set of changed columns
        (six or more a tick); the rows are then marked clean so that it sends nothing more."""
        for table, rows, columns in ((_OBLIGATIONS, obligations, _OBLIGATION_COLUMNS),
                                     (_INCIDENTS, incidents, _INCIDENT_COLUMNS)):
            changed = {_id(row): row for row in rows if _changed(row, columns)}
            if not changed:
                continue
            session.execute(
                update(table).where(table.c.id == bindparam("row_id"))
                .values({column: bindparam(f"new_{column}") for column in columns}),
                [{"row_id": row_id, **{f"new_{column}": getattr(row, column) for column in columns}}
                 for row_id, row in changed.items()])
            for row in changed.values():
                for column in columns:
                    set_committed_value(row, column, getattr(row, column))

    def _write_rows(self, session: Session) -> None:
        """The batch's keys, timeline entries and outbox messages: one multi-row insert per table
        (building ORM objects one by one cost more than everything else in a tick)."""
        for model in (EngineAction, TimelineEvent, OutboxMessage, AckLinkRow):
            rows = self._rows[model]
            if rows:
                table = model.__table__  # type: ignore[union-attr]
                # A key recorded already (a bug: the action was handled) is skipped, not fatal: a
                # failed insert fails the tick, and every later tick with it, and then nobody is
                # alerted of anything. The outbox's keys are the actions' with the channel.
                unique = _UNIQUE.get(model)
                statement = insert(table) if unique is None else insert_ignoring(table, self.engine.dialect.name,
                                                                                  (unique,))
                if self._sqlite or unique is not None:
                    # RETURNING makes SQLAlchemy batch the rows into multi-row VALUES ("insertmanyvalues"),
                    # which sqlite3's executemany does not: measured 30% faster per tick. psycopg's
                    # executemany pipelines the rows already, and was faster without it; the rows a
                    # conflict may skip are counted by what comes back on both.
                    statement = statement.returning(*table.primary_key.columns)
                    written = len(session.execute(statement, rows).all())
                else:
                    session.execute(statement, rows)
                    written = len(rows)
                if written < len(rows):
                    log.error("engine: %d of %d %s rows were recorded already; skipped", len(rows) - written,
                              len(rows), table.name)
                if model is OutboxMessage:  # every process's dispatcher may take them (ours is woken in-process)
                    announce(session, OUTBOX)
                rows.clear()

    def _load_open(self, session: Session, incidents: dict[int, Incident]) -> None:
        """The open obligations of this batch's incidents, in one query (alerts list every deadline)."""
        self._open_rows = {incident_id: [] for incident_id in incidents}
        if incidents:
            # by incident only: a condition on state would lead SQLite to the state index, every open row
            for row in session.scalars(select(ObligationRow).where(
                    col(ObligationRow.incident_id).in_(list(incidents)))).all():
                if row.state == ObligationState.OPEN.value:
                    self._open_rows[row.incident_id].append(row)

    def _load_calls(self, session: Session, incidents: dict[int, Incident], now: datetime) -> None:
        """The calls placed and their results, for the incidents the phone step may call about."""
        self._calls = {}
        ids = [incident_id for incident_id, incident in incidents.items() if self.voice_ids and phone.calling(
            self._rules_for(incident).policy.phone, grade=incident.grade, clocks_opened_at=calls_from(incident),
            acknowledged_at=incident.acknowledged_at, responded_at=incident.responded_at, now=now)]
        if not ids:
            return
        self._calls = {incident_id: ([], []) for incident_id in ids}
        for event in session.scalars(select(TimelineEvent).where(
                col(TimelineEvent.incident_id).in_(ids), col(TimelineEvent.kind).in_(["phone_called", "call_result"]))
                .order_by(col(TimelineEvent.at), col(TimelineEvent.id))).all():
            calls, results = self._calls[event.incident_id]
            data = event.data or {}
            if event.kind == "phone_called":
                calls.append(Call(int(data["n"]), str(data["person"]), datetime.fromisoformat(data["due"])))
            else:
                results.append(CallResult(str(data.get("person") or ""), bool(data.get("answered")), _aware(event.at),
                                          str(data["key"]) if data.get("key") is not None else None))

    def _next_call(self, incident: Incident, now: datetime, sent: set[str]
                   ) -> tuple[datetime, Recipient | None] | None:
        """The next call's moment and whom it rings (None: the chain has run out), or None when no
        call is to come."""
        incident_id = _id(incident)
        start = calls_from(incident)
        if incident_id not in self._calls or incident.state != IncidentState.OPEN.value or outside(incident) \
                or phone.calls_done_key(incident_id) in sent or start is None:
            return None
        rules = self._rules_for(incident)
        rule = rules.policy.phone
        if not phone.calling(rule, grade=incident.grade, clocks_opened_at=start,
                             acknowledged_at=incident.acknowledged_at, responded_at=incident.responded_at, now=now):
            return None
        calls, results = self._calls[incident_id]
        at = phone.next_call_at(rule, start, calls, results)
        called = {call.person for call in calls}
        for role in rule.chain:
            for person in self._recipients(rules, (role,), incident, max(at, now)):
                if person.phone is None or person.name in called:
                    continue
                if role is EscalationRole.DUTY_OFFICER and person.role != "duty_officer":
                    continue  # department contacts hear the alerts; the duty officer is the one called
                if role is not EscalationRole.DUTY_OFFICER:
                    hold = verification.hold_until(incident.verification, rules.policy.verification)
                    if hold is not None:
                        at = max(at, _aware(hold))
                return at, person
        return at, None

    def _phone(self, incident: Incident, now: datetime, sent: set[str]) -> list[_Pending]:
        """The call due now, if any, or the end of the chain when everyone has been called."""
        call = self._next_call(incident, now, sent)
        if call is None or call[0] > now:
            return []
        at, person = call
        incident_id = _id(incident)
        if person is None:
            action = Action(phone.calls_done_key(incident_id), ActionKind.ESCALATION, at, now - at, incident_id)
            return [_Pending(action, incident, kind="calls_done")]
        calls, _ = self._calls[incident_id]
        voice = next((channel for channel in person.channels if channel in self.voice_ids), self.voice_ids[0])
        role = EscalationRole(person.role) if person.role != "department" else EscalationRole.DUTY_OFFICER
        action = Action(phone.call_key(incident_id, len(calls) + 1), ActionKind.ESCALATION, at, now - at, incident_id,
                        roles=(role,))
        return [_Pending(action, incident, kind="phone_call", person=person, channel=voice)]

    def _escalations(self, incident: Incident, now: datetime, sent: set[str]) -> list[_Pending]:
        incident_id = _id(incident)
        if incident.state != IncidentState.OPEN.value or outside(incident):
            return []
        found: list[_Pending] = []
        new_key = new_incident_key(incident_id)
        collapsed: tuple[str, ...] = ()
        asking = self._verification(incident, now, sent)
        if asking is not None:
            found.append(asking)
            collapsed = asking.action.collapsed
        elif new_key not in sent:
            if incident.clocks_opened_at is not None and incident.clocks_opened_at <= announce_at(incident):
                # clocks running from the start: the announcement is the duty officer's first step
                collapsed = (escalation_key(incident_id, EscalationRole.DUTY_OFFICER),)
            at = announce_at(incident)
            found.append(_Pending(Action(new_key, ActionKind.ESCALATION, at, max(now - at, timedelta(0)), incident_id,
                                         roles=(EscalationRole.DUTY_OFFICER,), collapsed=collapsed),
                                  incident, kind="new_incident"))
        if incident.clocks_opened_at is None:
            return found
        policy = self._rules_for(incident).policy
        already = sent | set(collapsed)
        for action in escalation_due(
                incident_id=incident_id, grade=incident.grade, opened_at=incident.clocks_opened_at,
                acknowledged_at=incident.acknowledged_at, responded_at=incident.responded_at,
                breached_at=incident.first_breach_at, now=now, policy=policy, already_sent=already,
                held_until=verification.hold_until(incident.verification, policy.verification)):
            found.append(_Pending(action, incident, kind=action.kind.value))
        found = self._raises(incident, now, sent, found)
        found.extend(self._phone(incident, now, sent))
        return found

    def _raises(self, incident: Incident, now: datetime, sent: set[str], found: list[_Pending]) -> list[_Pending]:
        """升级 of the grade to I or II: the duty officer, everyone already told beyond and the leaders
        hear of it, once per raise (after verification, like anyone beyond the duty officer). Chain
        steps falling due at the same moment are folded into it; an announcement in this very tick
        already says the grade, and stands for the raises."""
        incident_id = _id(incident)
        pending = [(key, at) for key, at in raises(incident) if key not in sent]
        if not pending:
            return found
        announcing = next((p for p in found if p.kind in ("new_incident", "verification")), None)
        if announcing is not None:
            announcing.action = replace(announcing.action, collapsed=(
                *announcing.action.collapsed, *(key for key, _ in pending)))
            return found
        hold = verification.hold_until(incident.verification, self._rules_for(incident).policy.verification)
        due = [(key, max(at, _aware(hold)) if hold is not None else at) for key, at in pending]
        due = [(key, at) for key, at in due if at <= now]
        if not due:
            return found
        key, at = due[-1]
        folded = [p for p in found if p.kind == "escalation" and p.action.at == at]
        roles = [EscalationRole.DUTY_OFFICER, *self._told_beyond(incident, sent), EscalationRole.LEADER,
                 *(role for p in folded for role in p.action.roles)]
        action = Action(key, ActionKind.ESCALATION, at, max(now - at, timedelta(0)), incident_id,
                        roles=tuple(dict.fromkeys(roles)),
                        collapsed=(*(k for k, _ in due[:-1]), *(k for p in folded for k in p.action.keys)))
        return [p for p in found if p not in folded] + [_Pending(action, incident, kind="grade_raised")]

    def _told_beyond(self, incident: Incident, sent: set[str]) -> list[EscalationRole]:
        """The roles beyond the duty officer already told of the incident (a step or a re-escalation)."""
        chain = self._rules_for(incident).policy.chain(incident.grade)
        incident_id = _id(incident)
        told = []
        for role in (EscalationRole.SECTION_CHIEF, EscalationRole.LEADER):
            if escalation_key(incident_id, role) in sent or (
                    role in chain.reescalate_to and reescalation_key(incident_id, 1) in sent):
                told.append(role)
        return told

    def _breach_audience(self, item: _Pending, sent: set[str]) -> Action:
        """A breach reaches the duty officer, everyone already told beyond and the leaders (each
        breach, once), unless the incident is 待研判; it stands for the leaders' on-breach step."""
        incident, action = item.incident, item.action
        hold = verification.hold_until(incident.verification, self._rules_for(incident).policy.verification)
        if hold is not None and _aware(hold) > action.at and verification.is_pending(incident.verification):
            return replace(action, roles=(EscalationRole.DUTY_OFFICER,))
        roles = tuple(dict.fromkeys([EscalationRole.DUTY_OFFICER, *self._told_beyond(incident, sent),
                                     EscalationRole.LEADER]))
        leader_step = escalation_key(_id(incident), EscalationRole.LEADER)
        extra = (leader_step,) if leader_step not in sent else ()
        return replace(action, roles=roles, collapsed=(*action.collapsed, *extra))

    def _verification(self, incident: Incident, now: datetime, sent: set[str]) -> _Pending | None:
        """研判: ask the duty officer once, folding in the announcement and the duty officer's first
        step when they are still to send; record the end of the wait when it has passed."""
        incident_id = _id(incident)
        rule = self._rules_for(incident).policy.verification
        ended = verification.expired(incident.verification, rule, now)
        if ended is not None and incident.verification is not None:
            incident.verification = verification.decided(
                incident.verification, verification.EXPIRED, at=ended,
                reason=f"{verification.wait_text(rule.wait)}内无人研判，按规定继续升级 / nobody decided within "
                       f"{format_duration(rule.wait)}: the escalation goes on")
            self._rows[TimelineEvent].append(dict(
                incident_id=incident_id, at=ended, kind="verification_expired", actor="sentinel",
                reason=incident.verification["reason"], data={"since": incident.verification["since"]}))
        key = verification.verify_key(incident_id)
        if not verification.is_pending(incident.verification) or key in sent:
            return None
        assert incident.verification is not None
        folded = [new_incident_key(incident_id)]
        if incident.clocks_opened_at is not None:
            folded.append(escalation_key(incident_id, EscalationRole.DUTY_OFFICER))
        at = datetime.fromisoformat(incident.verification["since"])
        action = Action(key, ActionKind.ESCALATION, at, max(now - at, timedelta(0)), incident_id,
                        roles=(EscalationRole.DUTY_OFFICER,), collapsed=tuple(k for k in folded if k not in sent))
        return _Pending(action, incident, kind="verification")

    def _evidence(self, session: Session, incidents: Sequence[Incident], now: datetime,
                  sent: set[str]) -> list[_Pending]:
        """Ask the duty officer to confirm each official item found as candidate evidence, once."""
        if not incidents:
            return []
        by_id = {_id(incident): incident for incident in incidents}
        found = []
        for response in session.scalars(select(Response).where(
                col(Response.incident_id).in_(list(by_id)), col(Response.state) == "candidate")
                .order_by(col(Response.id))).all():
            key = f"response:{response.id}:evidence"
            incident = by_id[response.incident_id]
            if key in sent or incident.state != IncidentState.OPEN.value or outside(incident):
                continue
            at = response.recorded_at
            action = Action(key, ActionKind.ESCALATION, at, max(now - at, timedelta(0)), _id(incident),
                            roles=(EscalationRole.DUTY_OFFICER,))
            found.append(_Pending(action, incident, kind="evidence", response=response))
        return found

    def _listed(self, session: Session) -> list[tuple[IncidentHotlist, Incident]]:
        """Hot-list alerts waiting to be sent (an indexed flag: usually none)."""
        return [(mark, incident) for mark, incident in session.execute(
            select(IncidentHotlist, Incident).join(Incident, col(Incident.id) == col(IncidentHotlist.incident_id))
            .where(col(IncidentHotlist.alert_pending).is_(True)).order_by(col(IncidentHotlist.id)).limit(_BATCH)).all()]

    def _hotlist_alerts(self, session: Session, listed: Sequence[tuple[IncidentHotlist, Incident]], now: datetime,
                        report: TickReport, sent: set[str]) -> None:
        """Tell the duty officer that an entry of an open, announced incident entered the top of a
        national hot list, once per entry and incident (its key)."""
        for mark, incident in listed:
            incident_id = _id(incident)
            if incident.state != IncidentState.OPEN.value or outside(incident):
                mark.alert_pending = False  # outside the jurisdiction: nobody is paged (adopting announces it)
                continue
            if new_incident_key(incident_id) not in sent:
                continue  # announced first, at this incident's first tick; the alert follows then
            key = f"incident:{incident_id}:hotlist:{mark.id}"
            at = mark.top_at or now
            action = Action(key, ActionKind.ESCALATION, at, max(now - at, timedelta(0)), incident_id,
                            roles=(EscalationRole.DUTY_OFFICER,))
            self._apply(session, _Pending(action, incident, kind="hotlist", mark=mark), now, report, sent)
            mark.alert_pending, mark.alerted_at = False, now

    # ---------------------------------------------------------------------------------- actions

    def _apply(self, session: Session, item: _Pending, now: datetime, report: TickReport, sent: set[str]) -> None:
        if item.action.key in sent:
            return
        if item.kind == "breach":
            item.action = self._breach_audience(item, sent)
        action, incident = item.action, item.incident
        incident_id = _id(incident)
        rules = self._rules_for(incident)
        late = action.late_by if action.late_by > self.late_after else timedelta(0)
        for key in action.keys:
            if key in sent:
                continue
            # An incident's key (a breach standing for the leader's step) is the incident's, whatever
            # action sent it: sent_keys finds the incident's keys by obligation_id NULL.
            obligation_id = item.row.id if item.row is not None and key.startswith(OBLIGATION_KEY) else None
            self._rows[EngineAction].append(dict(key=key, incident_id=incident_id, kind=item.kind, at=action.at,
                                                 obligation_id=obligation_id, handled_at=now))
            sent.add(key)
        if item.kind in ("new_incident", "evidence", "verification", "hotlist"):
            roles: tuple[EscalationRole, ...] = (EscalationRole.DUTY_OFFICER,)
        elif item.kind == "reminder":
            roles = (EscalationRole.DUTY_OFFICER,)
        else:
            roles = action.roles
        if item.kind == "calls_done":
            self._rows[TimelineEvent].append(dict(
                incident_id=incident_id, at=now, kind="phone_chain_ended", actor="sentinel",
                reason="电话通知已拨至最后一人，仍无人签收 / everyone in the phone chain was called, nobody acknowledged",
                data={"key": action.key, "due": action.at.isoformat()}))
            return
        if item.person is not None and item.channel is not None:
            recipients = [item.person]
            by_channel = {item.channel: recipients}
        else:
            recipients = self._recipients(rules, roles, incident, now)
            by_channel = routes(recipients, self.alert_ids, opt_in=self.opt_in)
        context = self._context(session, item, now, recipients, late)
        channels = self._enqueue(session, item, context, by_channel, rules, now)
        notifications = [{"channel": channel, "recipients": [r.name for r in people]}
                         for channel, people in channels.items()]
        data: dict[str, Any] = {"key": action.key, "due": action.at.isoformat(),
                                "late_by_seconds": round(late.total_seconds()), "notifications": notifications,
                                "roles": [role.value for role in roles]}
        if action.collapsed:
            data["collapsed"] = list(action.collapsed)
        reason = f"系统停机补发，晚{format_time_left(late)} / late by {format_duration(_whole(late))}" if late else None
        if item.row is not None:
            data.update(obligation=_id(item.row), kind=item.row.kind, due_at=item.row.due_at.isoformat())
        if item.kind == "breach":
            assert item.row is not None
            row = item.row
            row.state, row.breached_at, row.closed_at, row.next_action_at = (
                ObligationState.BREACHED.value, action.at, now, None)
            if incident.first_breach_at is None:
                incident.first_breach_at = action.at
                incident.next_escalation_at = min(filter(None, [incident.next_escalation_at, action.at]))
            report.breaches.append(_id(row))
            if self.metrics is not None:
                self.metrics.obligation_breaches.labels(kind=row.kind).inc()
            if row.met_at is not None:
                data["met_at"] = row.met_at.isoformat()
                data["margin_seconds"] = (row.due_at - row.met_at).total_seconds()
            self._rows[TimelineEvent].append(dict(incident_id=incident_id, at=action.at, kind="obligation_breached",
                                                  actor="sentinel", reason=reason, data=data))
        else:
            if item.kind == "reminder" and action.offset is not None:
                data["offset"] = format_duration(action.offset)
            timeline_kind = {"new_incident": "announced", "reminder": "reminder", "escalation": "escalated",
                             "reescalation": "reescalated", "evidence": "evidence_requested",
                             "verification": "verification_requested", "hotlist": "hotlist_alerted",
                             "phone_call": "phone_called", "grade_raised": "grade_raised_alerted"}[item.kind]
            if item.response is not None:
                data["response"] = item.response.id
            if item.mark is not None:
                data.update(list=item.mark.list_name, entry=item.mark.external_id, rank=item.mark.top_rank)
            if item.person is not None:
                n = len(self._calls[incident_id][0]) + 1
                data.update(n=n, person=item.person.name, phone=item.person.phone, channel=item.channel,
                            role=item.person.role)
                self._calls[incident_id][0].append(Call(n, item.person.name, action.at))
            self._rows[TimelineEvent].append(dict(incident_id=incident_id, at=now, kind=timeline_kind, actor="sentinel",
                                                  reason=reason, data=data))
        report.notices.append(Notice(action.key, item.kind, incident_id, action.at, late,
                                     item.row.id if item.row else None, tuple(channels)))

    def _recipients(self, rules: Rules, roles: Sequence[EscalationRole], incident: Incident,
                    now: datetime) -> list[Recipient]:
        people: list[Recipient] = []
        seen: set[str] = set()
        for role in roles:
            # who is on duty is the same for every alert of one tick: ask the roster once per audience
            memo = (id(rules.roster), role, incident.department)
            if memo not in self._audiences:
                self._audiences[memo] = rules.roster.recipients(role, incident.department, now)
            for person in self._audiences[memo]:
                if person.name not in seen:
                    seen.add(person.name)
                    people.append(person)
        return people

    def _enqueue(self, session: Session, item: _Pending, context: dict[str, Any],
                 by_channel: dict[str, list[Recipient]], rules: Rules, now: datetime) -> dict[str, list[Recipient]]:
        incident = item.incident
        grade = Grade(incident.grade) if incident.grade else None
        held = rules.roster.hold_until(now, grade)
        for channel, people in by_channel.items():
            key = f"{item.action.key}:{channel}"
            audience = [person.as_dict() for person in people]
            acks = self._ack_links(item, key, channel, people, now)
            self._rows[OutboxMessage].append(dict(
                key=key, action_key=item.action.key, incident_id=_id(incident),
                obligation_id=item.row.id if item.row else None, kind=item.kind, channel=channel,
                recipients=audience, grade=incident.grade,
                message=deferred_message(item.kind, {**context, "recipients": audience}, zone=rules.zone,
                                         link_base=self.link_base, idempotency_key=key, acks=acks),
                created_at=now, not_before=held or now, state=OutboxState.PENDING.value, attempts=0))
        return by_channel

    def _ack_links(self, item: _Pending, key: str, channel: str, people: Sequence[Recipient],
                   now: datetime) -> list[dict[str, Any]]:
        """A one-tap link per person of one outbox row's audience (its rows written with the alert):
        认领 for an alert that asks for an acknowledgment while the incident has none, 确认 for
        evidence. Placeholders (a role with nobody configured) get none: a link acts as a person."""
        signer, incident = self.ack_links, item.incident
        if signer is None:
            return []
        if item.kind in CONFIRM_KINDS and item.response is not None:
            purpose, response_id = Purpose.CONFIRM, item.response.id
        elif item.kind in ACK_KINDS and incident.acknowledged_at is None:
            purpose, response_id = Purpose.ACKNOWLEDGE, None
        else:
            return []
        acks = []
        for person in people:
            if person.placeholder:
                continue
            row, ack = signer.issue(purpose=purpose, incident_id=_id(incident), person=person.name, phone=person.phone,
                                    channel=channel, alert_key=key, alert_kind=item.kind, now=now,
                                    response_id=response_id)
            self._rows[AckLinkRow].append(row)
            acks.append(ack)
        return acks

    def _context(self, session: Session, item: _Pending, now: datetime, recipients: list[Recipient],
                 late: timedelta) -> dict[str, Any]:
        incident = item.incident
        # the rows as this tick has left them so far (a breach earlier in the tick closed one)
        open_rows = sorted((row for row in self._open_rows.get(_id(incident), [])
                            if row.state == ObligationState.OPEN.value), key=lambda row: row.due_at)
        context: dict[str, Any] = {
            "incident": incident_context(incident),
            "obligations": [obligation_context(row) for row in open_rows],
            "now": now,
            "late_by": late.total_seconds(),
            "collapsed": len(item.action.collapsed),
            "roles": [role.value for role in item.action.roles],
        }
        if item.row is not None:
            context["obligation"] = obligation_context(item.row)
        if item.kind == "escalation":
            context["reason"] = "breach" if incident.first_breach_at is not None and \
                item.action.at == incident.first_breach_at else "unacknowledged"
        if item.kind == "grade_raised":
            n = int(item.action.key.rsplit(":", 1)[1])
            entry = ((incident.details or {}).get("raises") or [])[n - 1]
            context["raised"] = {"from": entry.get("from"), "to": entry.get("to"), "at": entry.get("at")}
        if item.kind == "reescalation":
            context["acknowledged_at"] = incident.acknowledged_at
            context["acknowledged_by"] = incident.acknowledged_by
        if item.response is not None:
            response = item.response
            context["item"] = {"title": response.content or "", "url": response.url, "source": response.channel,
                               "published_at": response.at}
            context["candidates"] = [response.kind]
        if item.action.offset is not None:
            context["offset"] = item.action.offset.total_seconds()
        if item.kind == "verification":
            state = incident.verification or {}
            rule = self._rules_for(incident).policy.verification
            context["verification"] = {"reason": state.get("reason"), "evidence": state.get("evidence") or {},
                                       "wait": rule.wait.total_seconds()}
        if item.mark is not None:
            context["hotlist"] = alert_context(session, item.mark, top=self._rules_for(incident).policy.hotlist.top)
        return context

    def _rules_for(self, incident: Incident) -> Rules:
        """:meth:`Rules.for_incident`, remembered by incident: a snapshot never changes once taken."""
        if incident.policy_snapshot is None or incident.id is None:
            return self.rules
        rules = self._snapshots.get(incident.id)
        if rules is None:
            if len(self._snapshots) >= _SNAPSHOTS:
                self._snapshots.clear()  # cheap to rebuild: incidents share a handful of snapshots
            rules = self._snapshots[incident.id] = self.rules.for_incident(incident)
        return rules

    # ---------------------------------------------------------------------------------- lease

    def _hold_lease(self, session: Session, now: datetime) -> bool:
        """Take or renew the engine lease; False while another live process holds it. One conditional
        UPDATE (the row lock it takes serialises two processes); an INSERT the very first time."""
        taken = session.execute(
            update(Lease).where(col(Lease.name) == "engine", or_(col(Lease.owner) == self.owner, col(Lease.until) <= now))
            .values(owner=self.owner, until=now + self.lease))
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return True
        if session.get(Lease, "engine") is not None:
            return False  # another process holds it, and its lease has not run out
        session.add(Lease(name="engine", owner=self.owner, until=now + self.lease))
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return False
        return True

    def release(self) -> None:
        """Give the lease up at shutdown, so another process can take over at once."""
        with Session(self.engine) as session:
            row = session.get(Lease, "engine")
            if row is not None and row.owner == self.owner:
                session.delete(row)
                session.commit()

    # -------------------------------------------------------------------------------- metrics

    def refresh_gauges(self) -> None:
        """Obligations by kind and state, the next due time per kind, and the time-to-met of those met
        since the last call (grouped queries; the scheduler calls this, a scrape never does)."""
        if self.metrics is None:
            return
        with Session(self.engine) as session:
            kind, state = col(ObligationRow.kind), col(ObligationRow.state)
            counts = session.execute(select(kind, state, func.count()).group_by(kind, state)).all()
            next_due: dict[str, datetime] = {
                row[0]: row[1] for row in session.execute(
                    select(kind, func.min(col(ObligationRow.due_at)))
                    .where(state == ObligationState.OPEN.value).group_by(kind)).all()}
            # the columns read, not ORM objects: the first call reads every deadline ever met
            query = select(*columns_of(ObligationRow, "id", "kind", "started_at", "met_at", "closed_at", "due_at")).where(
                col(ObligationRow.state) == ObligationState.MET.value)
            if self._met_since is not None:
                # met by anyone (the API, the command line) since the last look; a minute's overlap
                # covers clocks a little apart, and the ids seen in it are skipped
                query = query.where(col(ObligationRow.closed_at) > self._met_since - timedelta(minutes=1))
            met = session.execute(query).all()
        found = {(row[0], row[1]): row[2] for row in counts}
        for each in ObligationKind:
            for status in ObligationState:
                self.metrics.obligations.labels(kind=each.value, state=status.value).set(
                    found.get((each.value, status.value), 0))
            due = next_due.get(each.value)
            self.metrics.obligation_next_due.labels(kind=each.value).set(
                _aware(due).timestamp() if due is not None else 0)
        first = self._met_since is None
        recent: dict[int, datetime] = {}
        for row in met:
            closed = _aware(row.closed_at or row.met_at or row.due_at)
            self._met_since = max(self._met_since or closed, closed)
            recent[_id(row)] = closed
            if not first and _id(row) not in self._met_seen and row.met_at is not None:  # at start: history
                self.metrics.obligation_time_to_met.labels(kind=row.kind).observe(
                    max(0.0, (row.met_at - row.started_at).total_seconds()))
        if self._met_since is not None:
            floor = self._met_since - timedelta(minutes=1)
            self._met_seen = {i for i, closed in recent.items() if closed > floor}
        elif first:
            self._met_since = datetime(2000, 1, 1, tzinfo=UTC)


_OBLIGATIONS: Table = ObligationRow.__table__  # type: ignore[attr-defined]
_INCIDENTS: Table = Incident.__table__  # type: ignore[attr-defined]
#: what a tick may change: a breach closes an obligation and marks its incident; every row it
#: handles gets its next moment
_OBLIGATION_COLUMNS = ("state", "next_action_at", "breached_at", "closed_at")
_INCIDENT_COLUMNS = ("first_breach_at", "next_escalation_at", "verification")


def _due_incidents(stored: Sequence[Incident], changed: Iterable[Incident], now: datetime) -> list[Incident]:
    """Incidents whose next escalation moment has come: those the store said, and those this tick's
    breaches made due (their new moment is not written yet)."""
    due = {_id(incident): incident for incident in stored}
    for incident in changed:
        if incident.next_escalation_at is not None and incident.next_escalation_at <= now:
            due.setdefault(_id(incident), incident)
    return sorted(due.values(), key=lambda i: (i.next_escalation_at or now, _id(i)))[:_BATCH]


def _changed(row: Incident | ObligationRow, columns: Sequence[str]) -> bool:
    attributes = inspect(row).attrs
    return any(attributes[column].history.has_changes() for column in columns)


def incident_context(incident: Incident | Row[Any]) -> dict[str, Any]:
    """What an alert says of an incident (a row of these columns does as well as the object)."""
    return {"id": _id(incident), "title": incident.title, "grade": incident.grade, "department": incident.department,
            "category": incident.category, "emerged_at": incident.emerged_at, "detected_at": incident.detected_at,
            "kind": incident.kind, "place": place_text(incident)}


def place_text(incident: Incident | Row[Any]) -> str | None:
    """Where it happened, as an alert says it: 四川省汶川县, 地点不明（按本辖区处置）, …（辖区外）."""
    if incident.kind != IncidentKind.INCIDENT.value:
        return None
    place = incident.place or {}
    label = place.get("label") or "不明"
    if incident.jurisdiction == Jurisdiction.ADOPTED.value:
        return f"{label}（已纳入本辖区处置）"
    if label == "不明":
        return "地点不明（未能判断是否属本辖区，按本辖区处置）"
    inside = place.get("inside")
    if inside is True:
        return str(label)
    if inside is False:
        return f"{label}（辖区外）"
    return f"{label}（无法判断是否属本辖区，按本辖区处置）"


def obligation_context(row: ObligationRow | Row[Any]) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "due_at": row.due_at, "started_at": row.started_at, "state": row.state,
            "sequence": row.sequence, "met_at": row.met_at, "provisional": row.provisional}


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _whole(span: timedelta) -> timedelta:
    return timedelta(seconds=round(span.total_seconds()))


def _id(row: Incident | ObligationRow | Row[Any]) -> int:
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet")
    return row.id
