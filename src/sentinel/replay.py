"""``sentinel replay``: the whole pipeline on a recorded scenario under a virtual clock
(docs/architecture.md#replay-scenarios).

A scenario is JSON lines in time order, each with ``at`` and ``type``:

- ``item``: ``{"source": ID, "item": {"id", "text", "published_at", ...}}`` — the item appears in
  that source's feed at ``at``; it is stored, analysed and placed in an incident as the daemon would;
- ``action``: ``{"action": "ack"|"respond"|"grade"|"dismiss", "item": ITEM_ID, "by": ...}`` — a
  person acts on the incident holding that item (also ``assign``, ``note``, ``close`` and
  ``mark``, ``adopt`` and ``verify``, the ``sentinel`` commands of the same names, and ``call``:
  ``{"person", "answered", "key"}``, a voice channel's ``call_result``, see
  :func:`~sentinel.escalation.actions.record_call`);
- ``downtime`` (an extension): ``{"until": TIME}`` — the daemon is down from ``at`` to ``until``:
  no tick runs, and what arrives meanwhile is taken in at ``until``, when the engine catches up.
- ``hotlist`` (an extension): ``{"source": ID, "entries": [{"rank", "title", "category",
  "description", "hot", "ads", "url"}]}`` — a poll of a ``hotlist`` source at ``at`` found this list
  (the archive form, :mod:`sentinel.collect.hotlist.archive`); or ``"body"``: the platform's own
  response (a JSON object, or the page as a string), read by the source's adapter. It is stored
  with its ranks, its new entries analysed, and the hot-list signals run, as after a daemon's poll.

Between lines the virtual clock jumps from one due moment to the next, and the engine ticks exactly
at each (so in a replay nothing is late unless the scenario says the daemon was down). Lines at a
moment are applied before the tick at that moment: a response recorded at the very moment of a
reminder stops that reminder, as it would in a daemon whose tick came a second later.

Notifications are written to the outbox as the daemon writes them, in the state ``recorded``: a
replay never sends anything, and a daemon later started on the same database does not either.
(``after_tick``, for tests and ``bench/``, is called with each tick's moment: a Dispatcher draining
the outbox there sends on the virtual clock, to loopback fakes.) When the configuration makes one-tap
认领 links (``http.public_url`` and the secret named by ``http.ack_secret_env``), the alerts carry
them as the daemon's do, with their ``ack_link`` rows: the same secret gives the same links.
The same scenario gives the same output every time (run it on an empty database).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from sentinel.analyse.pipeline import Analyzer
from sentinel.clock import FakeClock, local_iso
from sentinel.collect.hotlist import newsnow
from sentinel.collect.hotlist.archive import parse_rows
from sentinel.collect.hotlist.collector import entry_item, listing_of, parse_board
from sentinel.collect.push import ItemShapeError, parse_pushed_item
from sentinel.collect.runner import listing_gap
from sentinel.errors import CollectError, NotFoundError, SentinelError
from sentinel.escalation import ack_links, actions, judgement
from sentinel.escalation.clocks import Rules
from sentinel.escalation.engine import EscalationEngine
from sentinel.escalation.obligations import ObligationError, ObligationState, obligation_json
from sentinel.incidents.flows import IncidentStage
from sentinel.normalise.item import normalise, normalise_batch
from sentinel.normalise.times import parse_iso
from sentinel.notify.serialisation import message_title
from sentinel.settings import Settings, SourceKind
from sentinel.store import hotlists as hotlist_store
from sentinel.store import items as item_store
from sentinel.store import sources as source_store
from sentinel.store.db import Database
from sentinel.store.models import (
    Incident,
    Item,
    ItemAnalysis,
    Obligation,
    OutboxMessage,
    OutboxState,
    TimelineEvent,
)

__all__ = ["DEFAULT_HORIZON", "Line", "ReplayError", "Replayer", "ScenarioError", "local_iso", "obligation_json",
           "read_scenario"]

#: Without --until, the clock runs on until no obligation is open, but at most this long.
DEFAULT_HORIZON = timedelta(hours=72)
_ACTIONS = ("ack", "respond", "grade", "dismiss", "assign", "note", "close", "mark", "adopt", "verify", "call")


class ScenarioError(SentinelError):
    """A scenario line that cannot be used (the message names the line)."""


class ReplayError(SentinelError):
    """The replay cannot run at all (not an empty database, no lines)."""


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    at: datetime
    type: str
    body: dict[str, Any]


def _time(value: Any, what: str) -> datetime:
    try:
        return parse_iso(value).astimezone(UTC)
    except ValueError as exc:
        raise ScenarioError(f"{what}: {exc}") from None


def read_scenario(lines: Iterable[str]) -> tuple[list[Line], list[str]]:
    """The usable lines, and one error message per line that is not (each naming its number)."""
    good: list[Line] = []
    errors: list[str] = []
    last: datetime | None = None
    for number, text in enumerate(lines, 1):
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ScenarioError("a line is a JSON object")
            at = _time(data.get("at"), "at")
            kind = data.get("type")
            if kind not in ("item", "action", "downtime", "hotlist"):
                raise ScenarioError(f"type: expected item, action, downtime or hotlist, got {kind!r}")
            if last is not None and at < last:
                raise ScenarioError(f"at: {data['at']} is earlier than the line before; lines are in time order")
            if kind == "downtime" and _time(data.get("until"), "until") <= at:
                raise ScenarioError("until: must be later than at")
            if kind == "action" and data.get("action") not in _ACTIONS:
                raise ScenarioError(f"action: expected one of {', '.join(_ACTIONS)}, got {data.get('action')!r}")
        except json.JSONDecodeError as exc:
            errors.append(f"line {number}: not JSON: {exc.msg}")
            continue
        except ScenarioError as exc:
            errors.append(f"line {number}: {exc}")
            continue
        last = at
        good.append(Line(number, at, kind, data))
    return good, errors


@dataclass(slots=True)
class _Down:
    until: datetime
    deferred: list[Line] = field(default_factory=list)


class Replayer:
    def __init__(self, settings: Settings, database: Database, analyzer: Analyzer | None = None, *,
                 after_tick: Callable[[datetime], None] | None = None) -> None:
        self.settings = settings
        self.database = database
        self.engine = database.engine
        self.zone = settings.zone
        self.sources = {source.id: source for source in settings.sources}
        self.rules = Rules.from_settings(settings)
        self.analyzer = analyzer or Analyzer(settings)
        channel_ids = [channel.id for channel in settings.channels] or ["console"]
        self.escalation = EscalationEngine(self.engine, self.rules, channel_ids, owner="replay",
                                           late_after=settings.engine.late_after, link_base=settings.http.public_url,
                                           ack_links=ack_links.signer(settings),
                                           channel_kinds={channel.id: channel.kind for channel in settings.channels})
        self.after_tick = after_tick
        self.stage = IncidentStage(settings, self.analyzer, self.engine)
        self.errors: list[str] = []
        self.clock: FakeClock | None = None
        self._last_tick: datetime | None = None

    # ----------------------------------------------------------------------------------- running

    def run(self, lines: list[Line], *, until: timedelta | None = None) -> None:
        if not lines:
            raise ReplayError("the scenario has no usable lines")
        with Session(self.engine) as session:
            if session.scalar(select(func.count()).select_from(Incident)) or \
                    session.scalar(select(func.count()).select_from(Item)):
                raise ReplayError("replay needs an empty database: this one already holds items or incidents "
                                  f"({self.database.url.split('://')[0]}); point database.url at a new file")
        start = lines[0].at
        self.clock = FakeClock(start)
        source_store.ensure_sources(self.engine, self.settings.sources, now=start)
        self.stage.load(start)
        down: _Down | None = None
        for line in lines:
            if down is not None and line.at >= down.until:
                self._back_up(down)
                down = None
            if down is not None:
                down.deferred.append(line)
                continue
            self._advance(line.at)
            if line.type == "downtime":
                down = _Down(_time(line.body["until"], "until"))
                continue
            self._apply(line, line.at)
            self._tick(line.at)
        if down is not None:
            self._back_up(down)
        last = max(lines[-1].at, self._last_tick or lines[-1].at)
        if until is not None:
            self._advance(lines[-1].at + until, inclusive=True)
        else:
            self._advance(last + DEFAULT_HORIZON, inclusive=True, stop_when_settled=True)
        self._record_outbox()

    def _back_up(self, down: _Down) -> None:
        """The daemon is back: what arrived meanwhile is taken in, then one tick catches up."""
        for line in down.deferred:
            if line.type == "downtime":
                self.errors.append(f"line {line.number}: downtime inside a downtime is ignored")
                continue
            self._apply(line, down.until)
        self._tick(down.until)

    def _advance(self, to: datetime, *, inclusive: bool = False, stop_when_settled: bool = False) -> None:
        """Tick at every due moment before ``to`` (and at ``to`` when ``inclusive``)."""
        while True:
            if stop_when_settled and not self._open_obligations():
                return
            moment = self._next_moment()
            if moment is None or moment > to or (moment == to and not inclusive):
                return
            if self._last_tick is not None and moment <= self._last_tick:
                # everything at or before the last tick was handled: a moment there is a bug
                raise ReplayError(f"the engine left work due at {moment.isoformat()} after ticking at "
                                  f"{self._last_tick.isoformat()}")
            self._tick(moment)

    def _tick(self, now: datetime) -> None:
        assert self.clock is not None
        self.clock.set(now)
        self.escalation.tick(now)
        self._last_tick = now
        if self.after_tick is not None:
            self.after_tick(now)

    def _next_moment(self) -> datetime | None:
        with Session(self.engine) as session:
            moments = [
                session.scalar(select(func.min(col(Obligation.next_action_at))).where(
                    col(Obligation.state) == ObligationState.OPEN.value)),
                session.scalar(select(func.min(col(Incident.next_escalation_at)))),
            ]
        found = [moment if moment.tzinfo else moment.replace(tzinfo=UTC) for moment in moments if moment is not None]
        return min(found, default=None)

    def _open_obligations(self) -> int:
        with Session(self.engine) as session:
            return int(session.scalar(select(func.count()).select_from(Obligation).where(
                col(Obligation.state) == ObligationState.OPEN.value)) or 0)

    def _record_outbox(self) -> None:
        with Session(self.engine) as session:
            session.execute(update(OutboxMessage).where(col(OutboxMessage.state) == OutboxState.PENDING.value)
                            .values(state=OutboxState.RECORDED.value))
            session.commit()

    # ------------------------------------------------------------------------------------ lines

    def _apply(self, line: Line, now: datetime) -> None:
        assert self.clock is not None
        self.clock.set(now)
        try:
            if line.type == "item":
                self._item(line, now)
            elif line.type == "hotlist":
                self._hotlist(line, now)
            else:
                self._action(line, now)
        except (ScenarioError, ItemShapeError, actions.ActionError, NotFoundError, ObligationError,
                CollectError) as exc:
            self.errors.append(f"line {line.number}: {exc}")

    def _item(self, line: Line, now: datetime) -> None:
        source_id = line.body.get("source")
        source = self.sources.get(source_id) if isinstance(source_id, str) else None
        if source is None:
            raise ScenarioError(f"source: no source {source_id!r} in the configuration")
        raw = parse_pushed_item(line.body.get("item"))
        item = normalise(raw, zone=self.settings.source_zone(source), fetched_at=now)
        saved = item_store.save_pushed(self.engine, source.id, [item], now=now)
        if not saved.new_ids:
            raise ScenarioError(f"item {raw.external_id!r} of {source.id} appeared before; the repeat is ignored")
        self.stage.process(saved.new_ids, now)

    def _hotlist(self, line: Line, now: datetime) -> None:
        source_id = line.body.get("source")
        source = self.sources.get(source_id) if isinstance(source_id, str) else None
        if source is None or source.kind is not SourceKind.HOTLIST or source.platform is None:
            raise ScenarioError(f"source: no hotlist source {source_id!r} in the configuration")
        if "entries" in line.body:
            if not isinstance(line.body["entries"], list):
                raise ScenarioError("entries: expected a list of entries")
            name = newsnow.list_name(source.url or "") if source.platform.value == "newsnow" else source.platform.value
            board = parse_rows(name, line.body["entries"])
        elif "body" in line.body:
            body = line.body["body"]
            content = body.encode("utf-8") if isinstance(body, str) else json.dumps(body, ensure_ascii=False).encode()
            board = parse_board(source.platform.value, content, source.url or "")
        else:
            raise ScenarioError("a hotlist line needs entries or body")
        zone = self.settings.source_zone(source)
        items, rejected = normalise_batch([entry_item(e, board.list_name) for e in [*board.entries, *board.pinned]],
                                          zone, now)
        self.errors.extend(f"line {line.number}: {reason}: {message}" for reason, message in board.problems + rejected)
        saved, _ = hotlist_store.save_listing_poll(
            self.engine, source.id, items, listing_of(board), now=now, etag=None, last_modified=None, cursor=None,
            next_check_at=now + source.interval, max_gap=listing_gap(source.interval))
        if saved.new_ids:
            self.stage.process(saved.new_ids, now)
        self.stage.process_listings(now)

    def _incident_of(self, item_id: Any) -> int:
        if not isinstance(item_id, str) or not item_id:
            raise ScenarioError("item: the id of a scenario item in the incident is required")
        with Session(self.engine) as session:
            rows = session.execute(
                select(col(Item.source_id), col(ItemAnalysis.incident_id))
                .join(ItemAnalysis, col(ItemAnalysis.item_id) == col(Item.id))
                .where(col(Item.external_id) == item_id)).all()
        if not rows:
            raise ScenarioError(f"item: no item {item_id!r} has appeared yet")
        incidents = {incident for _, incident in rows if incident is not None}
        if not incidents:
            raise ScenarioError(f"item: {item_id!r} is in no incident (not relevant to any watch rule)")
        if len(incidents) > 1:
            raise ScenarioError(f"item: {item_id!r} names items of several sources in different incidents")
        return incidents.pop()

    def _action(self, line: Line, now: datetime) -> None:
        body = line.body
        incident_id = self._incident_of(body.get("item"))
        name = body["action"]
        by = str(body.get("by") or "")
        if name == "ack":
            actions.acknowledge(self.engine, self.rules, incident_id, by=by, now=now)
        elif name == "respond":
            at = _time(body["responded_at"], "responded_at") if "responded_at" in body else now
            actions.respond(self.engine, self.rules, incident_id, kind=str(body.get("kind") or ""), at=at, by=by,
                            now=now, url=body.get("url"), channel=body.get("channel"),
                            reviewer=body.get("reviewer"), publisher=body.get("publisher"))
        elif name == "grade":
            actions.set_grade(self.engine, self.rules, incident_id, grade=str(body.get("grade") or ""),
                              reason=str(body.get("reason") or ""), by=by, now=now)
        elif name == "dismiss":
            actions.dismiss(self.engine, self.rules, incident_id, reason=str(body.get("reason") or ""), by=by, now=now)
        elif name == "close":
            actions.close(self.engine, self.rules, incident_id, reason=str(body.get("reason") or ""), by=by, now=now)
        elif name == "assign":
            actions.assign(self.engine, self.rules, incident_id, department=str(body.get("department") or ""), by=by,
                           now=now)
        elif name == "note":
            actions.note(self.engine, incident_id, text=str(body.get("text") or ""), by=by, now=now)
        elif name == "mark":
            actions.mark_needs_response(self.engine, self.rules, incident_id, reason=str(body.get("reason") or ""),
                                        by=by, now=now)
        elif name == "adopt":
            judgement.adopt(self.engine, self.rules, incident_id, by=by, now=now, reason=body.get("reason"))
        elif name == "call":
            actions.record_call(self.engine, self.rules, incident_id, person=str(body.get("person") or ""),
                                answered=bool(body.get("answered")), now=now, phone=body.get("phone"),
                                channel=body.get("channel"), key=body.get("key"), call_id=body.get("call_id"))
        elif name == "verify":
            judgement.verify(self.engine, self.rules, incident_id, by=by, now=now, reason=body.get("reason"))

    # ----------------------------------------------------------------------------------- output

    def result(self) -> dict[str, Any]:
        """``{"incidents": [...], "notifications": [...]}`` as docs/architecture.md#replay-scenarios
        lays it out."""
        local = self._local
        with Session(self.engine) as session:
            incidents = session.scalars(select(Incident).order_by(col(Incident.id))).all()
            out = []
            for incident in incidents:
                items = session.execute(
                    select(col(Item.external_id), col(Item.source_id)).join(ItemAnalysis, col(ItemAnalysis.item_id) == col(Item.id))
                    .where(col(ItemAnalysis.incident_id) == incident.id).order_by(col(Item.published_at), col(Item.id))
                ).all()
                obligations = session.scalars(select(Obligation).where(col(Obligation.incident_id) == incident.id)
                                              .order_by(col(Obligation.id))).all()
                timeline = session.scalars(select(TimelineEvent).where(col(TimelineEvent.incident_id) == incident.id)
                                           .order_by(col(TimelineEvent.at), col(TimelineEvent.id))).all()
                out.append({
                    "id": incident.id, "kind": incident.kind, "title": incident.title, "grade": incident.grade,
                    "category": incident.category, "department": incident.department, "state": incident.state,
                    "clock_start": local(incident.clock_start), "place": (incident.place or {}).get("label"),
                    "jurisdiction": incident.jurisdiction,
                    "verification": (incident.verification or {}).get("state"),
                    "items": [{"id": external_id, "source": source_id} for external_id, source_id in items],
                    "obligations": [obligation_json(o, self.zone) for o in obligations],
                    "timeline": [{"at": local(e.at), "kind": e.kind, "actor": e.actor, "reason": e.reason,
                                  "data": e.data} for e in timeline],
                })
            messages = session.scalars(select(OutboxMessage).order_by(col(OutboxMessage.created_at),
                                                                      col(OutboxMessage.id))).all()
            notifications = [{
                "at": local(m.created_at), "channel": m.channel,
                "recipient": "、".join(r.get("name", "") for r in m.recipients), "kind": m.kind,
                "incident": m.incident_id, "obligation": m.obligation_id, "title": message_title(m.message),
                "key": m.key,
            } for m in messages]
        return {"incidents": out, "notifications": notifications, "errors": list(self.errors)}

    def _local(self, value: datetime | None) -> str | None:
        return local_iso(value, self.zone)


def text_report(result: dict[str, Any]) -> Iterator[str]:
    """The replay as a duty officer would read it."""
    for note in result["notifications"]:
        obligation = f" obligation {note['obligation']}" if note["obligation"] else ""
        yield (f"{note['at']}  {note['kind']:<13} #{note['incident']}{obligation} → {note['channel']} "
               f"{note['recipient']}: {note['title']}")
    for incident in result["incidents"]:
        yield ""
        yield f"#{incident['id']} {incident['title']}  [{incident['grade'] or '-'}] {incident['department'] or ''}"
        yield f"  clock start {incident['clock_start'] or '-'}; {len(incident['items'])} items"
        for o in incident["obligations"]:
            met = f", met {o['met_at']}" if o["met_at"] else ""
            yield f"  {o['kind']:<22} due {o['due_at']}  {o['state']}{met}"
    for error in result["errors"]:
        yield f"error: {error}"


def load_scenario(path: Path) -> tuple[list[Line], list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReplayError(f"{path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ReplayError(f"{path}: not UTF-8 text") from None
    return read_scenario(text.splitlines())
