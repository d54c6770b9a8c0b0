"""The demo's clock replays the past fast and stops at the present; its story starts in the past."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sentinel.clock import CatchUpClock
from sentinel.demo import STORY_LEAD, story_start

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_catch_up_clock_runs_fast_until_the_present_then_at_wall_clock_speed() -> None:
    start = datetime.now(UTC) - timedelta(minutes=10)
    clock = CatchUpClock(start, 600.0, paused=True)
    time.sleep(0.05)
    assert clock.now() == start and clock.rate == 600.0 and not clock.caught_up  # paused: it stands at its start
    clock.resume()
    time.sleep(0.2)
    replayed = clock.now()
    assert start + timedelta(seconds=60) < replayed < datetime.now(UTC)  # 0.2 s is 2 minutes of replay
    time.sleep(1.0)  # 10 minutes of replay: the present is reached, and never passed
    assert clock.caught_up and clock.rate == 1.0
    before = datetime.now(UTC)
    now = clock.now()
    assert before <= now <= datetime.now(UTC)


@pytest.mark.parametrize("wall", ["2026-12-05 09:07", "2026-12-05 23:59", "2026-12-06 11:00", "2026-12-06 10:59"])
def test_the_demos_story_starts_at_nine_at_least_a_day_and_its_deadline_ago(wall: str) -> None:
    now = datetime.fromisoformat(wall).replace(tzinfo=SHANGHAI)
    start = story_start(now.astimezone(UTC), SHANGHAI).astimezone(SHANGHAI)
    assert (start.hour, start.minute) == (9, 0)
    assert STORY_LEAD <= now - start < STORY_LEAD + timedelta(days=1)  # 2.6 to 5 minutes of replay at 600x
