from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from sentinel.collect.schedule import backoff_delay, next_after_failure, next_after_success

NOW = datetime(2026, 11, 20, tzinfo=UTC)
FIVE = timedelta(minutes=5)


@pytest.mark.parametrize(
    ("failures", "expected"),
    [(1, FIVE), (2, 2 * FIVE), (3, 4 * FIVE), (4, 8 * FIVE), (5, timedelta(hours=1)), (40, timedelta(hours=1))],
)
def test_backoff_doubles_up_to_the_cap(failures: int, expected: timedelta) -> None:
    assert backoff_delay(FIVE, failures, cap=timedelta(hours=1)) == expected


def test_retry_after_is_never_undercut() -> None:
    assert backoff_delay(FIVE, 1, cap=timedelta(hours=1), retry_after=900) == timedelta(seconds=900)
    assert backoff_delay(FIVE, 3, cap=timedelta(hours=1), retry_after=10) == 4 * FIVE
    rng = random.Random(1)
    for _ in range(200):
        due = next_after_failure(NOW, FIVE, 1, cap=timedelta(hours=1), jitter=0.5, rng=rng, retry_after=600)
        assert due - NOW >= timedelta(seconds=600)


def test_a_blocked_source_waits_at_least_the_blocked_backoff() -> None:
    assert backoff_delay(timedelta(minutes=2), 1, cap=timedelta(hours=1), blocked=True,
                         blocked_backoff=timedelta(minutes=30)) == timedelta(minutes=30)
    assert backoff_delay(timedelta(minutes=2), 2, cap=timedelta(hours=1), blocked=True,
                         blocked_backoff=timedelta(minutes=30)) == timedelta(hours=1)


def test_jitter_spreads_within_its_bounds() -> None:
    rng = random.Random(7)
    dues = {next_after_success(NOW, FIVE, jitter=0.1, rng=rng) for _ in range(100)}
    assert len(dues) > 50
    assert all(NOW + FIVE * 0.9 <= due <= NOW + FIVE * 1.1 for due in dues)
    assert next_after_success(NOW, FIVE, jitter=0, rng=rng) == NOW + FIVE
