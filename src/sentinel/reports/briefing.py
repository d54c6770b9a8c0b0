"""The daily briefing (舆情日报): the period report of the 24 hours up to today's digest time,
archived as files and summarised in the one daily message the leaders get.

At ``delivery.digest_at`` (default 08:30 local) the daemon calls :func:`prepare_briefing_apart` in a
worker thread — a busy day's report takes seconds and must not block the event loop — then queues the
digest (:func:`sentinel.notify.digest.queue_daily_digest`) with the summary. The report is built and
archived in a child process (``python -m sentinel.reports.briefing``), and its PDF laid out from the
archived HTML in another (:mod:`.pdf`), one after the other: a day's thousands of incidents read into
Python objects leave tens of MB in a process's small-object heap for good, which the daemon, meant to
stay under 300 MB, would otherwise keep all day. A store only the daemon can open (SQLite in memory)
has the report built in the daemon instead (:func:`prepare_briefing`). The period
runs from yesterday's digest time to today's, so consecutive briefings tile the days without a gap
or an overlap, whenever the daemon actually gets round to them. Files are written to
``reports.archive_dir/YYYY-MM-DD/daily-YYYY-MM-DD.{html,pdf,json}`` through a temporary file and a
rename: a crash leaves the old file or the new, never half of one, and a second run rewrites them.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, make_url

from sentinel.files import write_replacing
from sentinel.notify.digest import digest_day
from sentinel.reports.child import run_child
from sentinel.reports.config import ReportFormat
from sentinel.reports.pdf import RenderStopped, html_to_pdf, log_child_lines
from sentinel.reports.period import build_period_report
from sentinel.reports.render import render
from sentinel.settings import Settings

__all__ = ["archive", "briefing_period", "builds_apart", "prepare_briefing", "prepare_briefing_apart"]

#: how long the briefing's child may take to build and archive the report (the PDF has its own)
BUILD_TIMEOUT = 900.0

log = logging.getLogger(__name__)


def briefing_period(settings: Settings, day: date) -> tuple[datetime, datetime]:
    """The 24 hours that end at ``day``'s digest time, local."""
    at = settings.delivery.digest_at
    assert at is not None
    end = datetime.combine(day, at, tzinfo=settings.zone)
    return end - timedelta(days=1), end


def archive(report: dict[str, Any], settings: Settings, day: date,
            formats: Sequence[ReportFormat] | None = None) -> list[Path]:
    """Write the report in each archived format (or in ``formats``); a format that fails is logged
    and skipped."""
    if settings.reports.archive_dir is None:
        return []
    written = []
    for fmt in settings.reports.archive_formats if formats is None else formats:
        target = archived(settings, day, fmt)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            data = render(report, fmt, zone=settings.zone)
        except RenderStopped:  # the daemon is stopping: the next start builds the briefing again
            log.info("rendering the daily briefing as %s was stopped", fmt)
            continue
        except Exception:  # a renderer's failure (fonts, Pango) must not cost the leaders their briefing
            log.exception("rendering the daily briefing as %s failed; the other formats are still archived", fmt)
            continue
        try:
            write_replacing(target, data)
        except OSError:
            log.exception("archiving the daily briefing to %s failed", target)
            continue
        written.append(target)
    return written


def archived(settings: Settings, day: date, fmt: str) -> Path:
    """Where ``day``'s briefing is archived as ``fmt`` (``reports.archive_dir`` is set)."""
    assert settings.reports.archive_dir is not None
    return Path(settings.reports.archive_dir) / day.isoformat() / f"daily-{day.isoformat()}.{fmt}"


def prepare_briefing(engine: Engine, settings: Settings, now: datetime) -> dict[str, Any] | None:
    """Build and archive today's briefing in this process; its summary for the digest message (None
    before its time)."""
    day = digest_day(settings, now)
    if day is None:
        return None
    report = _report(engine, settings, day, now)
    return _summary(report, archive(report, settings, day))


def builds_apart(settings: Settings) -> bool:
    """Whether a child process can open the store to build the briefing (not SQLite in memory)."""
    url = make_url(settings.database.url)
    return url.get_backend_name() != "sqlite" or url.database not in (None, "", ":memory:")


def prepare_briefing_apart(settings: Settings, now: datetime) -> dict[str, Any] | None:
    """:func:`prepare_briefing` in a child process, then the PDF laid out from the archived HTML in
    another; raises :class:`~sentinel.reports.child.ChildFailed` when the first fails, and
    :class:`~sentinel.reports.child.ChildStopped` when either was stopped (the daemon is stopping)."""
    request = {"settings": settings.model_dump(mode="json"), "now": now.isoformat()}
    out, said = run_child("sentinel.reports.briefing", json.dumps(request).encode("utf-8"), timeout=BUILD_TIMEOUT,
                          what="building the daily briefing")
    log_child_lines(said)
    answer = json.loads(out)
    summary, source = answer["summary"], answer["pdf_source"]
    if summary is None or source is None:
        return summary
    day = date.fromisoformat(answer["day"])
    html, target = Path(source), archived(settings, day, "pdf")
    try:
        write_replacing(target, html_to_pdf(html))
    except RenderStopped:
        raise
    except Exception:  # as in the daemon: the other formats are archived, the leaders get their briefing
        log.exception("rendering the daily briefing as pdf failed; the other formats are still archived")
    else:
        order: list[str] = list(settings.reports.archive_formats)
        summary["files"] = sorted([*summary["files"], str(target)], key=lambda name: order.index(Path(name).suffix[1:]))
    finally:
        if answer["pdf_source_temporary"]:
            html.unlink(missing_ok=True)
    return summary


def _report(engine: Engine, settings: Settings, day: date, now: datetime) -> dict[str, Any]:
    start, end = briefing_period(settings, day)
    return build_period_report(engine, settings, start, end, now=now)


def _summary(report: dict[str, Any], files: list[Path]) -> dict[str, Any]:
    totals = {key: sum(row[key] for row in report["compliance"]) for key in ("due", "on_time", "late", "missed")}
    return {"from": report["from"], "to": report["to"], **totals, "breaches": len(report["breaches"]),
            "incidents": report["incidents"]["total"], "files": [str(path) for path in files]}


def _build_in_child(engine: Engine, settings: Settings, now: datetime) -> dict[str, Any]:
    """The child's work: the report built and archived in every format but the PDF, and the HTML the
    PDF is to be laid out from (the archived page, or a temporary file beside it)."""
    day = digest_day(settings, now)
    if day is None:
        return {"summary": None, "day": None, "pdf_source": None, "pdf_source_temporary": False}
    report = _report(engine, settings, day, now)
    formats = settings.reports.archive_formats
    files = archive(report, settings, day, [fmt for fmt in formats if fmt != "pdf"])
    source: str | None = None
    temporary = False
    if "pdf" in formats and settings.reports.archive_dir is not None:
        page = archived(settings, day, "html")
        if page in files:
            source = str(page)
        else:
            page = page.with_name(f".{page.stem}.pdf-source.html")
            try:
                write_replacing(page, render(report, "html", zone=settings.zone))
            except Exception:
                log.exception("rendering the daily briefing as pdf failed; the other formats are still archived")
            else:
                source, temporary = str(page), True
    return {"summary": _summary(report, files), "day": day.isoformat(), "pdf_source": source,
            "pdf_source_temporary": temporary}


def main() -> None:
    """``python -m sentinel.reports.briefing``: a JSON request (``settings``, ``now``) on stdin, the
    answer of :func:`_build_in_child` as JSON on stdout."""
    from sentinel.store.db import create_db_engine

    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    request = json.loads(sys.stdin.buffer.read())
    settings = Settings.model_validate(request["settings"])
    engine = create_db_engine(settings.database.url)
    try:
        answer = _build_in_child(engine, settings, datetime.fromisoformat(request["now"]))
    except Exception as error:  # the traceback, then the one line the daemon's error quotes
        log.exception("building the daily briefing failed")
        said = str(error).splitlines()
        sys.exit(f"{type(error).__name__}: {said[0] if said else ''}")
    finally:
        engine.dispose()
    sys.stdout.write(json.dumps(answer))  # ASCII whatever the locale's encoding


if __name__ == "__main__":
    main()
