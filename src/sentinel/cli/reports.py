"""``sentinel report incident ID`` and ``sentinel report period --from --to``: the reports leaders and
evaluators print, send and file (see :mod:`sentinel.reports`).

The report goes to ``--output`` (a file) or to standard output; a PDF is only written to a file or a
pipe, never to a terminal. ``--json`` is ``--format json``.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path

import click

from sentinel.cli import Context, main, pass_ctx, store
from sentinel.clock import SystemClock
from sentinel.settings import Settings

_format = click.option("--format", "fmt", type=click.Choice(["html", "md", "pdf", "json"]), default="html",
                       show_default=True, help="html: one self-contained file; pdf needs --output or a pipe.")
_output = click.option("--output", "-o", "output", type=click.Path(dir_okay=False, path_type=Path), default=None,
                       help="Write here instead of standard output.")
_json = click.option("--json", "as_json", is_flag=True, help="Same as --format json.")


@main.group()
def report() -> None:
    """After-action reports (舆情处置效果评估) and period reports (日报、周报、月报)."""


def _write(data: bytes, output: Path | None, fmt: str) -> None:
    if output is not None:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_bytes(data)
        except OSError as exc:
            raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
        click.echo(f"written: {output}", err=True)
        return
    if fmt == "pdf" and sys.stdout.isatty():
        raise click.UsageError("a PDF is not written to a terminal: give --output FILE or pipe it")
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


@report.command("incident")
@click.argument("incident_id", type=int)
@_format
@_output
@_json
@pass_ctx
def report_incident(obj: Context, incident_id: int, fmt: str, output: Path | None, as_json: bool) -> None:
    """The after-action report of one incident: summary, deadlines, timeline, spread, effect, score."""
    from sentinel.reports.incident import build_incident_report
    from sentinel.reports.render import render

    settings = obj.settings
    fmt = "json" if as_json else fmt
    with store(settings) as database:
        data = build_incident_report(database.engine, settings, incident_id, now=SystemClock().now())
    _write(render(data, fmt, zone=settings.zone), output, fmt)  # type: ignore[arg-type]


def _moment(value: str, settings: Settings, *, option: str, end: bool) -> datetime:
    """A date (local midnight; for ``--to`` the end of that day) or an ISO 8601 time (no offset: local)."""
    from sentinel.normalise.times import parse_iso

    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        try:
            return parse_iso(value, zone=settings.zone)
        except ValueError as exc:
            raise click.BadParameter(f"{exc} (e.g. 2026-08-27 or 2026-08-27T08:30)", param_hint=option) from None
    start = datetime.combine(day, time(0), tzinfo=settings.zone)
    return start + timedelta(days=1) if end else start


@report.command("period")
@click.option("--from", "start", required=True, help="First day (YYYY-MM-DD) or moment (ISO 8601).")
@click.option("--to", "end", required=True, help="Last day, included (YYYY-MM-DD), or the moment it ends (ISO 8601).")
@click.option("--department", default=None, help="Only this responsible department's incidents and deadlines.")
@_format
@_output
@_json
@pass_ctx
def report_period(obj: Context, start: str, end: str, department: str | None, fmt: str, output: Path | None,
                  as_json: bool) -> None:
    """A period report: incidents by grade, category and department; compliance; breaches; topics;
    sentiment; source health."""
    from sentinel.reports.period import build_period_report
    from sentinel.reports.render import render

    settings = obj.settings
    fmt = "json" if as_json else fmt
    begin = _moment(start, settings, option="--from", end=False)
    finish = _moment(end, settings, option="--to", end=True)
    with store(settings) as database:
        data = build_period_report(database.engine, settings, begin, finish, now=SystemClock().now(),
                                   department=department)
    _write(render(data, fmt, zone=settings.zone), output, fmt)  # type: ignore[arg-type]


@report.command("annual")
@click.option("--year", type=int, required=True, help="The year reported on (数据统计期限: 1月1日至12月31日).")
@click.option("--unit", default=None, help="Only this responsible unit's requests and entries.")
@click.option("--format", "fmt", type=click.Choice(["html", "pdf", "docx", "json"]), default="html",
              show_default=True, help="pdf and docx need --output or a pipe.")
@_output
@pass_ctx
def report_annual(obj: Context, year: int, unit: str | None, fmt: str, output: Path | None) -> None:
    """政府信息公开工作年度报告: the six sections in the national format, checked before it is written."""
    from sentinel.reports.annual import build_annual_report
    from sentinel.reports.annual_render import render_annual

    settings = obj.settings
    with store(settings) as database:
        data = build_annual_report(database.engine, settings, year, now=SystemClock().now(), unit=unit)
    if fmt == "docx" and output is None and sys.stdout.isatty():
        raise click.UsageError("a Word document is not written to a terminal: give --output FILE or pipe it")
    _write(render_annual(data, fmt, zone=settings.zone), output, fmt)


@report.command("annual-counts")
@click.option("--year", type=int, required=True)
@click.option("--unit", default=None)
@click.option("--set", "pairs", multiple=True, required=True, metavar="KEY=VALUE",
              help="Section 二: regulations.made, normative_docs.valid, licensing, penalty, coercion, fees_wan_yuan, …")
@click.option("--by", required=True)
@pass_ctx
def report_annual_counts(obj: Context, year: int, unit: str | None, pairs: tuple[str, ...], by: str) -> None:
    """Enter section 二's counts (主动公开) for the annual report."""
    from sentinel.disclosure.entries import set_t2

    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--set")
        values[key.strip()] = value.strip()
    with store(obj.settings) as database:
        row = set_t2(database.engine, year, values, by=by, now=SystemClock().now(), unit=unit)
    click.echo(f"{year}: " + ", ".join(f"{k}={v}" for k, v in sorted(row.t2.items())))


@report.command("annual-text")
@click.option("--year", type=int, required=True)
@click.option("--unit", default=None)
@click.option("--section", required=True, type=click.Choice(["s1", "s5", "s6"]))
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="A UTF-8 text file with the section's text.")
@click.option("--by", required=True)
@pass_ctx
def report_annual_text(obj: Context, year: int, unit: str | None, section: str, path: Path, by: str) -> None:
    """The office's text for section 一, 五 or 六."""
    from sentinel.disclosure.entries import set_text

    with store(obj.settings) as database:
        set_text(database.engine, year, section, path.read_text(encoding="utf-8"), by=by, now=SystemClock().now(),
                 unit=unit)
    click.echo(f"{year} {section}: saved")


@report.command("annual-published")
@click.option("--year", type=int, required=True)
@click.option("--unit", default=None)
@click.option("--on", "on", default=None, help="The day it was published (default today).")
@click.option("--by", required=True)
@pass_ctx
def report_annual_published(obj: Context, year: int, unit: str | None, on: str | None, by: str) -> None:
    """The report is published: its figures are kept (next year's 上年结转) and the January reminder stops."""
    from sentinel.disclosure.entries import mark_published
    from sentinel.reports.annual import build_annual_report

    settings = obj.settings
    now = SystemClock().now()
    day = date.fromisoformat(on) if on else now.astimezone(settings.zone).date()
    with store(settings) as database:
        data = build_annual_report(database.engine, settings, year, now=now, unit=unit)
        mark_published(database.engine, year, {"t2": data["t2"], "t3": data["t3"], "t4": data["t4"]}, on=day, by=by,
                       now=now, unit=unit)
    click.echo(f"{year}: published on {day.isoformat()}")
