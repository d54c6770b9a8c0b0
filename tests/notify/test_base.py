"""Delivery, status classification and Retry-After: tables of cases."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import httpx
import pytest

from sentinel.httputil import retry_after_seconds
from sentinel.notify.base import REASONS, RETRYABLE, Delivery, classify_status, guarded

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def test_delivery_shapes() -> None:
    assert Delivery.sent() == Delivery("sent")
    assert Delivery.failed("timeout", "x").retryable
    assert not Delivery.failed("bad_token", "x").retryable
    assert not Delivery.failed("connection", "x", retryable=False).retryable
    assert Delivery.failed("rate_limited", "x", retry_after=5).retry_after == 5
    assert RETRYABLE == {"rate_limited", "server_error", "timeout", "connection"}
    assert len(set(REASONS)) == 10


@pytest.mark.parametrize(
    "kwargs",
    [
        {"outcome": "sent", "reason": "timeout"},
        {"outcome": "sent", "retryable": True},
        {"outcome": "failed"},
        {"outcome": "failed", "reason": "network_glitch"},
    ],
)
def test_delivery_rejects_impossible_combinations(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Delivery(**kwargs)  # type: ignore[arg-type]


def test_detail_is_short_and_one_line() -> None:
    detail = Delivery.failed("bad_request", "line one\nline two " + "x" * 1000).detail
    assert "\n" not in detail and len(detail) <= 300


@pytest.mark.parametrize(
    ("status", "headers", "signed", "reason", "retryable", "retry_after"),
    [
        (200, {}, False, None, False, None),
        (204, {}, True, None, False, None),
        (429, {"Retry-After": "30"}, False, "rate_limited", True, 30.0),
        (429, {"Retry-After": "Fri, 20 Nov 2026 02:01:00 GMT"}, False, "rate_limited", True, 60.0),
        (500, {}, False, "server_error", True, None),
        (503, {"Retry-After": "120"}, False, "server_error", True, 120.0),
        (408, {}, False, "timeout", True, None),
        (401, {}, True, "bad_signature", False, None),
        (403, {}, False, "bad_token", False, None),
        (413, {}, False, "too_large", False, None),
        (404, {}, False, "bad_request", False, None),
        (422, {}, False, "bad_request", False, None),
        (302, {"Location": "http://elsewhere/"}, False, "bad_request", False, None),
    ],
)
def test_classify_status(
    status: int, headers: dict[str, str], signed: bool, reason: str | None, retryable: bool, retry_after: float | None
) -> None:
    delivery = classify_status(httpx.Response(status, headers=headers, text="body"), now=NOW, signed=signed)
    assert (delivery.reason, delivery.retryable, delivery.retry_after) == (reason, retryable, retry_after)
    assert delivery.ok == (reason is None)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("12", 12.0), ("Fri, 20 Nov 2026 01:00:00 GMT", 0.0), ("soon", None), ("", None), (None, None)],
)
def test_retry_after_seconds(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, since=NOW) == seconds


def test_guarded_turns_a_bug_into_an_internal_failure(caplog: pytest.LogCaptureFixture) -> None:
    async def broken() -> Delivery:
        raise KeyError("oops")

    with caplog.at_level(logging.ERROR, logger="sentinel.notify"):
        delivery = asyncio.run(guarded("duty", broken))
    assert delivery.reason == "internal" and not delivery.retryable and "KeyError" in delivery.detail
    assert "duty" in caplog.text and "Traceback" in caplog.text
