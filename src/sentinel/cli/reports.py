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
