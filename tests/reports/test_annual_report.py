"""The annual report from a register built here, in which every row and column of table 三 is non-zero
somewhere: checked number by number, by the format's checks, as Word (the cells read back with
python-docx) and as a PDF (its Chinese read back with poppler)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from sentinel.disclosure import entries, flows
from sentinel.disclosure.models import APPLICANT_COLUMNS, ApplicantType, Outcome
from sentinel.escalation.clocks import Rules
from sentinel.reports.annual import AnnualReportError, build_annual_report, t3_rows
from sentinel.reports.annual_render import render_annual
from sentinel.settings import Settings
from sentinel.store.db import open_database

ZONE = ZoneInfo("Asia/Shanghai")
TYPES = [kind.value for kind in ApplicantType]
SETTINGS = Settings()
NOW = datetime(2027, 1, 10, 10, tzinfo=ZONE)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=ZONE)


def _add(engine, rules, kind: str, day: date, n: int) -> int:
    request = flows.add_request(engine, rules, flows.NewRequest(
        content=f"申请{n}", applicant_type=kind, channel="in_person", submitted_on=day), by="王", now=at(day))
    assert request.id is not None
    return request.id


@pytest.fixture
def register(tmp_path):
    """6 carried in from 2025 (one per column, answered 予以公开 in 2026); 21 received in 2026, one per
    outcome row, their columns in turn; 6 received in December 2026 and still open (one per column);
    reviews and lawsuits with every result."""
    database = open_database(f"sqlite:///{tmp_path / 'annual.db'}")
    engine, rules = database.engine, Rules.from_settings(SETTINGS)
    n = 0
    for kind in TYPES:
        n += 1
        request = _add(engine, rules, kind, date(2025, 12, 22), n)
        flows.reply(engine, rules, request, outcome="granted", by="王", now=at(date(2026, 1, 8)))
    for index, outcome in enumerate(Outcome):
        n += 1
        request = _add(engine, rules, TYPES[index % 6], date(2026, 3, 2), n)
        flows.reply(engine, rules, request, outcome=outcome.value, by="王", now=at(date(2026, 3, 20)))
    for kind in TYPES:
        n += 1
        _add(engine, rules, kind, date(2026, 12, 21), n)
    last = _add(engine, rules, "natural_person", date(2025, 6, 1), 99)  # answered in 2025: in neither year
    flows.reply(engine, rules, last, outcome="granted", by="王", now=at(date(2025, 6, 5)))
    for kind, result, filed, decided in (
            ("review", "upheld", date(2026, 4, 1), date(2026, 5, 1)),
            ("review", "corrected", date(2026, 4, 2), date(2026, 6, 1)),
            ("review", "pending", date(2026, 11, 2), None),
            ("review", "other", date(2026, 8, 3), date(2027, 1, 5)),  # decided after the year: 尚未审结 in 2026
            ("lawsuit_direct", "other", date(2026, 5, 6), date(2026, 9, 1)),
            ("lawsuit_after_review", "upheld", date(2026, 6, 6), date(2026, 10, 1)),
            ("lawsuit_after_review", "pending", date(2026, 7, 6), None),
            ("review", "upheld", date(2025, 12, 1), date(2026, 1, 20))):  # filed in 2025: not this year's
        entries.add_appeal(engine, kind=kind, filed_on=filed, result=result, decided_on=decided, by="王", now=NOW)
    entries.set_t2(engine, 2026, {"regulations.made": 2, "normative_docs.made": 7, "normative_docs.valid": 31,
                                  "licensing": 1520, "penalty": 86, "coercion": 3, "fees_wan_yuan": "20.3"},
                   by="王", now=NOW)
    entries.set_text(engine, 2026, "s1", "2026年，我局认真贯彻落实《条例》。", by="王", now=NOW)
    yield database
    database.close()


def _flat(t3: dict, row: str) -> dict[str, int]:
    group, _, leaf = row.partition(".")
    return t3[group][leaf] if leaf else t3[group]


def test_every_number_of_table_three_and_four(register) -> None:
    report = build_annual_report(register.engine, SETTINGS, 2026, now=NOW)
    t3 = report["t3"]
    ones = {kind: 1 for kind in TYPES}
    assert _flat(t3, "carried_in") == {**ones, "total": 6}
    assert _flat(t3, "carried_out") == {**ones, "total": 6}
    # 21 rows in turn over 6 columns: columns 0–2 get 4 each, 3–5 get 3 each; plus the December 6
    assert _flat(t3, "new") == {"natural_person": 5, "commercial": 5, "research": 5, "public_interest": 4,
                                "legal_service": 4, "other_org": 4, "total": 27}
    assert _flat(t3, "granted") == {**ones, "natural_person": 2, "total": 7}  # 6 carried in + row 0
    assert _flat(t3, "denied.third_party")["other_org"] == 1  # row 5 → column 5
    assert _flat(t3, "unable.not_held")["legal_service"] == 1  # row 10 → column 4
    assert _flat(t3, "other.other") == {**dict.fromkeys(TYPES, 0), "research": 1, "total": 1}  # row 20 → column 2
    assert _flat(t3, "total")["total"] == 27
    for row in t3_rows():
        assert any(_flat(t3, row)[c] for c in TYPES), f"row {row} is zero everywhere"
    for column in APPLICANT_COLUMNS:
        assert _flat(t3, "new")[column] + _flat(t3, "carried_in")[column] == \
            _flat(t3, "total")[column] + _flat(t3, "carried_out")[column]
    assert report["t4"] == {
        "review": {"upheld": 1, "corrected": 1, "other": 0, "pending": 2, "total": 4},
        "lit_direct": {"upheld": 0, "corrected": 0, "other": 1, "pending": 0, "total": 1},
        "lit_after_review": {"upheld": 1, "corrected": 0, "other": 0, "pending": 1, "total": 2}}
    assert report["t2"] == {"regulations": {"made": 2, "repealed": 0, "valid": 0},
                            "normative_docs": {"made": 7, "repealed": 0, "valid": 31},
                            "licensing": 1520, "penalty": 86, "coercion": 3, "fees_wan_yuan": "20.3"}
    assert report["facts"]["received"] == 27 and report["facts"]["on_time"] == 27
    assert "办结27件" in report["drafts"]["s1"] and report["s1_text"].startswith("2026年")
    again = json.loads(render_annual(report, "json", zone=ZONE))
    assert again["t3"] == t3 and again["t4"] == report["t4"]


def test_a_register_that_breaks_a_check_gives_the_error_not_a_report(register) -> None:
    # the 2025 report, as published, carried 5 natural persons' requests into 2026: the register has 1
    figures = {"t3": {"carried_out": {**{kind: 1 for kind in TYPES}, "natural_person": 5, "total": 10}}}
    entries.mark_published(register.engine, 2025, figures, on=date(2026, 1, 20), by="王", now=NOW)
    with pytest.raises(AnnualReportError) as caught:
        build_annual_report(register.engine, SETTINGS, 2026, now=NOW)
    problems = caught.value.problems
    # natural persons: 5 new + 5 carried in = 10, but 5 concluded + 1 carried out = 6
    assert any("自然人列（natural_person）" in p and "一 + 二 = 10" in p and "总计 + 四 = 6" in p for p in problems)
    assert any("total" in p for p in problems)  # the total column breaks too
    assert not any("commercial" in p for p in problems)


def test_the_word_document_has_the_formats_tables_with_merged_cells(register) -> None:
    from docx import Document

    report = build_annual_report(register.engine, SETTINGS, 2026, now=NOW)
    document = Document(io.BytesIO(render_annual(report, "docx", zone=ZONE)))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[1:] == ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    t3 = next(t for t in document.tables if t.cell(0, 3).text == "申请人情况")
    assert len(t3.rows) == 28 and len(t3.columns) == 10
    assert t3.cell(0, 0)._tc is t3.cell(2, 2)._tc  # the 3×3 note cell is one merged cell
    assert t3.cell(0, 3)._tc is t3.cell(0, 9)._tc and t3.cell(1, 4)._tc is t3.cell(1, 8)._tc
    assert t3.cell(5, 0)._tc is t3.cell(26, 0)._tc  # 三、本年度办理结果 spans the 22 outcome rows
    labels = {t3.cell(r, 2).text: r for r in range(3, 28)}
    for row in t3_rows():
        label = {"new": "一、本年新收政府信息公开申请数量", "carried_in": "二、上年结转政府信息公开申请数量",
                 "total": "（七）总计", "carried_out": "四、结转下年度继续办理"}.get(row) or Outcome(row).row.label
        r = labels[label]
        assert [int(t3.cell(r, 3 + i).text) for i in range(7)] == [_flat(report["t3"], row)[c]
                                                                    for c in APPLICANT_COLUMNS], row
    t4 = next(t for t in document.tables if t.cell(0, 0).text == "行政复议")
    assert t4.cell(0, 0)._tc is t4.cell(0, 4)._tc and t4.cell(1, 0)._tc is t4.cell(2, 0)._tc
    assert [int(c.text) for c in t4.rows[3].cells] == [1, 1, 0, 2, 4, 0, 0, 1, 0, 1, 1, 0, 0, 1, 2]
    fees = next(t for t in document.tables if t.cell(0, 0).text == "第二十条第（八）项")
    assert fees.cell(2, 1).text == "20.3"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed (.ci/run installs it)")
def test_the_pdf_reads_in_chinese(register, tmp_path) -> None:
    report = build_annual_report(register.engine, SETTINGS, 2026, now=NOW)
    pdf = tmp_path / "annual.pdf"
    pdf.write_bytes(render_annual(report, "pdf", zone=ZONE))
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    for words in ("2026年政府信息公开工作年度报告", "三、收到和处理政府信息公开申请情况", "申请人情况", "保护第三方合法权益",
                  "结转下年度继续办理", "未经复议直接起诉"):
        assert words in text.replace(" ", ""), words
