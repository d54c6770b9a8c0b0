"""The register's flows and jobs on a real store (SQLite and PostgreSQL): the clock as the desk moves
it, the jobs that run with the daemon, and the CSV import."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from sentinel.disclosure import flows, jobs, service
from sentinel.disclosure.importer import ImportRowsError, import_csv
from sentinel.escalation import workdays
from sentinel.escalation.actions import ActionError
from sentinel.escalation.clocks import Rules
from sentinel.notify.calendar_alerts import queue_calendar_alert
from sentinel.notify.serialisation import stored_message
from sentinel.settings import Settings
from sentinel.store.db import open_database
from sentinel.store.disclosure import DisclosureRequest
from sentinel.store.models import OutboxMessage

ZONE = ZoneInfo("Asia/Shanghai")
NOTICE_2027 = {"2027": {"holidays": ["2027-01-01", "2027-02-08"], "workdays": ["2027-01-09"]}}


def at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=ZONE)


@pytest.fixture(autouse=True)
def package_as_released(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workdays, "package_years", lambda: frozenset(range(2004, 2027)))


@pytest.fixture
def db(database_url):
    database = open_database(database_url)
    yield database
    database.close()


def settings(**policy) -> Settings:
    return Settings.model_validate({"policy": {"disclosure_reply": {"office": "政务公开办"}, **policy},
                                    "roster": {"departments": {"政务公开办": [{"name": "孙主任"}]},
                                               "section_chiefs": [{"name": "赵科长"}]}})


def new(content: str = "申请公开某项目环评报告", day: date = date(2026, 12, 15), **fields) -> flows.NewRequest:
    return flows.NewRequest(content=content, applicant_type=fields.pop("applicant_type", "natural_person"),
                            channel=fields.pop("channel", "in_person"), submitted_on=day, **fields)


def local_due(engine, request_id: int) -> tuple[date | None, str | None]:
    deadline = service.get_request(engine, request_id).deadline
    if deadline is None or deadline.state != "open":
        return None, None
    return deadline.due_at.astimezone(ZONE).date(), deadline.provisional


def test_a_provisional_deadline_is_counted_again_once_the_notice_is_known(db) -> None:
    before = Rules.from_settings(settings())
    request = flows.add_request(db.engine, before, new(), by="王", now=at(2026, 12, 15))
    due, provisional = local_due(db.engine, request.id)
    assert due == date(2027, 1, 13) and provisional and "2027" in provisional
    # nothing known yet: the job changes nothing
    assert jobs.recount_provisional(db.engine, before, at(2026, 12, 16)) == []
    # the notice is entered (a made-up one: Sat Jan 9 worked): the deadline moves a day earlier, final
    after = Rules.from_settings(settings(calendar=NOTICE_2027))
    assert len(jobs.recount_provisional(db.engine, after, at(2026, 12, 20))) == 1
    assert local_due(db.engine, request.id) == (date(2027, 1, 12), None)
    detail = service.get_request(db.engine, request.id)
    assert [o.state for o in detail.obligations] == ["waived", "open"]
    assert "deadline_moved" in [e.kind for e in detail.timeline]


def test_correction_discards_the_clock_and_restarts_it(db) -> None:
    rules = Rules.from_settings(settings())
    request = flows.add_request(db.engine, rules, new(day=date(2026, 3, 10)), by="王", now=at(2026, 3, 10))
    # the 补正 notice is due within 7 working days: by Thu Mar 19
    with pytest.raises(ActionError, match="--on: .*2026-03-19"):
        flows.ask_correction(db.engine, rules, request.id, on=date(2026, 3, 20), until=date(2026, 4, 3), by="王",
                             now=at(2026, 3, 20))
    flows.ask_correction(db.engine, rules, request.id, on=date(2026, 3, 12), until=date(2026, 3, 27), by="王",
                         now=at(2026, 3, 12))
    assert local_due(db.engine, request.id) == (None, None)  # no clock while awaiting the correction
    with pytest.raises(ActionError, match="--on: .*2026-03-12"):
        flows.receive_correction(db.engine, rules, request.id, on=date(2026, 3, 11), by="王", now=at(2026, 3, 20))
    flows.receive_correction(db.engine, rules, request.id, on=date(2026, 3, 20), by="王", now=at(2026, 3, 20))
    assert local_due(db.engine, request.id) == (date(2026, 4, 20), None)  # 20 working days from Mar 20
    with pytest.raises(ActionError, match="once"):  # 一次性告知
        flows.ask_correction(db.engine, rules, request.id, on=date(2026, 3, 23), until=date(2026, 4, 3), by="王",
                             now=at(2026, 3, 23))


def test_a_correction_that_never_comes_closes_the_request(db) -> None:
    rules = Rules.from_settings(settings())
    request = flows.add_request(db.engine, rules, new(day=date(2026, 3, 10)), by="王", now=at(2026, 3, 10))
    flows.ask_correction(db.engine, rules, request.id, on=date(2026, 3, 11), until=date(2026, 3, 25), by="王",
                         now=at(2026, 3, 11))
    assert jobs.lapse_corrections(db.engine, rules, at(2026, 3, 25, 20)) == []  # the period's last day
    assert jobs.lapse_corrections(db.engine, rules, at(2026, 3, 26, 9)) == [request.id]
    done = service.get_request(db.engine, request.id).request
    assert (done.state, done.outcome, done.replied_on) == ("replied", "other.no_correction", date(2026, 3, 26))


def test_consultation_extension_and_delay_move_the_deadline(db) -> None:
    rules = Rules.from_settings(settings())
    request = flows.add_request(db.engine, rules, new(day=date(2026, 3, 10)), by="王", now=at(2026, 3, 10))
    flows.start_consultation(db.engine, rules, request.id, party="third_party", on=date(2026, 3, 16), by="王",
                             now=at(2026, 3, 16))
    assert local_due(db.engine, request.id)[0] == date(2026, 4, 29)  # assumed to take its 15 working days
    flows.end_consultation(db.engine, rules, request.id, on=date(2026, 3, 20), by="王", now=at(2026, 3, 20))
    assert local_due(db.engine, request.id)[0] == date(2026, 4, 14)
    with pytest.raises(ActionError, match="--approver"):
        flows.extend(db.engine, rules, request.id, approver=" ", by="王", now=at(2026, 3, 20))
    with pytest.raises(ActionError, match="--days"):
        flows.extend(db.engine, rules, request.id, approver="主任", days=21, by="王", now=at(2026, 3, 20))
    flows.extend(db.engine, rules, request.id, approver="政务公开办主任", days=5, by="王", now=at(2026, 3, 20))
    assert local_due(db.engine, request.id)[0] == date(2026, 4, 21)
    flows.delay(db.engine, rules, request.id, until=date(2026, 6, 30), reason="申请数量明显超出合理范围", by="王",
                now=at(2026, 3, 21))
    assert local_due(db.engine, request.id)[0] == date(2026, 6, 30)
    flows.reply(db.engine, rules, request.id, outcome="denied.third_party", by="王", now=at(2026, 4, 2))
    detail = service.get_request(db.engine, request.id)
    assert (detail.request.reply_type, detail.deadline.state) == ("denied", "met")
    assert detail.incident.state == "closed"


def test_an_extension_after_expiry_and_a_wrong_reply_type_are_refused(db) -> None:
    rules = Rules.from_settings(settings())
    request = flows.add_request(db.engine, rules, new(day=date(2026, 3, 10)), by="王", now=at(2026, 3, 10))
    with pytest.raises(ActionError, match="has passed"):
        flows.extend(db.engine, rules, request.id, approver="主任", by="王", now=at(2026, 4, 9))
    with pytest.raises(ActionError, match="not counted as granted"):
        flows.reply(db.engine, rules, request.id, outcome="granted", reply_type="not_ours", by="王", now=at(2026, 4, 9))
    flows.reply(db.engine, rules, request.id, outcome="unable.not_held", reply_type="not_ours", by="王",
                now=at(2026, 4, 9))
    late = service.get_request(db.engine, request.id).deadline
    assert late.met_at is not None and late.met_at > late.due_at  # late: the engine's next tick breaches it


def test_an_online_request_waits_for_its_confirmation(db) -> None:
    rules = Rules.from_settings(settings())
    request = flows.add_request(db.engine, rules, new(channel="online", day=date(2026, 3, 6)), by="王",
                                now=at(2026, 3, 6))
    assert request.state == "awaiting_confirmation" and local_due(db.engine, request.id) == (None, None)
    flows.confirm_receipt(db.engine, rules, request.id, on=date(2026, 3, 10), by="王", now=at(2026, 3, 10))
    assert local_due(db.engine, request.id) == (date(2026, 4, 8), None)


def _keys(db) -> list[str]:
    with Session(db.engine) as session:
        return [row.key for row in session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()]


def test_reminders_of_the_correction_window_and_of_the_annual_report(db) -> None:
    rules = Rules.from_settings(settings())
    request = flows.add_request(db.engine, rules, new(day=date(2026, 3, 10), unit="住建局"), by="王",
                                now=at(2026, 3, 10))
    assert jobs.queue_correction_reminders(db.engine, rules, ["hook"], at(2026, 3, 18)) == []
    queued = jobs.queue_correction_reminders(db.engine, rules, ["hook"], at(2026, 3, 19, 8))  # T-1d of Mar 19 24:00
    assert queued == [f"request:{request.id}:correction:86400s:hook"]
    assert jobs.queue_correction_reminders(db.engine, rules, ["hook"], at(2026, 3, 19, 9)) == []  # once
    with Session(db.engine) as session:
        row = session.exec(select(OutboxMessage).where(OutboxMessage.key == queued[0])).one()
        message = stored_message(row.message)
    assert "3月19日" in message.text_plain and "孙主任" in message.text_plain
    # January: weekly until published, daily in the last week; nothing in February
    assert jobs.queue_annual_reminder(db.engine, rules, ["hook"], at(2027, 1, 4)) == ["annual:2026::w1:hook"]
    assert jobs.queue_annual_reminder(db.engine, rules, ["hook"], at(2027, 1, 5)) == []
    assert jobs.queue_annual_reminder(db.engine, rules, ["hook"], at(2027, 1, 26)) == ["annual:2026::2027-01-26:hook"]
    assert jobs.queue_annual_reminder(db.engine, rules, ["hook"], at(2027, 2, 1)) == []
    from sentinel.disclosure.entries import mark_published

    mark_published(db.engine, 2026, {}, on=date(2027, 1, 27), by="王", now=at(2027, 1, 27))
    assert jobs.queue_annual_reminder(db.engine, rules, ["hook"], at(2027, 1, 28)) == []


def test_the_operators_hear_of_a_missing_notice_after_1_november(db) -> None:
    plain = settings()
    assert queue_calendar_alert(db.engine, plain, ["hook"], at(2026, 10, 31)) == []
    keys = queue_calendar_alert(db.engine, plain, ["hook"], at(2026, 11, 2))
    assert keys == ["calendar:2027:missing:2026-w45:hook"]
    assert queue_calendar_alert(db.engine, plain, ["hook"], at(2026, 11, 3)) == []  # once a week
    assert queue_calendar_alert(db.engine, settings(calendar=NOTICE_2027), ["hook"], at(2026, 11, 10)) == []
    assert len(_keys(db)) == 1


CSV = """编号,申请人类型,申请内容,提交日期,渠道,办理结果,答复日期
2026-001,自然人,环评报告,2026-03-02,当面,予以公开,2026-03-10
2026-002,商业企业,规划许可,2026/03/03,网络,保护第三方合法权益,2026-03-20
2026-003,科研机构,统计数据,2026-03-04,邮寄（签收）,,
"""


def test_the_csv_import_takes_every_row_or_none(db) -> None:
    rules = Rules.from_settings(settings())
    bad = CSV + "2026-004,外星人,x,2026-03-05,,,\n2026-001,自然人,y,2026-03-05,,,\n2026-005,自然人,z,2026-13-01,,,\n"
    with pytest.raises(ImportRowsError) as caught:
        import_csv(db.engine, rules, bad.encode("utf-8-sig"), by="王", now=at(2026, 4, 1))
    assert [line for line, _ in caught.value.rows] == [5, 6, 7]
    assert "第5行" in str(caught.value) and "外星人" in str(caught.value)
    with Session(db.engine) as session:
        assert session.exec(select(DisclosureRequest)).all() == []  # nothing half-imported
    assert import_csv(db.engine, rules, CSV.encode("gb18030"), by="王", now=at(2026, 4, 1)) == 3
    rows = {r.request.reference: r.request for r in service.list_requests(db.engine)}
    assert (rows["2026-002"].outcome, rows["2026-002"].applicant_type) == ("denied.third_party", "commercial")
    assert rows["2026-003"].state == "open" and rows["2026-001"].replied_on == date(2026, 3, 10)
    with pytest.raises(ImportRowsError, match="已在登记簿中"):
        import_csv(db.engine, rules, CSV.encode(), by="王", now=at(2026, 4, 1))


def test_existing_requests_are_migrated(tmp_path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from sentinel.store.db import MIGRATIONS, create_db_engine, migrate

    engine = create_db_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004_hotlists")
    received = datetime(2026, 9, 24, 17, 0, tzinfo=UTC)  # 2026-09-25 01:00 in Shanghai
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO incident (id, title, state, department, grade_reasons, facts, keywords, rules, regions, "
            "emerged_at, detected_at, last_item_at, updated_at, item_count, source_count, heat, heat_components, "
            "negative_share, kind, details, needs_response) VALUES (1, '申请公开环评报告', 'open', '住建局', '[]', '{}', "
            "'[]', '[]', '[]', :t, :t, :t, :t, 0, 0, 0, '{}', 0, 'disclosure_request', "
            "'{\"requester\": \"王某\", \"reference\": \"A-1\", \"extended\": false}', 0)"),
            {"t": received.replace(tzinfo=None)})
    migrate(engine)
    with Session(engine) as session:
        (row,) = session.exec(select(DisclosureRequest)).all()
    assert (row.incident_id, row.applicant, row.reference, row.unit) == (1, "王某", "A-1", "住建局")
    assert (row.received_on, row.state, row.extra["migrated"]) == (date(2026, 9, 25), "open", True)
    engine.dispose()
