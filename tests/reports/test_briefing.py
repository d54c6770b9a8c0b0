"""The daily briefing: at its time the daemon archives the day's period report and sends the leaders one
digest that summarises it."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from sentinel.app import Daemon
from sentinel.clock import FakeClock
from sentinel.metrics import Metrics
from sentinel.notify.serialisation import stored_message
from sentinel.reports.briefing import briefing_period, prepare_briefing, prepare_briefing_apart
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


def _archived_in(settings, folder: Path, formats: list[str]):
    return settings.model_copy(update={"reports": settings.reports.model_copy(
        update={"archive_dir": str(folder), "archive_formats": formats})})


def test_the_briefing_built_in_a_child_is_the_one_built_in_the_daemon(unanswered, tmp_path) -> None:
    """The daemon builds the briefing in a child (its memory goes with it) and lays the PDF out from the
    archived page: the same files as built in one process, the PDF too when no page is archived."""
    now = datetime(2026, 3, 11, 9, 0, tzinfo=ZONE)
    here = prepare_briefing(unanswered.engine, _archived_in(unanswered.settings, tmp_path / "here",
                                                            ["html", "pdf", "json"]), now)
    apart = prepare_briefing_apart(_archived_in(unanswered.settings, tmp_path / "apart", ["html", "pdf", "json"]), now)
    assert here is not None and apart is not None
    assert [Path(name).name for name in apart["files"]] == [Path(name).name for name in here["files"]] == [
        "daily-2026-03-11.html", "daily-2026-03-11.pdf", "daily-2026-03-11.json"]
    assert {k: v for k, v in apart.items() if k != "files"} == {k: v for k, v in here.items() if k != "files"}
    assert apart["breaches"] == 2 and apart["missed"] == 2
    for name in ("daily-2026-03-11.html", "daily-2026-03-11.json"):
        assert (tmp_path / "apart/2026-03-11" / name).read_bytes() == (tmp_path / "here/2026-03-11" / name).read_bytes()
    assert (tmp_path / "apart/2026-03-11/daily-2026-03-11.pdf").read_bytes().startswith(b"%PDF")
    # no page archived: the PDF is laid out from a page written for it, which is then removed
    only = prepare_briefing_apart(_archived_in(unanswered.settings, tmp_path / "only", ["json", "pdf"]), now)
    assert only is not None and [Path(name).name for name in only["files"]] == [
        "daily-2026-03-11.json", "daily-2026-03-11.pdf"]
    assert sorted(p.name for p in (tmp_path / "only/2026-03-11").iterdir()) == [
        "daily-2026-03-11.json", "daily-2026-03-11.pdf"]
    assert (tmp_path / "only/2026-03-11/daily-2026-03-11.pdf").read_bytes().startswith(b"%PDF")


def test_a_briefing_child_that_fails_says_why_and_a_stopped_one_queues_no_digest(unanswered, tmp_path) -> None:
    import threading
    import time

    from sentinel.reports.child import ChildFailed, ChildStopped
    from sentinel.reports.pdf import stop_rendering

    now = datetime(2026, 3, 11, 9, 0, tzinfo=ZONE)
    garbage = tmp_path / "not-a-store.db"
    garbage.write_bytes(b"this is no SQLite file" * 100)
    broken = unanswered.settings.model_copy(update={"database": unanswered.settings.database.model_copy(
        update={"url": f"sqlite:///{garbage}"})})
    with pytest.raises(ChildFailed, match="building the daily briefing failed: .*not a database"):
        prepare_briefing_apart(broken, now)

    # a stop kills the child under way: the daemon queues no digest, the next start builds both
    settings = _archived_in(unanswered.settings, tmp_path / "stopped", ["html", "pdf", "json"])
    clock = FakeClock(datetime(2026, 3, 12, 8, 31, tzinfo=ZONE))
    before = len(digests(unanswered.engine))
    killed: list[int] = []

    def stop_when_running() -> None:
        deadline = time.monotonic() + 30
        while not (n := stop_rendering()) and time.monotonic() < deadline:
            time.sleep(0.02)
        killed.append(n)

    async def run() -> None:
        daemon = Daemon(settings, clock=clock, metrics=Metrics(process=False), serve_http=False)
        daemon.build_escalation()
        stopper = threading.Thread(target=stop_when_running)
        stopper.start()
        try:
            await daemon.daily_briefing()
        finally:
            stopper.join(35)
            await daemon._close()

    asyncio.run(run())
    assert killed == [1]
    assert len(digests(unanswered.engine)) == before
    stopper = threading.Thread(target=stop_when_running)  # what the daemon is told
    stopper.start()
    try:
        with pytest.raises(ChildStopped, match="was stopped: sentinel is stopping"):
            prepare_briefing_apart(settings, now)
    finally:
        stopper.join(35)
    assert killed == [1, 1]
