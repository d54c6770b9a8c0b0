"""The engine's tick over a real store (SQLite and PostgreSQL): clocks, reminders, breaches,
escalation, idempotency, catch-up, and the actions people take."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from sentinel.errors import NotFoundError
from sentinel.escalation import actions
from sentinel.escalation.clocks import Rules
from sentinel.escalation.engine import EscalationEngine
from sentinel.escalation.policy import Policy
from sentinel.escalation.roster import Roster, RosterConfig
from sentinel.notify.serialisation import stored_message
from sentinel.store.db import open_database
from sentinel.store.models import EngineAction, Incident, Obligation, OutboxMessage, TimelineEvent

ZONE = ZoneInfo("Asia/Shanghai")
EMERGED = datetime(2026, 3, 10, 6, 40, tzinfo=ZONE).astimezone(UTC)
DETECTED = EMERGED + timedelta(minutes=12)

ROSTER = RosterConfig.model_validate({
    "duty": [{"name": "张伟", "phone": "13800000001", "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
              "start": "00:00", "end": "24:00"}],
    "section_chiefs": [{"name": "赵科长", "phone": "13800000010"}],
    "leaders": [{"name": "钱局长", "phone": "13800000020"}],
    "departments": {"应急管理局": [{"name": "孙主任", "phone": "13800000030"}]},
})


@pytest.fixture
def db(database_url):
    database = open_database(database_url)
    yield database
    database.close()


@pytest.fixture
def rules() -> Rules:
    return Rules(Policy(), Roster(ROSTER, ZONE), ZONE)


@pytest.fixture
def engine(db, rules) -> EscalationEngine:
    return EscalationEngine(db.engine, rules, ["duty-hook"], owner="test")


def new_incident(db, *, grade: str | None = None, department: str = "应急管理局") -> int:
    with Session(db.engine) as session:
        incident = Incident(title="某化工厂爆炸事故造成12人死亡", department=department, department_source="rule",
                            category="accident", grade=grade, grade_reasons=[], facts={}, keywords=[], rules=[],
                            regions=[], emerged_at=EMERGED, detected_at=DETECTED, last_item_at=EMERGED,
                            updated_at=DETECTED, heat_components={}, next_escalation_at=DETECTED)
        session.add(incident)
        session.commit()
        assert incident.id is not None
        return incident.id


def graded(db, rules, *, at: datetime = DETECTED, grade: str = "II") -> int:
    incident_id = new_incident(db)
    actions.set_grade(db.engine, rules, incident_id, grade=grade, reason="12人死亡", by="值班员", now=at)
    return incident_id


def outbox(db) -> list[OutboxMessage]:
    with Session(db.engine) as session:
        return list(session.scalars(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())


def obligations(db, incident_id: int) -> dict[str, Obligation]:
    with Session(db.engine) as session:
        rows = session.scalars(select(Obligation).where(col(Obligation.incident_id) == incident_id)).all()
        return {row.kind: row for row in rows}


def timeline(db, incident_id: int) -> list[TimelineEvent]:
    with Session(db.engine) as session:
        return list(session.scalars(select(TimelineEvent).where(col(TimelineEvent.incident_id) == incident_id)
                                    .order_by(col(TimelineEvent.at), col(TimelineEvent.id))).all())


def run(engine: EscalationEngine, start: datetime, end: datetime, step: timedelta = timedelta(seconds=5)) -> None:
    now = start
    while now <= end:
        engine.tick(now)
        now += step


def test_a_grade_two_incident_runs_its_clocks_from_emergence(db, rules, engine) -> None:
    incident_id = graded(db, rules)
    rows = obligations(db, incident_id)
    assert set(rows) == {"authoritative_info", "press_conference"}
    assert rows["authoritative_info"].due_at == EMERGED + timedelta(hours=5)
    assert rows["press_conference"].due_at == EMERGED + timedelta(hours=24)
    with Session(db.engine) as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None and incident.policy_snapshot is not None and incident.roster_snapshot is not None
        assert incident.clock_start == EMERGED


def test_reminders_fire_at_their_offsets_and_the_breach_exactly_at_five_hours(db, rules, engine) -> None:
    incident_id = graded(db, rules)
    # tick every minute, acknowledging nothing, for 25 hours
    run(engine, DETECTED, EMERGED + timedelta(hours=25), timedelta(minutes=1))
    sent = outbox(db)
    reminders = [(stored_message(m.message).title, m.created_at) for m in sent if m.kind == "reminder"]
    due5 = EMERGED + timedelta(hours=5)
    due24 = EMERGED + timedelta(hours=24)
    ai = obligations(db, incident_id)["authoritative_info"]
    with Session(db.engine) as session:
        keys = dict(session.execute(select(EngineAction.key, EngineAction.at)).all())
    for offset in ("2h", "1h", "30m", "10m"):
        assert keys[f"obligation:{ai.id}:reminder:{offset}"] == due5 - {"2h": timedelta(hours=2), "1h": timedelta(hours=1),
                                                                         "30m": timedelta(minutes=30),
                                                                         "10m": timedelta(minutes=10)}[offset]
    assert keys[f"obligation:{ai.id}:breach"] == due5
    assert len(reminders) == 4 + 3  # the 5h clock's four and the 24h clock's three
    breaches = [m for m in sent if m.kind == "breach"]
    assert [m.created_at for m in breaches] == [due5, due24]
    assert obligations(db, incident_id)["authoritative_info"].state == "breached"
    assert obligations(db, incident_id)["press_conference"].state == "breached"
    # the reminder text gives the time left, in Chinese
    first = next(m for m in sent if m.kind == "reminder")
    assert "距5小时权威信息发布时限还剩2小时" in stored_message(first.message).text_plain
    # unacknowledged: the section chief at 15 minutes, the leader at 30 (before any breach)
    escalations = {stored_message(m.message).title: m for m in sent if m.kind == "escalation"}
    chiefs = [m for m in sent if m.kind == "escalation" and m.recipients[0]["name"] == "赵科长"]
    leaders = [m for m in sent if m.kind == "escalation" and m.recipients[0]["name"] == "钱局长"]
    assert escalations and [m.created_at for m in chiefs] == [DETECTED + timedelta(minutes=15)]
    assert [m.created_at for m in leaders] == [DETECTED + timedelta(minutes=30)]


def test_a_repeated_or_late_tick_repeats_nothing(db, rules, engine) -> None:
    graded(db, rules)
    at = EMERGED + timedelta(hours=3, minutes=1)
    engine.tick(at)
    first = len(outbox(db))
    engine.tick(at)
    engine.tick(at + timedelta(seconds=1))
    assert len(outbox(db)) == first
    keys = [m.key for m in outbox(db)]
    assert len(keys) == len(set(keys))


def test_after_downtime_missed_reminders_collapse_and_the_breach_says_how_late(db, rules, engine) -> None:
    incident_id = graded(db, rules)
    engine.tick(DETECTED)  # announced; then down from here until 5h20m after emergence
    back = EMERGED + timedelta(hours=5, minutes=20)
    engine.tick(back)
    sent = [m for m in outbox(db) if m.created_at == back]
    kinds = sorted(m.kind for m in sent)
    # the four reminders of the 5h clock are swallowed by its breach; the 24h clock has none due yet
    assert "reminder" not in kinds and kinds.count("breach") == 1
    breach = next(e for e in timeline(db, incident_id) if e.kind == "obligation_breached")
    assert breach.at == EMERGED + timedelta(hours=5)
    assert breach.data["late_by_seconds"] == 20 * 60 and "late by 20m" in (breach.reason or "")
    ai = obligations(db, incident_id)["authoritative_info"]
    with Session(db.engine) as session:
        handled = set(session.scalars(select(EngineAction.key).where(col(EngineAction.obligation_id) == ai.id)).all())
    assert {f"obligation:{ai.id}:reminder:{o}" for o in ("2h", "1h", "30m", "10m")} <= handled


def test_a_response_at_three_hours_meets_the_five_hour_clock_with_two_hours_to_spare(db, rules, engine) -> None:
    incident_id = graded(db, rules)
    run(engine, DETECTED, EMERGED + timedelta(hours=3), timedelta(minutes=5))
    result = actions.respond(db.engine, rules, incident_id, kind="authoritative_info", at=EMERGED + timedelta(hours=3),
                             url="https://www.example.gov.cn/a.html", channel="政府网站", by="李娜",
                             reviewer="王主任", publisher="李娜", now=EMERGED + timedelta(hours=3, minutes=5))
    assert [row.kind for row in result.met] == ["authoritative_info"]
    run(engine, EMERGED + timedelta(hours=3, minutes=5), EMERGED + timedelta(hours=6), timedelta(minutes=5))
    rows = obligations(db, incident_id)
    assert rows["authoritative_info"].state == "met"
    assert rows["authoritative_info"].due_at - rows["authoritative_info"].met_at == timedelta(hours=2)
    # the release starts the next sustained release, due 24h after it
    assert rows["sustained_release"].due_at == EMERGED + timedelta(hours=27)
    assert not [m for m in outbox(db) if m.kind == "breach"]
    later = [m for m in outbox(db) if m.kind == "reminder" and m.created_at > EMERGED + timedelta(hours=3, minutes=5)]
    assert all(m.obligation_id != rows["authoritative_info"].id for m in later)


def test_a_late_response_keeps_the_breach_with_how_late_it_was(db, rules, engine) -> None:
    incident_id = graded(db, rules)
    now = EMERGED + timedelta(hours=6)
    actions.respond(db.engine, rules, incident_id, kind="authoritative_info", at=EMERGED + timedelta(hours=5, minutes=30),
                    url=None, by="李娜", now=now)
    engine.tick(now)
    row = obligations(db, incident_id)["authoritative_info"]
    assert row.state == "breached" and row.met_at == EMERGED + timedelta(hours=5, minutes=30)
    assert [m.kind for m in outbox(db) if m.obligation_id == row.id] == ["breach"]


def test_acknowledgment_stops_the_chain_and_reescalates_without_a_response(db, rules, engine) -> None:
    incident_id = graded(db, rules)
    engine.tick(DETECTED)
    actions.acknowledge(db.engine, rules, incident_id, by="张伟", now=DETECTED + timedelta(minutes=5))
    run(engine, DETECTED + timedelta(minutes=5), DETECTED + timedelta(hours=2, minutes=10), timedelta(minutes=1))
    kinds = [m.kind for m in outbox(db)]
    assert "escalation" not in kinds  # acknowledged before the section chief's 15 minutes
    re = [m for m in outbox(db) if m.kind == "reescalation"]
    assert [m.created_at for m in re] == [DETECTED + timedelta(minutes=5, hours=2)]
    assert {r["name"] for m in re for r in m.recipients} == {"赵科长", "钱局长"}


def test_a_breach_brings_in_the_leader_even_when_acknowledged(db, rules, engine) -> None:
    incident_id = graded(db, rules)
    actions.acknowledge(db.engine, rules, incident_id, by="张伟", now=DETECTED)
    run(engine, DETECTED, EMERGED + timedelta(hours=5), timedelta(minutes=1))
    # the breach itself reaches the leader (it stands for the leader's on-breach step: no second alert)
    assert [m.kind for m in outbox(db) if m.kind in ("escalation", "breach")] == ["breach"]
    (breach,) = [m for m in outbox(db) if m.kind == "breach"]
    assert breach.created_at == EMERGED + timedelta(hours=5)
    assert "钱局长" in [r["name"] for r in breach.recipients]


def test_a_second_breach_of_the_incident_in_a_later_tick_reaches_the_leader_again(db, rules, engine) -> None:
    # the first breach stands for the leader's step, recorded as the incident's; a later tick must see it
    # as sent (it once went in as the obligation's, and the second breach's tick failed on its key forever)
    incident_id = graded(db, rules)
    actions.acknowledge(db.engine, rules, incident_id, by="张伟", now=DETECTED)
    run(engine, DETECTED, EMERGED + timedelta(hours=25), timedelta(minutes=10))
    breaches = [m for m in outbox(db) if m.kind == "breach"]
    dues = [EMERGED + timedelta(hours=5), EMERGED + timedelta(hours=24)]  # found at the next tick
    assert len(breaches) == 2 and all(due <= m.created_at < due + timedelta(minutes=10)
                                      for m, due in zip(breaches, dues, strict=True))
    assert all("钱局长" in [r["name"] for r in m.recipients] for m in breaches)
    assert not [m for m in outbox(db) if m.kind == "escalation" and "钱局长" in [r["name"] for r in m.recipients]]
    with Session(db.engine) as session:
        (leader,) = session.scalars(select(EngineAction).where(
            col(EngineAction.key) == f"incident:{incident_id}:escalate:leader")).all()
    assert leader.obligation_id is None
    assert engine.tick(EMERGED + timedelta(hours=26)).breaches == []


def test_a_key_recorded_already_is_skipped_and_logged_and_the_tick_goes_on(db, rules, engine, caplog) -> None:
    # a store written before the fix above: the leader's step filed under the first breached
    # obligation, where the engine does not look. One bad key must not stop every alert after it.
    incident_id = graded(db, rules)
    actions.acknowledge(db.engine, rules, incident_id, by="张伟", now=DETECTED)
    run(engine, DETECTED, EMERGED + timedelta(hours=5, minutes=5), timedelta(minutes=10))
    first = obligations(db, incident_id)["authoritative_info"]
    with Session(db.engine) as session:
        leader = session.get(EngineAction, f"incident:{incident_id}:escalate:leader")
        assert leader is not None
        leader.obligation_id = first.id
        session.commit()
    other = graded(db, rules, at=EMERGED + timedelta(hours=23))  # alerts of another incident in the same ticks
    with caplog.at_level("ERROR", logger="sentinel.escalation.engine"):
        run(engine, EMERGED + timedelta(hours=23), EMERGED + timedelta(hours=25), timedelta(minutes=10))
    assert [m.created_at >= EMERGED + timedelta(hours=24) for m in outbox(db)
            if m.kind == "breach" and m.incident_id == incident_id] == [False, True]
    assert any(m.incident_id == other for m in outbox(db))
    assert "recorded already; skipped" in caplog.text


def test_regrade_down_waives_the_open_clocks_with_the_reason(db, rules, engine) -> None:
    incident_id = graded(db, rules)
    actions.set_grade(db.engine, rules, incident_id, grade="III", reason="核实为3人死亡", by="科长",
                      now=DETECTED + timedelta(hours=1))
    rows = obligations(db, incident_id)
    assert rows["authoritative_info"].state == "waived" and "下调" in (rows["authoritative_info"].reason or "")
    run(engine, DETECTED + timedelta(hours=1), EMERGED + timedelta(hours=6), timedelta(minutes=10))
    assert not [m for m in outbox(db) if m.kind in ("reminder", "breach")]


def test_a_late_regrade_to_two_breaches_at_once_when_past_due(db, rules, engine) -> None:
    incident_id = graded(db, rules, at=EMERGED + timedelta(hours=6), grade="II")
    engine.tick(EMERGED + timedelta(hours=6))
    row = obligations(db, incident_id)["authoritative_info"]
    assert row.state == "breached" and row.due_at == EMERGED + timedelta(hours=5)


def test_actions_refuse_what_cannot_be(db, rules) -> None:
    incident_id = graded(db, rules)
    with pytest.raises(NotFoundError):
        actions.acknowledge(db.engine, rules, 999, by="张伟", now=DETECTED)
    with pytest.raises(actions.ActionError, match="早于事件首次出现"):
        actions.respond(db.engine, rules, incident_id, kind="authoritative_info", at=EMERGED - timedelta(hours=1),
                        by="李娜", now=DETECTED)
    with pytest.raises(actions.ActionError, match="incident .* has no obligation"):
        actions.respond(db.engine, rules, incident_id, kind="response", at=DETECTED, by="李娜", now=DETECTED)
    with pytest.raises(actions.ActionError, match="unknown kind"):
        actions.respond(db.engine, rules, incident_id, kind="tweet", at=DETECTED, by="李娜", now=DETECTED)
    with pytest.raises(actions.ActionError, match="by"):
        actions.acknowledge(db.engine, rules, incident_id, by="  ", now=DETECTED)
    # nothing was half-applied
    with Session(db.engine) as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None and incident.acknowledged_at is None and incident.responded_at is None


def test_dismiss_waives_everything_and_silences_the_incident(db, rules, engine) -> None:
    incident_id = graded(db, rules)
    actions.dismiss(db.engine, rules, incident_id, reason="误报", by="张伟", now=DETECTED + timedelta(minutes=1))
    run(engine, DETECTED, EMERGED + timedelta(hours=25), timedelta(minutes=30))
    assert {row.state for row in obligations(db, incident_id).values()} == {"waived"}
    assert not outbox(db)


def test_a_disclosure_request_is_due_in_twenty_working_days(db, rules, engine) -> None:
    from sentinel.disclosure import flows

    received = datetime(2026, 9, 25, 10, 0, tzinfo=ZONE)  # 国庆 falls inside
    request = flows.add_request(db.engine, rules, flows.NewRequest(
        content="申请公开某项目环评报告", applicant_type="natural_person", channel="in_person", applicant="王某",
        submitted_on=received.date()), by="张伟", now=received + timedelta(hours=1))
    case = request.incident_id
    row = obligations(db, case)["disclosure_reply"]
    # Sep 25 is not counted; Sep 28–30 are days 1–3; Oct 1–7 are off (国庆); Oct 8–9 are 4–5; Saturday Oct 10
    # is a 调休 working day, 6; then Oct 12–16 (7–11), 19–23 (12–16) and 26–29 (17–20): 24:00 on Oct 29
    assert row.due_at.astimezone(ZONE).isoformat() == "2026-10-29T23:59:59.999999+08:00"
    # the engine reminds and breaches it like any other deadline
    engine.tick(row.due_at - timedelta(hours=12))
    reminder = next(m for m in outbox(db) if m.kind == "reminder" and m.obligation_id == row.id)
    assert "依申请公开答复" in stored_message(reminder.message).text_plain
    engine.tick(row.due_at + timedelta(minutes=1))
    assert obligations(db, case)["disclosure_reply"].state == "breached"
    assert any(m.kind == "breach" and m.obligation_id == row.id for m in outbox(db))


def test_reminders_missed_while_down_collapse_into_one(db, rules, engine) -> None:
    incident_id = graded(db, rules)
    engine.tick(DETECTED)
    back = EMERGED + timedelta(hours=4, minutes=15)  # T-2h and T-1h both passed while down
    engine.tick(back)
    reminders = [m for m in outbox(db) if m.kind == "reminder"]
    assert len(reminders) == 1 and reminders[0].created_at == back
    event = next(e for e in timeline(db, incident_id) if e.kind == "reminder")
    assert event.data["offset"] == "1h" and len(event.data["collapsed"]) == 1
    assert event.data["late_by_seconds"] == 15 * 60 and "late by 15m" in (event.reason or "")
    text = stored_message(reminders[0].message).text_plain
    assert "系统停机补发" in text and "还剩45分" in text


def test_a_configuration_change_does_not_move_a_running_incidents_deadlines(db, rules) -> None:
    incident_id = graded(db, rules)
    stricter = Rules(Policy.model_validate({"authoritative_info": {"within": "2h", "reminders": ["30m"]}}),
                     rules.roster, ZONE)
    later = EscalationEngine(db.engine, stricter, ["duty-hook"], owner="test")
    later.tick(EMERGED + timedelta(hours=3))
    row = obligations(db, incident_id)["authoritative_info"]
    assert row.state == "open" and row.due_at == EMERGED + timedelta(hours=5)
    # a new incident runs under the new policy
    other = graded(db, stricter)
    assert obligations(db, other)["authoritative_info"].due_at == EMERGED + timedelta(hours=2)


def test_clocks_can_start_at_detection(db) -> None:
    detection = Rules(Policy.model_validate({"clock_start": "detection"}), Roster(ROSTER, ZONE), ZONE)
    incident_id = graded(db, detection)
    assert obligations(db, incident_id)["authoritative_info"].due_at == DETECTED + timedelta(hours=5)


def test_one_process_at_a_time_holds_the_engine(db, rules) -> None:
    graded(db, rules)
    first = EscalationEngine(db.engine, rules, ["duty-hook"], owner="a", lease=timedelta(seconds=30))
    second = EscalationEngine(db.engine, rules, ["duty-hook"], owner="b", lease=timedelta(seconds=30))
    assert not first.tick(DETECTED).skipped
    assert second.tick(DETECTED + timedelta(seconds=5)).skipped
    assert not second.tick(DETECTED + timedelta(seconds=31)).skipped  # a's lease ran out: b takes over
    assert first.tick(DETECTED + timedelta(seconds=35)).skipped
    second.release()
    assert not first.tick(DETECTED + timedelta(seconds=36)).skipped


def test_a_confirmed_official_release_meets_the_clock_it_answers(db, rules, engine) -> None:
    from sentinel.store.models import Response

    incident_id = graded(db, rules)
    with Session(db.engine) as session:  # what the incidents stage records for an official item
        candidate = Response(incident_id=incident_id, kind="authoritative_info", state="candidate",
                             at=EMERGED + timedelta(hours=2), url="https://www.example.gov.cn/tb.html", channel="gov-city",
                             content="关于某化工厂爆炸事故的情况通报", recorded_by="sentinel",
                             recorded_at=EMERGED + timedelta(hours=2, minutes=1))
        session.add(candidate)
        incident = session.get(Incident, incident_id)
        assert incident is not None
        incident.next_escalation_at = candidate.recorded_at
        session.commit()
        candidate_id = candidate.id
    engine.tick(EMERGED + timedelta(hours=2, minutes=1))
    asks = [m for m in outbox(db) if m.kind == "evidence"]
    assert len(asks) == 1 and "情况通报" in stored_message(asks[0].message).text_plain
    engine.tick(EMERGED + timedelta(hours=2, minutes=2))
    assert len([m for m in outbox(db) if m.kind == "evidence"]) == 1  # asked once
    assert candidate_id is not None
    result = actions.confirm_evidence(db.engine, rules, candidate_id, by="张伟", now=EMERGED + timedelta(hours=6))
    # confirmed after the deadline, but dated before it: the release, not the entry, decides
    assert [row.kind for row in result.met] == ["authoritative_info"]
    assert obligations(db, incident_id)["authoritative_info"].state == "met"
