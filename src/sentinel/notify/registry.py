"""Turn the configured channels into senders, reading every secret from the environment once, at start.

A missing secret is a :class:`~sentinel.errors.ConfigError` naming the key that names it
(``channels[duty-ding].secret_env: environment variable DING_SECRET is not set``), so the daemon
refuses to start instead of failing on the first alert.

The chat robots carry a credential in the URL itself (DingTalk's ``access_token``, WeCom's ``key``,
Feishu's hook token). To keep it out of the file, ``url`` may reference environment variables as
``${NAME}``; they are substituted here, and an unset one is an error naming ``channels[ID].url``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import httpx

from sentinel.errors import ConfigError
from sentinel.notify import aliyun, tencent
from sentinel.notify.base import Sender
from sentinel.notify.console import ConsoleSender
from sentinel.notify.dingtalk import DingTalkSender
from sentinel.notify.feishu import FeishuSender
from sentinel.notify.phone import SMS_LIMITS, VOICE_LIMITS, PhoneLimits
from sentinel.notify.smtp import Security, SmtpSender
from sentinel.notify.webhook import WebhookSender
from sentinel.notify.wecom import WeComSender
from sentinel.settings import ChannelConfig, env_secret

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}
_SIGNING = {"webhook", "dingtalk", "feishu"}


def build_senders(channels: Sequence[ChannelConfig], client: httpx.AsyncClient) -> dict[str, Sender]:
    """One sender per channel, by channel id; the HTTP senders share ``client``."""
    senders: dict[str, Sender] = {}
    for channel in channels:
        if channel.id in senders:
            raise ConfigError(f"channel id {channel.id!r} is used twice", key=f"channels[{channel.id}].id")
        senders[channel.id] = build_sender(channel, client)
    return senders


def build_sender(channel: ChannelConfig, client: httpx.AsyncClient) -> Sender:
    """The sender for one channel (see :func:`build_senders`)."""
    if channel.secret_env and channel.kind not in _SIGNING:
        hint = " (its key is part of the url)" if channel.kind == "wecom" else ""
        problem = f"a {channel.kind} channel does not sign{hint}; remove secret_env"
        raise ConfigError(problem, key=_key(channel, "secret_env"))
    if channel.kind == "console":
        return ConsoleSender(channel.id)
    if channel.kind == "email":
        return _email(channel)
    if channel.kind in ("aliyun_sms", "aliyun_voice", "tencent_sms", "tencent_voice"):
        return _phone(channel, client)
    url = _expand(channel, channel.url or "")
    if channel.kind == "wecom":
        return WeComSender(channel.id, url, client)
    secret = _secret(channel, "secret_env")
    if channel.kind == "webhook":
        return WebhookSender(channel.id, url, client, secret=secret)
    if channel.kind == "dingtalk":
        return DingTalkSender(channel.id, url, client, secret=secret)
    if channel.kind == "feishu":
        return FeishuSender(channel.id, url, client, secret=secret)
    raise ConfigError(f"unknown channel kind {channel.kind!r}", key=_key(channel, "kind"))


def _key(channel: ChannelConfig, name: str) -> str:
    return f"channels[{channel.id}].{name}"


def _secret(channel: ChannelConfig, field: str) -> str | None:
    """The value of the variable that ``channel.<field>`` names; None when the field is not set."""
    name = getattr(channel, field)
    if not name:
        return None
    value = env_secret(name)
    if value is None:
        raise ConfigError(f"environment variable {name} is not set", key=_key(channel, field))
    return value


def _expand(channel: ChannelConfig, url: str) -> str:
    def value(match: re.Match[str]) -> str:
        found = env_secret(match.group(1))
        if found is None:
            raise ConfigError(f"environment variable {match.group(1)} is not set", key=_key(channel, "url"))
        return found

    return _ENV_REF.sub(value, url)


def _required(channel: ChannelConfig, field: str) -> str:
    value = _secret(channel, field)
    if value is None:  # the settings' validation makes it present; this keeps the type honest
        raise ConfigError("required", key=_key(channel, field))
    return value


def _phone(channel: ChannelConfig, client: httpx.AsyncClient) -> Sender:
    """An SMS or voice sender; its keys from the environment, its per-number limits from
    ``per_number`` or the kind's default (:mod:`sentinel.notify.phone`)."""
    voice = channel.kind.endswith("_voice")
    limits = PhoneLimits.parse(channel.per_number if channel.per_number is not None
                               else VOICE_LIMITS if voice else SMS_LIMITS)
    if channel.kind.startswith("aliyun"):
        key_id, key_secret = _required(channel, "access_key_id_env"), _required(channel, "access_key_secret_env")
        if channel.kind == "aliyun_sms":
            return aliyun.AliyunSmsSender(
                channel.id, _expand(channel, channel.url or aliyun.SMS_URL), client, key_id=key_id,
                key_secret=key_secret, sign_name=channel.sign_name or "", template_code=channel.template_code or "",
                limits=limits)
        menu = None
        if channel.ivr is not None:
            menu = aliyun.IvrMenu(channel.ivr.start_code, channel.ivr.ack_code,
                                  int(channel.ivr.timeout.total_seconds() * 1000))
            if env_secret(channel.ivr.callback_token_env) is None:
                raise ConfigError(f"environment variable {channel.ivr.callback_token_env} is not set",
                                  key=_key(channel, "ivr.callback_token_env"))
        return aliyun.AliyunVoiceSender(
            channel.id, _expand(channel, channel.url or aliyun.VOICE_URL), client, key_id=key_id,
            key_secret=key_secret, tts_code=channel.tts_code or "", called_show_number=channel.called_show_number,
            limits=limits, ivr=menu, play_times=channel.play_times)
    secret_id, secret_key = _required(channel, "secret_id_env"), _required(channel, "secret_key_env")
    if channel.kind == "tencent_sms":
        return tencent.TencentSmsSender(
            channel.id, _expand(channel, channel.url or tencent.SMS_URL), client, secret_id=secret_id,
            secret_key=secret_key, sdk_app_id=channel.sdk_app_id or "", sign_name=channel.sign_name or "",
            template_id=channel.template_id or "", region=channel.region, limits=limits)
    return tencent.TencentVoiceSender(
        channel.id, _expand(channel, channel.url or tencent.VOICE_URL), client, secret_id=secret_id,
        secret_key=secret_key, sdk_app_id=channel.sdk_app_id or "", template_id=channel.template_id or "",
        region=channel.region, limits=limits, play_times=channel.play_times)


def _email(channel: ChannelConfig) -> SmtpSender:
    if channel.ssl and channel.starttls:
        raise ConfigError("choose one of ssl (implicit TLS) and starttls", key=_key(channel, "ssl"))
    security: Security = "ssl" if channel.ssl else "starttls" if channel.starttls else "none"
    if bool(channel.username_env) != bool(channel.password_env):
        missing = "password_env" if channel.username_env else "username_env"
        raise ConfigError("username_env and password_env go together", key=_key(channel, missing))
    username = _secret(channel, "username_env")
    password = _secret(channel, "password_env")
    host = channel.host or ""
    if username is not None and security == "none" and host not in _LOOPBACK:
        # smtplib would send the password in the clear; nothing on a government network should
        raise ConfigError("a login needs starttls or ssl", key=_key(channel, "username_env"))
    return SmtpSender(
        channel.id,
        host=host,
        port=channel.port,
        sender=channel.from_ or "",
        recipients=list(channel.to),
        security=security,
        username=username,
        password=password,
    )
