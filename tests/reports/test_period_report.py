"""Period reports over replayed scenarios: compliance, breaches and percentiles as the scenario makes them."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from sentinel.reports.period import PeriodError, build_period_report, nearest_rank, period_title
from sentinel.reports.render import render

ZONE = ZoneInfo("Asia/Shanghai")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE)


def test_every_breach_is_listed_with_its_department_deadline_and_how_late(unanswered) -> None:
    now = local("2026-03-12T00:00")
    report = build_period_report(unanswered.engine, unanswered.settings, local("2026-03-10T00:00"),
                                 local("2026-03-12T00:00"), now=now)
    assert report["title"] == "舆情专报"  # two days: neither a day's nor a week's report
    assert report["incidents"]["total"] == 1
    assert report["incidents"]["by_grade"] == [{"key": "II", "name": "II级（重大）", "count": 1}]
    assert report["incidents"]["by_department"][0] == {"key": "应急管理局", "name": "应急管理局", "count": 1}
    compliance = {row["kind"]: row for row in report["compliance"]}
    for kind in ("authoritative_info", "press_conference"):
        assert (compliance[kind]["due"], compliance[kind]["missed"], compliance[kind]["on_time"]) == (1, 1, 0)
        assert compliance[kind]["on_time_rate"] == 0.0
        assert compliance[kind]["response_seconds"]["p50"] is None
    breaches = [(b["department"], b["kind"], b["due_at"], b["met_at"], b["outcome"], b["late_seconds"])
                for b in report["breaches"]]
    assert breaches == [
        ("应急管理局", "authoritative_info", "2026-03-10T12:40:00+08:00", None, "missed", (35 * 60 + 20) * 60.0),
        ("应急管理局", "press_conference", "2026-03-11T07:40:00+08:00", None, "missed", (16 * 60 + 20) * 60.0),
    ]


def test_deadlines_met_on_time_and_response_time_percentiles(answered) -> None:
    report = build_period_report(answered.engine, answered.settings, local("2026-08-27T00:00"),
                                 local("2026-08-30T00:00"), now=local("2026-09-01T08:00"))
    compliance = {row["kind"]: row for row in report["compliance"]}
    info = compliance["authoritative_info"]
    assert (info["on_time"], info["late"], info["missed"]) == (1, 0, 0)
    assert info["response_seconds"] == {"count": 1, "p50": 3 * 3600.0, "p90": 3 * 3600.0, "max": 3 * 3600.0}
    assert compliance["press_conference"]["response_seconds"]["p50"] == 19.5 * 3600
    sustained = compliance["sustained_release"]
    assert (sustained["due"], sustained["on_time"], sustained["missed"]) == (2, 1, 1)
    (breach,) = report["breaches"]
    assert (breach["kind"], breach["sequence"], breach["due_at"]) == ("sustained_release", 2, "2026-08-29T08:00:00+08:00")
    assert report["sentiment"]["items"] == 3 and sum(b["items"] for b in report["sentiment"]["histogram"]) == 3
    assert "相撞" in [t["word"] for t in report["topics"]]
    sources = {s["id"]: s for s in report["sources"]}
    assert (sources["wb-hot"]["items"], sources["news-city"]["items"], sources["gov-city"]["items"]) == (2, 1, 0)
    assert sources["wb-hot"]["health"] == "up" and sources["gov-city"]["health"] == "unknown"
    assert json.loads(render(report, "json", zone=ZONE)) == report
    markdown = render(report, "md", zone=ZONE).decode()
    assert "持续发布 #2 2026-08-29 08:00到期，至今未完成" in markdown
    assert "共3条，负面3条" in markdown and "| wb-hot | 正常 | 2 |" in markdown  # reports of 11 deaths


def test_a_department_sees_only_its_own(answered) -> None:
    report = build_period_report(answered.engine, answered.settings, local("2026-08-27T00:00"),
                                 local("2026-08-30T00:00"), now=local("2026-09-01T08:00"), department="教育局")
    assert report["incidents"]["total"] == 0 and report["compliance"] == [] and report["breaches"] == []
    assert report["department"] == "教育局"


def test_a_deadline_not_yet_due_is_open_not_missed(answered) -> None:
    # made while the press conference's clock was still running (08-28 00:00): it is open, not missed
    report = build_period_report(answered.engine, answered.settings, local("2026-08-27T00:00"),
                                 local("2026-08-29T00:00"), now=local("2026-08-28T00:00"))
    press = next(row for row in report["compliance"] if row["kind"] == "press_conference")
    # the replayed database holds the final state (met at 08:00): met counts, whenever the report is made
    assert press["on_time"] == 1


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed (.ci/run installs it)")
def test_the_period_pdf_reads_in_chinese(unanswered, tmp_path) -> None:
    report = build_period_report(unanswered.engine, unanswered.settings, local("2026-03-10T08:30"),
                                 local("2026-03-11T08:30"), now=local("2026-03-11T08:30"))
    assert report["title"] == "舆情日报"
    pdf = tmp_path / "period.pdf"
    pdf.write_bytes(render(report, "pdf", zone=ZONE))
    subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True)
    assert list(tmp_path.glob("p-*.png"))
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "舆情日报" in text and "超时清单" in text and "应急管理局" in text


def test_titles_percentiles_and_bad_periods() -> None:
    assert period_title(local("2026-03-10T00:00"), local("2026-03-11T00:00")) == "舆情日报"
    assert period_title(local("2026-03-01T00:00"), local("2026-03-08T00:00")) == "舆情周报"
    assert period_title(local("2026-03-01T00:00"), local("2026-04-01T00:00")) == "舆情月报"
    assert period_title(local("2026-02-01T00:00"), local("2026-03-01T00:00")) == "舆情月报"
    assert period_title(local("2026-03-10T00:00"), local("2026-03-12T00:00")) == "舆情专报"
    assert period_title(local("2026-03-01T00:00"), local("2026-03-04T00:00")) == "舆情专报"
    assert period_title(local("2026-01-01T00:00"), local("2026-04-01T00:00")) == "舆情专报"
    assert nearest_rank([], 0.5) is None
    assert nearest_rank([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert nearest_rank([5.0, 1.0, 3.0, 2.0, 4.0], 0.9) == 5.0
    assert nearest_rank([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
    with pytest.raises(PeriodError):
        build_period_report(None, None, local("2026-03-11T00:00"), local("2026-03-10T00:00"),  # type: ignore[arg-type]
                            now=local("2026-03-12T00:00"))


def test_a_busy_period_lists_its_gravest_incidents_and_counts_the_rest(unanswered) -> None:
    from sentinel.reports.render import LISTED_INCIDENTS

    report = build_period_report(unanswered.engine, unanswered.settings, local("2026-03-10T00:00"),
                                 local("2026-03-12T00:00"), now=local("2026-03-12T00:00"))
    row = report["incidents"]["list"][0]
    grades = ["IV"] * 300 + [None] * 140 + ["II"] * 7 + ["I"] * 3  # a busy day: thousands would do the same
    report["incidents"]["list"] = [{**row, "id": 1000 + n, "title": f"事件{1000 + n}号", "grade": grade,
                                    "heat": (n * 37 % 101) / 10} for n, grade in enumerate(grades)]
    total = len(grades)
    hottest_iv = sorted((r for r in report["incidents"]["list"] if r["grade"] == "IV"),
                        key=lambda r: -r["heat"])
    for fmt in ("md", "html"):
        text = render(report, fmt, zone=ZONE).decode("utf-8")
        listed = [n for n in range(1000, 1000 + total) if f"事件{n}号" in text]
        assert len(listed) == LISTED_INCIDENTS, fmt
        assert all(f"事件{n}号" in text for n in range(1440, 1450)), fmt  # every grade I and II
        assert f"事件{hottest_iv[0]['id']}号" in text and f"事件{hottest_iv[-1]['id']}号" not in text
        assert listed == sorted(listed), fmt  # in the report's own order
        assert f"另有{total - LISTED_INCIDENTS}起事件未逐一列出" in text, fmt
    assert len(json.loads(render(report, "json", zone=ZONE))["incidents"]["list"]) == total


def test_a_period_of_many_breaches_lists_the_gravest_and_longest_overdue_and_counts_the_rest(unanswered) -> None:
    """Thousands of breach rows made WeasyPrint take minutes and hundreds of MB: the documents list
    LISTED_BREACHES of them (grade I/II incidents' first, then the longest overdue); JSON keeps all."""
    from sentinel.reports.render import LISTED_BREACHES

    report = build_period_report(unanswered.engine, unanswered.settings, local("2026-03-10T00:00"),
                                 local("2026-03-12T00:00"), now=local("2026-03-12T00:00"))
    row = report["breaches"][0]
    grades = ["IV"] * 400 + ["II"] * 5
    report["breaches"] = [{**row, "incident": 5000 + n, "title": f"超时事件{5000 + n}号", "grade": grade,
                           "late_seconds": float((n * 53 % 397) * 3600)} for n, grade in enumerate(grades)]
    total = len(grades)
    longest_iv = sorted((b for b in report["breaches"] if b["grade"] == "IV"), key=lambda b: -b["late_seconds"])
    for fmt in ("md", "html"):
        text = render(report, fmt, zone=ZONE).decode("utf-8")
        listed = [n for n in range(5000, 5000 + total) if f"超时事件{n}号" in text]
        assert len(listed) == LISTED_BREACHES, fmt
        assert all(f"超时事件{n}号" in text for n in range(5400, 5405)), fmt  # every grade II
        assert f"超时事件{longest_iv[0]['incident']}号" in text and f"超时事件{longest_iv[-1]['incident']}号" not in text
        assert listed == sorted(listed), fmt
        assert f"另有{total - LISTED_BREACHES}项超时未逐一列出" in text, fmt
    assert len(json.loads(render(report, "json", zone=ZONE))["breaches"]) == total
