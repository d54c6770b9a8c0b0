"""The duty officer's commands as a user runs them: on an incident a replay left in the database,
and on disclosure requests. Errors exit 1 with the reason; nothing is half-applied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sentinel.cli import main

REPLAY = Path(__file__).parent / "replay"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "sentinel.yaml"
    path.write_text((REPLAY / "sentinel.yaml").read_text(encoding="utf-8").replace(
        "sqlite:///var/replay.db", f"sqlite:///{tmp_path / 'db.sqlite'}"), encoding="utf-8")
    return path


def invoke(config: Path, *args: str):
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


@pytest.fixture
def incident(config: Path) -> int:
    """Grade II, two hours into its 5h clock (the replay stops there): obligations are open."""
    done = invoke(config, "replay", str(REPLAY / "grade2_no_response.jsonl"), "--until", "30m", "--json")
    assert done.exit_code == 0, done.output
    (only,) = json.loads(done.stdout)["incidents"]
    assert {o["state"] for o in only["obligations"]} == {"open"}
    return int(only["id"])


def test_ack_respond_and_show(config: Path, incident: int) -> None:
    acked = invoke(config, "ack", str(incident), "--by", "张伟")
    assert acked.exit_code == 0 and "acknowledged by 张伟" in acked.stdout
    done = invoke(config, "respond", str(incident), "--kind", "authoritative_info", "--at", "2026-03-10T10:40+08:00",
                  "--url", "https://www.shantou.gov.cn/a.html", "--channel", "市政府网站", "--reviewer", "王主任",
                  "--publisher", "李娜", "--by", "张伟", "--json")
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    (met,) = result["met"]
    assert met["kind"] == "authoritative_info" and met["margin_seconds"] == 2 * 3600
    assert result["response"]["reviewer"] == "王主任" and result["response"]["publisher"] == "李娜"
    shown = invoke(config, "incidents", "show", str(incident))
    assert "权威信息发布" in shown.stdout and "2小时 early" in shown.stdout
    assert "王主任" in shown.stdout and "acknowledged" in shown.stdout
    detail = json.loads(invoke(config, "incidents", "show", str(incident), "--json").stdout)
    assert {o["kind"]: o["state"] for o in detail["obligations"]}["authoritative_info"] == "met"
    assert detail["notifications"] and detail["acknowledged_by"] == "张伟"


def test_what_cannot_be_is_refused_with_the_reason(config: Path, incident: int) -> None:
    early = invoke(config, "respond", str(incident), "--kind", "authoritative_info", "--at", "2026-03-09T10:00+08:00",
                   "--by", "张伟")
    assert early.exit_code == 1 and "早于事件首次出现时间" in early.output
    wrong = invoke(config, "respond", str(incident), "--kind", "response", "--by", "张伟")
    assert wrong.exit_code == 1 and "has no obligation that a response answers" in wrong.output
    missing = invoke(config, "ack", "999", "--by", "张伟")
    assert missing.exit_code == 1 and "no incident 999" in missing.output
    bad_time = invoke(config, "respond", str(incident), "--kind", "authoritative_info", "--at", "yesterday",
                      "--by", "张伟")
    assert bad_time.exit_code == 2 and "--at" in bad_time.output
    detail = json.loads(invoke(config, "incidents", "show", str(incident), "--json").stdout)
    assert detail["responses"] == [] and {o["state"] for o in detail["obligations"]} == {"open"}


def test_grade_down_then_dismiss(config: Path, incident: int) -> None:
    lowered = invoke(config, "grade", str(incident), "--grade", "III", "--reason", "核实为3人死亡", "--by", "赵科长")
    assert lowered.exit_code == 0 and "grade III" in lowered.stdout
    detail = json.loads(invoke(config, "incidents", "show", str(incident), "--json").stdout)
    # the 5h/24h clocks are waived; as a hot grade III incident whose news reports 13 deaths
    # (negative), it owes the 48h response (国办发〔2016〕61号), counted from emergence
    assert {o["kind"]: o["state"] for o in detail["obligations"]} == {
        "authoritative_info": "waived", "press_conference": "waived", "response": "open"}
    assert invoke(config, "note", str(incident), "区政府已介入", "--by", "钱局长").exit_code == 0
    assert invoke(config, "assign", str(incident), "--department", "潮阳区应急管理局", "--by", "张伟").exit_code == 0
    dismissed = invoke(config, "dismiss", str(incident), "--reason", "重复事件", "--by", "张伟")
    assert dismissed.exit_code == 0
    again = invoke(config, "ack", str(incident), "--by", "张伟")
    assert again.exit_code == 1 and "dismissed" in again.output
    detail = json.loads(invoke(config, "incidents", "show", str(incident), "--json").stdout)
    kinds = [e["kind"] for e in detail["timeline"]]
    assert {"note", "department_assigned", "dismissed"} <= set(kinds)
    assert detail["department"] == "潮阳区应急管理局"


def test_disclosure_requests_count_working_days(config: Path) -> None:
    added = invoke(config, "requests", "add", "--subject", "申请公开某项目环评报告", "--received",
                   "2026-09-25T10:00+08:00", "--requester", "王某", "--by", "张伟")
    assert added.exit_code == 0, added.output
    assert "reply due 2026-10-29" in added.stdout  # 国庆 and the 调休 Saturday counted right
    listed = json.loads(invoke(config, "requests", "list", "--json").stdout)
    (request,) = listed
    assert (request["applicant"], request["applicant_type"], request["channel"]) == ("王某", "natural_person", "in_person")
    no_approver = invoke(config, "requests", "extend", str(request["id"]), "--by", "张伟")
    assert no_approver.exit_code == 2 and "--approver" in no_approver.output
    # 第三十三条: an extension only before the deadline runs out (this one ran out on 2026-10-29)
    late = invoke(config, "requests", "extend", str(request["id"]), "--approver", "主任", "--by", "张伟")
    assert late.exit_code == 1 and "has passed" in late.output
    fresh = json.loads(invoke(config, "requests", "add", "--subject", "申请公开另一份报告", "--by", "张伟", "--json").stdout)
    extended = invoke(config, "requests", "extend", str(fresh["id"]), "--approver", "政务公开办主任",
                      "--reason", "经机关负责人同意延长", "--by", "张伟")
    assert extended.exit_code == 0, extended.output
    shown = json.loads(invoke(config, "incidents", "show", str(fresh["case"]), "--json").stdout)
    # the extended deadline is a row of its own (fresh reminders); the first is waived with the approval
    assert [(o["sequence"], o["state"]) for o in shown["obligations"]] == [(1, "waived"), (2, "open")]
    assert shown["obligations"][1]["due_at"] > shown["obligations"][0]["due_at"]
    again = json.loads(invoke(config, "requests", "show", str(fresh["id"]), "--json").stdout)
    assert again["deadline"]["due_at"] == shown["obligations"][1]["due_at"]
    assert (again["extension"], again["extension_approver"]) == (20, "政务公开办主任")
    twice = invoke(config, "requests", "extend", str(fresh["id"]), "--approver", "主任", "--by", "张伟")
    assert twice.exit_code == 1 and "already extended once" in twice.output
    future = invoke(config, "requests", "add", "--subject", "明年的申请", "--received", "2099-01-01T10:00+08:00",
                    "--by", "张伟")
    assert future.exit_code == 1 and "in the future" in future.output


def test_verify_confirms_an_incident_awaiting_verification(config: Path) -> None:
    """研判: the self-media grade II of scenario g, replayed to 15:40 (still pending): one command
    confirms it, and the section chief and the leader, held since 15:25 and 15:40, are due at once."""
    done = invoke(config, "replay", str(REPLAY / "verify_expired.jsonl"), "--until", "10m", "--json")
    (incident,) = json.loads(done.stdout)["incidents"]
    assert incident["verification"] == "pending"
    assert [n["kind"] for n in json.loads(done.stdout)["notifications"]] == ["verification"]
    confirmed = invoke(config, "verify", str(incident["id"]), "--by", "张伟", "--reason", "电话核实：晋城市应急局确认")
    assert confirmed.exit_code == 0, confirmed.output
    assert f"incident {incident['id']}: verified by 张伟" in confirmed.stdout
    detail = json.loads(invoke(config, "incidents", "show", str(incident["id"]), "--json").stdout)
    assert detail["verification"]["state"] == "confirmed" and detail["verification"]["by"] == "张伟"
    event = next(e for e in detail["timeline"] if e["kind"] == "verification_confirmed")
    assert event["actor"] == "张伟" and "晋城市应急局" in event["reason"]
    again = invoke(config, "verify", str(incident["id"]), "--by", "张伟")
    assert again.exit_code == 1 and "not awaiting verification (it is confirmed)" in again.output


def test_adopt_pulls_an_incident_outside_the_jurisdiction_in(tmp_path: Path) -> None:
    config = tmp_path / "jurisdiction.yaml"
    config.write_text((REPLAY / "jurisdiction.yaml").read_text(encoding="utf-8").replace(
        "sqlite:///var/replay-jurisdiction.db", f"sqlite:///{tmp_path / 'db.sqlite'}"), encoding="utf-8")
    lines = (REPLAY / "jurisdiction.jsonl").read_text(encoding="utf-8").splitlines()
    scenario = tmp_path / "three.jsonl"
    scenario.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")  # without the adoption
    done = invoke(config, "replay", str(scenario), "--until", "10m", "--json")
    incidents = {i["place"]: i for i in json.loads(done.stdout)["incidents"]}
    algeria = incidents["阿尔及利亚阿尔及尔"]
    assert algeria["jurisdiction"] == "outside" and algeria["obligations"] == []
    listed = json.loads(invoke(config, "incidents", "list", "--json").stdout)
    assert {row["jurisdiction"] for row in listed} == {"inside", "outside"}  # on the board all the same
    adopted = invoke(config, "adopt", str(algeria["id"]), "--by", "张伟", "--reason", "我省援外工程人员受伤")
    assert adopted.exit_code == 0, adopted.output
    detail = json.loads(invoke(config, "incidents", "show", str(algeria["id"]), "--json").stdout)
    assert detail["jurisdiction"] == "adopted"
    assert {o["kind"]: o["state"] for o in detail["obligations"]} == {"authoritative_info": "open",
                                                                      "press_conference": "open"}
    assert detail["clock_start"] == "2026-05-20T00:40:00+00:00"  # from its emergence, not from the adoption
    assert invoke(config, "adopt", str(algeria["id"]), "--by", "张伟").exit_code == 1  # once
    inside = incidents["广东省汕头市潮阳区"]
    refused = invoke(config, "adopt", str(inside["id"]), "--by", "张伟")
    assert refused.exit_code == 1 and "inside the jurisdiction already" in refused.output
