"""The daily briefing (舆情日报): the period report of the 24 hours up to today's digest time,
archived as files and summarised in the one daily message the leaders get.

At ``delivery.digest_at`` (default 08:30 local) the daemon calls :func:`prepare_briefing` in a worker
thread — drawing and PDF rendering take a second or two and must not block the event loop — then
queues the digest (:func:`sentinel.notify.digest.queue_daily_digest`) with the summary. The period
runs from yesterday's digest time to today's, so consecutive briefings tile the days without a gap
or an overlap, whenever the daemon actually gets round to them. Files are written to
``reports.archive_dir/YYYY-MM-DD/daily-YYYY-MM-DD.{html,pdf,json}`` through a temporary file and a
rename: a crash leaves the old file or the new, never half of one, and a second run rewrites them.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from sentinel.files import write_replacing
from sentinel.notify.digest import digest_day
from sentinel.reports.pdf import RenderStopped
from sentinel.reports.period import build_period_report
from sentinel.reports.render import render
from sentinel.settings import Settings

__all__ = ["archive", "briefing_period", "prepare_briefing"]

log = logging.getLogger(__name__)


def briefing_period(settings: Settings, day: date) -> tuple[datetime, datetime]:
    """The 24 hours that end at ``day``'s digest time, local."""
    at = settings.delivery.digest_at
    assert at is not None
    end = datetime.combine(day, at, tzinfo=settings.zone)
    return end - timedelta(days=1), end


def archive(report: dict[str, Any], settings: Settings, day: date) -> list[Path]:
    """Write the report in each archived format; a format that fails is logged and skipped."""
    if settings.reports.archive_dir is None:
        return []
    folder = Path(settings.reports.archive_dir) / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in settings.reports.archive_formats:
        target = folder / f"daily-{day.isoformat()}.{fmt}"
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


def prepare_briefing(engine: Engine, settings: Settings, now: datetime) -> dict[str, Any] | None:
    """Build and archive today's briefing; its summary for the digest message (None before its time)."""
    day = digest_day(settings, now)
    if day is None:
        return None
    start, end = briefing_period(settings, day)
    report = build_period_report(engine, settings, start, end, now=now)
    files = archive(report, settings, day)
    totals = {key: sum(row[key] for row in report["compliance"]) for key in ("due", "on_time", "late", "missed")}
    return {"from": report["from"], "to": report["to"], **totals, "breaches": len(report["breaches"]),
            "incidents": report["incidents"]["total"], "files": [str(path) for path in files]}
