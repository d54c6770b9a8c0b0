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
from sentinel.notify.base import Sender
from sentinel.notify.console import ConsoleSender
from sentinel.notify.dingtalk import DingTalkSender
from sentinel.notify.feishu import FeishuSender
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
