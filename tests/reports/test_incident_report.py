"""After-action reports of replayed scenarios: every figure checked against what the scenario makes true."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from sentinel.errors import NotFoundError
from sentinel.reports.charts import cjk_font
from sentinel.reports.incident import build_incident_report
from sentinel.reports.render import render
from sentinel.settings import Settings
from sentinel.store.db import open_database
from sentinel.store.models import Incident, Item, ItemAnalysis

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 9, 1, 9, 0, tzinfo=ZONE)


def by_kind(report: dict, kind: str, sequence: int = 1) -> dict:
    return next(o for o in report["obligations"] if o["kind"] == kind and o["sequence"] == sequence)


def test_an_answered_incident_shows_each_deadline_met_with_its_margin_and_evidence(answered) -> None:
    report = build_incident_report(answered.engine, answered.settings, answered.incident_id, now=NOW)
    incident = report["incident"]
    assert (incident["grade"], incident["department"], incident["category"]) == ("II", "应急管理局", "accident")
    assert incident["emerged_at"] == "2026-08-27T12:30:00+08:00"
    assert incident["detection_delay_seconds"] == 0  # detected when its first item arrived
    assert incident["acknowledged_by"] == "张伟"
    assert any("死亡11人" in reason for reason in incident["grade_reasons"])

    info = by_kind(report, "authoritative_info")
    assert (info["due_at"], info["met_at"], info["state"]) == (
        "2026-08-27T17:30:00+08:00", "2026-08-27T15:30:00+08:00", "met")
    assert info["margin_seconds"] == 2 * 3600  # released at E+3h: 2h to spare
    assert info["evidence"]["channel"] == "政府网站" and info["evidence"]["url"].startswith("https://gov-city.example/")
    press = by_kind(report, "press_conference")
    assert (press["state"], press["margin_seconds"]) == ("met", 4.5 * 3600)
    second = by_kind(report, "sustained_release", 2)
    # never met: how late as of the report's time (due 08-29 08:00, reported 09-01 09:00)
    assert (second["state"], second["margin_seconds"]) == ("breached", -(3 * 24 + 1) * 3600)
    assert second["margin_as_of"] == "2026-09-01T09:00:00+08:00" and second["pending_evidence"] == []

    # the obligations keep the replay's shape (docs/architecture.md#replay-scenarios): the same values
    # under the same keys
    (replayed,) = answered.result["incidents"]
    assert [{k: o[k] for k in ("kind", "sequence", "due_at", "met_at", "state")} for o in report["obligations"]] == \
        replayed["obligations"]

    effect = report["effect"]
    assert effect["release"]["at"] == "2026-08-27T15:30:00+08:00"
    assert effect["window_seconds"] == 3 * 3600  # the release came 3h after emergence: windows of 3h
    assert (effect["before"]["items"], effect["after"]["items"]) == (3, 0)  # published 12:30, 12:40, 13:30
    # nothing was published in the hour before the 15:30 release: no rate to halve
    assert (effect["heat_rate_at_release"], effect["heat_halved_at"]) == (0.0, None)

    components = {c["key"]: c for c in report["score"]["components"]}
    assert components["timeliness"]["value"] == 100.0  # both deadlines met on time
    assert components["sustained_release"]["value"] == 50.0  # #1 met by the press conference, #2 missed
    assert components["spread_containment"]["value"] == 100.0  # nothing after the release
    assert components["sentiment_change"]["value"] is None  # no item after it to take a share of
    assert report["score"]["total"] == pytest.approx((0.4 * 100 + 0.2 * 50 + 0.2 * 100) / 0.8)

    kinds = [(e["kind"], e["actor"]) for e in report["timeline"]]
    assert ("acknowledged", "张伟") in kinds and ("response_recorded", "张伟") in kinds
    reescalation = next(e for e in report["timeline"] if e["kind"] == "reescalated")
    assert (reescalation["at"], reescalation["recipients"]) == ("2026-08-27T14:50:00+08:00", ["赵科长", "钱局长"])
    assert "obligation_started" not in {e["kind"] for e in report["timeline"]}  # condensed

    assert sum(p["items"] for p in report["series"]["points"]) == 3
    tiers = {t["tier"]: t["items"] for t in report["sources"]}
    assert tiers == {"local": 1, "self_media": 2}
    assert report["posts"][0]["id"] == "b-3"  # the most reposted
    assert "相撞" in [k["word"] for k in report["keywords"]]


def test_a_missed_press_conference_is_a_breach_and_scores_nothing(unanswered) -> None:
    report = build_incident_report(unanswered.engine, unanswered.settings, unanswered.incident_id, now=NOW)
    info, press = by_kind(report, "authoritative_info"), by_kind(report, "press_conference")
    # never met: a negative margin, as of the report's time
    assert (info["due_at"], info["state"], info["met_at"], info["margin_seconds"]) == (
        "2026-03-10T12:40:00+08:00", "breached", None, (NOW - datetime(2026, 3, 10, 12, 40, tzinfo=ZONE)) / -timedelta(seconds=1))
    assert info["margin_seconds"] < 0 and info["margin_as_of"] == "2026-09-01T09:00:00+08:00"
    assert (press["due_at"], press["state"], press["points"]) == ("2026-03-11T07:40:00+08:00", "breached", 0.0)
    assert report["effect"]["release"] is None
    assert report["score"]["total"] == 0.0
    assert [c["value"] for c in report["score"]["components"]] == [0.0, None, None, None]
    assert report["incident"]["responded_at"] is None


def test_every_format_carries_the_figures(answered) -> None:
    report = build_incident_report(answered.engine, answered.settings, answered.incident_id, now=NOW)
    assert json.loads(render(report, "json", zone=ZONE)) == report
    markdown = render(report, "md", zone=ZONE).decode()
    assert "宁夏两客车相撞11人死" in markdown and "提前2小时" in markdown and "提前4小时30分" in markdown
    assert "发布前：3 条" in markdown and "发布后：0 条" in markdown and "自媒体 2 条" in markdown
    html = render(report, "html", zone=ZONE).decode()
    assert "提前2小时" in html and "政府网站" in html and "87.5" in html
    assert "built-in method" not in html and "<td>wb-hot（2）</td>" in html
    # one self-contained file: the charts are embedded, nothing is fetched from elsewhere
    assert len(re.findall(r'<img class="chart" alt="[^"]+" src="data:image/png;base64,', html)) == 2
    assert not re.search(r'(src|href)="(?!data:|https?://)', html)
    assert "<link" not in html and "<script" not in html


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is not installed (.ci/run installs it)")
def test_the_pdf_renders_the_chinese_title(answered, tmp_path) -> None:
    assert cjk_font() is not None, "no CJK font: install fonts-noto-cjk or fonts-wqy-microhei"
    report = build_incident_report(answered.engine, answered.settings, answered.incident_id, now=NOW)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render(report, "pdf", zone=ZONE))
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert pages and all(page.stat().st_size > 1000 for page in pages)
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    # a missing CJK font would give boxes or no text: the title must read as it is
    assert "舆情处置效果评估报告" in text
    assert "宁夏两客车相撞11人死" in text
    assert "权威信息发布" in text


def test_feed_text_is_inert_in_html_and_markdown(database_url) -> None:
    settings = Settings.model_validate({"database": {"url": database_url}})
    database = open_database(database_url)
    at = datetime(2026, 5, 1, 8, 0, tzinfo=ZONE)
    try:
        with Session(database.engine) as session:
            incident = Incident(title='<script>alert(1)</script>**粗体**[链接](javascript:x)', grade_reasons=[],
                                facts={}, keywords=[], rules=[], regions=[], emerged_at=at, detected_at=at,
                                last_item_at=at, updated_at=at, heat_components={})
            session.add(incident)
            session.flush()
            item = Item(source_id="x", external_id="1", title="<img src=x onerror=alert(1)>", text="<b>正文</b>",
                        url="javascript:alert(1)", published_at=at, fetched_at=at, content_hash="h")
            session.add(item)
            session.flush()
            session.add(ItemAnalysis(item_id=item.id, analysed_at=at, relevant=True, incident_id=incident.id))
            session.commit()
            incident_id = incident.id
        report = build_incident_report(database.engine, settings, incident_id, now=at + timedelta(hours=1))
        html = render(report, "html", zone=ZONE).decode()
        assert "<script>alert" not in html and "&lt;script&gt;" in html
        assert "<img src=x" not in html and "javascript:" not in html.replace("[链接](javascript:x)", "")
        assert 'href="javascript' not in html
        markdown = render(report, "md", zone=ZONE).decode()
        assert "**粗体**" not in markdown and "[链接](javascript:x)" not in markdown
        with pytest.raises(NotFoundError):
            build_incident_report(database.engine, settings, 999, now=at)
    finally:
        database.close()


def test_the_report_reads_in_chinese_with_its_facts_labelled(answered) -> None:
    report = build_incident_report(answered.engine, answered.settings, answered.incident_id, now=NOW)
    assert any(" / " in reason for reason in report["incident"]["grade_reasons"])  # the JSON keeps both
    for fmt in ("html", "md"):
        text = render(report, fmt, zone=ZONE).decode()
        assert "deaths" not in text and "(major)" not in text, fmt
    html = render(report, "html", zone=ZONE).decode()
    assert "死亡 11人" in html and "deaths=" not in html


def test_the_count_axis_has_whole_numbers() -> None:
    """A few items a bucket gave a count axis from 0.0 to 1.0."""
    from matplotlib.ticker import MaxNLocator

    from sentinel.reports import charts as report_charts

    seen: list[object] = []
    original = report_charts._png

    def keep(figure):  # the figures' count axes, as drawn
        seen.append(figure.axes[0].yaxis.get_major_locator())
        return original(figure)

    series = {"bucket_seconds": 3600, "markers": [], "points": [
        {"start": "2026-03-10T08:00:00+08:00", "items": 1, "heat": 1.0, "negative_share": 0.0, "sentiment": 0.5},
        {"start": "2026-03-10T09:00:00+08:00", "items": 1, "heat": 2.0, "negative_share": 1.0, "sentiment": 0.2}]}
    report_charts._png = keep
    try:
        report_charts.incident_charts(series, ZONE)
    finally:
        report_charts._png = original
    locator = seen[0]
    assert isinstance(locator, MaxNLocator)
    assert all(float(t).is_integer() for t in locator.tick_values(0, 1.15))
