"""Escalation engine benchmark: one tick over 10,000 open obligations, on SQLite and PostgreSQL.

    python bench/engine.py [--incidents 5000] [--postgres] [--database-url URL] [--no-burst] [--profile]

Run it from the repository root (``--postgres`` starts a server with tests/support/postgres.py).

Target (issue: escalation engine): with 10,000 open obligations, one tick takes at most 50 ms, on
SQLite and on PostgreSQL.

The store is filled in bulk with ``--incidents`` grade II incidents, each with two open obligations,
as the engine would have left them at ``T0`` (a Tuesday, 10:00 Beijing time):

- a fifth are young (under 5h since their clock started): 发布权威信息 and 新闻发布会 open, most of
  them acknowledged (签收), none answered;
- the rest are settled: authoritative information released and met (a ``response`` row), the
  sustained release (持续发布) it started and the press conference open, so no escalation is left.

Every reminder and escalation step whose moment is at or before ``T0`` is in ``engine_action``;
``obligation.next_action_at`` and ``incident.next_escalation_at`` are what the engine's own
functions (``next_obligation_moment``, ``next_escalation_moment``) compute from them, so the due
times spread over the next 24 hours. Incidents with a moment in the first minutes after ``T0`` are
drawn again, which leaves a quiet stretch. The incidents' announcements (``incident:{id}:new``) are
not marked: the first tick announces them all (the burst figure), and afterwards they are handled
(``--no-burst`` inserts them as handled and leaves the burst out).

Cases, each timed around ``EscalationEngine.tick(now)`` alone:

- burst: the first tick at ``T0``, every incident announced at once;
- quiet: ``--quiet-ticks`` ticks 5 s apart with nothing due;
- typical: ``--typical-ticks`` ticks, each at the moment the 10th next obligation falls due, so
  about ten reminders or breaches (and the escalations a breach brings) are handled per tick;
- catch-up: one tick after an hour of downtime.

``queries`` counts the SQL statements a tick sends (its median), which shows per-action queries.
The PostgreSQL server that ``--postgres`` starts (tests/support/postgres.py) runs with
``fsync=off``, so its commits are cheaper than in production.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, event, func, insert, select, text
from sqlmodel import Session, col

from sentinel.escalation.clocks import Rules
from sentinel.escalation.engine import EscalationEngine, new_incident_key
from sentinel.escalation.obligations import Obligation, ObligationKind
from sentinel.escalation.policy import EscalationRole, Policy
from sentinel.escalation.reminders import (
    escalation_key,
    next_escalation_moment,
    next_obligation_moment,
    reescalation_key,
    reminder_key,
    reminder_moments,
)
from sentinel.escalation.roster import Roster, RosterConfig
from sentinel.store.db import open_database
from sentinel.store.models import EngineAction, Incident, Response
from sentinel.store.models import Obligation as ObligationRow

ZONE = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 10, 10, 0, tzinfo=ZONE).astimezone(UTC)
TARGET_MS = 50.0
CHANNELS = ["duty-ding", "leader-mail"]
DEPARTMENTS = ["应急管理局", "住建局", "市场监管局", "卫健委", "教育局"]
WORKDAYS = ["mon", "tue", "wed", "thu", "fri"]
ROSTER = RosterConfig.model_validate({
    "duty": [
        {"name": "张伟", "phone": "13800000001", "weekdays": WORKDAYS, "start": "08:30", "end": "17:30"},
        {"name": "李娜", "phone": "13800000002", "weekdays": WORKDAYS, "start": "17:30", "end": "08:30"},
        {"name": "王强", "phone": "13800000003", "weekdays": ["sat", "sun"], "start": "00:00", "end": "24:00"},
    ],
    "handover": "15m",
    "section_chiefs": [{"name": "赵科长", "phone": "13800000010", "channels": ["duty-ding"]}],
    "leaders": [{"name": "钱局长", "phone": "13800000020", "channels": ["leader-mail"]}],
    "departments": {name: [{"name": f"{name}联系人", "phone": f"139000000{n:02d}"}]
                    for n, name in enumerate(DEPARTMENTS)},
    "quiet_hours": {"start": "22:00", "end": "07:00", "grades": ["III", "IV"]},
})


# ------------------------------------------------------------------------------ the store at T0


@dataclass
class Fill:
    """Rows to insert, as dicts for bulk inserts into each table."""

    incidents: list[dict[str, Any]] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    obligations: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)


def _minutes(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(minutes=rng.uniform(low, high))


def _sent_reminders(obligation: Obligation, policy: Policy, until: datetime) -> list[tuple[str, datetime]]:
    """The reminder keys the engine would have handled by ``until``, with their moments."""
    return [(reminder_key(obligation.id, offset), at)
            for offset, at in reminder_moments(obligation.kind, obligation.due_at, policy, opened_at=obligation.opened_at)
            if at <= until]


@dataclass
class _Draft:
    """One incident being drawn: its rows, the keys handled by T0 and the moments still to come."""

    t0: datetime = T0  # the moment the store stands at
    fill: Fill = field(default_factory=Fill)
    sent: list[tuple[str, datetime, int | None, str]] = field(default_factory=list)  # key, at, obligation, kind
    moments: list[datetime] = field(default_factory=list)

    def obligation(self, policy: Policy, incident_id: int, row_id: int, kind: ObligationKind, started: datetime,
                   opened: datetime, due: datetime, met: datetime | None = None) -> None:
        """An obligation whose reminders up to T0 (or to ``met``) were handled."""
        view = Obligation(id=row_id, kind=kind, due_at=due, started_at=started, opened_at=opened)
        keys = _sent_reminders(view, policy, met or self.t0)
        self.sent.extend((key, at, row_id, "reminder") for key, at in keys)
        following = None if met else next_obligation_moment(view, policy=policy, already_sent={k for k, _ in keys})
        if following is not None:
            self.moments.append(following)
        self.fill.obligations.append({
            "id": row_id, "incident_id": incident_id, "kind": kind.value, "sequence": 1,
            "state": "met" if met else "open", "started_at": started, "opened_at": opened, "due_at": due,
            "next_action_at": following, "met_at": met, "breached_at": None,
            "closed_at": met + timedelta(minutes=2) if met else None, "reason": None,
            "response_id": incident_id if met else None,
            "evidence": {"response": incident_id, "kind": kind.value, "at": met.isoformat()} if met else {},
        })


def _incident(rng: random.Random, rules: Rules, incident_id: int, obligation_id: int, quiet: timedelta,
              *, announced: bool, t0: datetime = T0) -> Fill:
    """One incident, its obligations and the keys handled by ``t0``; drawn again while a moment
    falls in the quiet stretch after ``t0``."""
    policy = rules.policy
    young = rng.random() < 0.2
    while True:
        draft = _Draft(t0=t0)
        age = _minutes(rng, 20, 300) if young else _minutes(rng, 300, 1430)
        emerged = t0 - age
        detected = emerged + min(_minutes(rng, 3, 30), age / 2)
        acknowledged: datetime | None = detected + _minutes(rng, 2, 40)
        if acknowledged is not None and (acknowledged > t0 or (young and rng.random() < 0.1)):
            acknowledged = None
        released = None if young else emerged + _minutes(rng, 60, 270)
        info = policy.authoritative_info.within
        draft.obligation(policy, incident_id, obligation_id, ObligationKind.AUTHORITATIVE_INFO, emerged, detected,
                         emerged + info, met=released)
        draft.obligation(policy, incident_id, obligation_id + 1, ObligationKind.PRESS_CONFERENCE, emerged, detected,
                         emerged + policy.press_conference.within)
        if released is not None:
            draft.obligation(policy, incident_id, obligation_id + 2, ObligationKind.SUSTAINED_RELEASE, released,
                             released + timedelta(minutes=2), released + policy.sustained_release.every)
            draft.fill.responses.append({
                "id": incident_id, "incident_id": incident_id, "kind": ObligationKind.AUTHORITATIVE_INFO.value,
                "state": "recorded", "at": released, "url": f"https://www.example.gov.cn/news/{incident_id}.html",
                "channel": "政府网站", "content": "权威信息发布", "unit": "应急管理局", "reviewer": "赵科长",
                "publisher": "宣传科", "recorded_by": "值班员", "recorded_at": released + timedelta(minutes=2),
                "item_id": None})

        # the chain as the engine ran it: the duty officer with the announcement (clocks opened at
        # detection), then each step whose moment came before anyone acknowledged or answered
        chain = policy.chain("II")
        stopped = min(filter(None, [acknowledged, released, t0 + timedelta(seconds=1)]))
        for step in chain.steps:
            if step.after is None or step.role is EscalationRole.DUTY_OFFICER:
                continue
            at = detected + step.after
            if at < stopped:
                draft.sent.append((escalation_key(incident_id, step.role), at, None, "escalation"))
        if acknowledged is not None and released is None and acknowledged + chain.reescalate_after <= t0:
            draft.sent.append((reescalation_key(incident_id, 1), acknowledged + chain.reescalate_after, None,
                               "reescalation"))
        announcement = [(new_incident_key(incident_id), detected, None, "new_incident"),
                        (escalation_key(incident_id, EscalationRole.DUTY_OFFICER), detected, None, "new_incident")]
        following = next_escalation_moment(
            incident_id=incident_id, grade="II", opened_at=detected, acknowledged_at=acknowledged,
            responded_at=released, breached_at=None, policy=policy,
            already_sent={key for key, *_ in draft.sent + announcement})
        if following is not None:
            draft.moments.append(following)
        if any(t0 < moment <= t0 + quiet for moment in draft.moments):
            continue
        if announced:
            draft.sent.extend(announcement)
        else:
            following = detected  # what refresh_escalation says of an incident not yet announced
        fill = draft.fill
        fill.actions = [{"key": key, "incident_id": incident_id, "obligation_id": row, "kind": kind, "at": at,
                         "handled_at": max(at, detected)} for key, at, row, kind in draft.sent]
        department = rng.choice(DEPARTMENTS)
        fill.incidents.append({
            "id": incident_id, "title": f"{department}辖区某企业发生安全事故（第{incident_id}号）", "state": "open",
            "department": department, "department_source": "rule", "category": "accident", "subtype": None,
            "grade": "II", "grade_source": "manual", "grade_reasons": ["值班员: 3人死亡"], "facts": {"deaths": 3},
            "keywords": ["事故", "死亡"], "rules": ["safety"], "regions": ["郑州"], "emerged_at": emerged,
            "detected_at": detected, "last_item_at": t0 - _minutes(rng, 1, 60), "updated_at": detected,
            "item_count": rng.randint(5, 400), "source_count": rng.randint(1, 12), "heat": rng.uniform(2, 9),
            "heat_components": {}, "negative_share": rng.uniform(0.3, 0.9), "kind": "incident", "details": {},
            "needs_response": False, "clock_start": emerged, "clocks_opened_at": detected,
            "policy_snapshot": policy.snapshot(), "roster_snapshot": rules.roster.snapshot(),
            "acknowledged_at": acknowledged, "acknowledged_by": "值班员" if acknowledged else None,
            "responded_at": released, "first_breach_at": None, "next_escalation_at": following,
        })
        return fill


def incident_rows(rules: Rules, incidents: int, quiet: timedelta, *, announced: bool, seed: int,
                  t0: datetime = T0) -> Fill:
    """``incidents`` grade II incidents (ids from 1) as the engine would have left them at ``t0``."""
    rng = random.Random(seed)
    total = Fill()
    for n in range(incidents):
        one = _incident(rng, rules, n + 1, len(total.obligations) + 1, quiet, announced=announced, t0=t0)
        total.incidents += one.incidents
        total.responses += one.responses
        total.obligations += one.obligations
        total.actions += one.actions
    return total


def insert_fill(engine: Engine, total: Fill) -> None:
    """Bulk inserts of the rows, 5,000 a statement, in one transaction; then ``ANALYZE`` on PostgreSQL."""
    tables: list[tuple[Any, list[dict[str, Any]]]] = [
        (Incident, total.incidents), (Response, total.responses), (ObligationRow, total.obligations),
        (EngineAction, total.actions)]
    with engine.begin() as connection:
        for model, rows in tables:
            for start in range(0, len(rows), 5000):
                connection.execute(insert(model.__table__), rows[start:start + 5000])  # type: ignore[attr-defined]
        if engine.dialect.name == "postgresql":
            # explicit ids leave the sequences behind
            for table in ("incident", "response", "obligation"):
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT max(id) FROM {table}))"))
    if engine.dialect.name == "postgresql":
        # autovacuum would gather the statistics within a minute or so; without them the planner
        # guesses (a sequential scan of incident, bitmap scans over every open obligation)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))


def fill_store(engine: Engine, rules: Rules, incidents: int, quiet: timedelta, *, announced: bool, seed: int) -> int:
    """Insert the incidents in bulk; returns the number of open obligations."""
    with Session(engine) as session:
        if session.scalar(select(func.count()).select_from(Incident)):
            raise SystemExit("the database already holds incidents: give the benchmark an empty one")
    total = incident_rows(rules, incidents, quiet, announced=announced, seed=seed)
    insert_fill(engine, total)
    return sum(1 for row in total.obligations if row["state"] == "open")


# ------------------------------------------------------------------------------------- timing


@dataclass
class Case:
    backend: str
    name: str
    open_obligations: int
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # this process's CPU time: steadier on a busy machine
    actions: list[int] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)


class Counter:
    """SQL statements sent through an engine (a listener on ``before_cursor_execute``)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args: Any) -> None:
        self.count += 1


def open_count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(ObligationRow)
                                  .where(col(ObligationRow.state) == "open")) or 0)


def timed_tick(sentinel: EscalationEngine, counter: Counter, now: datetime, case: Case) -> None:
    counter.count = 0
    started, cpu = time.perf_counter(), time.process_time()
    report = sentinel.tick(now)
    case.seconds.append(time.perf_counter() - started)
    case.cpu.append(time.process_time() - cpu)
    case.queries.append(counter.count)
    case.actions.append(len(report.notices))
    if report.skipped:
        raise SystemExit("the engine lease is held by another process")


def nth_next_moment(engine: Engine, n: int) -> datetime | None:
    """When the ``n``-th next open obligation falls due (the benchmark's own query, not timed)."""
    with Session(engine) as session:
        return session.scalar(select(col(ObligationRow.next_action_at))
                              .where(col(ObligationRow.state) == "open", col(ObligationRow.next_action_at).isnot(None))
                              .order_by(col(ObligationRow.next_action_at)).offset(n - 1).limit(1))


def typical_ticks(engine: Engine, sentinel: EscalationEngine, counter: Counter, now: datetime, count: int,
                  case: Case) -> datetime:
    for _ in range(count):
        moment = nth_next_moment(engine, 10)
        if moment is None:
            break
        now = max(now + timedelta(seconds=5), moment)
        timed_tick(sentinel, counter, now, case)
    return now


def run(backend: str, url: str, args: argparse.Namespace) -> list[Case]:
    rules = Rules(Policy(), Roster(ROSTER, ZONE), ZONE)
    step = timedelta(seconds=5)
    quiet = step * args.quiet_ticks + timedelta(minutes=1)
    database = open_database(url)
    engine = database.engine
    began = time.perf_counter()
    opened = fill_store(engine, rules, args.incidents, quiet, announced=args.no_burst, seed=args.seed)
    print(f"{backend}: {args.incidents:,} incidents, {opened:,} open obligations inserted in "
          f"{time.perf_counter() - began:.1f} s", file=sys.stderr)
    sentinel = EscalationEngine(engine, rules, CHANNELS, owner="bench")
    counter = Counter(engine)
    cases = []

    burst = Case(backend, "burst (all announced)", open_count(engine))
    timed_tick(sentinel, counter, T0, burst)
    if not args.no_burst:
        cases.append(burst)

    quiet_case = Case(backend, "quiet", open_count(engine))
    now = T0
    for _ in range(args.quiet_ticks):
        now += step
        timed_tick(sentinel, counter, now, quiet_case)
    cases.append(quiet_case)

    typical = Case(backend, "typical (~10 due)", open_count(engine))
    now = typical_ticks(engine, sentinel, counter, now, args.typical_ticks, typical)
    cases.append(typical)

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        now = typical_ticks(engine, sentinel, counter, now, 20, Case(backend, "profiled", 0))
        profiler.disable()
        print(f"\n--- {backend}: where 20 typical ticks spend their time (cProfile) ---")
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("tottime").print_stats(15)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("cumulative").print_stats("sentinel|engine.py|clocks|outbox|roster", 40)

    catch_up = Case(backend, "catch-up after 1 h down", open_count(engine))
    timed_tick(sentinel, counter, now + timedelta(hours=1), catch_up)
    cases.append(catch_up)
    database.close()
    return cases


# ------------------------------------------------------------------------------------ reports


def _ms(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] * 1000


def table(cases: list[Case]) -> Iterator[str]:
    yield (f"{'backend':<11} {'case':<24} {'ticks':>5} {'open obl.':>9} {'actions':>9} {'queries':>7} "
           f"{'median ms':>10} {'p95 ms':>8} {'cpu ms':>7}  target {TARGET_MS:.0f} ms")
    for case in cases:
        many = len(case.seconds) > 1
        actions = f"{statistics.mean(case.actions):.1f}/tick" if many else str(case.actions[0])
        median, cpu = statistics.median(case.seconds) * 1000, statistics.median(case.cpu) * 1000
        p95 = f"{_ms(case.seconds, 0.95):8.1f}" if many else f"{'-':>8}"
        worst = _ms(case.seconds, 0.95) if many else median
        verdict = ("met" if worst <= TARGET_MS else "MISSED") if many else "(one tick, for information)"
        yield (f"{case.backend:<11} {case.name:<24} {len(case.seconds):>5} {case.open_obligations:>9,} "
               f"{actions:>9} {statistics.median(case.queries):>7.0f} {median:>10.1f} {p95} {cpu:>7.1f}  {verdict}")


def postgres_url() -> tuple[str, Any]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.support
    from tests.support.postgres import PostgresServer

    server = PostgresServer().start()
    return server.create_database("bench_engine"), server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=5000, help="each has two open obligations")
    parser.add_argument("--quiet-ticks", type=int, default=200)
    parser.add_argument("--typical-ticks", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", action="store_true",
                        help="also run on a throwaway PostgreSQL server (tests/support/postgres.py)")
    parser.add_argument("--database-url", default=None,
                        help="run only on this empty database, e.g. postgresql+psycopg://user@host/db")
    parser.add_argument("--no-burst", action="store_true",
                        help="insert the incidents as already announced and skip the burst figure")
    parser.add_argument("--profile", action="store_true", help="profile 20 more typical ticks with cProfile")
    args = parser.parse_args()

    targets: list[tuple[str, str]] = []
    server = scratch = None
    if args.database_url:
        targets.append((args.database_url.split(":")[0].split("+")[0], args.database_url))
    else:
        scratch = Path(tempfile.mkdtemp(prefix="sentinel-bench-"))  # about 100 MB by the end: removed
        targets.append(("sqlite", f"sqlite:///{scratch / 'engine.db'}"))
    cases: list[Case] = []
    try:
        if args.postgres and not args.database_url:
            url, server = postgres_url()
            targets.append(("postgresql", url))
        for backend, url in targets:
            cases += run(backend, url, args)
    finally:
        if server is not None:
            server.stop()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    print()
    for line in table(cases):
        print(line)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS: {peak_mb:.0f} MB; queries: SQL statements per tick (median); cpu ms: this process's CPU "
          f"time per tick (median; the database server's is not in it); target: p95 of the quiet and typical "
          f"ticks <= {TARGET_MS:.0f} ms")


if __name__ == "__main__":
    main()
