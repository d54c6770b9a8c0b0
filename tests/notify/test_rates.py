"""Rates ("5/s", "20/m") and the ``delivery:`` section that names them per channel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from sentinel.notify.config import DeliveryConfig
from sentinel.notify.rates import Rate, parse_rate

S = timedelta(seconds=1)
M = timedelta(minutes=1)


def test_rates_and_the_configuration() -> None:
    assert parse_rate("5/s") == Rate(5, S) and parse_rate(" 20 / m ") == Rate(20, M)
    assert parse_rate("5/h") == Rate(5, 60 * M) and parse_rate("20/d") == Rate(20, 24 * 60 * M)  # per-number limits
    for bad in ("5", "0/s", "5/w", "x/m", ""):
        with pytest.raises(ValueError):
            parse_rate(bad)
    config = DeliveryConfig.model_validate({"rate_limits": {"ding": "10/m", "lark": ["1/s", "30/m"], "wc": []},
                                            "backoff": "10s", "lease": "5m"})
    assert config.rates_for("ding", "dingtalk") == (Rate(10, M),)
    assert config.rates_for("lark", "feishu") == (Rate(1, S), Rate(30, M))
    assert config.rates_for("wc", "wecom") == ()  # an empty list turns the default off
    assert config.rates_for("other", "feishu") == (Rate(5, S), Rate(100, M))
    assert config.rates_for("robot", "wecom") == (Rate(20, M),)
    assert config.rates_for("hook", "webhook") == ()
    assert (config.backoff, config.lease, config.max_attempts, config.fallback_after) == (10 * S, 5 * M, 8, 3)
    for bad in ({"rate_limits": {"ding": "20 per minute"}}, {"retries": 3}, {"backoff": "0s"},
                {"backoff": "10m", "backoff_max": "1m"}):
        with pytest.raises(ValidationError):
            DeliveryConfig.model_validate(bad)
