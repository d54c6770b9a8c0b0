"""The incidents stage: analyse new items, place the relevant ones in incidents, keep each
incident's aggregates, grade and timeline, written in one transaction per batch.

A batch is analysed first, outside any transaction (the analysis is most of its time), and the
analyses of the items that concern no one are written in a short transaction of its own. Then
the batch is placed (:meth:`IncidentStage._plan`) on the memory and a read of the store, writing
nothing: new incidents get provisional keys. Only then does one short transaction write it
(:meth:`IncidentStage._write`). The clusterer and the heat trackers live in memory (one analysis
loop per process owns them) and are rebuilt from the store (:meth:`IncidentStage.load`).

The database decides which incident an item joins, also with several processes on one database:
the write transaction starts by locking the ``lease`` row named ``incidents`` (a row lock on
PostgreSQL, the write lock on SQLite — every push waits for it, hence the placing before it), so
the writing of one batch never interleaves with another process's. That row names the last batch
written; when it is not this process's own, another process placed items since, and the memory is
rebuilt under the lock and the batch placed again there; likewise when an incident the placing
changed was changed in the store since it was read (a person's grade, say).
A batch that fails marks the memory stale (it may hold uncommitted placements): the next batch
rebuilds it first, and a rebuild that fails (the database gone) keeps it stale and fails that batch
too, to be caught up later — it never places items against an empty or half-built memory. Item
counts and negative shares are counted in the database, never written from memory.
"""

from __future__ import annotations

import itertools
import logging
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from sys import intern
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Engine, case, func, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col

from sentinel.analyse.dates import event_days
from sentinel.analyse.event_report import NOT_JUDGED
from sentinel.analyse.facts import Facts
from sentinel.analyse.grading import grade_floor
from sentinel.analyse.pipeline import Analysis, Analyzer
from sentinel.analyse.places import Place
from sentinel.analyse.sentiment import Register, register_of_source
from sentinel.escalation.clocks import (
    Rules,
    check_verification,
    obligations_by_incident,
    record_response,
    sync_clocks,
    working_day_obligation,
)
from sentinel.escalation.obligations import ObligationKind, policy_interpretation_for
from sentinel.incidents.admission import Admission, Tier
from sentinel.incidents.cluster import ClusterConfig, Clusterer, ClusterItem
from sentinel.incidents.grade import GradeChange, ListRaise, decide, severity
from sentinel.incidents.heat import HeatBreakdown, HeatTracker, HeatWeights, heat_item
from sentinel.incidents.hotlist import HotlistSignals, SignalsReport, entry_verdict, list_raise, with_listing
from sentinel.incidents.hotlist_heat import ListingWeights
from sentinel.incidents.jurisdiction import jurisdiction_of, vote
from sentinel.settings import Authority, Settings
from sentinel.store.inserts import insert_ignoring
from sentinel.store.models import (
    HeatSample,
    Incident,
    IncidentKind,
    IncidentState,
    Item,
    ItemAnalysis,
    Lease,
    Response,
    TimelineEvent,
)
from sentinel.store.pgwake import ENGINE, announce

log = logging.getLogger(__name__)

_AUTHORITY_RANK = {Authority.CENTRAL: 5, Authority.PROVINCIAL: 4, Authority.LOCAL: 3,
                   Authority.COMMERCIAL: 2, Authority.SELF_MEDIA: 1}
_LOCK = "incidents"  # the lease row whose lock serialises the placing of batches across processes
_PROVISIONAL = 1 << 40  # keys from here on: incidents placed before their rows exist (above every row id)
_FACT_FIELDS = ("deaths", "injured", "seriously_injured", "missing", "poisoned", "loss_yuan", "magnitude")


@dataclass(slots=True)
class StageReport:
    analysed: int = 0
    relevant: int = 0
    opened: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    held: int = 0  # watched items in no incident: chatter, or weak reports waiting for a second
    hotlist: list[tuple[str, bool]] = field(default_factory=list)  # matched hot-list entries: (list, a topic?)


@dataclass(frozen=True, slots=True)
class _Evidence:
    """What an incident's automatic grade is computed from."""

    facts: dict[str, Any]
    heat: float
    items: int
    central: bool
    category: str | None
    subtype: str | None
    listed: ListRaise | None = None


@dataclass(slots=True)
class _Memory:
    """Per open incident, what aggregation needs without re-reading every item."""

    tracker: HeatTracker
    negatives: int = 0
    # (register, items, negative) for each register it has items of, sorted (a dict of lists cost
    # some 300 bytes an incident, and thousands are open)
    registers: tuple[tuple[str, int, int], ...] = ()
    title_rank: tuple[int, float] = (0, 0.0)  # (authority rank, -published timestamp) of the title's item
    central: bool = False
    # what verification (研判) weighs: the sources' tiers, an official one, independent origins
    tiers: tuple[str, ...] = ()
    official: bool = False
    origins: set[str] = field(default_factory=set)


def _counted(registers: tuple[tuple[str, int, int], ...], name: str,
             negative: bool) -> tuple[tuple[str, int, int], ...]:
    """``registers`` with one more item of register ``name``, negative or not."""
    counts = {register: (items, negatives) for register, items, negatives in registers}
    items, negatives = counts.get(name, (0, 0))
    counts[name] = (items + 1, negatives + int(negative))
    return tuple((register, *counts[register]) for register in sorted(counts))


@dataclass(slots=True)
class _Plan:
    """A batch placed but not written (:meth:`IncidentStage._plan`)."""

    rows: dict[int, dict[str, Any]]  # the analysis rows to insert, by item id
    report: StageReport = field(default_factory=StageReport)
    touched: dict[int, Incident] = field(default_factory=dict)
    before: dict[int, _Evidence] = field(default_factory=dict)  # each incident's evidence before this batch
    official: list[tuple[Incident, Item]] = field(default_factory=list)  # official sources' items: evidence of a release
    evidence: list[tuple[Incident, Item, Response]] = field(default_factory=list)  # and the responses they are
    # incidents to open, in order: (provisional key, the incident, or None for a policy document, its first item)
    new: list[tuple[int, Incident | None, Item, Analysis]] = field(default_factory=list)
    confirmed: list[tuple[int, int]] = field(default_factory=list)  # (item id, key): held items of earlier batches
    made: list[Any] = field(default_factory=list)  # the rows the plan added (timeline events), in order


class IncidentStage:
    def __init__(self, settings: Settings, analyzer: Analyzer, engine: Engine) -> None:
        self.settings = settings
        self.analyzer = analyzer
        self.engine = engine
        self.config = settings.incidents
        self.cluster_config = ClusterConfig.from_config(self.config.cluster)
        self.heat_weights = HeatWeights.from_config(self.config.heat)
        self.sources = {source.id: source for source in settings.sources}
        self.tiers = {source.id: source.authority.value for source in settings.sources}
        self.clusterer = Clusterer(self.cluster_config)
        self.memory: dict[int, _Memory] = {}
        # The memory is the store's as of the batch named _written (see the module docstring); a
        # stale memory is rebuilt before it places anything.
        self._stale = True
        self._written: str | None = None
        self._name = uuid.uuid4().hex[:16]
        self._batches = itertools.count(1)
        self.reloads = 0  # rebuilds of the memory (start, another process's batches, a failed batch)
        self._analyses: dict[int, Analysis] = {}  # the batch's, by item id
        self.rules = Rules.from_settings(settings)
        self.policy_rules = {rule.id for rule in settings.watch if rule.policy_documents}
        self.admission = Admission.from_config(self.config.reports, model_threshold=analyzer.event_model.threshold)
        self.hotlists = HotlistSignals(lambda incident: self.rules.for_incident(incident).policy.hotlist,
                                       ListingWeights.from_config(self.config.heat.get("listing")))

    # ----------------------------------------------------------------------------------- start-up

    def load(self, now: datetime) -> None:
        """Rebuild the open incidents' clusters and heat from the store. A load that fails keeps
        the memory as it was, still stale: the next batch rebuilds it before placing anything."""
        with Session(self.engine) as session:
            self._load(session, now)

    def _load(self, session: Session, now: datetime) -> None:
        written = self._last_batch(session)  # read first: a batch committed after it only means one more load
        clusterer = Clusterer(self.cluster_config)
        memory: dict[int, _Memory] = {}
        since = now - self.cluster_config.window
        # Every open incident's items in one query, in the order the clusterer replays them, read
        # a thousand rows at a time (tens of thousands of items at once cost hundreds of MB).
        rows = session.execute(
            select(Item, ItemAnalysis, col(Incident.title))
            .join(ItemAnalysis, col(ItemAnalysis.item_id) == col(Item.id))
            .join(Incident, col(Incident.id) == col(ItemAnalysis.incident_id))
            .where(col(Incident.state) == IncidentState.OPEN.value, col(Incident.last_item_at) >= since)
            .order_by(col(ItemAnalysis.incident_id), col(Item.published_at), col(Item.id))
            .execution_options(yield_per=1000)
        )
        for key, group in itertools.groupby(rows, key=lambda row: row[1].incident_id):
            assert key is not None
            tracker = memory.setdefault(key, _Memory(HeatTracker(self.heat_weights)))
            members = []
            for item, analysis, title in group:
                members.append(self._cluster_item(item, analysis))
                self._remember(tracker, item, analysis.negative)
                if item.title and item.title == title:
                    tracker.title_rank = self._title_rank(item)  # the item that titles it
            clusterer.rebuild([(key, members)])
        # Pending stories: weak reports in no incident yet, still inside the window.
        held = session.execute(
            select(Item, ItemAnalysis).join(ItemAnalysis, col(ItemAnalysis.item_id) == col(Item.id))
            .where(col(ItemAnalysis.incident_id).is_(None), col(ItemAnalysis.relevant),
                   col(ItemAnalysis.report_score) >= self.admission.candidate, col(Item.published_at) >= since)
            .order_by(col(Item.published_at), col(Item.id))
        ).all()
        for item, analysis in held:
            post = self._register(item.source_id) is Register.POST
            if self.admission.tier(analysis.report_score or 0.0, post=post) is Tier.CANDIDATE:
                cluster_item = self._cluster_item(item, analysis)
                if clusterer.assign(cluster_item).incident_key is None:
                    clusterer.open_pending(-cluster_item.item_id, cluster_item)
        self.clusterer, self.memory = clusterer, memory
        self._written, self._stale = written, False
        self.reloads += 1

    # ---------------------------------------------------------------------- the lock across processes

    def _last_batch(self, session: Session) -> str:
        """The batch last written ("": none yet, whether or not ``_lock`` has made the row)."""
        return session.scalar(select(col(Lease.owner)).where(col(Lease.name) == _LOCK)) or ""

    def _lock(self, session: Session, now: datetime) -> bool:
        """Lock the ``incidents`` row until the transaction ends (a row lock on PostgreSQL, the write
        lock on SQLite), made the first time; then rebuild the memory if another process wrote a
        batch since this one last did, or if it is stale. Whether it rebuilt it."""
        locked = session.execute(update(Lease).where(col(Lease.name) == _LOCK).values(until=now))
        if locked.rowcount != 1:  # type: ignore[attr-defined]
            try:
                with session.begin_nested():
                    session.add(Lease(name=_LOCK, owner="", until=now))
            except IntegrityError:  # another process made it a moment ago: wait for its lock
                pass
            session.execute(update(Lease).where(col(Lease.name) == _LOCK).values(until=now))
        if self._stale or self._last_batch(session) != self._written:
            self._load(session, now)
            return True
        return False

    def _mark_written(self, session: Session) -> str:
        batch = f"{self._name}:{next(self._batches)}"
        session.execute(update(Lease).where(col(Lease.name) == _LOCK).values(owner=batch))
        return batch

    # ------------------------------------------------------------------------------------ process

    def process(self, item_ids: Sequence[int], now: datetime) -> StageReport:
        """Analyse the given items (once: analysed items are skipped) and update incidents."""
        try:
            return self._process(item_ids, now)
        except Exception:
            self._stale = True  # memory must not run ahead of what was committed: rebuilt before the next batch
            raise

    def _process(self, item_ids: Sequence[int], now: datetime) -> StageReport:
        # Analysis first, outside any transaction: it is most of the batch's time.
        with Session(self.engine) as session:
            fresh = self._unanalysed(session, item_ids)
            items = list(session.scalars(
                select(Item).where(col(Item.id).in_(fresh)).order_by(col(Item.published_at), col(Item.id))).all())
            session.expunge_all()
        analysed = [(item, self.analyzer.analyze(item.title, item.text, register=self._register(item.source_id)))
                    for item in items]
        # The analysis rows as plain values, made before the write transaction and inserted in one
        # statement at its end (an ORM object each cost as much again, and flushed piecemeal).
        rows = {_id(item): _analysis_row(item, analysis, now) for item, analysis in analysed}
        clustered = {_id(item): self._cluster_item(item, SimpleNamespace(**rows[_id(item)]))
                     for item, analysis in analysed if analysis.relevant}
        self._analyses = {_id(item): analysis for item, analysis in analysed}  # a held item confirmed in this batch
        # The analyses of the items that concern no one (most of a batch) are written first, in a
        # short transaction of its own: nothing is placed on them, and a batch that fails later has
        # them done all the same.
        stored = self._store_unconcerned([row for row in rows.values() if not row["relevant"]])
        rows = {key: row for key, row in rows.items() if row["relevant"]}
        # The placing is decided outside the lock too, on the memory and a read of the store (on
        # SQLite the lock is the write lock: everyone else's writes wait for it). New incidents are
        # placed under provisional keys until the write transaction inserts their rows.
        with Session(self.engine) as session, session.no_autoflush:
            if self._stale or self._last_batch(session) != self._written:
                self._load(session, now)
            plan = self._plan(session, analysed, rows, clustered, stored, now)
            session.expunge_all()  # what the plan made and changed is written under the lock
        with Session(self.engine) as session, session.no_autoflush:
            rebuilt = self._lock(session, now)
            if rebuilt or self._changed(session, plan):
                # Another process placed a batch, or someone changed an incident the plan changes,
                # since the plan was made: decide again, under the lock, on the store as it is now.
                if not rebuilt:
                    self._load(session, now)
                plan = self._plan(session, analysed, rows, clustered, stored, now)
            self._write(session, plan, now)
            written = self._mark_written(session)
            if plan.report.opened or plan.touched:  # the engine holder, maybe another process, acts now (worker wakes ours)
                announce(session, ENGINE)
            session.commit()
        self._written = written
        report = plan.report
        report.updated = sorted(set(plan.touched) - set(report.opened))
        self.clusterer.expire(now)
        return report

    def _plan(self, session: Session, analysed: list[tuple[Item, Analysis]], rows: dict[int, dict[str, Any]],
              clustered: dict[int, ClusterItem], stored: set[int], now: datetime) -> _Plan:
        """Place the batch's relevant items (their analysis ``rows``) against the memory (which it
        changes), reading the store but writing nothing: new incidents and policy documents get
        provisional keys, and the rows made and changed stay in ``session`` until :meth:`_write`.
        ``stored``: the other items whose analyses this batch wrote."""
        plan = _Plan(rows={key: dict(row) for key, row in rows.items()})
        report, rows = plan.report, plan.rows
        keys = itertools.count(_PROVISIONAL)
        done = set(self._analysed(session, list(rows)))  # by another process meanwhile
        for item, analysis in analysed:
            if not analysis.relevant:
                report.analysed += _id(item) in stored
                continue
            if item.id in done:
                del rows[_id(item)]
                continue
            row = rows[_id(item)]
            report.analysed += 1
            verdict = entry_verdict(item)  # a hot-list entry: a public-opinion topic, or entertainment?
            if verdict is not None:
                report.hotlist.append((str(item.extra["hotlist"].get("list")), verdict.public_opinion))
                if not verdict.public_opinion:  # kept and searchable, but no incident
                    log.info("hot-list entry %s set aside: %s", item.external_id, verdict.reason)
                    continue
            report.relevant += 1
            if self._is_policy_document(item, analysis):
                row["incident_id"] = next(keys)
                plan.new.append((row["incident_id"], None, item, analysis))
                report.opened.append(row["incident_id"])
                continue
            cluster_item = clustered[_id(item)]
            opened: list[Incident] = []

            def new_incident(first: Item, first_analysis: Analysis, opened: list[Incident] = opened) -> Incident:
                incident = self._open(session, first, first_analysis, now, key=next(keys))
                plan.new.append((_id(incident), incident, first, first_analysis))
                opened.append(incident)
                return incident

            # An entry of a hot list that passed as public opinion is counted already: a report.
            tier = Tier.REPORT if verdict is not None else self.admission.tier(
                analysis.report.score, post=analysis.register is Register.POST)
            placed = self._place(session, tier, item, analysis, cluster_item, new_incident, plan.touched)
            if placed is None:  # chatter, or a weak report held until a second one comes
                report.held += 1
                continue
            key, incident, confirmed, anchored = placed
            row["incident_id"] = key
            if opened:
                report.opened.append(key)
            memory = self.memory.setdefault(key, _Memory(HeatTracker(self.heat_weights)))
            if key not in plan.before:
                plan.before[key] = _Evidence(dict(incident.facts), incident.heat, incident.item_count, memory.central,
                                             incident.category, incident.subtype, self._list_raise(incident))
            members = [(item, analysis)]
            if confirmed is not None:  # the pending report this one confirms comes first
                members.insert(0, (confirmed, self._analysis(confirmed)))
                if _id(confirmed) in rows:  # held earlier in this batch
                    rows[_id(confirmed)]["incident_id"] = key
                else:
                    plan.confirmed.append((_id(confirmed), key))
            for position, (member, member_analysis) in enumerate(members):
                self._join(session, incident, member, member_analysis, memory, now,
                           first=bool(opened) and position == 0, anchored=anchored or member is not item)
                self._locate(session, incident, member, member_analysis, now)
                if self._official(member):
                    plan.official.append((incident, member))
            plan.touched[key] = incident
        plan.evidence = [(incident, item, self._response(incident, item, now)) for incident, item in plan.official
                         if incident.state == IncidentState.OPEN.value]
        plan.made = sorted(session.new, key=lambda row: inspect(row).insert_order or 0)
        return plan

    def _store_unconcerned(self, rows: list[dict[str, Any]]) -> set[int]:
        """Insert these analysis rows in one transaction (one statement: a few ms for a batch of
        500; several transactions back to back would keep a push waiting as long as one of their
        length), skipping items another process analysed meanwhile; the ids of the rows inserted."""
        if not rows:
            return set()
        table = ItemAnalysis.__table__  # type: ignore[attr-defined]
        statement = insert_ignoring(table, self.engine.dialect.name, ["item_id"]).returning(table.c.item_id)
        with self.engine.begin() as connection:
            return set(connection.execute(statement, rows).scalars())

    def _changed(self, session: Session, plan: _Plan) -> bool:
        """Whether an incident the plan changes was changed in the store since the plan read it."""
        read = {key: incident for key, incident in plan.touched.items() if key < _PROVISIONAL}
        if not read:
            return False
        table = Incident.__table__  # type: ignore[attr-defined]
        for stored in session.execute(select(table).where(table.c.id.in_(list(read)))).mappings():
            state = inspect(read[stored["id"]])
            for column in table.columns:
                seen = state.committed_state.get(column.key, getattr(read[stored["id"]], column.key))
                if seen != stored[column.key]:
                    return True
        return False

    def _write(self, session: Session, plan: _Plan, now: datetime) -> None:
        """Write ``plan`` under the lock: the new incidents' rows first (their ids replace the
        provisional keys), then the items' analyses, counts, grades, clocks and heat."""
        session.add_all(plan.made)
        for incident in plan.touched.values():
            if incident.id is not None and incident.id < _PROVISIONAL:
                session.add(incident)  # read by the plan's session: changed since, written now
        ids: dict[int, int] = {}
        opened = [(key, incident) for key, incident, _, _ in plan.new if incident is not None]
        _insert_for_ids(session, [incident for _, incident in opened])  # in the order they were opened
        for key, incident in opened:
            ids[key] = _id(incident)
            if key in self.clusterer:
                self.clusterer.rekey(key, ids[key])
            if key in self.memory:
                self.memory[ids[key]] = self.memory.pop(key)
        for key, document, item, analysis in plan.new:
            if document is None:
                ids[key] = self._policy_document(session, item, analysis, now)
        if ids:
            for made in [*plan.made, *(response for _, _, response in plan.evidence)]:
                if made.incident_id in ids:
                    made.incident_id = ids[made.incident_id]
            for row in plan.rows.values():
                if row["incident_id"] in ids:
                    row["incident_id"] = ids[row["incident_id"]]
            plan.touched = {ids.get(key, key): incident for key, incident in plan.touched.items()}
            plan.before = {ids.get(key, key): evidence for key, evidence in plan.before.items()}
            plan.confirmed = [(item_id, ids.get(key, key)) for item_id, key in plan.confirmed]
            plan.report.opened = [ids.get(key, key) for key in plan.report.opened]
        for item_id, key in plan.confirmed:  # pending reports of earlier batches, confirmed by this one
            session.execute(update(ItemAnalysis).where(col(ItemAnalysis.item_id) == item_id).values(incident_id=key))
        if plan.rows:  # the table's, not the ORM's insert: that one sends a statement a row here
            session.execute(insert(ItemAnalysis.__table__), list(plan.rows.values()))  # type: ignore[attr-defined]
        _insert_new(session, TimelineEvent)
        session.flush()
        touched = plan.touched
        self._count(session, touched)
        obligations = obligations_by_incident(session, list(touched))  # one query, not one per incident
        previous = {key: incident.grade for key, incident in touched.items()}
        for key, incident in touched.items():
            self._regrade(session, incident, self.memory[key], plan.before[key], now)
            self._verify(session, incident, self.memory[key], now)
        # Their timeline entries now, in one statement: starting an obligation flushes the session,
        # and what a flush inserts goes a statement a row.
        _insert_new(session, TimelineEvent)
        for key, incident in touched.items():
            sync_clocks(session, incident, previous_grade=previous[key], now=now, rules=self.rules,
                        rows=obligations.get(key, []))
        self._official_evidence(session, plan.evidence, now)
        _insert_new(session, TimelineEvent)
        if touched:  # rows, not ORM objects: nothing reads them back, and an object costs more than its insert
            session.execute(insert(HeatSample.__table__), [  # type: ignore[attr-defined]
                dict(incident_id=key, at=now, heat=incident.heat, items=incident.item_count,
                     negative_share=incident.negative_share) for key, incident in touched.items()])

    def _analysis(self, item: Item) -> Analysis:
        """A held item's analysis: this batch's, or made again (an earlier batch's is not kept)."""
        found = self._analyses.get(_id(item))
        if found is None:
            found = self._analyses[_id(item)] = self.analyzer.analyze(item.title, item.text,
                                                                      register=self._register(item.source_id))
        return found

    def _unanalysed(self, session: Session, item_ids: Sequence[int]) -> list[int]:
        done = set(self._analysed(session, item_ids))
        return [item_id for item_id in item_ids if item_id not in done]

    def _analysed(self, session: Session, item_ids: Sequence[int]) -> list[int]:
        return list(session.scalars(select(col(ItemAnalysis.item_id)).where(col(ItemAnalysis.item_id).in_(
            list(item_ids)))).all())

    def _count(self, session: Session, incidents: dict[int, Incident]) -> None:
        """Items and negative share of the incidents a batch touched, counted in the store (one
        query): another process's items are counted too, and nothing is written from memory."""
        if not incidents:
            return
        negative = func.sum(case((col(ItemAnalysis.negative), 1), else_=0))
        for key, items, negatives in session.execute(
                select(col(ItemAnalysis.incident_id), func.count(), negative)
                .where(col(ItemAnalysis.incident_id).in_(list(incidents))).group_by(col(ItemAnalysis.incident_id))):
            incident = incidents[key]
            incident.item_count = int(items)
            incident.negative_share = round(int(negatives or 0) / int(items), 4) if items else 0.0

    def _place(self, session: Session, tier: Tier, item: Item, analysis: Analysis, cluster_item: ClusterItem,
               new_incident: Callable[[Item, Analysis], Incident], touched: dict[int, Incident]
               ) -> tuple[int, Incident, Item | None, bool] | None:
        """The incident an item of ``tier`` belongs to (:mod:`sentinel.incidents.admission`), the
        pending item it confirmed, if any, and whether it is anchored well enough to lend its facts
        (:class:`~sentinel.incidents.cluster.Assignment`); None when it belongs to none (chatter, or a
        candidate now held)."""
        decision = self.clusterer.assign(cluster_item)
        key = decision.incident_key
        if key is not None and self.clusterer.is_pending(key):
            held = self.clusterer.pending_item(key)
            if tier is Tier.CHATTER or (tier is Tier.CANDIDATE and self._posts(item.source_id, held.source_id)):
                # chatter confirms nothing, and one weak post does not confirm another: on a topic
                # everyone talks about, posts echo each other without any of them reporting anything
                return None
            first = session.get(Item, held.item_id)
            if first is not None:
                confirmed = new_incident(first, self._analysis(first))
                self.clusterer.confirm(key, _id(confirmed))
                self.clusterer.add(_id(confirmed), cluster_item)
                return _id(confirmed), confirmed, first, decision.anchored
            self.clusterer.close(key)  # the held item is gone from the store: treat as no match
            key = None
        if key is not None:
            self.clusterer.add(key, cluster_item)
            joined = touched.get(key) or session.get(Incident, key)
            if joined is not None:
                return key, joined, None, decision.anchored
            self.clusterer.close(key)  # closed or dismissed in the store meanwhile: start afresh
        if tier is Tier.REPORT:
            incident = new_incident(item, analysis)
            self.clusterer.open_incident(_id(incident), cluster_item)
            return _id(incident), incident, None, True
        if tier is Tier.CANDIDATE:
            self.clusterer.open_pending(-cluster_item.item_id, cluster_item)
        return None

    # -------------------------------------------------------------------- releases and documents

    def _official(self, item: Item) -> bool:
        source = self.sources.get(item.source_id)
        return bool(source and source.official)

    def _is_policy_document(self, item: Item, analysis: Analysis) -> bool:
        return self._official(item) and any(m.rule_id in self.policy_rules for m in analysis.matches)

    def _policy_document(self, session: Session, item: Item, analysis: Analysis, now: datetime) -> int:
        """A policy document on an official channel: its interpretation (政策解读) is due within N
        working days of its publication (provisional, and marked so, when it runs into a year whose
        holiday notice is not known yet)."""
        department, source = self._department(analysis)
        case = Incident(
            title=item.title or item.text[:60], kind=IncidentKind.POLICY_DOCUMENT.value, department=department,
            department_source=source, category=None, grade_reasons=[], facts={}, keywords=[], rules=[
                m.rule_id for m in analysis.matches], regions=list(analysis.regions)[:20], emerged_at=item.published_at,
            detected_at=now, last_item_at=item.published_at, updated_at=now, heat_components={}, item_count=1,
            source_count=1, details={"item": item.external_id, "source": item.source_id, "url": item.url},
        )
        _insert_for_id(session, case)
        session.add(TimelineEvent(incident_id=_id(case), at=now, kind="detected", reason="policy document",
                                  data={"item": item.external_id, "source": item.source_id,
                                        "first_published_at": item.published_at.isoformat()}))
        planned = policy_interpretation_for(item.published_at, policy=self.rules.policy, zone=self.rules.zone)
        working_day_obligation(session, case, planned, now=now, rules=self.rules, actor="sentinel")
        return _id(case)

    def _official_evidence(self, session: Session, evidence: list[tuple[Incident, Item, Response]],
                           now: datetime) -> None:
        """Official sources' items in open incidents (:meth:`_response`): candidate evidence of the
        authoritative release (and of the press conference when it reports one held), to be confirmed
        by the duty officer, or counted at once when the policy says so. The candidates' rows are
        inserted in one statement (only recorded responses count in the obligations)."""
        _insert_for_ids(session, [response for _, _, response in evidence if response.state == "candidate"])
        for incident, item, response in evidence:
            count = response.state == "recorded"
            if count:
                _insert_for_id(session, response)
            session.add(TimelineEvent(
                incident_id=_id(incident), at=now, kind="evidence_recorded" if count else "evidence_candidate",
                reason=f"官方渠道发布 / published by official source {item.source_id}",
                data={"response": response.id, "kind": response.kind, "item": item.external_id,
                      "source": item.source_id, "at": item.published_at.isoformat(), "url": item.url}))
            if count:
                record_response(session, incident, response, now=now, rules=self.rules, actor="sentinel")
            else:
                incident.next_escalation_at = min(filter(None, [incident.next_escalation_at, now]))

    def _response(self, incident: Incident, item: Item, now: datetime) -> Response:
        """The response an official source's item in an open incident is evidence of, not stored yet."""
        kind = ObligationKind.PRESS_CONFERENCE if _reports_press_conference(f"{item.title}\n{item.text}") \
            else ObligationKind.AUTHORITATIVE_INFO
        count = self.rules.for_incident(incident).policy.official_evidence == "count"
        source = self.sources.get(item.source_id)
        return Response(
            incident_id=_id(incident), kind=kind.value, state="recorded" if count else "candidate",
            at=item.published_at, url=item.url, channel=source.id if source else item.source_id,
            content=(item.title or item.text)[:500], unit=incident.department, recorded_by="sentinel",
            recorded_at=now, item_id=item.id)

    # ---------------------------------------------------------------------------------- internals

    def _open(self, session: Session, item: Item, analysis: Analysis, now: datetime, *, key: int) -> Incident:
        """A new incident under provisional ``key``: its row is inserted by :meth:`_write`."""
        department, source = self._department(analysis)
        incident = Incident(
            title=item.title or item.text[:60], department=department, department_source=source,
            category=analysis.category.code, subtype=analysis.category.subtype, grade=None, grade_reasons=[],
            facts={}, keywords=[], rules=[], regions=[], emerged_at=item.published_at, detected_at=now,
            last_item_at=item.published_at, updated_at=now, heat_components={},
            next_escalation_at=now,  # the engine announces it at its next tick
        )
        incident.id = key
        matched = "; ".join(
            f"{m.rule_id}: " + " + ".join("/".join(words) for words in m.groups.values()) for m in analysis.matches
        )
        session.add(TimelineEvent(
            incident_id=_id(incident), at=now, kind="detected",
            reason=f"命中关注方案 {matched}；{analysis.report.describe()}",  # read in the timeline: Chinese
            data={"item": item.external_id, "source": item.source_id, "first_published_at": item.published_at.isoformat(),
                  "department": department, "department_source": source, "report": analysis.report.to_dict()},
        ))
        return incident

    def _department(self, analysis: Analysis) -> tuple[str, str]:
        if analysis.department:
            return analysis.department, "rule"
        for region in analysis.regions:
            if region in self.config.regions:
                return self.config.regions[region], "region"
        return self.config.default_department, "default"

    def _join(self, session: Session, incident: Incident, item: Item, analysis: Analysis, memory: _Memory,
              now: datetime, *, first: bool, anchored: bool = True) -> None:
        self._remember(memory, item, analysis.negative)
        incident.item_count += 1
        incident.emerged_at = min(incident.emerged_at, item.published_at)
        incident.last_item_at = max(incident.last_item_at, item.published_at)
        incident.negative_share = round(memory.negatives / incident.item_count, 4)
        incident.negative_by_register = {name: {"items": items, "negative": negative}
                                         for name, items, negative in memory.registers}
        raised = False  # whether this report moved the toll (a higher count, or a correction)
        if anchored and analysis.report.score >= self.admission.candidate:
            # Facts and category come from reports firmly in the story only: a joke about a 9.3
            # quake that joins the story of a real one must not set its magnitude. A post's figures
            # are those of its own words: its #topics# are others' headlines (#新型肺炎已致湖北17人死亡#
            # above a post of advice), which grade nothing.
            stated = analysis.stated or analysis.facts  # (a report or candidate was judged, so it is set)
            facts = dict(incident.facts)
            for name in _FACT_FIELDS:
                value = getattr(stated, name)
                if value is None:
                    continue
                detail = stated.detail(name)
                corrected = detail is not None and detail.rule == "correction"  # "由14人核减为13人"
                if facts.get(name) is None or value > facts[name] or corrected:
                    # Reported counts grow as a story develops, and reposts repeat old ones: keep the
                    # largest, unless a report explicitly corrects it.
                    raised = raised or facts.get(name) != value
                    facts[name] = value
            incident.facts = facts
            if incident.category is None and analysis.category.code is not None:
                incident.category, incident.subtype = analysis.category.code, analysis.category.subtype
        self._retitle(incident, item, analysis, memory, first=first, raised=raised)
        incident.rules = sorted(set(incident.rules) | {m.rule_id for m in analysis.matches})
        incident.regions = list(dict.fromkeys([*incident.regions, *analysis.regions]))[:20]
        incident.keywords = [word for word, _ in self.clusterer.summary(incident.id or 0, top=10).top_keywords]
        if incident.department_source == "default":
            department, source = self._department(analysis)
            if source != "default":
                incident.department, incident.department_source = department, source
                session.add(TimelineEvent(incident_id=_id(incident), at=now, kind="department_assigned",
                                          reason=f"from {source}", data={"department": department}))
        breakdown = memory.tracker.breakdown(now)
        self._set_heat(incident, breakdown)
        incident.source_count = breakdown.source_count
        incident.updated_at = now

    def _automatic(self, evidence: _Evidence) -> GradeChange | None:
        floor = grade_floor(evidence.facts, evidence.category, evidence.subtype, self.analyzer.tables)
        return decide(floor, self.config.intensity, heat=evidence.heat, items=evidence.items,
                      central_media=evidence.central, current=None, listed=evidence.listed)

    def _regrade(self, session: Session, incident: Incident, memory: _Memory, before: _Evidence,
                 now: datetime) -> None:
        floor = grade_floor(incident.facts, incident.category, incident.subtype, self.analyzer.tables)
        change = decide(floor, self.config.intensity, heat=incident.heat, items=incident.item_count,
                        central_media=memory.central, current=incident.grade, listed=self._list_raise(incident))
        if change is None:
            return
        if incident.grade_source == "manual":
            # A person's grade stands until new evidence demands more than the old evidence did.
            earlier = self._automatic(before)
            if severity(change.grade) <= severity(earlier.grade if earlier else None):
                return
        previous = incident.grade
        incident.grade = change.grade.value if change.grade else None
        incident.grade_source = change.source
        incident.grade_reasons = list(change.reasons)
        session.add(TimelineEvent(
            incident_id=_id(incident), at=now, kind="grade_changed", reason="; ".join(change.reasons),
            data={"from": previous, "to": incident.grade, "source": change.source},
        ))

    # ------------------------------------------------------------------- place and verification

    def _locate(self, session: Session, incident: Incident, item: Item, analysis: Analysis, now: datetime) -> None:
        """属地管理: the item's place votes for the incident's; a change of place or of whether it is
        ours goes on the timeline with the reason (sync_clocks then starts or waives the clocks)."""
        source = self.sources.get(item.source_id)
        before = incident.place or {}
        place = vote(before, analysis.place, authority=source.authority.value if source else None)
        state = jurisdiction_of(place, incident.jurisdiction)
        incident.place = place
        if (place.get("group"), state) == (before.get("group"), incident.jurisdiction) and before:
            return
        incident.jurisdiction = state
        session.add(TimelineEvent(
            incident_id=_id(incident), at=now, kind="place_assessed", reason=place.get("why"),
            data={"place": place.get("label"), "level": place.get("level"), "code": place.get("code"),
                  "province": place.get("province"), "country": place.get("country"), "inside": place.get("inside"),
                  "jurisdiction": state, "item": item.external_id}))

    def _verify(self, session: Session, incident: Incident, memory: _Memory, now: datetime) -> None:
        """研判: what the incident's story rests on, for the escalation stage to judge."""
        check_verification(session, incident, tiers=memory.tiers, official=memory.official,
                           origins=len(memory.origins), now=now, rules=self.rules)
    # ---------------------------------------------------------------------------------- hot lists

    def process_listings(self, now: datetime) -> SignalsReport:
        """A hot list was polled: mark, heat, grade and clock the open incidents on lists
        (:mod:`sentinel.incidents.hotlist`)."""
        with Session(self.engine) as session:
            self._lock(session, now)  # incidents are written by one process at a time
            report = self.hotlists.apply(session, now, regrade=self._regrade_listed, sync_clocks=self._sync_clocks)
            if report.updated or report.marked or report.top:  # heat and grade may have moved
                announce(session, ENGINE)
            session.commit()
        return report

    def _sync_clocks(self, session: Session, incident: Incident, previous: str | None, now: datetime) -> None:
        sync_clocks(session, incident, previous_grade=previous, now=now, rules=self.rules)

    def _list_raise(self, incident: Incident) -> ListRaise | None:
        return list_raise(incident, self.rules.for_incident(incident).policy.hotlist)

    def _regrade_listed(self, session: Session, incident: Incident, now: datetime) -> None:
        """Grade again after the incident's heat or standing on hot lists changed."""
        memory = self.memory.get(incident.id or 0)
        central = memory.central if memory is not None else False
        before = _Evidence(dict(incident.facts), incident.heat, incident.item_count, central, incident.category,
                           incident.subtype, None)
        self._regrade(session, incident, memory or _Memory(HeatTracker(self.heat_weights), central=central), before,
                      now)

    def _set_heat(self, incident: Incident, breakdown: HeatBreakdown) -> None:
        """The items' heat and its components, plus the incident's hot-list component."""
        components = {k: round(v, 4) if isinstance(v, float) else v for k, v in breakdown.as_dict().items()}
        incident.heat, incident.heat_components = with_listing(components, incident.listing or {})

    def _remember(self, memory: _Memory, item: Item, negative: bool) -> None:
        seen = heat_item(item, self.tiers)
        authority = seen.authority
        memory.tracker.add(seen)
        memory.negatives += int(negative)
        memory.registers = _counted(memory.registers, self._register(item.source_id).value, negative)
        memory.central = memory.central or authority == Authority.CENTRAL.value
        if authority not in memory.tiers:
            memory.tiers = (*memory.tiers, authority)
        memory.official = memory.official or self._official(item)
        # each author of a self-media source speaks for themselves; an outlet's reporters do not
        author = f":{item.author}" if authority == Authority.SELF_MEDIA.value and item.author else ""
        memory.origins.add(intern(item.source_id + author))  # not the row's string: one per source

    def _posts(self, *source_ids: str) -> bool:
        """Whether all these sources write posts, not news."""
        return all(self._register(source_id) is Register.POST for source_id in source_ids)

    def _register(self, source_id: str) -> Register:
        """News or post: how a source writes (its kind and authority tier)."""
        source = self.sources.get(source_id)
        return register_of_source(source.kind if source else None, source.authority if source else None)

    def _retitle(self, incident: Incident, item: Item, analysis: Analysis, memory: _Memory, *, first: bool,
                 raised: bool) -> None:
        """The title is the most authoritative source's, earliest first — until the toll moves: then
        it follows the latest report that moved it (a news source, or one as authoritative as the
        title's), so that "已致3人死亡" does not stay on top of a story now at 11 deaths. A title
        whose counts are below the incident's (a late repost of the first report) never returns."""
        if not item.title:
            return
        rank = self._title_rank(item)
        if first:
            take = True
        elif raised:
            take = rank[0] >= min(memory.title_rank[0], _AUTHORITY_RANK[Authority.LOCAL])
        else:
            take = rank > memory.title_rank and not _behind(analysis.facts, incident.facts)
        if take:
            incident.title = item.title
            memory.title_rank = rank

    def _title_rank(self, item: Item) -> tuple[int, float]:
        source = self.sources.get(item.source_id)
        authority = _AUTHORITY_RANK.get(source.authority, 0) if source else 0
        return authority, -item.published_at.timestamp()

    def _cluster_item(self, item: Item, analysis: ItemAnalysis | SimpleNamespace) -> ClusterItem:
        """``analysis``: a stored row, or a new one's values (:func:`_analysis_row`) as attributes."""
        return ClusterItem(
            item_id=int(item.id or 0), source_id=item.source_id, published_at=item.published_at,
            keywords={word: float(score) for word, score in analysis.keywords}, simhash=analysis.simhash & (2**64 - 1),
            content_hash=item.content_hash, rule_ids=tuple(r["rule"] for r in analysis.rules),
            region_words=tuple(analysis.regions),
            place=Place.from_dict(analysis.place).path if analysis.place else (),
            magnitude=(analysis.facts or {}).get("magnitude"),
            days=event_days(item.title, item.text, item.published_at, self.settings.zone),
            category=analysis.category,
        )


_HELD = re.compile(r"(召开|举行|举办)了?[^。；;]{0,30}(新闻)?发布会|(新闻)?发布会(上|现场|中)|在[^。]{0,20}(新闻)?发布会")
_FUTURE = re.compile(r"将于|将在|将召开|将举行|拟于|计划于|预计于|择期")


def _behind(facts: Facts, toll: dict[str, Any]) -> bool:
    """Whether a report states a count below the incident's (it was written before the toll rose)."""
    return any(getattr(facts, name) is not None and toll.get(name) is not None and getattr(facts, name) < toll[name]
               for name in _FACT_FIELDS)


def _reports_press_conference(text: str) -> bool:
    """Whether an item reports a press conference held (``召开新闻发布会``, ``在发布会上``), not one
    announced for later (``将于15时召开发布会``)."""
    for sentence in re.split(r"[。！？!?\n]", text):
        if _HELD.search(sentence) and not _FUTURE.search(sentence):
            return True
    return False


def _id(row: Incident | Item) -> int:
    """A stored row's id (flushed rows always have one)."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush it first")
    return row.id


def _insert_for_id(session: Session, row: Incident | Response) -> None:
    """Insert a new row at once for its id, as a clean member of ``session``. Everything else the
    batch changed stays pending for its one flush at the end: a flush here would write every
    incident touched so far again, once per new incident."""
    table = type(row).__table__  # type: ignore[union-attr]
    values = {column.key: getattr(row, column.key) for column in table.columns if column.key != "id"}
    row.id = session.execute(insert(table).returning(table.c.id), values).scalar_one()  # one compiled statement
    make_transient_to_detached(row)
    session.add(row)


def _insert_for_ids(session: Session, rows: Sequence[Incident] | Sequence[Response]) -> None:
    """:func:`_insert_for_id` for many rows of one table in one statement, their ids in their order."""
    if not rows:
        return
    table = type(rows[0]).__table__  # type: ignore[union-attr]
    keys = [column.key for column in table.columns if column.key != "id"]
    # SQLAlchemy sends a statement a row to have RETURNING in the rows' order on SQLite, which does
    # not promise it; but SQLite numbers the rows of one INSERT in their order (the largest id + 1).
    ordered = session.get_bind().dialect.name != "sqlite"
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=ordered)
    ids = session.execute(statement, [{key: getattr(row, key) for key in keys} for row in rows]).scalars().all()
    for row, row_id in zip(rows, ids if ordered else sorted(ids), strict=True):
        row.id = row_id
        make_transient_to_detached(row)
        session.add(row)


def _insert_new(session: Session, *kinds: type[Any]) -> None:
    """Insert the rows of these kinds added to ``session`` and not flushed, one statement a table,
    and let them go: nothing reads their ids, which the ORM would read back a statement a row."""
    for kind in kinds:
        made = sorted((row for row in session.new if isinstance(row, kind)), key=lambda row: inspect(row).insert_order)
        if not made:
            continue
        table = kind.__table__
        keys = [column.key for column in table.columns if column.key != "id"]
        for row in made:
            session.expunge(row)
        session.execute(insert(table), [{key: getattr(row, key) for key in keys} for row in made])


def _analysis_row(item: Item, analysis: Analysis, now: datetime) -> dict[str, Any]:
    """The ``item_analysis`` row's values (``incident_id`` set once the item is placed)."""
    fingerprint = analysis.simhash
    signed = fingerprint - 2**64 if fingerprint >= 2**63 else fingerprint  # BIGINT is signed
    judged = analysis.report is not NOT_JUDGED  # an unwatched item is stored without a report
    return dict(
        item_id=_id(item), analysed_at=now, relevant=analysis.relevant, rules=[m.to_dict() for m in analysis.matches],
        department=analysis.department, sentiment=round(analysis.sentiment, 4), negative=analysis.negative,
        facts={name: getattr(analysis.facts, name) for name in _FACT_FIELDS}, category=analysis.category.code,
        subtype=analysis.category.subtype, grade=analysis.grade.grade.value if analysis.grade.grade else None,
        keywords=[[word, score] for word, score in analysis.keywords], regions=list(analysis.regions),
        place=analysis.place.to_dict(), simhash=signed,
        report=analysis.report.kind.value if judged else None,
        report_score=round(analysis.report.score, 4) if judged else None,
        incident_id=None,
    )
