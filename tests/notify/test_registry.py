"""Building senders from the configured channels: secrets from the environment, errors that name the key."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sentinel.errors import ConfigError
from sentinel.notify.base import Sender
from sentinel.notify.console import ConsoleSender
from sentinel.notify.dingtalk import DingTalkSender
from sentinel.notify.feishu import FeishuSender
from sentinel.notify.registry import build_senders
from sentinel.notify.smtp import SmtpSender
from sentinel.notify.webhook import WebhookSender
from sentinel.notify.wecom import WeComSender
from sentinel.settings import ChannelConfig
from tests.notify.servers import NOW, FakeWeCom, message
from tests.support.server import LoopbackServer


@pytest.fixture
def client() -> Iterator[httpx.AsyncClient]:
    client = httpx.AsyncClient()
    yield client
    asyncio.run(client.aclose())


def channels(*entries: dict[str, Any]) -> list[ChannelConfig]:
    return [ChannelConfig.model_validate(entry) for entry in entries]


def test_every_kind(client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", "h")
    monkeypatch.setenv("DING_SECRET", "SECd")
    monkeypatch.setenv("SMTP_USER", "duty")
    monkeypatch.setenv("SMTP_PASSWORD", "pw")
    senders = build_senders(channels(
        {"id": "console", "kind": "console"},
        {"id": "hook", "kind": "webhook", "url": "http://127.0.0.1:9000/hook", "secret_env": "HOOK_SECRET"},
        {"id": "ding", "kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=t", "secret_env": "DING_SECRET"},
        {"id": "wecom", "kind": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"},
        {"id": "lark", "kind": "feishu", "url": "https://open.feishu.cn/open-apis/bot/v2/hook/h"},
        {"id": "mail", "kind": "email", "host": "smtp.example.gov.cn", "starttls": True, "from": "s@example.gov.cn",
         "to": ["duty@example.gov.cn"], "username_env": "SMTP_USER", "password_env": "SMTP_PASSWORD"},
    ), client)
    kinds = {name: type(sender) for name, sender in senders.items()}
    assert kinds == {"console": ConsoleSender, "hook": WebhookSender, "ding": DingTalkSender, "wecom": WeComSender,
                     "lark": FeishuSender, "mail": SmtpSender}
    assert all(isinstance(sender, Sender) for sender in senders.values())
    assert all(sender.channel_id == name for name, sender in senders.items())
    assert "SECd" not in repr(senders["ding"]) and "pw" not in repr(senders["mail"]) and "key=k" not in repr(senders["wecom"])


@pytest.mark.parametrize(
    ("entry", "key"),
    [
        ({"id": "ding", "kind": "dingtalk", "url": "https://h/robot/send?access_token=t", "secret_env": "NOPE_SECRET"},
         "channels[ding].secret_env"),
        ({"id": "lark", "kind": "feishu", "url": "https://h/hook/${NOPE_TOKEN}"}, "channels[lark].url"),
        ({"id": "mail", "kind": "email", "host": "smtp.x.cn", "ssl": True, "from": "s@x.cn", "to": ["a@x.cn"],
          "username_env": "NOPE_USER", "password_env": "NOPE_PASSWORD"}, "channels[mail].username_env"),
    ],
)
def test_an_unset_variable_names_its_key(client: httpx.AsyncClient, entry: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build_senders(channels(entry), client)
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{key}: environment variable NOPE_")


@pytest.mark.parametrize(
    ("entry", "key", "words"),
    [
        ({"id": "wecom", "kind": "wecom", "url": "https://h/send?key=k", "secret_env": "X"}, "channels[wecom].secret_env", "does not sign"),
        ({"id": "mail", "kind": "email", "host": "h.cn", "ssl": True, "starttls": True, "from": "s@x.cn", "to": ["a@x.cn"]},
         "channels[mail].ssl", "one of"),
        ({"id": "mail", "kind": "email", "host": "h.cn", "from": "s@x.cn", "to": ["a@x.cn"], "username_env": "U"},
         "channels[mail].password_env", "together"),
        ({"id": "mail", "kind": "email", "host": "smtp.x.cn", "from": "s@x.cn", "to": ["a@x.cn"], "username_env": "SMTP_USER",
          "password_env": "SMTP_PASSWORD"}, "channels[mail].username_env", "starttls or ssl"),
    ],
)
def test_misconfigurations(client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, entry: dict[str, Any], key: str, words: str) -> None:
    monkeypatch.setenv("SMTP_USER", "duty")
    monkeypatch.setenv("SMTP_PASSWORD", "pw")
    with pytest.raises(ConfigError, match=words) as caught:
        build_senders(channels(entry), client)
    assert caught.value.key == key


def test_duplicate_ids(client: httpx.AsyncClient) -> None:
    with pytest.raises(ConfigError, match="twice"):
        build_senders(channels({"id": "c", "kind": "console"}, {"id": "c", "kind": "console"}), client)


def test_url_credential_from_the_environment_reaches_the_service(http_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeWeCom(http_server, key="key-from-env")
    monkeypatch.setenv("WECOM_KEY", "key-from-env")
    url = http_server.url("/cgi-bin/webhook/send?key=${WECOM_KEY}")

    async def go() -> bool:
        async with httpx.AsyncClient() as client:
            senders = build_senders(channels({"id": "wecom", "kind": "wecom", "url": url}), client)
            return (await senders["wecom"].send(message(), now=NOW)).ok

    assert asyncio.run(go())
    assert len(fake.accepted) == 1
