"""``sentinel analyze``: the contract of docs/architecture.md#sentinel-analyze (one JSON line per
input: sentiment 0..1 higher is more positive, negative as a bool, ...) and the register, given or
guessed.

The news lines are real reports (CEC corpus, ``cec_emergency_dev.jsonl``); the post is from the
held-apart part of weibo2018.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from sentinel.cli import main

DEATHS = {"title": "宁夏两客车相撞11人死",
          "text": "今日中午12时17分，在211国道宁夏盐池县惠安堡段，两辆大客车发生迎面相撞事故。事故造成两车至少11人死亡，25人受伤。"}
POST = "卜凡 下飞机的惊喜啊我们铁血凡妻太棒了🙈希望你喜欢 你要知道好多好多人在喜欢你"


def analyze(tmp_path: Path, *lines: object, threshold: float | None = None) -> tuple[list[dict], str]:
    config = tmp_path / "sentinel.yaml"
    analysis = {"negative_threshold": threshold} if threshold is not None else {}
    config.write_text(yaml.safe_dump({"watch": [{"id": "safety", "groups": {"event": ["相撞", "死亡"]}}],
                                      "analysis": analysis}, allow_unicode=True), encoding="utf-8")
    stdin = "".join((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n" for line in lines)
    result = CliRunner().invoke(main, ["--config", str(config), "analyze", "--json"], input=stdin)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()], result.stderr


def test_each_line_gets_the_contract_fields(tmp_path: Path) -> None:
    (out,), _ = analyze(tmp_path, {"id": 7, **DEATHS})
    assert out["id"] == 7
    assert 0.0 <= out["sentiment"] <= 1.0 and isinstance(out["negative"], bool)
    assert out["relevance"]["relevant"] and out["relevance"]["rules"][0]["rule"] == "safety"
    assert set(out["facts"]) >= {"deaths", "injured", "seriously_injured", "missing", "poisoned", "loss_yuan",
                                 "magnitude"}
    assert out["facts"]["deaths"] == 11 and out["grade"] == "II"
    assert "category" in out and isinstance(out["keywords"], list)


def test_news_of_deaths_is_negative_and_a_happy_post_is_not(tmp_path: Path) -> None:
    news, post = analyze(tmp_path, {"id": "n", **DEATHS}, {"id": "p", "text": POST})[0]
    assert (news["register"], news["negative"]) == ("news", True) and news["sentiment"] < 0.5
    assert (post["register"], post["negative"]) == ("post", False) and post["sentiment"] > 0.5


def test_the_register_can_be_given(tmp_path: Path) -> None:
    given, guessed = analyze(tmp_path, {"id": 1, "register": "post", **DEATHS}, {"id": 2, "register": "news", "text": POST})[0]
    assert given["register"] == "post" and guessed["register"] == "news"


def test_a_bad_line_gets_an_error_and_the_rest_go_on(tmp_path: Path) -> None:
    out, stderr = analyze(tmp_path, {"id": 1, "register": "tweet", "text": POST}, "not json", {"id": 3, "text": POST})
    assert out[0] == {"id": 1, "line": 1, "error": "register must be one of news, post, got 'tweet'"}
    assert out[1]["line"] == 2 and "error" in out[1]
    assert out[2]["id"] == 3 and "sentiment" in out[2]
    assert "2 line(s) could not be analysed" in stderr


def test_the_configured_threshold_decides_negative(tmp_path: Path) -> None:
    (out,), _ = analyze(tmp_path, {"id": 1, "text": POST}, threshold=0.999)
    assert out["sentiment"] < 0.999 and out["negative"] is True


def test_commands_that_need_no_office_run_without_a_configuration(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # no config/sentinel.yaml here
    monkeypatch.delenv("SENTINEL_CONFIG", raising=False)
    calendar = CliRunner().invoke(main, ["calendar", "show", "2027", "--json"])
    assert calendar.exit_code == 0, calendar.output
    assert json.loads(calendar.output)["year"] == 2027
    analyzed = CliRunner().invoke(main, ["analyze"], input=json.dumps({"id": 1, "text": "郑州一小区发生火灾"}) + "\n")
    assert analyzed.exit_code == 0 and json.loads(analyzed.output)["id"] == 1
    broken = tmp_path / "bad.yaml"
    broken.write_text("watch: [", encoding="utf-8")
    refused = CliRunner().invoke(main, ["--config", str(broken), "calendar", "show", "2027"])
    assert refused.exit_code != 0  # a named file that is wrong is still an error
