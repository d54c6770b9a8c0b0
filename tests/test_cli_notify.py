"""``sentinel roster now`` and ``sentinel notify test`` as a user runs them."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import yaml
from click.testing import CliRunner

from sentinel.cli import main
from tests.notify.servers import FakeDingTalk


def write(tmp_path: Path, config: dict) -> Path:
    path = tmp_path / "sentinel.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


ROSTER = {
    "duty": [{"name": "张伟", "phone": "13800000001", "weekdays": ["mon", "tue", "wed", "thu", "fri"],
              "start": "08:30", "end": "17:30"},
             {"name": "李娜", "phone": "13800000002", "weekdays": ["mon", "tue", "wed", "thu", "fri"],
              "start": "17:30", "end": "08:30"}],
    "handover": "15m",
    "section_chiefs": [{"name": "赵科长"}], "leaders": [{"name": "钱局长"}],
    "departments": {"应急管理局": [{"name": "孙主任"}]},
}


def test_roster_now_names_who_is_on_duty_and_up_the_chain(tmp_path: Path) -> None:
    config = write(tmp_path, {"roster": ROSTER})
    runner = CliRunner()
    # Tuesday 17:40: 李娜's night shift has begun, 张伟 is still in his 15-minute handover
    done = runner.invoke(main, ["--config", str(config), "roster", "now", "--at", "2026-11-24T17:40",
                                "--department", "应急管理局", "--json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert [p["name"] for p in data["on_duty"]] == ["李娜", "张伟"]
    assert [p["name"] for p in data["chain"]["duty_officer"]] == ["李娜", "张伟", "孙主任"]
    assert [p["name"] for p in data["chain"]["leader"]] == ["钱局长"]
    later = json.loads(runner.invoke(main, ["--config", str(config), "roster", "now", "--at",
                                            "2026-11-24T18:00", "--json"]).stdout)
    assert [p["name"] for p in later["on_duty"]] == ["李娜"]


def test_notify_test_sends_and_exits_1_with_the_services_error(tmp_path: Path, http_server, monkeypatch) -> None:
    now = datetime.now().astimezone()
    ding = FakeDingTalk(http_server, token="tok-cli", secret="SECcli", now=now)
    monkeypatch.setenv("DING_SECRET", "SECcli")
    monkeypatch.setenv("WRONG_SECRET", "SECwrong")
    config = write(tmp_path, {"channels": [
        {"id": "ding", "kind": "dingtalk", "url": ding.url(), "secret_env": "DING_SECRET"},
        {"id": "ding-bad", "kind": "dingtalk", "url": ding.url(), "secret_env": "WRONG_SECRET"}]})
    runner = CliRunner()
    ok = runner.invoke(main, ["--config", str(config), "notify", "test", "ding"])
    assert ok.exit_code == 0 and "sent" in ok.stdout
    assert len(ding.accepted) == 1 and "测试" in ding.accepted[0].texts[0]
    refused = runner.invoke(main, ["--config", str(config), "notify", "test", "ding-bad"])
    assert refused.exit_code == 1 and "bad_signature" in refused.output and "310000" in refused.output
    unknown = runner.invoke(main, ["--config", str(config), "notify", "test", "nope"])
    assert unknown.exit_code == 2 and "no channel 'nope'" in unknown.output
