"""The command line as a user runs it, against sources on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from sentinel.cli import main
from tests.support import feeds
from tests.support.server import Route


@pytest.fixture
def config(tmp_path: Path, http_server) -> Path:
    http_server.routes["/rss"] = Route(feeds.rss(feeds.numbered("r", 3)), headers={"Content-Type": "application/rss+xml"})
    http_server.routes["/down"] = Route(b"no", 500)
    path = tmp_path / "sentinel.yaml"
    path.write_text(yaml.safe_dump({
        "database": {"url": f"sqlite:///{tmp_path / 'db.sqlite'}"},
        "sources": [
            {"id": "news", "kind": "rss", "url": http_server.url("/rss")},
            {"id": "down", "kind": "rss", "url": http_server.url("/down")},
        ],
        "collect": {"parse_workers": 0},
    }, allow_unicode=True), encoding="utf-8")
    return path


def invoke(config: Path, *args: str):
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


def test_config_check_exits_2_naming_file_key_and_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - {id: a, kind: rss, url: 'http://x', intervl: 5m}\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "sentinel", "--config", str(bad), "config", "check"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"{bad}: sources[0] (id a).intervl: unknown key" in done.stderr


def test_config_check_names_an_unknown_division_of_the_jurisdiction(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("jurisdiction: [郑州市, 中原县]\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "sentinel", "--config", str(bad), "config", "check"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"{bad}: jurisdiction: [1] '中原县': no such administrative division" in done.stderr
    bad.write_text("jurisdiction: [郑州市, 中原区]\n", encoding="utf-8")
    assert invoke(bad, "config", "check").exit_code == 0


def test_config_check_accepts_a_good_file_and_warns_of_unset_secrets(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("sources:\n  - {id: w, kind: weibo, url: 'https://m.weibo.cn/api/container/getIndex?containerid=1', "
                    "cookie_env: SENTINEL_TEST_UNSET_COOKIE}\n", encoding="utf-8")
    result = invoke(good, "config", "check", "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["ok"] and report["sources"] == 1
    assert "SENTINEL_TEST_UNSET_COOKIE" in report["warnings"][0]


def test_config_check_refuses_a_short_token_and_warns_of_a_guessable_one(tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "tokens.yaml"
    config.write_text("http:\n  session_secret_env: SENTINEL_TEST_SESSION\n  tokens:\n"
                      "    - {name: 张伟, role: duty, token_env: SENTINEL_TEST_DUTY_TOKEN}\n", encoding="utf-8")
    monkeypatch.setenv("SENTINEL_TEST_SESSION", "a-session-key-of-enough-length-xyz")
    monkeypatch.setenv("SENTINEL_TEST_DUTY_TOKEN", "0123456789")
    short = CliRunner().invoke(main, ["--config", str(config), "config", "check"])
    assert short.exit_code == 2
    assert "http.tokens[张伟]: $SENTINEL_TEST_DUTY_TOKEN is 10 characters; a token needs at least 24" in short.output
    monkeypatch.setenv("SENTINEL_TEST_DUTY_TOKEN", "kQ2v8Zr_1xLmN4pT7wYb3Hc9sDf6GjUe")  # 32 random characters
    good = invoke(config, "config", "check", "--json")
    assert good.exit_code == 0 and json.loads(good.stdout)["warnings"] == []
    monkeypatch.setenv("SENTINEL_TEST_DUTY_TOKEN", "1234567890" * 3)
    guessable = json.loads(invoke(config, "config", "check", "--json").stdout)
    assert guessable["warnings"] == ["http.tokens[张伟]: $SENTINEL_TEST_DUTY_TOKEN is all digit characters: it looks "
                                     "guessable, use a random token"]


def test_collect_once_then_list_items_and_sources(config: Path) -> None:
    result = invoke(config, "collect-once", "--json")
    assert result.exit_code == 0, result.output
    outcomes = {row["source"]: row for row in json.loads(result.stdout)}
    assert outcomes["news"]["outcome"] == "ok" and outcomes["news"]["new"] == 3
    assert outcomes["down"]["outcome"] == "http_5xx"

    again = json.loads(invoke(config, "collect-once", "--source", "news", "--json").stdout)
    assert again == [{"source": "news", "outcome": "ok", "new": 0, "duplicates": 3, "problems": [], "error": None}]

    items = json.loads(invoke(config, "items", "list", "--since", "1h", "--json").stdout)
    assert sorted(item["id"] for item in items) == ["r-0", "r-1", "r-2"]
    assert all(item["source"] == "news" and item["published_at"].endswith("+00:00") for item in items)

    sources = {row["id"]: row for row in json.loads(invoke(config, "sources", "list", "--json").stdout)}
    assert sources["news"]["state"] == "up" and sources["news"]["items_24h"] == 3
    assert sources["down"]["state"] == "failing" and sources["down"]["last_error_reason"] == "http_5xx"
    table = invoke(config, "sources", "list").output
    assert "news" in table and "failing" in table


def test_sources_test_prints_but_stores_nothing(config: Path) -> None:
    result = invoke(config, "sources", "test", "news", "--json")
    assert result.exit_code == 0
    parsed = json.loads(result.stdout)
    assert [item["id"] for item in parsed["items"]] == ["r-0", "r-1", "r-2"]
    assert json.loads(invoke(config, "items", "list", "--json").stdout) == []
    failed = invoke(config, "sources", "test", "down")
    assert failed.exit_code == 1 and "http_5xx" in failed.output


def test_unknown_source_and_bad_duration_are_clear_errors(config: Path) -> None:
    result = CliRunner().invoke(main, ["--config", str(config), "collect-once", "--source", "nope"])
    assert result.exit_code == 2 and "no source with id 'nope'" in result.output
    result = CliRunner().invoke(main, ["--config", str(config), "items", "list", "--since", "yesterday"])
    assert result.exit_code == 2 and "duration" in result.output


def test_config_check_against_store_names_rule_groups_never_seen(config: Path) -> None:
    text = config.read_text(encoding="utf-8")
    config.write_text(text + "watch:\n  - {id: city, groups: {region: [郑州], event: [爆炸, 坍塌]}}\n", encoding="utf-8")
    invoke(config, "collect-once", "--source", "news")  # three items about 郑州市 meetings
    report = json.loads(invoke(config, "config", "check", "--against-store", "--json").stdout)
    assert report["warnings"] == ["watch[city].groups.event: none of its words occurred in the 3 items "
                                  "collected in the last 7d"]


@pytest.mark.parametrize(
    ("section", "key"),
    [("incidents:\n  cluster: {treshold: 0.3}\n", "incidents.cluster"),
     ("incidents:\n  heat: {authority: {central: many}}\n", "incidents.heat"),
     ("analysis:\n  user_dicts: [/nonexistent/dict.txt]\n", "analysis.user_dicts")],
)
def test_config_check_validates_the_analysis_and_incident_tables(tmp_path: Path, section: str, key: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(section, encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(bad), "config", "check"])
    assert result.exit_code == 2, result.output
    assert key in result.output


@pytest.mark.parametrize(("token", "problem"), [
    ("{name: crawler, role: ingest, token_env: T}", "http.tokens[0]: an ingest token needs sources"),
    ("{name: crawler, role: ingest, token_env: T, sources: [gov]}",
     "http.tokens[crawler].sources: 'gov' is not a configured push source"),
    ("{name: crawler, role: ingest, token_env: T, sources: [nowhere]}",
     "http.tokens[crawler].sources: 'nowhere' is not a configured push source"),
    ("{name: 张伟, role: duty, token_env: T, sources: [crawler]}", "sources is for ingest tokens, not duty"),
])
def test_config_check_refuses_an_ingest_token_without_its_push_sources(tmp_path: Path, token: str,
                                                                        problem: str) -> None:
    config = tmp_path / "ingest.yaml"
    config.write_text("sources:\n  - {id: gov, kind: rss, url: 'https://gov.example/rss', official: true}\n"
                      f"  - {{id: crawler, kind: push}}\nhttp:\n  tokens:\n    - {token}\n", encoding="utf-8")
    refused = CliRunner().invoke(main, ["--config", str(config), "config", "check"])
    assert refused.exit_code == 2 and problem in refused.output, refused.output
    config.write_text(config.read_text(encoding="utf-8").replace(token, "{name: crawler, role: ingest, token_env: T, "
                                                                        "sources: [crawler]}"), encoding="utf-8")
    assert invoke(config, "config", "check").exit_code == 0


def test_the_command_lines_log_shows_no_token_of_a_source_url(tmp_path: Path, http_server) -> None:
    http_server.routes["/down"] = Route(b"no", 500)
    config = tmp_path / "leaky.yaml"
    config.write_text(yaml.safe_dump({
        "database": {"url": f"sqlite:///{tmp_path / 'db.sqlite'}"},
        "sources": [{"id": "down", "kind": "rss", "url": http_server.url("/down?access_token=SECRET-IN-URL")}],
        "collect": {"parse_workers": 0},
    }), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "sentinel", "--config", str(config), "--log-level", "INFO",
                           "collect-once", "--json"], capture_output=True, text=True, timeout=60)
    assert json.loads(done.stdout)[0]["outcome"] == "http_5xx"
    assert "HTTP Request: GET" in done.stderr and "source down failed" in done.stderr  # httpx's line and ours
    assert "SECRET-IN-URL" not in done.stderr + done.stdout


EXPOSED = """
http:
  listen: "0.0.0.0:8470"
  public_url: "http://yuqing.example.gov.cn"
  tokens:
    - {name: 张伟, role: duty, token_env: SENTINEL_TEST_EXPOSED_TOKEN}
"""
EXPOSURE_WARNINGS = [
    "http.listen: 0.0.0.0:8470 answers on every network interface; listen on 127.0.0.1 behind a reverse proxy, "
    "or make sure only the networks that should reach it can",
    "http.public_url: http://yuqing.example.gov.cn is not https: console logins (tokens) and session cookies "
    "cross the network in clear",
    "http.session_secret_env: is not configured: console sessions are signed with a key per process, so every "
    "login ends when the daemon restarts",
    "http.tokens[张伟]: $SENTINEL_TEST_EXPOSED_TOKEN has only 2 distinct characters: it looks guessable, "
    "use a random token",
]


def test_config_check_warns_of_a_wildcard_listen_plain_http_no_session_secret_and_weak_tokens(
        tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "exposed.yaml"
    config.write_text(EXPOSED, encoding="utf-8")
    monkeypatch.setenv("SENTINEL_TEST_EXPOSED_TOKEN", "ab" * 16)
    report = json.loads(invoke(config, "config", "check", "--json").stdout)
    assert report["warnings"] == EXPOSURE_WARNINGS
    monkeypatch.setenv("SENTINEL_TEST_EXPOSED_TOKEN", "kQ2v8Zr_1xLmN4pT7wYb3Hc9sDf6GjUe")
    monkeypatch.setenv("SENTINEL_TEST_SESSION", "kQ2v8Zr_1xLmN4pT7wYb3Hc9sDf6GjUe-session")
    config.write_text(EXPOSED.replace("0.0.0.0", "127.0.0.1").replace("http://yuqing", "https://yuqing")
                      + "  session_secret_env: SENTINEL_TEST_SESSION\n", encoding="utf-8")
    assert json.loads(invoke(config, "config", "check", "--json").stdout)["warnings"] == []
    config.write_text(EXPOSED.replace("0.0.0.0", "[::]").replace("yuqing.example.gov.cn", "localhost:8470"),
                      encoding="utf-8")
    assert [w.split(":")[0] for w in json.loads(invoke(config, "config", "check", "--json").stdout)["warnings"]] \
        == ["http.listen", "http.session_secret_env"]


def test_run_logs_the_exposure_warnings_once_at_start(tmp_path: Path) -> None:
    config = tmp_path / "exposed.yaml"
    config.write_text(EXPOSED.replace("0.0.0.0:8470", "127.0.0.1:0")
                      + f"database: {{url: 'sqlite:///{tmp_path / 'db.sqlite'}'}}\ncollect: {{parse_workers: 0}}\n",
                      encoding="utf-8")
    env = {**os.environ, "SENTINEL_TEST_EXPOSED_TOKEN": "ab" * 16}
    daemon = subprocess.Popen([sys.executable, "-m", "sentinel", "--config", str(config), "run"], env=env,
                              stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    stop = threading.Timer(30, daemon.terminate)  # should the daemon say nothing, the read still ends
    stop.start()
    try:
        assert daemon.stderr is not None
        for line in daemon.stderr:  # the warnings come first, then the daemon starts
            lines.append(line)
            if "sentinel.run" not in line or len(lines) > 50:
                break
    finally:
        stop.cancel()
        daemon.terminate()
        daemon.wait(timeout=30)
    logged = [line.split("sentinel.run: ", 1)[1].strip() for line in lines if "sentinel.run: " in line]
    assert logged == EXPOSURE_WARNINGS[1:]
