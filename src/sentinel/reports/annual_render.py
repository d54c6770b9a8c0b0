"""The annual report in each of its formats: JSON (the dict, under the schema's keys), HTML and PDF
as the other reports (:mod:`.render`), and Word (:mod:`.annual_docx`)."""

from __future__ import annotations

from typing import Any, Literal
from zoneinfo import ZoneInfo

from sentinel.reports.render import render

__all__ = ["ANNUAL_FORMATS", "MEDIA", "render_annual"]

AnnualFormat = Literal["html", "pdf", "docx", "json"]
ANNUAL_FORMATS: tuple[AnnualFormat, ...] = ("html", "pdf", "docx", "json")
MEDIA = {"json": "application/json", "html": "text/html; charset=utf-8", "pdf": "application/pdf",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def render_annual(report: dict[str, Any], fmt: str, *, zone: ZoneInfo) -> bytes:
    if fmt == "docx":
        from sentinel.reports.annual_docx import annual_docx

        return annual_docx(report)
    if fmt not in ANNUAL_FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(ANNUAL_FORMATS)}")
    return render(report, fmt, zone=zone)  # type: ignore[arg-type]
