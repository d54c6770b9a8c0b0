"""Replays of verification (研判) and jurisdiction (属地管理), on SQLite and PostgreSQL: the real
pipeline and engine under a virtual clock. README.md, scenarios f–i, works out each expectation
from the policy's defaults and the scenario's times."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sentinel.analyse.pipeline import Analyzer
from sentinel.replay import Replayer, load_scenario
from sentinel.settings import Settings, load_settings
from sentinel.store.db import open_database

HERE = Path(__file__).parent
DUTY = "张伟、孙主任"
CHIEF, LEADER = "赵科长", "钱局长"
# the 5h and 24h clocks of an incident that emerged at 15:10 on 03-01, reminded as always
CLOCKS_FROM_1510 = [
    ("03-01 18:10", "reminder", "authoritative_info", DUTY),
    ("03-01 19:10", "reminder", "authoritative_info", DUTY),
    ("03-01 19:40", "reminder", "authoritative_info", DUTY),
    ("03-01 20:00", "reminder", "authoritative_info", DUTY),
    # 5h after the first post, verification or not; the leaders hear every breach
    ("03-01 20:10", "breach", "authoritative_info", f"{DUTY}、{CHIEF}、{LEADER}"),
    ("03-02 03:10", "reminder", "press_conference", DUTY),
    ("03-02 11:10", "reminder", "press_conference", DUTY),
    ("03-02 14:10", "reminder", "press_conference", DUTY),
    ("03-02 15:10", "breach", "press_conference", f"{DUTY}、{CHIEF}、{LEADER}"),
]

VERIFICATION: dict[str, list[tuple[str, str, str, str]]] = {
    # two self-media posts: 待研判; the duty officer is asked at 15:10 (the request stands for the new
    # incident alert and the duty officer's step); the section chief's step (15:25) and the leader's
    # (15:40) wait; Xinhua's report at 15:52 corroborates it and both hear at once, in chain order
    "verify_central": [
        ("03-01 15:10", "verification", "", DUTY),
        ("03-01 15:52", "escalation", "", CHIEF),
        ("03-01 15:52", "escalation", "", LEADER),
        *CLOCKS_FROM_1510,
    ],
    # nobody decides: the wait (1h) passes at 16:10 and the held steps go out then
    "verify_expired": [
        ("03-01 15:10", "verification", "", DUTY),
        ("03-01 16:10", "escalation", "", CHIEF),
        ("03-01 16:10", "escalation", "", LEADER),
        *CLOCKS_FROM_1510,
    ],
    # the duty officer finds it is an old story recirculated and dismisses it at 15:25: nothing more
    "verify_dismissed": [
        ("03-01 15:10", "verification", "", DUTY),
    ],
}


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(HERE / "sentinel.yaml")


@pytest.fixture(scope="module")
def analyzer(settings: Settings) -> Analyzer:
    return Analyzer(settings)


def replay(settings: Settings, analyzer: Analyzer | None, url: str, name: str) -> dict[str, Any]:
    configured = settings.model_copy(update={"database": settings.database.model_copy(update={"url": url})})
    lines, errors = load_scenario(HERE / f"{name}.jsonl")
    assert errors == []
    database = open_database(url)
    try:
        replayer = Replayer(configured, database, analyzer)
        replayer.run(lines)
        result = replayer.result()
    finally:
        database.close()
    assert result["errors"] == []
    return result


def sent(result: dict[str, Any], incident_id: int | None = None) -> list[tuple[str, str, str, str]]:
    kinds = {e["data"]["obligation"]: e["data"]["kind"] for incident in result["incidents"]
             for e in incident["timeline"] if e["kind"] == "obligation_started"}
    return [(datetime.fromisoformat(n["at"]).strftime("%m-%d %H:%M"), n["kind"], kinds.get(n["obligation"], ""),
             n["recipient"]) for n in result["notifications"] if incident_id is None or n["incident"] == incident_id]


def timeline(incident: dict[str, Any]) -> list[tuple[str, str]]:
    return [(datetime.fromisoformat(e["at"]).strftime("%H:%M"), e["kind"]) for e in incident["timeline"]]


@pytest.mark.parametrize("name", sorted(VERIFICATION))
def test_verification_holds_the_escalation_never_the_deadlines(settings, analyzer, database_url, name) -> None:
    result = replay(settings, analyzer, database_url, name)
    (incident,) = result["incidents"]
    assert sent(result) == VERIFICATION[name]
    assert incident["grade"] == "II" and incident["place"] == "山西省晋城市" and incident["jurisdiction"] == "inside"
    # the deadlines run from the first post at 15:10 whatever verification does
    due = {o["kind"]: o["due_at"] for o in incident["obligations"]}
    assert due == {"authoritative_info": "2026-03-01T20:10:00+08:00", "press_conference": "2026-03-02T15:10:00+08:00"}
    started = [e for e in incident["timeline"] if e["kind"] == "verification_required"]
    assert len(started) == 1 and "仅有自媒体来源" in started[0]["reason"]
    assert started[0]["data"]["evidence"]["tiers"] == ["self_media"]


def test_a_central_report_corroborates_it_and_says_so(settings, analyzer, database_url) -> None:
    (incident,) = replay(settings, analyzer, database_url, "verify_central")["incidents"]
    assert incident["verification"] == "corroborated"
    assert [i["id"] for i in incident["items"]] == ["v-1", "v-2", "v-3"]
    assert timeline(incident)[:10] == [
        ("15:10", "detected"), ("15:10", "place_assessed"), ("15:10", "grade_changed"),
        ("15:10", "verification_required"), ("15:10", "obligation_started"), ("15:10", "obligation_started"),
        ("15:10", "verification_requested"), ("15:52", "verification_corroborated"), ("15:52", "escalated"),
        ("15:52", "escalated")]
    corroborated = next(e for e in incident["timeline"] if e["kind"] == "verification_corroborated")
    assert "中央媒体" in corroborated["reason"] and corroborated["data"]["evidence"]["tiers"] == ["central", "self_media"]
    asked = next(e for e in incident["timeline"] if e["kind"] == "verification_requested")
    # the request stood for the announcement and the duty officer's first step
    assert sorted(asked["data"]["collapsed"]) == ["incident:1:escalate:duty_officer", "incident:1:new"]


def test_the_wait_passing_is_on_the_timeline(settings, analyzer, database_url) -> None:
    (incident,) = replay(settings, analyzer, database_url, "verify_expired")["incidents"]
    assert incident["verification"] == "expired"
    assert ("16:10", "verification_expired") in timeline(incident)


def test_a_dismissal_waives_everything(settings, analyzer, database_url) -> None:
    (incident,) = replay(settings, analyzer, database_url, "verify_dismissed")["incidents"]
    assert incident["state"] == "dismissed"
    assert {o["state"] for o in incident["obligations"]} == {"waived"}
    assert timeline(incident)[-3:] == [("15:25", "obligation_waived"), ("15:25", "obligation_waived"),
                                       ("15:25", "dismissed")]


# ---------------------------------------------------------------------------------- jurisdiction

def test_outside_the_jurisdiction_no_clocks_and_nobody_paged_until_adopted(analyzer, database_url) -> None:
    """A 广东 office: 汕头's fire is ours; 宁夏's collision (another province) and Algeria's bombs
    (abroad) are on the board only, until the duty officer adopts 宁夏's at 09:00."""
    settings = load_settings(HERE / "jurisdiction.yaml")
    result = replay(settings, Analyzer(settings), database_url, "jurisdiction")
    shantou, ningxia, algeria = result["incidents"]
    assert [(i["place"], i["jurisdiction"], i["grade"]) for i in result["incidents"]] == [
        ("广东省汕头市潮阳区", "inside", "II"), ("宁夏回族自治区吴忠市盐池县", "adopted", "II"),
        ("阿尔及利亚阿尔及尔", "outside", "II")]
    # abroad: kept, graded, and nothing else at all
    assert algeria["obligations"] == [] and algeria["clock_start"] is None
    assert sent(result, algeria["id"]) == []
    assert [k for _, k in timeline(algeria)] == ["detected", "place_assessed", "grade_changed"]
    placed = next(e for e in algeria["timeline"] if e["kind"] == "place_assessed")
    assert placed["data"]["jurisdiction"] == "outside" and "境外" in placed["reason"]
    # inside: the clocks and the chain as always, from its emergence at 08:00
    assert sent(result, shantou["id"])[:3] == [("05-20 08:00", "new_incident", "", "张伟、孙主任"),
                                               ("05-20 08:15", "escalation", "", CHIEF),
                                               ("05-20 08:30", "escalation", "", LEADER)]
    assert {o["kind"]: o["due_at"] for o in shantou["obligations"]} == {
        "authoritative_info": "2026-05-20T13:00:00+08:00", "press_conference": "2026-05-21T08:00:00+08:00"}
    # 宁夏: nothing before 09:00; adopted, its clocks start counted from its emergence at 08:20, it is
    # announced then and its chain runs from the adoption
    outside = next(e for e in ningxia["timeline"] if e["kind"] == "place_assessed")
    assert outside["data"]["jurisdiction"] == "outside" and "不属本辖区（广东省）" in outside["reason"]
    assert sent(result, ningxia["id"])[:3] == [("05-20 09:00", "new_incident", "", "张伟、孙主任"),
                                               ("05-20 09:15", "escalation", "", CHIEF),
                                               ("05-20 09:30", "escalation", "", LEADER)]
    assert {o["kind"]: o["due_at"] for o in ningxia["obligations"]} == {
        "authoritative_info": "2026-05-20T13:20:00+08:00", "press_conference": "2026-05-21T08:20:00+08:00"}
    adopted = next(e for e in ningxia["timeline"] if e["kind"] == "adopted")
    assert adopted["actor"] == "张伟" and "广东籍" in adopted["reason"]
    assert ningxia["clock_start"] == "2026-05-20T08:20:00+08:00"
