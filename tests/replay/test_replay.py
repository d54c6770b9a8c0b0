"""``sentinel replay`` end to end: the real pipeline (analysis, incidents, engine, outbox) under a
virtual clock, on the scenarios in this directory. Every expectation below is worked out by hand
from the regulations' defaults and the scenario's times; README.md explains each one."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sentinel.analyse.pipeline import Analyzer
from sentinel.replay import Replayer, load_scenario, read_scenario
from sentinel.settings import Settings, load_settings
from sentinel.store.db import open_database

HERE = Path(__file__).parent
DUTY = "张伟、孙主任"  # the duty officer on shift and the 应急管理局's contact
CHIEF, LEADER = "赵科长", "钱局长"
EVERYONE = f"{DUTY}、{CHIEF}、{LEADER}"  # a breach: the duty officer, everyone told beyond, the leaders

#: (local "MM-DD HH:MM", notification kind, what it is about, recipients) in the order they are sent.
EXPECTED: dict[str, list[tuple[str, str, str, str]]] = {
    "grade2_no_response": [
        ("03-10 07:40", "new_incident", "", DUTY),
        ("03-10 09:03", "escalation", "", DUTY),  # graded II: the clocks start, the chain with them
        ("03-10 09:18", "escalation", "", CHIEF),  # nobody acknowledged in 15 minutes
        ("03-10 09:33", "escalation", "", LEADER),  # nor in 30
        ("03-10 10:40", "reminder", "authoritative_info", DUTY),  # E+5h = 12:40: T-2h
        ("03-10 11:40", "reminder", "authoritative_info", DUTY),
        ("03-10 12:10", "reminder", "authoritative_info", DUTY),
        ("03-10 12:30", "reminder", "authoritative_info", DUTY),
        ("03-10 12:40", "breach", "authoritative_info", EVERYONE),  # exactly 5h after emergence
        ("03-10 19:40", "reminder", "press_conference", DUTY),  # E+24h = 03-11 07:40: T-12h
        ("03-11 03:40", "reminder", "press_conference", DUTY),
        ("03-11 06:40", "reminder", "press_conference", DUTY),
        ("03-11 07:40", "breach", "press_conference", EVERYONE),  # exactly 24h after emergence
    ],
    "grade2_answered_3h": [
        ("08-27 12:30", "new_incident", "", DUTY),
        ("08-27 12:42", "escalation", "", DUTY),
        # acknowledged 12:50, before the section chief's 15 minutes; no response 2h later:
        ("08-27 14:50", "reescalation", "", f"{CHIEF}、{LEADER}"),
        # the release at 15:30 (E+3h) came at the T-2h moment: no reminder of the 5h clock at all
        ("08-28 00:30", "reminder", "press_conference", DUTY),
        ("08-28 03:30", "reminder", "sustained_release", DUTY),  # 24h after the 15:30 release, T-12h
        ("08-28 20:00", "reminder", "sustained_release", DUTY),  # the press conference at 08:00 restarted it
        ("08-29 04:00", "reminder", "sustained_release", DUTY),
        ("08-29 07:00", "reminder", "sustained_release", DUTY),
        ("08-29 08:00", "breach", "sustained_release", EVERYONE),
    ],
    "regrade_3_to_2": [
        ("11-19 20:40", "new_incident", "", DUTY),
        # regraded III -> II at E+2h: the raise reaches the leader too (the duty officer's step folded in)
        ("11-19 22:40", "grade_raised", "", f"{DUTY}、{LEADER}"),
        ("11-19 22:55", "escalation", "", CHIEF),
        ("11-19 23:10", "escalation", "", LEADER),
        ("11-19 23:40", "reminder", "authoritative_info", DUTY),  # due from emergence: 11-20 01:40
        ("11-20 00:40", "reminder", "authoritative_info", DUTY),
        ("11-20 01:10", "reminder", "authoritative_info", DUTY),
        ("11-20 01:30", "reminder", "authoritative_info", DUTY),
        ("11-20 01:40", "breach", "authoritative_info", EVERYONE),
        ("11-20 08:40", "reminder", "press_conference", DUTY),
        ("11-20 16:40", "reminder", "press_conference", DUTY),
        ("11-20 19:40", "reminder", "press_conference", DUTY),
        ("11-20 20:40", "breach", "press_conference", EVERYONE),
    ],
    "downtime": [
        ("07-26 01:30", "new_incident", "", DUTY),
        ("07-26 02:55", "escalation", "", DUTY),
        ("07-26 03:10", "escalation", "", CHIEF),
        ("07-26 03:25", "escalation", "", LEADER),
        ("07-26 04:30", "reminder", "authoritative_info", DUTY),  # T-2h, before the daemon went down at 05:00
        # down 05:00-07:30: T-1h (05:30), T-30m (06:00), T-10m (06:20) and the 06:30 breach fell due;
        # back at 07:30, the breach goes out once, late, and swallows the reminders
        ("07-26 07:30", "breach", "authoritative_info", EVERYONE),
        ("07-26 13:30", "reminder", "press_conference", DUTY),
        ("07-26 21:30", "reminder", "press_conference", DUTY),
        ("07-27 00:30", "reminder", "press_conference", DUTY),
        ("07-27 01:30", "breach", "press_conference", EVERYONE),
    ],
    "official_evidence": [
        ("12-11 02:10", "new_incident", "", DUTY),
        ("12-11 03:08", "escalation", "", DUTY),
        ("12-11 03:23", "escalation", "", CHIEF),
        ("12-11 03:38", "escalation", "", LEADER),
        # gov-city's notice at 04:10 met the 5h clock: no reminder of it; it only announces a press
        # conference, so the 24h clock runs on, and the release started a sustained-release clock
        ("12-11 14:10", "reminder", "press_conference", DUTY),
        ("12-11 16:10", "reminder", "sustained_release", DUTY),
        ("12-11 22:10", "reminder", "press_conference", DUTY),
        ("12-12 00:10", "reminder", "sustained_release", DUTY),
        ("12-12 01:10", "reminder", "press_conference", DUTY),
        ("12-12 02:10", "breach", "press_conference", EVERYONE),
        ("12-12 03:10", "reminder", "sustained_release", DUTY),
        ("12-12 04:10", "breach", "sustained_release", EVERYONE),
    ],
}

#: kind -> (state, met_at local or None) for each scenario's incident at the end.
OBLIGATIONS: dict[str, dict[str, tuple[str, str, str | None]]] = {
    "grade2_no_response": {"authoritative_info": ("2026-03-10T12:40:00+08:00", "breached", None),
                           "press_conference": ("2026-03-11T07:40:00+08:00", "breached", None)},
    "grade2_answered_3h": {"authoritative_info": ("2026-08-27T17:30:00+08:00", "met", "2026-08-27T15:30:00+08:00"),
                           "press_conference": ("2026-08-28T12:30:00+08:00", "met", "2026-08-28T08:00:00+08:00")},
    "regrade_3_to_2": {"authoritative_info": ("2026-11-20T01:40:00+08:00", "breached", None),
                       "press_conference": ("2026-11-20T20:40:00+08:00", "breached", None)},
    "downtime": {"authoritative_info": ("2026-07-26T06:30:00+08:00", "breached", None),
                 "press_conference": ("2026-07-27T01:30:00+08:00", "breached", None)},
    "official_evidence": {"authoritative_info": ("2026-12-11T07:10:00+08:00", "met", "2026-12-11T04:10:00+08:00"),
                          "press_conference": ("2026-12-12T02:10:00+08:00", "breached", None)},
}


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(HERE / "sentinel.yaml")


@pytest.fixture(scope="module")
def analyzer(settings) -> Analyzer:
    return Analyzer(settings)


def replay(settings: Settings, analyzer: Analyzer, url: str, name: str) -> dict[str, Any]:
    configured = settings.model_copy(update={"database": settings.database.model_copy(update={"url": url})})
    lines, errors = load_scenario(HERE / f"{name}.jsonl")
    assert errors == []
    database = open_database(url)
    try:
        replayer = Replayer(configured, database, analyzer)
        replayer.run(lines)
        return replayer.result()
    finally:
        database.close()


def _short(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%m-%d %H:%M")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_scenario_sends_what_the_rules_say_when_they_say_it(settings, analyzer, sqlite_url, name) -> None:
    result = replay(settings, analyzer, sqlite_url, name)
    assert result["errors"] == []
    (incident,) = result["incidents"]
    obligation_kind = {}
    for event in incident["timeline"]:
        if event["kind"] == "obligation_started":
            obligation_kind[event["data"]["obligation"]] = event["data"]["kind"]
    sent = [(_short(n["at"]), n["kind"], obligation_kind.get(n["obligation"], ""), n["recipient"])
            for n in result["notifications"]]
    assert sent == EXPECTED[name]
    found = {o["kind"]: (o["due_at"], o["state"], o["met_at"]) for o in incident["obligations"]
             if o["kind"] != "sustained_release"}
    assert found == OBLIGATIONS[name]
    assert incident["grade"] == "II" and incident["department"] == "应急管理局"


def test_the_downtime_catch_up_is_marked_late_on_the_timeline(settings, analyzer, sqlite_url) -> None:
    result = replay(settings, analyzer, sqlite_url, "downtime")
    (incident,) = result["incidents"]
    (breach,) = [e for e in incident["timeline"] if e["kind"] == "obligation_breached"
                 and e["data"]["kind"] == "authoritative_info"]
    assert breach["at"] == "2026-07-26T06:30:00+08:00"  # the deadline passed when it passed
    assert breach["data"]["late_by_seconds"] == 3600  # and was told an hour later
    assert "late by 1h" in breach["reason"]
    assert len(breach["data"]["collapsed"]) == 3  # T-1h, T-30m and T-10m folded into it


def test_the_regrade_starts_clocks_from_emergence_and_says_so(settings, analyzer, sqlite_url) -> None:
    result = replay(settings, analyzer, sqlite_url, "regrade_3_to_2")
    (incident,) = result["incidents"]
    grades = [(e["data"]["from"], e["data"]["to"]) for e in incident["timeline"] if e["kind"] == "grade_changed"]
    assert grades == [(None, "III"), ("III", "II")]
    assert incident["clock_start"] == "2026-11-19T20:40:00+08:00"


def test_replay_is_deterministic_and_its_json_is_the_contract(tmp_path) -> None:
    """The command itself, twice, on fresh databases: the same output both times."""
    outputs = []
    for run in range(2):
        config = tmp_path / f"config{run}.yaml"
        config.write_text((HERE / "sentinel.yaml").read_text(encoding="utf-8").replace(
            "sqlite:///var/replay.db", f"sqlite:///{tmp_path / f'replay{run}.db'}"), encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "sentinel", "--config", str(config), "replay",
                               str(HERE / "grade2_answered_3h.jsonl"), "--json"],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    data = json.loads(outputs[0])
    assert set(data) == {"incidents", "notifications"}
    (incident,) = data["incidents"]
    assert {"id", "title", "grade", "category", "department", "clock_start", "items", "obligations",
            "timeline"} <= set(incident)
    assert incident["items"][0] == {"id": "b-1", "source": "wb-hot"}
    assert {"kind", "due_at", "met_at", "state"} <= set(incident["obligations"][0])
    assert {"at", "channel", "recipient", "kind", "incident", "obligation"} <= set(data["notifications"][0])


def test_a_bad_line_is_reported_and_the_rest_still_run(settings, analyzer, sqlite_url, tmp_path) -> None:
    text = (HERE / "grade2_no_response.jsonl").read_text(encoding="utf-8").splitlines()
    broken = [text[0], "{not json", '{"at": "2026-03-10T08:00:00", "type": "item"}', *text[1:],
              '{"at": "2026-03-10T11:31:00+08:00", "type": "action", "action": "ack", "item": "zz-9", "by": "张伟"}']
    lines, errors = read_scenario(broken)
    assert [e.split(":")[0] for e in errors] == ["line 2", "line 3"]
    configured = settings.model_copy(update={"database": settings.database.model_copy(update={"url": sqlite_url})})
    database = open_database(sqlite_url)
    try:
        replayer = Replayer(configured, database, analyzer)
        replayer.run(lines)
        result = replayer.result()
    finally:
        database.close()
    assert any("no item 'zz-9'" in e for e in result["errors"])
    assert [n["kind"] for n in result["notifications"]].count("breach") == 2  # the scenario still ran


def test_replay_refuses_a_database_that_is_not_empty(settings, analyzer, sqlite_url) -> None:
    replay(settings, analyzer, sqlite_url, "grade2_no_response")
    with pytest.raises(Exception, match="empty database"):
        replay(settings, analyzer, sqlite_url, "grade2_no_response")
