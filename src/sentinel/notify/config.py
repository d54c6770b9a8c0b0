"""The ``delivery:`` section of the configuration: retries, leases, the fallback channel, rate
limits, operators, when a failing channel is an alert, and the daily digest's time."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from sentinel.configtypes import Duration, Strict
from sentinel.notify.rates import DEFAULT_RATE_LIMITS, Rate, parse_rate

__all__ = ["PHONE_KINDS", "DeliveryConfig", "IvrConfig", "RateText"]

#: The SMS and voice channel kinds and the keys each must have (beyond id and kind).
PHONE_KINDS: dict[str, tuple[str, ...]] = {
    "aliyun_sms": ("access_key_id_env", "access_key_secret_env", "sign_name", "template_code"),
    "aliyun_voice": ("access_key_id_env", "access_key_secret_env", "tts_code"),
    "tencent_sms": ("secret_id_env", "secret_key_env", "sdk_app_id", "sign_name", "template_id"),
    "tencent_voice": ("secret_id_env", "secret_key_env", "sdk_app_id", "template_id"),
}


def _rate_text(value: str) -> str:
    parse_rate(value)
    return value


def _one_or_many(value: Any) -> Any:
    if isinstance(value, dict):
        return {channel: [rates] if isinstance(rates, str) else rates for channel, rates in value.items()}
    return value


RateText = Annotated[str, AfterValidator(_rate_text)]


class IvrConfig(Strict):
    """An ``aliyun_voice`` channel's key menu (``IvrCall``): ``start_code`` is the TTS template read
    first (it should end "…认领请按1"), ``ack_code`` the one played after key 1. Key presses come back
    to ``POST /api/callbacks/aliyun-voice?token=…``, the token from ``callback_token_env``."""

    start_code: str = Field(min_length=1)
    ack_code: str = Field(min_length=1)
    callback_token_env: str = Field(min_length=1)
    timeout: Duration = timedelta(seconds=30)  # how long the menu waits for a key


class DeliveryConfig(Strict):
    """The ``delivery:`` section: retries, leases, the fallback channel, rate limits, operators.

    ``rate_limits`` maps a channel id to one rate or several (``["5/s", "100/m"]``); an empty list
    turns the default for the channel's kind (:data:`DEFAULT_RATE_LIMITS`) off.
    """

    # after this many failed attempts the operators hear of the message (and a grade I/II one goes
    # through the fallback); a retryable failure still stays pending, retried every backoff_max,
    # and goes out marked 迟发 when its channel recovers: only a refusal (bad token, ...) fails for good
    max_attempts: int = Field(default=8, ge=1)
    backoff: Duration = timedelta(seconds=30)  # the first retry's delay; it doubles with each attempt
    backoff_max: Duration = timedelta(minutes=30)
    lease: Duration = timedelta(minutes=2)  # how long a claimed row is ours
    batch: int = Field(default=100, ge=1, le=10_000)
    fallback: str | None = None  # grade I/II messages go here too when their own channel fails
    fallback_after: int = Field(default=3, ge=1)  # … permanently, or this many times in a row
    rate_limits: Annotated[dict[str, list[RateText]], BeforeValidator(_one_or_many)] = Field(default_factory=dict)
    operators: list[str] | None = None  # who hears of permanent failures; default every other channel
    # a channel failing for longer than this is an operators' alert through the other channels (once
    # per episode) and a warning on the console's board
    channel_down_after: Duration = timedelta(minutes=15)
    # the daily digest (舆情日报) to the leaders, at this local time each day; null turns it off
    digest_at: time | None = time(8, 30)

    @model_validator(mode="after")
    def _positive(self) -> DeliveryConfig:
        for name in ("backoff", "backoff_max", "lease", "channel_down_after"):
            if getattr(self, name) <= timedelta(0):
                raise ValueError(f"delivery.{name} must be positive")
        if self.backoff_max < self.backoff:
            raise ValueError("delivery.backoff_max must be at least delivery.backoff")
        return self

    def rates_for(self, channel: str, kind: str | None) -> tuple[Rate, ...]:
        texts = self.rate_limits[channel] if channel in self.rate_limits else DEFAULT_RATE_LIMITS.get(kind or "", ())
        return tuple(parse_rate(text) for text in texts)
