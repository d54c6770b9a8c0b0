"""The PDFs as a leader reads them on A4: measured on WeasyPrint's layout of the pages (the boxes the PDF
is drawn from) and on the charts' matplotlib figures, for replayed scenarios.

What is checked is what was seen on the pages: short labels broken one character per line (已/免/除,
正/常), a page left mostly blank before the charts, marker labels (首发, 发现) printed over each other,
count axes in fractions, time axes ticked at 12:48 and 17:36.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import combinations
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sentinel.reports.charts import chart_style, cjk_font, sentiment_figure, spread_figure
from sentinel.reports.incident import build_incident_report
from sentinel.reports.period import build_period_report
from sentinel.reports.render import pdf_document, render

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 9, 1, 9, 0, tzinfo=ZONE)

boxes = pytest.importorskip("weasyprint.layout").boxes  # WeasyPrint's box tree (a dependency of sentinel)


@pytest.fixture(autouse=True)
def _font() -> None:
    # without a CJK font every glyph is a box of one width: the layout would not be the one a reader sees
    assert cjk_font() is not None, "no CJK font: install fonts-noto-cjk or fonts-wqy-microhei"


def _walk(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", ()):
        yield from _walk(child)


def _text(box: Any) -> str:
    return "".join(b.text for b in _walk(box) if isinstance(b, boxes.TextBox))


def _cells(document: Any) -> Iterator[tuple[int, str, list[str]]]:
    """(page number, the cell's text, its lines) for every table cell on every page."""
    for number, page in enumerate(document.pages, 1):
        for box in _walk(page._page_box):
            if isinstance(box, boxes.TableCellBox):
                lines = [_text(line).strip() for line in _walk(box) if isinstance(line, boxes.LineBox)]
                lines = [line for line in lines if line]
                if lines:
                    yield number, "".join(lines), lines


def _used(page: Any) -> float:
    """How much of the page's content area its content takes (0 to 1)."""
    area = page._page_box  # its content box is the page inside its margins
    bottom = max((b.position_y + b.margin_height() for b in _walk(area.children[0])  # the others: page numbers
                  if isinstance(b, (boxes.LineBox, boxes.TableRowBox, boxes.ReplacedBox))), default=0.0)
    return (bottom - area.content_box_y()) / area.height


def _reports(answered, unanswered) -> list[tuple[str, dict]]:
    period = build_period_report(unanswered.engine, unanswered.settings, datetime(2026, 3, 10, tzinfo=ZONE),
                                 datetime(2026, 3, 12, tzinfo=ZONE), now=datetime(2026, 3, 12, tzinfo=ZONE))
    return [("answered", build_incident_report(answered.engine, answered.settings, answered.incident_id, now=NOW)),
            ("unanswered", build_incident_report(unanswered.engine, unanswered.settings, unanswered.incident_id,
                                                 now=NOW)),
            ("period", period)]


def broken_cells(document: Any) -> list[tuple[int, str]]:
    """(page, the cell's lines joined by /) of every table cell a reader would stumble on: a short
    label (按时完成, 已免除, 正常, II级（重大）) on more than one line, or a line of a single character
    in a longer text. Chinese may break between any two characters, and a table squeezes a column of
    such text down to one."""
    problems = []
    for page, text, lines in _cells(document):
        if (len(text) <= 6 and len(lines) > 1) or (len(text) > 1 and any(len(line) == 1 for line in lines)):
            problems.append((page, "/".join(lines)))
    return problems


def test_no_table_cell_is_one_character_wide(answered, unanswered) -> None:
    problems = [(name, *problem) for name, report in _reports(answered, unanswered)
                for problem in broken_cells(pdf_document(report, zone=ZONE))]
    assert problems == []


def test_no_page_but_the_last_is_half_empty(answered, unanswered) -> None:
    """The two charts are blocks of their own: together on one line they could not be split, and moved
    to the next page with the section's heading, leaving most of the page before them blank."""
    for name, report in _reports(answered, unanswered):
        pages = pdf_document(report, zone=ZONE).pages
        used = [round(_used(page), 2) for page in pages[:-1]]
        assert all(share >= 0.5 for share in used), (name, used)


def test_a_two_day_period_names_its_days_not_the_midnight_after(unanswered) -> None:
    report = build_period_report(unanswered.engine, unanswered.settings, datetime(2026, 3, 10, tzinfo=ZONE),
                                 datetime(2026, 3, 12, tzinfo=ZONE), now=datetime(2026, 3, 12, tzinfo=ZONE))
    html = render(report, "html", zone=ZONE).decode()
    assert "2026-03-10 — 2026-03-11（Asia/Shanghai）" in html
    assert "00:00 — " not in html


def test_a_waived_deadline_gives_its_reason_in_chinese_only(answered) -> None:
    report = build_incident_report(answered.engine, answered.settings, answered.incident_id, now=NOW)
    # as the engine words a III's clock that a raise to II replaced (the demo's story does this)
    waived = {**report["obligations"][0], "state": "waived", "evidence": None, "met_at": None,
              "reason": "等级由III上调为II，由5小时/24小时时限取代 / grade raised from III to II: the 5h/24h clocks "
                        "replace it"}
    html = render({**report, "obligations": [waived]}, "html", zone=ZONE).decode()
    assert "等级由III上调为II，由5小时/24小时时限取代" in html and "grade raised" not in html


def test_marker_labels_never_cover_each_other(answered, unanswered) -> None:
    """首发 and 发现 minutes apart (or at the same minute), a release and its deadline close together:
    each label has its own place, inside the figure."""
    for replayed in (answered, unanswered):
        report = build_incident_report(replayed.engine, replayed.settings, replayed.incident_id, now=NOW)
        with chart_style():  # measured in the font the report draws them in
            figure = spread_figure(report["series"], ZONE)  # names the markers; the sentiment chart does not
            figure.canvas.draw()
            renderer = figure.canvas.get_renderer()
            labels = [text for text in figure.axes[0].texts if text.get_text()]
            extents = [(text.get_text(), text.get_window_extent(renderer)) for text in labels]
        assert {"首发", "发现"} <= {name for name, _ in extents}
        assert len(extents) == len(report["series"]["markers"])
        overlapping = [(a, b) for (a, one), (b, other) in combinations(extents, 2) if one.overlaps(other)]
        assert overlapping == []
        assert all(figure.bbox.x0 <= box.x0 and box.x1 <= figure.bbox.x1 for _, box in extents)


def test_counts_are_whole_and_times_are_whole_hours(answered, unanswered) -> None:
    for replayed in (answered, unanswered):
        report = build_incident_report(replayed.engine, replayed.settings, replayed.incident_id, now=NOW)
        for make in (spread_figure, sentiment_figure):
            with chart_style():
                figure = make(report["series"], ZONE)
                figure.canvas.draw()
                ax = figure.axes[0]
                times = [label.get_text() for label in ax.get_xticklabels() if label.get_text()]
            if ax.get_ylabel() == "信息量（条）":
                low, high = ax.get_ylim()
                ticks = [t for t in ax.get_yticks() if low <= t <= high]
                assert ticks and all(float(t).is_integer() for t in ticks), ticks
                assert figure.axes[1].get_ylim()[0] == 0  # heat from 0, as the counts are
            assert len(times) >= 3 and all(t.endswith(":00") for t in times), times
