"""Recording's pure parts: the retry delay and the keys of follow-up messages. Recording itself runs
against SQLite and PostgreSQL in ``test_outbox.py``'s drains."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sentinel.notify.recording import derived_key, retry_delay

S = timedelta(seconds=1)
M = timedelta(minutes=1)


@pytest.mark.parametrize(("attempts", "retry_after", "expected"), [
    (1, None, 30 * S), (2, None, 60 * S), (3, None, 120 * S), (6, None, 16 * M), (7, None, 30 * M),
    (40, None, 30 * M), (1, 7.0, 30 * S), (1, 600.0, 10 * M), (7, 3600.0, 60 * M),
])
def test_retry_delay_doubles_is_capped_and_honours_retry_after(attempts: int, retry_after: float | None,
                                                               expected: timedelta) -> None:
    assert retry_delay(attempts, backoff=30 * S, backoff_max=30 * M, retry_after=retry_after) == expected


def test_derived_keys_fit_the_column() -> None:
    assert derived_key("a:b", ":fallback") == "a:b:fallback"
    long = derived_key("x" * 300, ":failed:ops")
    assert len(long) <= 255 and long.endswith(":failed:ops") and long != derived_key("x" * 299 + "y", ":failed:ops")
