"""One-tap 认领 links over a real store (SQLite and PostgreSQL): the engine issues them with its
alerts, and a code is signed, bound to its row, expires, and works once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlmodel import Session, col

from sentinel.escalation.ack_links import CODE_LENGTH, AckSigner, LinkState, look, redeem, split
from sentinel.escalation.clocks import Rules
from sentinel.escalation.engine import EscalationEngine
from sentinel.escalation.policy import Policy
from sentinel.escalation.roster import Roster
from sentinel.notify.serialisation import stored_message
from sentinel.store.ack_links import AckLinkRow
from sentinel.store.db import open_database
from sentinel.store.models import Incident, Response
from tests.escalation.test_engine import DETECTED, EMERGED, ROSTER, ZONE, graded, outbox, timeline

SECRET = b"a-test-secret-of-32-bytes-......"
BASE = "https://yuqing.example.gov.cn"
KINDS = {"duty-hook": "dingtalk"}


@pytest.fixture
def db(database_url):
    database = open_database(database_url)
    yield database
    database.close()


@pytest.fixture
def rules() -> Rules:
    return Rules(Policy(), Roster(ROSTER, ZONE), ZONE)


@pytest.fixture
def signer() -> AckSigner:
    return AckSigner(SECRET, BASE, timedelta(hours=24))


@pytest.fixture
def engine(db, rules, signer) -> EscalationEngine:
    return EscalationEngine(db.engine, rules, ["duty-hook"], owner="test", link_base=BASE, ack_links=signer)


def announced(db, rules, engine) -> tuple[int, str]:
    """A grade II incident announced by one tick; its alert's link for the duty officer 张伟."""
    incident_id = graded(db, rules)
    engine.tick(DETECTED)
    (row,) = [row for row in outbox(db) if row.kind == "new_incident"]
    message = stored_message(row.message)
    ack = message.ack_for(person="张伟")
    assert ack is not None and ack.phone == "13800000001"
    assert ack.url == f"{BASE}/a/{ack.code}" and len(ack.code) == CODE_LENGTH
    return incident_id, ack.code


def acknowledgments(db, incident_id: int) -> list:
    return [event for event in timeline(db, incident_id) if event.kind == "acknowledged"]


def test_every_person_of_an_alerts_audience_gets_a_link_and_the_link_acknowledges_once(db, rules, engine,
                                                                                       signer) -> None:
    incident_id, code = announced(db, rules, engine)
    (row,) = [row for row in outbox(db) if row.kind == "new_incident"]
    people = {ack.person for ack in stored_message(row.message).acks}
    assert people == {"张伟", "孙主任"}  # the duty officer and the department's contact
    now = DETECTED + timedelta(minutes=3)
    assert look(db.engine, signer, code, now=now).state is LinkState.READY
    assert acknowledgments(db, incident_id) == []  # looking changes nothing

    done = redeem(db.engine, rules, signer, code, now=now, client="10.0.0.7", channel_kinds=KINDS)
    assert done.state is LinkState.DONE and done.first
    (entry,) = acknowledgments(db, incident_id)
    assert entry.actor == "张伟" and entry.at == now
    assert entry.reason is not None and entry.reason.startswith("认领 via 钉钉 link")
    assert entry.data["channel"] == "duty-hook" and entry.data["alert"] == f"incident:{incident_id}:new:duty-hook"
    with Session(db.engine) as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None and incident.acknowledged_by == "张伟" and incident.acknowledged_at == now
        link = session.get(AckLinkRow, split(code))
        assert link is not None and link.used_at == now and link.used_from == "10.0.0.7"

    again = redeem(db.engine, rules, signer, code, now=now + timedelta(minutes=1), client=None, channel_kinds=KINDS)
    assert again.state is LinkState.USED
    assert len(acknowledgments(db, incident_id)) == 1  # the second tap changed nothing


def test_a_changed_character_another_secret_or_a_changed_row_do_not_verify(db, rules, engine, signer) -> None:
    incident_id, code = announced(db, rules, engine)
    now = DETECTED + timedelta(minutes=3)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for position in range(len(code)):
        changed = code[:position] + alphabet[(alphabet.index(code[position]) + 1) % 64] + code[position + 1:]
        assert look(db.engine, signer, changed, now=now).state is LinkState.INVALID, position
        assert redeem(db.engine, rules, signer, changed, now=now, client=None,
                      channel_kinds=KINDS).state is LinkState.INVALID
    for malformed in ("", code[:-1], code + "A", code[:-1] + "/", "%" * CODE_LENGTH):
        assert look(db.engine, signer, malformed, now=now).state is LinkState.INVALID
    other = AckSigner(b"another-secret-of-32-bytes......", BASE)
    assert redeem(db.engine, rules, other, code, now=now, client=None, channel_kinds=KINDS).state is LinkState.INVALID
    # the row says whom the link is for: changed in the store, the code no longer matches it
    with Session(db.engine) as session:
        session.execute(update(AckLinkRow).where(col(AckLinkRow.id) == split(code)).values(person="孙主任"))
        session.commit()
    assert redeem(db.engine, rules, signer, code, now=now, client=None, channel_kinds=KINDS).state is LinkState.INVALID
    assert acknowledgments(db, incident_id) == []


def test_a_link_expires_after_its_time_and_then_changes_nothing(db, rules, engine, signer) -> None:
    incident_id, code = announced(db, rules, engine)
    last = DETECTED + timedelta(hours=24) - timedelta(seconds=1)
    assert look(db.engine, signer, code, now=last).state is LinkState.READY
    late = redeem(db.engine, rules, signer, code, now=DETECTED + timedelta(hours=24), client=None, channel_kinds=KINDS)
    assert late.state is LinkState.EXPIRED and late.incident is not None
    assert acknowledgments(db, incident_id) == []
    with Session(db.engine) as session:
        link = session.get(AckLinkRow, split(code))
        assert link is not None and link.used_at is None


def test_an_acknowledged_incident_gets_no_more_links_and_a_reescalation_none(db, rules, engine, signer) -> None:
    incident_id, code = announced(db, rules, engine)
    redeem(db.engine, rules, signer, code, now=DETECTED + timedelta(minutes=1), client=None, channel_kinds=KINDS)
    engine.tick(EMERGED + timedelta(hours=5))  # reminders, the breach, the re-escalation
    later = [row for row in outbox(db) if row.created_at > DETECTED]
    assert later and all(stored_message(row.message).acks == () for row in later)


def test_an_unacknowledged_incidents_reminders_and_escalations_carry_links(db, rules, engine) -> None:
    graded(db, rules)
    for moment in (DETECTED, EMERGED + timedelta(hours=4, minutes=1), EMERGED + timedelta(hours=5, minutes=1)):
        engine.tick(moment)
    kinds = {row.kind: stored_message(row.message) for row in outbox(db)}
    assert {"new_incident", "reminder", "breach", "escalation"} <= set(kinds)
    for kind in ("reminder", "breach", "escalation"):
        assert kinds[kind].acks, kind
    with Session(db.engine) as session:
        rows = session.scalars(select(AckLinkRow)).all()
        assert {row.alert_kind for row in rows} >= {"new_incident", "reminder", "breach", "escalation"}


def test_the_evidence_alert_carries_a_link_that_confirms_the_evidence_once(db, rules, engine, signer) -> None:
    incident_id = graded(db, rules)
    with Session(db.engine) as session:
        evidence = Response(incident_id=incident_id, kind="authoritative_info", state="candidate",
                            at=DETECTED + timedelta(minutes=30), url="https://yjj.example.gov.cn/1.html",
                            channel="市应急管理局网站", content="关于化工厂爆炸事故的情况通报", recorded_by="sentinel",
                            recorded_at=DETECTED + timedelta(minutes=31))
        session.add(evidence)
        session.commit()
        response_id = evidence.id
    engine.tick(DETECTED + timedelta(minutes=32))
    (row,) = [row for row in outbox(db) if row.kind == "evidence"]
    message = stored_message(row.message)
    ack = message.ack_for(person="张伟")
    assert ack is not None
    now = DETECTED + timedelta(minutes=40)
    done = redeem(db.engine, rules, signer, ack.code, now=now, client=None, channel_kinds=KINDS)
    assert done.state is LinkState.DONE
    with Session(db.engine) as session:
        confirmed = session.get(Response, response_id)
        assert confirmed is not None and confirmed.state == "recorded" and confirmed.recorded_by == "张伟"
    (entry,) = [event for event in timeline(db, incident_id) if event.kind == "evidence_confirmed"]
    assert entry.actor == "张伟" and entry.data["via"] == "link"
    assert redeem(db.engine, rules, signer, ack.code, now=now, client=None, channel_kinds=KINDS).state is LinkState.USED
    assert acknowledgments(db, incident_id) == []  # a confirm link confirms; it does not 认领
