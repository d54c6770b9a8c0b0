from __future__ import annotations

import json
from datetime import date, time, timedelta

import pytest
import yaml
from pydantic import ValidationError

from sentinel.analyse.grading import Grade
from sentinel.escalation.policy import ClockStart, EscalationRole, Policy
from sentinel.escalation.workdays import is_working_day

H, M = timedelta(hours=1), timedelta(minutes=1)


def test_defaults_follow_the_regulations() -> None:
    policy = Policy()
    assert policy.clock_start is ClockStart.EMERGENCE
    assert policy.end_of_day == time(23, 59, 59, 999999)
    assert policy.authoritative_info.within == 5 * H
    assert policy.authoritative_info.reminders == [2 * H, 1 * H, 30 * M, 10 * M]
    assert policy.press_conference.within == 24 * H
    assert policy.press_conference.reminders == [12 * H, 4 * H, 1 * H]
    assert policy.sustained_release.every == 24 * H
    assert policy.response.within == 48 * H
    assert policy.response.reminders == [12 * H, 2 * H]
    assert policy.policy_interpretation.working_days == 3
    assert policy.disclosure_reply.working_days == 20
    assert policy.disclosure_reply.extension == 20
    assert policy.policy_interpretation.reminders == [timedelta(days=1)]
    for grade in Grade:
        chain = policy.chain(grade)
        assert [(s.role, s.after, s.on_breach) for s in chain.steps] == [
            (EscalationRole.DUTY_OFFICER, timedelta(0), False),
            (EscalationRole.SECTION_CHIEF, 15 * M, False),
            (EscalationRole.LEADER, 30 * M, True),
        ]
        assert chain.reescalate_after == 2 * H
        assert chain.reescalate_every is None
    assert policy.chain(Grade.I).reescalate_to == [EscalationRole.SECTION_CHIEF, EscalationRole.LEADER]
    assert policy.chain("IV").reescalate_to == [EscalationRole.SECTION_CHIEF]
    assert policy.chain(None) == policy.chain(Grade.IV)
    assert policy.calendar.years() == ()
    assert policy.official_evidence == "confirm"


def test_one_key_overrides_keep_the_other_defaults() -> None:
    policy = Policy.model_validate({
        "clock_start": "detection",
        "end_of_day": "17:30",
        "authoritative_info": {"within": "4h"},
        "response": {"heat": 8},
        "escalation": {"II": {"reescalate_after": "90m", "reescalate_every": "1h"}},
    })
    assert policy.clock_start is ClockStart.DETECTION
    assert policy.end_of_day == time(17, 30)
    assert policy.authoritative_info.within == 4 * H
    assert policy.authoritative_info.reminders == [2 * H, 1 * H, 30 * M, 10 * M]
    assert (policy.response.heat, policy.response.negative_share) == (8, 0.5)
    assert policy.chain("II").reescalate_after == 90 * M
    assert policy.chain("II").reescalate_every == 1 * H
    assert len(policy.chain("II").steps) == 3
    assert policy.chain("I").reescalate_after == 2 * H


def test_lists_replace_and_reminders_sort_earliest_first() -> None:
    policy = Policy.model_validate({"press_conference": {"reminders": ["1h", "6h", "90s"]},
                                    "escalation": {"IV": {"steps": [{"role": "duty_officer", "after": "0s"}]}}})
    assert policy.press_conference.reminders == [6 * H, 1 * H, timedelta(seconds=90)]
    assert [s.role for s in policy.chain("IV").steps] == [EscalationRole.DUTY_OFFICER]


@pytest.mark.parametrize(
    ("data", "where", "problem"),
    [
        ({"bogus": 1}, "bogus", "Extra inputs"),
        ({"authoritative_info": {"within": "5h", "remind": ["1h"]}}, "authoritative_info.remind", "Extra"),
        ({"escalation": {"I": {"steps": [{"role": "leader", "after": "1m", "x": 1}]}}},
         "escalation.I.steps.0.x", "Extra"),
        ({"authoritative_info": {"within": "1h"}}, "authoritative_info.reminders", "T-2h is not inside the 1h"),
        ({"authoritative_info": {"within": "0s"}}, "authoritative_info.within", "positive"),
        ({"response": {"reminders": ["2h", "2h"]}}, "response.reminders", "twice"),
        ({"response": {"reminders": ["0s"]}}, "response.reminders", "positive"),
        ({"response": {"negative_share": 1.5}}, "response.negative_share", "less than or equal"),
        ({"sustained_release": {"every": "2h"}}, "sustained_release.reminders", "not inside the 2h"),
        ({"policy_interpretation": {"working_days": 0}}, "policy_interpretation.working_days", "greater"),
        ({"authoritative_info": {"within": "five hours"}}, "authoritative_info.within", "duration"),
        ({"clock_start": "report"}, "clock_start", "emergence"),
        ({"end_of_day": "17:30+08:00"}, "end_of_day", "drop the offset"),
        ({"escalation": {"V": {}}}, "escalation.V", "'I', 'II', 'III' or 'IV'"),
        ({"escalation": {"I": {"steps": []}}}, "escalation.I.steps", "at least 1"),
        ({"escalation": {"I": {"steps": [{"role": "leader"}]}}}, "escalation.I.steps.0", "after, on_breach"),
        ({"escalation": {"I": {"steps": [{"role": "leader", "after": "1m"}, {"role": "leader", "after": "2m"}]}}},
         "escalation.I", "twice"),
        ({"escalation": {"I": {"reescalate_to": []}}}, "escalation.I.reescalate_to", "at least 1"),
        ({"escalation": {"I": {"steps": [{"role": "mayor", "after": "1m"}]}}}, "escalation.I.steps.0.role",
         "duty_officer"),
        ({"calendar": {"2027": {"holidays": ["2026-12-31"], "workdays": []}}}, "calendar", "not in 2027"),
        ({"calendar": {"2027": {"holidays": ["2027-01-01"], "workdays": ["2027-01-04"]}}}, "calendar.2027",
         "2027-01-04 is a Monday"),
        ({"calendar": {"2027": {"holidays": ["2027-01-01"]}}}, "calendar.2027.workdays", "required"),
        ({"calendar": {"2027": {"holidays": ["2027-01-01"], "workdays": []}, 2027: {}}}, "calendar", "given twice"),
        ({"calendar": ["2027-01-01"]}, "calendar", "dictionary"),
        ({"official_evidence": "auto"}, "official_evidence", "'confirm' or 'count'"),
        ({"official_evidence": True}, "official_evidence", "'confirm' or 'count'"),
    ],
)
def test_bad_policy_names_the_key(data: dict[str, object], where: str, problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Policy.model_validate(data)
    found = [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in caught.value.errors()]
    assert any(loc.startswith(where) and problem in msg for loc, msg in found), found


def test_policy_is_not_a_mapping() -> None:
    with pytest.raises(ValidationError):
        Policy.model_validate(["5h"])


def test_snapshot_is_plain_json_and_reads_back() -> None:
    policy = Policy.model_validate({"authoritative_info": {"within": "4h"}, "end_of_day": "17:30",
                                    "escalation": {"III": {"reescalate_every": "3h"}}})
    snapshot = policy.snapshot()
    text = json.dumps(snapshot, ensure_ascii=False)
    assert json.loads(text) == snapshot
    assert snapshot["version"] == 1
    assert snapshot["authoritative_info"] == {"within": "4h", "reminders": ["2h", "1h", "30m", "10m"]}
    assert snapshot["end_of_day"] == "17:30:00"
    assert snapshot["escalation"]["III"]["reescalate_every"] == "3h"
    assert Policy.from_snapshot(json.loads(text)) == policy


def test_snapshot_keeps_the_calendar_and_official_evidence() -> None:
    policy = Policy.model_validate({
        "calendar": {2027: {"holidays": [date(2027, 2, 8), date(2027, 1, 1)], "workdays": [date(2027, 2, 20)]}},
        "official_evidence": "count",
    })
    snapshot = json.loads(json.dumps(policy.snapshot()))
    assert snapshot["calendar"] == {"2027": {"holidays": ["2027-01-01", "2027-02-08"], "workdays": ["2027-02-20"]}}
    assert snapshot["official_evidence"] == "count"
    again = Policy.from_snapshot(snapshot)
    assert again == policy
    assert again.official_evidence == "count"
    assert is_working_day(date(2027, 2, 20), again.calendar) is True
    # and a default policy's snapshot carries the empty supplement and the default
    default = json.loads(json.dumps(Policy().snapshot()))
    assert (default["calendar"], default["official_evidence"]) == ({}, "confirm")
    assert Policy.from_snapshot(default) == Policy()


def test_calendar_from_the_configuration_file() -> None:
    # YAML reads the dates as dates and "2027" as a string key, 2028 as an int
    data = yaml.safe_load("""
policy:
  authoritative_info: {within: 4h}
  official_evidence: count
  calendar:
    "2027":
      holidays: [2027-01-01, 2027-02-08]
      workdays: [2027-02-20]
    2028:
      holidays: [2028-01-03]
      workdays: []
""")
    policy = Policy.model_validate(data["policy"])
    assert policy.calendar.years() == (2027, 2028)
    assert is_working_day(date(2027, 1, 1), policy.calendar) is False
    assert is_working_day(date(2027, 2, 20), policy.calendar) is True
    assert is_working_day(date(2028, 1, 3), policy.calendar) is False
    assert policy.official_evidence == "count"
    # the rest still merges over the defaults
    assert policy.authoritative_info.reminders == [2 * H, 1 * H, 30 * M, 10 * M]
    assert policy.disclosure_reply.working_days == 20


def test_calendar_with_string_dates() -> None:
    policy = Policy.model_validate({"calendar": {"2027": {"holidays": ["2027-01-01"], "workdays": ["2027-02-20"]}}})
    year = policy.calendar.year(2027)
    assert year is not None
    assert (year.holidays, year.workdays) == ((date(2027, 1, 1),), (date(2027, 2, 20),))
    assert policy.official_evidence == "confirm"


def test_snapshot_of_another_version_is_refused() -> None:
    snapshot = Policy().snapshot()
    snapshot["version"] = 99
    with pytest.raises(ValueError, match="version"):
        Policy.from_snapshot(snapshot)


def test_policy_is_frozen() -> None:
    with pytest.raises(ValidationError):
        Policy().clock_start = ClockStart.DETECTION  # type: ignore[misc]  # frozen on purpose
