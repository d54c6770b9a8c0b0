"""``sentinel report incident|period`` on a database the ``sentinel replay`` command filled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from sentinel.cli import main

REPLAY = Path(__file__).resolve().parents[1] / "replay"


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    data = yaml.safe_load((REPLAY / "sentinel.yaml").read_text(encoding="utf-8"))
    data["database"] = {"url": f"sqlite:///{folder / 'sentinel.db'}"}
    path = folder / "sentinel.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    done = invoke(path, "replay", str(REPLAY / "grade2_answered_3h.jsonl"), "--json")
    assert done.exit_code == 0, done.output
    return path


def invoke(config: Path, *args: str):
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


def test_incident_report_as_json_and_to_a_file(config: Path, tmp_path: Path) -> None:
    done = invoke(config, "report", "incident", "1", "--json")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    info = next(o for o in report["obligations"] if o["kind"] == "authoritative_info")
    assert (info["state"], info["margin_seconds"]) == ("met", 7200.0)
    target = tmp_path / "out" / "report.md"
    done = invoke(config, "report", "incident", "1", "--format", "md", "--output", str(target))
    assert done.exit_code == 0, done.output
    assert "提前2小时" in target.read_text(encoding="utf-8")


def test_period_report_with_dates_and_a_department(config: Path) -> None:
    done = invoke(config, "report", "period", "--from", "2026-08-27", "--to", "2026-08-29", "--json")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert (report["from"], report["to"]) == ("2026-08-27T00:00:00+08:00", "2026-08-30T00:00:00+08:00")  # --to included
    assert report["incidents"]["total"] == 1
    done = invoke(config, "report", "period", "--from", "2026-08-27T12:00", "--to", "2026-08-27T13:00",
                  "--department", "应急管理局", "--format", "json")
    assert json.loads(done.stdout)["department"] == "应急管理局"


def test_errors_are_one_clear_line(config: Path) -> None:
    missing = invoke(config, "report", "incident", "99")
    assert missing.exit_code == 1 and "no incident 99" in missing.output
    backwards = invoke(config, "report", "period", "--from", "2026-08-29", "--to", "2026-08-27")
    assert backwards.exit_code == 1 and "before it starts" in backwards.output
    bad = invoke(config, "report", "period", "--from", "yesterday", "--to", "2026-08-27")
    assert bad.exit_code == 2 and "--from" in bad.output
