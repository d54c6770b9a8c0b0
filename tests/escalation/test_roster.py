"""The duty roster: shifts, handover, holiday rosters, audiences per role, routes, quiet hours,
snapshots and configuration errors. Times are given in UTC and read in Asia/Shanghai (UTC+8)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from pydantic import ValidationError

from sentinel.analyse.grading import Grade
from sentinel.errors import ConfigError
from sentinel.escalation.policy import EscalationRole
from sentinel.escalation.roster import Recipient, Roster, RosterConfig, routes
from sentinel.settings import parse_settings

SHANGHAI = ZoneInfo("Asia/Shanghai")

ROSTER_YAML = """
duty:
  - {name: 张伟, phone: "13800000001", channels: [duty-ding], weekdays: [mon, tue, wed, thu, fri], start: "08:30", end: "17:30"}
  - {name: 李娜, phone: "13800000002", weekdays: [mon, tue, wed, thu, fri], start: "17:30", end: "08:30"}
  - {name: 王强, dates: [2026-10-01, 2026-10-02], start: "00:00", end: "24:00"}
handover: 15m
section_chiefs: [{name: 赵科长, phone: "13800000010", channels: [duty-ding]}]
leaders: [{name: 钱局长, phone: "13800000020", channels: [leader-mail]}]
departments:
  应急管理局: [{name: 孙主任, phone: "13800000030"}]
quiet_hours: {start: "22:00", end: "07:00", grades: [III, IV]}
"""


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A Shanghai wall time, handed to the roster as UTC (as the engine does)."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def config(text: str = ROSTER_YAML, **changes: Any) -> RosterConfig:
    data = yaml.safe_load(text)
    data.update(changes)
    return RosterConfig.model_validate(data)


@pytest.fixture
def roster() -> Roster:
    return Roster(config(), SHANGHAI)


def names(recipients: list[Recipient]) -> list[str]:
    return [recipient.name for recipient in recipients]


# --------------------------------------------------------------------------------------- on duty

@pytest.mark.parametrize(("at", "expected"), [
    (local(2026, 11, 18, 8, 29), ["李娜"]),             # Wed: Tuesday's night shift is still running
    (local(2026, 11, 18, 8, 30), ["张伟", "李娜"]),     # day shift starts; the night officer hands over
    (local(2026, 11, 18, 8, 44), ["张伟", "李娜"]),
    (local(2026, 11, 18, 8, 45), ["张伟"]),             # handover over (end + 15m is exclusive)
    (local(2026, 11, 18, 12, 0), ["张伟"]),
    (local(2026, 11, 18, 17, 30), ["李娜", "张伟"]),    # the incoming officer first, then the outgoing
    (local(2026, 11, 18, 17, 45), ["李娜"]),
    (local(2026, 11, 18, 23, 59), ["李娜"]),
    (local(2026, 11, 19, 3, 0), ["李娜"]),              # overnight across midnight
    (local(2026, 11, 21, 3, 0), ["李娜"]),              # Sat 03:00: Friday's night shift, started Friday
    (local(2026, 11, 21, 8, 40), ["李娜"]),             # ... and its handover
    (local(2026, 11, 21, 12, 0), []),                   # no Saturday shift
    (local(2026, 11, 23, 3, 0), []),                    # Mon 03:00: Sunday started no night shift
    (local(2026, 11, 23, 8, 30), ["张伟"]),
])
def test_on_duty_follows_weekday_shifts(roster: Roster, at: datetime, expected: list[str]) -> None:
    assert at.tzinfo is UTC
    assert names(roster.on_duty(at)) == expected


def test_on_duty_is_the_same_for_any_offset_of_the_same_instant(roster: Roster) -> None:
    instant = datetime(2026, 11, 18, 9, 35, tzinfo=UTC)  # 17:35 in Shanghai
    assert names(roster.on_duty(instant)) == ["李娜", "张伟"]
    assert roster.on_duty(instant.astimezone(timezone(timedelta(hours=-5)))) == roster.on_duty(instant)


def test_on_duty_rejects_naive_times(roster: Roster) -> None:
    with pytest.raises(ValueError, match="naive"):
        roster.on_duty(datetime(2026, 11, 18, 12, 0))  # noqa: DTZ001 - the point of the test


def test_on_duty_recipient_carries_contact_details(roster: Roster) -> None:
    [officer] = roster.on_duty(local(2026, 11, 18, 12, 0))
    assert officer == Recipient("张伟", "13800000001", ("duty-ding",), "duty_officer")


@pytest.mark.parametrize(("at", "expected"), [
    (local(2026, 10, 1, 3, 0), ["李娜", "王强"]),   # Wed 30 Sep's night shift belongs to the day it started
    (local(2026, 10, 1, 10, 0), ["王强"]),          # Thu 1 Oct: the holiday roster replaces 张伟's day shift
    (local(2026, 10, 1, 18, 0), ["王强"]),          # ... and 李娜's night shift
    (local(2026, 10, 2, 23, 59), ["王强"]),
    (local(2026, 10, 3, 0, 10), ["王强"]),          # Sat 00:10: handing over after 24:00
    (local(2026, 10, 3, 0, 15), []),
    (local(2026, 9, 30, 12, 0), ["张伟"]),          # the day before is an ordinary Wednesday
])
def test_dated_shifts_replace_weekday_shifts_on_their_dates(roster: Roster, at: datetime,
                                                             expected: list[str]) -> None:
    assert names(roster.on_duty(at)) == expected


def test_the_same_person_on_consecutive_shifts_is_listed_once() -> None:
    text = """
duty:
  - {name: 张伟, weekdays: [mon], start: "08:00", end: "12:00"}
  - {name: 张伟, weekdays: [mon], start: "12:00", end: "18:00"}
"""
    roster = Roster(config(text), SHANGHAI)
    assert names(roster.on_duty(local(2026, 11, 16, 12, 5))) == ["张伟"]


def test_a_whole_day_shift_and_no_handover() -> None:
    text = """
duty:
  - {name: 值守, weekdays: [sat, sun], start: "00:00", end: "24:00"}
handover: 0s
"""
    roster = Roster(config(text), SHANGHAI)
    assert names(roster.on_duty(local(2026, 11, 21, 0, 0))) == ["值守"]
    assert names(roster.on_duty(local(2026, 11, 22, 23, 59))) == ["值守"]
    assert names(roster.on_duty(local(2026, 11, 23, 0, 0))) == []


def test_wall_times_hold_across_a_dst_change() -> None:
    # Shanghai has no DST; in New York a 09:00 shift starts at 09:00 local on both sides of the change
    roster = Roster(config('duty: [{name: Ann, weekdays: [sat, sun], start: "09:00", end: "10:00"}]'),
                    ZoneInfo("America/New_York"))
    assert names(roster.on_duty(datetime(2026, 10, 31, 13, 30, tzinfo=UTC))) == ["Ann"]  # EDT, UTC-4
    assert names(roster.on_duty(datetime(2026, 11, 1, 13, 30, tzinfo=UTC))) == []        # EST, UTC-5
    assert names(roster.on_duty(datetime(2026, 11, 1, 14, 30, tzinfo=UTC))) == ["Ann"]


# ------------------------------------------------------------------------------------ recipients

def test_recipients_for_each_role(roster: Roster) -> None:
    at = local(2026, 11, 18, 17, 35)
    duty = roster.recipients(EscalationRole.DUTY_OFFICER, "应急管理局", at)
    assert [(r.name, r.role) for r in duty] == [
        ("李娜", "duty_officer"), ("张伟", "duty_officer"), ("孙主任", "department")]
    assert names(roster.recipients("duty_officer", None, at)) == ["李娜", "张伟"]
    assert names(roster.recipients("duty_officer", "教育局", at)) == ["李娜", "张伟"]
    assert roster.recipients(EscalationRole.SECTION_CHIEF, "应急管理局", at) == [
        Recipient("赵科长", "13800000010", ("duty-ding",), "section_chief")]
    assert roster.recipients(EscalationRole.LEADER, None, at) == [
        Recipient("钱局长", "13800000020", ("leader-mail",), "leader")]


def test_recipients_drop_repeated_names_keeping_the_first() -> None:
    text = ROSTER_YAML.replace("应急管理局: [{name: 孙主任", "应急管理局: [{name: 张伟}, {name: 孙主任")
    roster = Roster(config(text), SHANGHAI)
    duty = roster.recipients("duty_officer", "应急管理局", local(2026, 11, 18, 12, 0))
    assert [(r.name, r.role) for r in duty] == [("张伟", "duty_officer"), ("孙主任", "department")]


def test_an_empty_roster_gives_one_placeholder_per_role() -> None:
    roster = Roster(RosterConfig(), SHANGHAI)
    at = local(2026, 11, 18, 12, 0)
    assert roster.recipients("duty_officer", "应急管理局", at) == [
        Recipient("值班员", None, (), "duty_officer"), Recipient("部门联系人", None, (), "department")]
    assert roster.recipients("duty_officer", None, at) == [Recipient("值班员", None, (), "duty_officer")]
    assert roster.recipients("section_chief", None, at) == [Recipient("科室负责人", None, (), "section_chief")]
    assert roster.recipients("leader", None, at) == [Recipient("领导", None, (), "leader")]
    # placeholders reach every channel, so the message still goes out
    everything = routes(roster.recipients("leader", None, at), ["console", "duty-ding"])
    assert list(everything) == ["console", "duty-ding"]


def test_a_gap_in_the_duty_roster_falls_back_to_a_placeholder_on_the_duty_channels() -> None:
    text = """
duty: [{name: 张伟, channels: [duty-ding], weekdays: [mon], start: "08:30", end: "17:30"}]
departments:
  应急管理局: [{name: 孙主任}]
"""
    roster = Roster(config(text), SHANGHAI)
    duty = roster.recipients("duty_officer", "应急管理局", local(2026, 11, 18, 3, 0))
    assert duty == [Recipient("值班员", None, ("duty-ding",), "duty_officer"),
                    Recipient("孙主任", None, (), "department")]
    assert names(roster.recipients("leader", None, local(2026, 11, 18, 3, 0))) == ["领导"]


# ---------------------------------------------------------------------------------------- routes

def test_routes_group_recipients_by_channel_in_channel_order() -> None:
    zhang = Recipient("张伟", "13800000001", ("duty-ding",), "duty_officer")
    sun = Recipient("孙主任", "13800000030", (), "department")
    qian = Recipient("钱局长", None, ("leader-mail", "retired-channel"), "leader")
    grouped = routes([zhang, sun, qian], ["leader-mail", "duty-ding", "console"])
    assert list(grouped) == ["leader-mail", "duty-ding", "console"]
    assert grouped == {"leader-mail": [sun, qian], "duty-ding": [zhang, sun], "console": [sun]}


def test_routes_leave_out_channels_nobody_is_reached_on() -> None:
    zhang = Recipient("张伟", None, ("duty-ding",), "duty_officer")
    assert routes([zhang], ["console", "duty-ding"]) == {"duty-ding": [zhang]}
    assert routes([], ["console"]) == {}


# ----------------------------------------------------------------------------------- quiet hours

@pytest.mark.parametrize(("at", "grade", "expected"), [
    (local(2026, 11, 18, 23, 0), Grade.III, local(2026, 11, 19, 7, 0)),
    (local(2026, 11, 18, 23, 0), "IV", local(2026, 11, 19, 7, 0)),
    (local(2026, 11, 18, 23, 0), None, local(2026, 11, 19, 7, 0)),    # ungraded: held
    (local(2026, 11, 19, 6, 59), Grade.IV, local(2026, 11, 19, 7, 0)),  # after midnight: ends today
    (local(2026, 11, 18, 22, 0), Grade.III, local(2026, 11, 19, 7, 0)),
    (local(2026, 11, 19, 7, 0), Grade.III, None),
    (local(2026, 11, 18, 21, 59), Grade.III, None),
    (local(2026, 11, 18, 23, 0), Grade.II, None),    # 重大: never held
    (local(2026, 11, 18, 23, 0), Grade.I, None),
])
def test_hold_until(roster: Roster, at: datetime, grade: Grade | str | None, expected: datetime | None) -> None:
    held = roster.hold_until(at, grade)
    assert held == expected
    if held is not None:
        assert held.tzinfo is UTC


def test_hold_until_without_quiet_hours_or_for_ungraded_when_told_not_to() -> None:
    assert Roster(RosterConfig(), SHANGHAI).hold_until(local(2026, 11, 18, 23, 0), Grade.IV) is None
    quiet = {"start": "12:00", "end": "14:00", "grades": ["IV"], "ungraded": False}
    roster = Roster(config(quiet_hours=quiet), SHANGHAI)
    assert roster.hold_until(local(2026, 11, 18, 13, 0), "IV") == local(2026, 11, 18, 14, 0)
    assert roster.hold_until(local(2026, 11, 18, 13, 0), "III") is None
    assert roster.hold_until(local(2026, 11, 18, 13, 0), None) is None


# -------------------------------------------------------------------------------------- snapshot

def test_snapshot_round_trips_through_json(roster: Roster) -> None:
    data = json.loads(json.dumps(roster.snapshot(), ensure_ascii=False))
    assert data["version"] == 1
    assert data["duty"][1]["end"] == "08:30" and data["duty"][2]["end"] == "24:00"
    assert data["handover"] == "15m"
    again = Roster.from_snapshot(data, SHANGHAI)
    assert again.config == roster.config
    for at in (local(2026, 11, 18, 17, 35), local(2026, 10, 1, 3, 0)):
        assert again.on_duty(at) == roster.on_duty(at)


def test_from_snapshot_refuses_an_unknown_version(roster: Roster) -> None:
    with pytest.raises(ValueError, match="unknown roster snapshot version"):
        Roster.from_snapshot({**roster.snapshot(), "version": 99}, SHANGHAI)


# -------------------------------------------------------------------------------- configuration

SHIFT = {"name": "张伟", "weekdays": ["mon"], "start": "08:30", "end": "17:30"}


@pytest.mark.parametrize(("shift", "message"), [
    ({**SHIFT, "weekdays": ["mon", "funday"]}, "unknown weekday 'funday'"),
    ({k: v for k, v in SHIFT.items() if k != "weekdays"}, "give weekdays or dates"),
    ({**SHIFT, "dates": ["2026-10-01"]}, "not both"),
    ({**SHIFT, "weekdays": []}, "weekdays is empty"),
    ({**SHIFT, "start": "08:30", "end": "08:30"}, "start equals end"),
    ({**SHIFT, "start": "00:00", "end": "00:00"}, "start equals end"),
    ({**SHIFT, "start": "24:00", "end": "08:00"}, "cannot start at 24:00"),
    ({**SHIFT, "end": "24:30"}, "expected a time of day"),
    ({**SHIFT, "end": "8.30"}, "expected a time of day"),
    ({**SHIFT, "end": 1050}, "write the time in quotes"),   # what YAML makes of an unquoted 17:30
    ({**SHIFT, "phone": "138-0000-000x"}, "a phone is digits"),
    ({**SHIFT, "pager": "1"}, "Extra inputs are not permitted"),
])
def test_shift_errors(shift: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RosterConfig.model_validate({"duty": [shift]})


def test_valid_shift_forms() -> None:
    parsed = RosterConfig.model_validate({"duty": [
        {**SHIFT, "weekdays": ["Mon", "SUN"], "phone": 13800000001},
        {"name": "王强", "dates": ["2026-10-01"], "start": "00:00", "end": "24:00"},
    ]})
    assert [day.value for day in parsed.duty[0].weekdays or []] == ["mon", "sun"]
    assert parsed.duty[0].phone == "13800000001"
    assert parsed.duty[1].length == timedelta(hours=24)
    assert RosterConfig.model_validate({"duty": [{**SHIFT, "start": "17:30", "end": "08:30"}]}
                                       ).duty[0].length == timedelta(hours=15)


@pytest.mark.parametrize(("quiet", "message"), [
    ({"start": "22:00", "end": "07:00", "grades": ["II", "III"]}, "grades III and IV only, not II"),
    ({"start": "22:00", "end": "07:00", "grades": ["I"]}, "not I"),
    ({"start": "22:00", "end": "22:00"}, "must not be empty or the whole day"),
    ({"start": "00:00", "end": "24:00"}, "must not be empty or the whole day"),
    ({"start": "22:00", "end": "07:00", "grades": ["V"]}, "grades"),
])
def test_quiet_hours_errors(quiet: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RosterConfig.model_validate({"quiet_hours": quiet})


def test_quiet_hours_default_to_grades_iii_and_iv() -> None:
    parsed = RosterConfig.model_validate({"quiet_hours": {"start": "22:00", "end": "07:00"}})
    assert parsed.quiet_hours is not None and parsed.quiet_hours.grades == [Grade.III, Grade.IV]


def test_handover_is_bounded() -> None:
    with pytest.raises(ValidationError, match="handover must be between"):
        RosterConfig.model_validate({"handover": "13h"})


SETTINGS_YAML = """
channels:
  - {id: duty-ding, kind: console}
  - {id: leader-mail, kind: console}
roster:
""" + "\n".join("  " + line for line in ROSTER_YAML.strip().splitlines())


def test_settings_read_the_roster_section() -> None:
    settings = parse_settings(SETTINGS_YAML)
    assert settings.roster == config()
    assert parse_settings("").roster == RosterConfig()


@pytest.mark.parametrize(("before", "after", "key"), [
    ("leaders: [{name: 钱局长, phone: \"13800000020\", channels: [leader-mail]}]",
     "leaders: [{name: 王局长, channels: [ding2]}]", r"roster\.leaders\[王局长\]\.channels: no channel 'ding2'"),
    ("应急管理局: [{name: 孙主任, phone: \"13800000030\"}]", "应急管理局: [{name: 孙主任, channels: [sms]}]",
     r"roster\.departments\[应急管理局\]\[孙主任\]\.channels: no channel 'sms'"),
    ("channels: [duty-ding], weekdays", "channels: [duty-dong], weekdays",
     r"roster\.duty\[张伟\]\.channels: no channel 'duty-dong'"),
])
def test_settings_refuse_a_roster_channel_that_is_not_configured(before: str, after: str, key: str) -> None:
    assert before in SETTINGS_YAML
    with pytest.raises(ConfigError, match=key):
        parse_settings(SETTINGS_YAML.replace(before, after), source="sentinel.yaml")


def test_settings_name_the_roster_key_of_a_bad_shift() -> None:
    with pytest.raises(ConfigError, match=r"roster\.duty\[0\]\.weekdays\[0\]: unknown weekday 'moon'"):
        parse_settings(SETTINGS_YAML.replace("weekdays: [mon, tue", "weekdays: [moon, tue"))
