"""The annual report as a Word document (python-docx): offices edit and file it in Word, so its
tables are real tables with the format's merged header cells (:mod:`.annual_tables`)."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from sentinel.reports.annual_tables import Grid, positions, t2_tables, t3_grid, t4_grid, width

__all__ = ["annual_docx"]

_FONT = "SimSun"  # 宋体, what offices file reports in; Word substitutes it where it is missing


def _table(document: Any, grid: Grid, *, size: float = 9) -> Any:
    rows, columns = len(grid), width(grid)
    table = document.add_table(rows=rows, cols=columns)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, c, cell in positions(grid):
        target = table.cell(r, c)
        if cell["rowspan"] > 1 or cell["colspan"] > 1:
            target = target.merge(table.cell(r + cell["rowspan"] - 1, c + cell["colspan"] - 1))
        paragraph = target.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if cell["head"] and c == 0 else WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(cell["text"])
        run.font.size = Pt(size)
        run.bold = bool(cell["head"]) and r == 0
    return table


def _text(document: Any, text: str | None, fallback: str) -> None:
    body = (text or "").strip() or fallback
    for line in body.splitlines():
        if line.strip():
            document.add_paragraph(line.strip())


def annual_docx(report: dict[str, Any]) -> bytes:
    """The report dict (:func:`~sentinel.reports.annual.build_annual_report`) as .docx bytes."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name = _FONT
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), _FONT)  # Chinese text takes the east-Asian font slot
    heading = document.add_heading(report["title"], level=1)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sections, drafts = report["sections"], report["drafts"]
    document.add_heading(sections["s1"], level=2)
    _text(document, report["s1_text"], drafts["s1"])
    document.add_heading(sections["s2"], level=2)
    for _, grid in t2_tables(report["t2"]):
        _table(document, grid, size=10)
        document.add_paragraph()
    document.add_heading(sections["s3"], level=2)
    _table(document, t3_grid(report["t3"]), size=8)
    document.add_heading(sections["s4"], level=2)
    _table(document, t4_grid(report["t4"]), size=8)
    document.add_heading(sections["s5"], level=2)
    _text(document, report["s5_text"], drafts["s5"])
    document.add_heading(sections["s6"], level=2)
    _text(document, report["s6_text"], drafts["s6"])
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
