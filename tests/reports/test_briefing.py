"""The daily briefing: at its time the daemon archives the day's period report and sends the leaders one
digest that summarises it."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session, col

from sentinel.app import Daemon
from sentinel.clock import FakeClock
from sentinel.metrics import Metrics
from sentinel.notify.serialisation import stored_message
from sentinel.reports.briefing import briefing_period
from sentinel.store.models import OutboxMessage

ZONE = ZoneInfo("Asia/Shanghai")


def digests(engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.scalars(select(OutboxMessage).where(col(OutboxMessage.kind) == "daily_digest")).all())


def test_the_briefing_is_archived_and_summarised_in_one_message_to_the_leaders(unanswered) -> None:
    settings = unanswered.settings
    archive = Path(settings.reports.archive_dir)
    clock = FakeClock(datetime(2026, 3, 11, 8, 29, tzinfo=ZONE))

    async def run() -> None:
        daemon = Daemon(settings, clock=clock, metrics=Metrics(process=False), serve_http=False)
        daemon.build_escalation()
        try:
            await daemon.daily_briefing()  # 08:29: not yet
            assert digests(unanswered.engine) == []
            clock.set(datetime(2026, 3, 11, 8, 31, tzinfo=ZONE))
            await daemon.daily_briefing()
            await daemon.daily_briefing()  # a second look the same day queues nothing more
        finally:
            await daemon._close()

    asyncio.run(run())
    (row,) = digests(unanswered.engine)  # one channel (console), one leader
    assert [r["name"] for r in row.recipients] == ["钱局长"]
    message = stored_message(row.message)
    assert message.title.startswith("【舆情日报】3月11日")
    # 03-10 08:30 to 03-11 08:30: the 5h (12:40) and the 24h (07:40) deadlines fell due, both missed
    assert "到期2项：按时0项，超时完成0项，超时未完成2项" in message.text_plain
    folder = archive / "2026-03-11"
    assert sorted(p.name for p in folder.iterdir()) == ["daily-2026-03-11.html", "daily-2026-03-11.json",
                                                          "daily-2026-03-11.pdf"]
    assert str(folder / "daily-2026-03-11.pdf") in message.text_plain
    report = json.loads((folder / "daily-2026-03-11.json").read_text(encoding="utf-8"))
    assert report["title"] == "舆情日报"
    assert (report["from"], report["to"]) == ("2026-03-10T08:30:00+08:00", "2026-03-11T08:30:00+08:00")
    assert [b["kind"] for b in report["breaches"]] == ["authoritative_info", "press_conference"]
    assert (folder / "daily-2026-03-11.pdf").read_bytes().startswith(b"%PDF")


def test_consecutive_briefings_tile_the_days(unanswered) -> None:
    day = datetime(2026, 3, 11, tzinfo=ZONE).date()
    start, end = briefing_period(unanswered.settings, day)
    before_start, before_end = briefing_period(unanswered.settings, day - timedelta(days=1))
    assert before_end == start and end - start == timedelta(days=1)
    assert end == datetime(2026, 3, 11, 8, 30, tzinfo=ZONE)
