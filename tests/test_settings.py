from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from sentinel.configtypes import parse_duration
from sentinel.errors import ConfigError
from sentinel.settings import Settings, load_settings, parse_settings

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "sentinel.example.yaml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("90s", timedelta(seconds=90)), ("5m", timedelta(minutes=5)), ("2h", timedelta(hours=2)),
     ("3d", timedelta(days=3)), ("1.5h", timedelta(minutes=90)), ("500ms", timedelta(milliseconds=500))],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["5", "5 minutes", "m5", "", "-5m", "5w"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_the_shipped_example_is_valid() -> None:
    settings = load_settings(EXAMPLE)
    assert settings.timezone == "Asia/Shanghai"
    assert {source.kind.value for source in settings.sources} >= {"rss", "jsonfeed", "weibo", "html"}


def test_the_examples_negative_threshold_comment_is_the_bundled_models() -> None:
    """The commented-out ``negative_threshold`` says what the default is; the default is the
    threshold stored beside the bundled model, so the comment must carry that number."""
    import re

    from sentinel.analyse.sentiment import SentimentModel

    (line,) = [line for line in EXAMPLE.read_text(encoding="utf-8").splitlines() if "negative_threshold:" in line]
    found = re.search(r"negative_threshold:\s*([0-9.]+)\s*#\s*default:\s*([0-9.]+)", line)
    assert found, line
    threshold = SentimentModel.load().threshold
    assert float(found.group(1)) == float(found.group(2)) == threshold, (line, threshold)


@pytest.mark.parametrize(
    ("yaml_text", "key", "problem"),
    [
        ("databse: {url: 'sqlite:///x.db'}", "databse", "unknown key"),
        ("sources:\n  - {id: a, kind: rss, url: 'http://x', intervl: 5m}", "sources[0] (id a).intervl", "unknown key"),
        ("sources:\n  - {id: a, kind: rss, url: 'http://x', interval: soon}", "sources[0] (id a).interval",
         "duration"),
        ("sources:\n  - {id: a, kind: gopher, url: 'http://x'}", "sources[0] (id a).kind", "rss"),
        ("sources:\n  - {id: a, kind: rss}", "sources[0] (id a)", "needs url"),
        ("sources:\n  - {id: a, kind: html, url: 'http://x'}", "sources[0] (id a)", "selectors"),
        ("sources:\n  - {id: a, kind: rss, url: 'ftp://x'}", "sources[0] (id a).url", "http"),
        ("sources:\n  - {id: a, kind: rss, url: 'http://x'}\n  - {id: a, kind: rss, url: 'http://y'}", "(top level)",
         "appears twice"),
        ("timezone: Mars/Olympus", "timezone", "unknown time zone"),
        ("database: {url: 'mysql://x'}", "database.url", "sqlite"),
        ("http: {listen: 'nowhere'}", "http.listen", "HOST:PORT"),
        ("watch:\n  - {id: w, groups: {region: []}}", "watch[0] (id w)", "empty"),
        ("watch:\n  - {id: w, groups: {r: [郑州]}, regex: ['(']}", "watch[0] (id w).regex", "does not compile"),
        ("channels:\n  - {id: c, kind: dingtalk}", "channels[0] (id c)", "needs url"),
        ("sources: {id: a}", "sources", "list"),
        ("jurisdiction: [河南省, 不存在市]", "jurisdiction", "[1] '不存在市': no such administrative division"),
        ("jurisdiction: [朝阳区]", "jurisdiction", "names 2 divisions"),
        ("jurisdiction: 河南省", "jurisdiction", "list"),
        ("policy: {verification: {wait: 0s}}", "policy.verification.wait", "positive"),
        ("policy: {verification: {authorities: [cctv]}}", "policy.verification.authorities[0]", "central"),
    ],
)
def test_errors_name_the_file_the_key_and_the_problem(yaml_text: str, key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(yaml_text, source="conf/s.yaml")
    message = str(caught.value)
    assert message.startswith("conf/s.yaml: ")
    assert f"{key}: " in message
    assert problem.lower() in message.lower()


def test_malformed_yaml_names_the_line() -> None:
    with pytest.raises(ConfigError, match=r"conf/s.yaml: line \d+, column \d+: not valid YAML"):
        parse_settings("timezone: Asia/Shanghai\nsources: [\n", source="conf/s.yaml")


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "nope.yaml")


def test_secrets_are_named_not_stored() -> None:
    with pytest.raises(ConfigError, match="unknown key"):
        parse_settings("channels:\n  - {id: d, kind: dingtalk, url: 'http://x', secret: abc}")
    settings = parse_settings("channels:\n  - {id: d, kind: dingtalk, url: 'http://x', secret_env: DD_SECRET}")
    assert settings.channels[0].secret_env == "DD_SECRET"


def test_a_test_writes_under_its_own_directory_not_the_checkout() -> None:
    from tests.conftest import CHECKOUT

    assert not Path.cwd().resolve().is_relative_to(CHECKOUT)
    assert Path(Settings().reports.archive_dir or "").resolve().is_relative_to(Path.cwd().resolve())
