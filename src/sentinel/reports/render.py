"""A report dict (from :mod:`.incident` or :mod:`.period`) as HTML, Markdown, PDF or JSON.

- HTML is one self-contained file: the stylesheet inline, the charts as ``data:`` PNGs; Jinja2
  autoescapes every value, so feed text (titles, posts, departments) is inert, and links pass
  :func:`~sentinel.notify.message.safe_url` (http/https only) before they become an ``href``.
- Markdown escapes every value as the alerts do (:func:`~sentinel.notify.message.escape_markdown`);
  only checked links are written as they are.
- PDF is the HTML through WeasyPrint in a child process (:mod:`.pdf`; Pango lays the text out with
  the system's CJK font; without one, :mod:`.fonts` says what to install).
- JSON is the dict itself: every figure the other formats show comes from it.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from sentinel.analyse.grading import Grade, facts_text
from sentinel.analyse.reasons import in_language
from sentinel.escalation.reminders import format_time_left
from sentinel.notify.message import escape_markdown, one_line, safe_url
from sentinel.reports.config import ReportFormat

__all__ = ["FORMATS", "pdf_document", "render"]

FORMATS: tuple[ReportFormat, ...] = ("html", "md", "pdf", "json")
#: Incidents a period report's documents list one by one: the gravest, then the hottest. A busy
#: day's thousands of grade IV rows would make a PDF nobody reads (and WeasyPrint minutes to lay
#: out); the counts above the list and the JSON file keep every incident.
LISTED_INCIDENTS = 200
#: Breaches listed one by one, for the same reason: the gravest incidents' first, then the longest
#: overdue. WeasyPrint took 35 s and 690 MB to lay out a table of 5,000 rows (77 MB for 10 rows).
LISTED_BREACHES = 200
_OUTCOME_ZH = {"met": "按时完成", "breached": "超时", "open": "进行中", "waived": "已免除",
               "on_time": "按时", "late": "超时完成", "missed": "超时未完成"}
_HEALTH_ZH = {"up": "正常", "failing": "连续失败", "blocked": "被封禁", "unknown": "未采集"}
_STATE_ZH = {"open": "处置中", "closed": "已结案", "dismissed": "已排除"}


class _Link(str):
    """A URL that passed :func:`safe_url`: written into Markdown as it is."""


def _make_filters(zone: ZoneInfo) -> dict[str, Any]:
    def when(value: str | None) -> str:
        return datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else "—"

    def days(start: str, end: str) -> str:
        """A period as its days when it runs midnight to midnight (its last day, not the next midnight:
        "12-04 — 12-05", never "12-04 00:00 — 12-06 00:00"), else as its two moments."""
        first, after = (datetime.fromisoformat(value).astimezone(zone) for value in (start, end))
        if first.time() == after.time() == time(0):
            last = after - timedelta(days=1)
            return f"{first:%Y-%m-%d}" if last.date() == first.date() else f"{first:%Y-%m-%d} — {last:%Y-%m-%d}"
        return f"{when(start)} — {when(end)}"

    def span(seconds: float | None) -> str:
        return "—" if seconds is None else format_time_left(timedelta(seconds=abs(seconds)))

    def margin(seconds: float | None) -> str:
        if seconds is None:
            return "—"
        return f"提前{span(seconds)}" if seconds >= 0 else f"超时{span(seconds)}"

    def pct(share: float | None) -> str:
        return "—" if share is None else f"{share * 100:.1f}%"

    def num(value: float | None, digits: int = 1) -> str:
        return "—" if value is None else f"{value:.{digits}f}"

    def link(url: str | None) -> _Link | None:
        checked = safe_url(url)
        return _Link(checked) if checked else None

    return {"gravest": gravest, "overdue": overdue, "when": when, "days": days, "span": span, "margin": margin, "pct": pct, "num": num, "link": link,
            "outcome": lambda key: _OUTCOME_ZH.get(key, key), "health": lambda key: _HEALTH_ZH.get(key, key),
            "state_zh": lambda key: _STATE_ZH.get(key, key),
            # a report is a Chinese document: reasons stored in two languages give their Chinese half
            "zh": lambda text: in_language(text, "zh"), "facts": lambda facts: facts_text(facts or {}, "zh")}


def overdue(rows: list[dict[str, Any]], limit: int = LISTED_BREACHES) -> list[dict[str, Any]]:
    """The ``limit`` breaches of a period report to list (the gravest incidents', then the longest
    overdue), in their own order."""
    return _first(rows, limit, lambda row: (-_severity(row), -row["late_seconds"]))


def gravest(rows: list[dict[str, Any]], limit: int = LISTED_INCIDENTS) -> list[dict[str, Any]]:
    """The ``limit`` gravest of a period report's incident rows (grade, then heat, then the earlier),
    in their own order."""
    return _first(rows, limit, lambda row: (-_severity(row), -row["heat"]))


def _severity(row: dict[str, Any]) -> int:
    return Grade(row["grade"]).severity if row["grade"] else 0


def _first(rows: list[dict[str, Any]], limit: int, rank: Any) -> list[dict[str, Any]]:
    """The ``limit`` rows that ``rank`` puts first (ties: the earlier), kept in their own order."""
    if len(rows) <= limit:
        return rows
    ranked = sorted(range(len(rows)), key=lambda n: (*rank(rows[n]), n))
    return [rows[n] for n in sorted(ranked[:limit])]


def _finalize_markdown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, _Link):
        return value
    return escape_markdown(one_line(str(value), 4096))


@lru_cache(maxsize=8)
def _environment(kind: str, zone: ZoneInfo) -> Environment:
    if kind == "html":
        environment = Environment(loader=PackageLoader("sentinel.reports", "templates"), autoescape=True,
                                  undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    else:
        environment = Environment(loader=PackageLoader("sentinel.reports", "templates"), autoescape=False,
                                  undefined=StrictUndefined, finalize=_finalize_markdown, trim_blocks=True,
                                  lstrip_blocks=True)
    environment.filters.update(_make_filters(zone))
    return environment


def _charts(report: dict[str, Any], zone: ZoneInfo) -> dict[str, str]:
    if report["report"] != "incident":
        return {}
    from sentinel.reports.charts import incident_charts  # matplotlib loads in a second: only when drawing

    return {name: "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            for name, png in incident_charts(report["series"], zone).items()}


def _tables(report: dict[str, Any]) -> dict[str, Any]:
    """The annual report's tables as grids with their merged cells (:mod:`.annual_tables`)."""
    if report["report"] != "annual":
        return {}
    from sentinel.reports.annual_tables import t2_tables, t3_grid, t4_grid

    return {"t2": t2_tables(report["t2"]), "t3": t3_grid(report["t3"]), "t4": t4_grid(report["t4"])}


def _html(report: dict[str, Any], zone: ZoneInfo) -> str:
    return _environment("html", zone).get_template(f"{report['report']}.html.j2").render(
        r=report, charts=_charts(report, zone), tables=_tables(report))


def pdf_document(report: dict[str, Any], *, zone: ZoneInfo) -> Any:
    """The report laid out on A4 pages in this process (a ``weasyprint.Document``), for a test to
    measure; :func:`render` lays it out the same way in a child process (:mod:`sentinel.reports.pdf`)."""
    from sentinel.reports.pdf import layout

    return layout(_html(report, zone))


def render(report: dict[str, Any], fmt: ReportFormat, *, zone: ZoneInfo) -> bytes:
    """The report in ``fmt``; raises :class:`ValueError` for an unknown format."""
    if fmt == "json":
        return (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt == "md":
        return _environment("md", zone).get_template(f"{report['report']}.md.j2").render(r=report).encode("utf-8")
    if fmt == "html":
        return _html(report, zone).encode("utf-8")
    if fmt != "pdf":
        raise ValueError(f"unknown report format {fmt!r}; known: {', '.join(FORMATS)}")
    from sentinel.reports.pdf import html_to_pdf  # WeasyPrint in a child process: its 50 MB stay there

    return html_to_pdf(_html(report, zone))
