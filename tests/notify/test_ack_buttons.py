"""One-tap 认领 links in each channel: a DingTalk actionCard button per person, Feishu card buttons,
WeCom links, email links; a message without links is sent as before."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx

from sentinel.notify.dingtalk import DingTalkSender
from sentinel.notify.feishu import FeishuSender
from sentinel.notify.message import AckLink, Message
from sentinel.notify.smtp import build_email
from sentinel.notify.wecom import WeComSender
from tests.notify.servers import NOW, FakeDingTalk, FakeFeishu, FakeWeCom, message
from tests.support.server import LoopbackServer

ZHANG = AckLink("张伟", "https://sentinel.example.gov.cn/a/AAAAAAAAAAAbbbbbbbbbbbbbbbb", "AAAAAAAAAAAbbbbbbbbbbbbbbbb",
                "13800000001")
SUN = AckLink("孙主任", "https://sentinel.example.gov.cn/a/CCCCCCCCCCCdddddddddddddddd", "CCCCCCCCCCCdddddddddddddddd")
EVIL = AckLink("坏人", "javascript:alert(1)", "x")


def linked(**fields: object) -> Message:
    return dataclasses.replace(message(mentions=("13800000001",)), acks=(ZHANG, SUN, EVIL), **fields)


def sent(sender: type, url: str, msg: Message) -> bool:
    async def go() -> bool:
        async with httpx.AsyncClient() as client:
            return (await sender("c", url, client).send(msg, now=NOW)).ok

    return asyncio.run(go())


def test_dingtalk_sends_an_action_card_with_a_button_per_person(http_server: LoopbackServer) -> None:
    fake = FakeDingTalk(http_server, token="t1", secret=None, now=NOW)
    assert sent(DingTalkSender, fake.url(), linked())
    (received,) = fake.accepted
    document = received.document
    assert document["msgtype"] == "actionCard"
    card = document["actionCard"]
    assert card["btns"] == [
        {"title": "认领（张伟）", "actionURL": ZHANG.url}, {"title": "认领（孙主任）", "actionURL": SUN.url},
        {"title": "查看详情", "actionURL": "https://sentinel.example.gov.cn/incidents/42"}]  # never a javascript: one
    assert card["text"].startswith("#### II级（重大） 郑州市中原区某化工厂发生爆炸") and "@13800000001" in card["text"]
    assert document["at"]["atMobiles"] == ["13800000001"]
    assert sent(DingTalkSender, fake.url(), message())  # no links: markdown, as before
    assert fake.accepted[-1].document["msgtype"] == "markdown"


def test_an_evidence_alerts_button_confirms(http_server: LoopbackServer) -> None:
    fake = FakeDingTalk(http_server, token="t1", secret=None, now=NOW)
    assert sent(DingTalkSender, fake.url(), linked(kind="evidence"))
    assert fake.accepted[0].document["actionCard"]["btns"][0]["title"] == "确认发布（张伟）"


def test_feishu_card_has_a_link_button_per_person(http_server: LoopbackServer) -> None:
    fake = FakeFeishu(http_server, token="hook", secret=None, now=NOW)
    assert sent(FeishuSender, fake.url(), linked())
    (received,) = fake.accepted
    (actions,) = [element for element in received.document["card"]["elements"] if element["tag"] == "action"]
    assert [(b["text"]["content"], b["url"]) for b in actions["actions"]] == [
        ("认领（张伟）", ZHANG.url), ("认领（孙主任）", SUN.url),
        ("查看详情", "https://sentinel.example.gov.cn/incidents/42")]


def test_wecom_markdown_and_text_carry_the_links(http_server: LoopbackServer) -> None:
    fake = FakeWeCom(http_server, key="k1")
    assert sent(WeComSender, fake.url(), linked(mentions=()))
    content = fake.accepted[-1].document["markdown"]["content"]
    assert f"[认领（张伟）]({ZHANG.url})" in content and f"[认领（孙主任）]({SUN.url})" in content
    assert "javascript" not in content
    assert sent(WeComSender, fake.url(), linked())  # with a mention: one text message
    text = fake.accepted[-1].document["text"]["content"]
    assert f"一键认领（张伟）：{ZHANG.url}" in text


def test_a_long_wecom_text_is_cut_but_keeps_its_links(http_server: LoopbackServer) -> None:
    fake = FakeWeCom(http_server, key="k1")
    long = dataclasses.replace(linked(), text_plain="长" * 3000)
    assert sent(WeComSender, fake.url(), long)
    text = fake.accepted[-1].document["text"]["content"]
    assert len(text.encode()) <= 2048 and ZHANG.url in text and SUN.url in text


def test_email_has_the_links_in_both_parts() -> None:
    mail = build_email(linked(), sender="s@example.gov.cn", recipients=["duty@example.gov.cn"], now=NOW)
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert f"一键认领（张伟）：{ZHANG.url}" in plain and f"一键认领（孙主任）：{SUN.url}" in plain
    assert f'<a href="{ZHANG.url}">一键认领（张伟）</a>' in html and "javascript" not in html
