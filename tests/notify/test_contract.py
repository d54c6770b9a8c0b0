"""The one contract every sender passes, each against the loopback fake of its own service.

Sent is sent; a wrong credential is permanent and says which; throttling, 5xx, timeouts and dropped
connections are retryable; an oversized message is cut to the service's limit and still accepted;
feed text arrives inert; an intermittently failing service gets every message exactly once when
the caller retries what is retryable. They run on the daemon's own client (:func:`send_client`,
httpx over aiohttp).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sentinel.notify.base import REASONS, Delivery, Sender, send_client
from sentinel.notify.message import CUT_MARKER, Message
from tests.notify.conftest import Harness
from tests.notify.servers import HOSTILE, NOW, message

T = TypeVar("T")


def run(harness: Harness, action: Callable[[Sender], Awaitable[T]], *, good: bool = True, timeout: float = 5.0) -> T:
    async def go() -> T:
        async with send_client() as client:
            return await action(harness.sender(client, good=good, timeout=timeout))

    return asyncio.run(go())


def send(harness: Harness, msg: Message, **kwargs: object) -> Delivery:
    return run(harness, lambda sender: sender.send(msg, now=NOW), **kwargs)  # type: ignore[arg-type]


def test_sent(harness: Harness) -> None:
    delivery = send(harness, message())
    assert delivery.outcome == "sent" and delivery.ok and delivery.reason is None and not delivery.retryable
    assert len(harness.fake.accepted) == 1
    texts = "\n".join(harness.fake.accepted[0].texts)
    assert "化工厂发生爆炸" in texts and "已有3人死亡" in texts


def test_wrong_credential_is_permanent_and_named(harness: Harness) -> None:
    delivery = send(harness, message(), good=False)
    assert delivery.outcome == "failed" and not delivery.retryable
    assert delivery.reason == harness.credential_reason
    assert harness.fake.accepted == []


def test_rate_limited_is_retryable(harness: Harness) -> None:
    harness.fake.rate_limit = 1

    async def twice(sender: Sender) -> tuple[Delivery, Delivery]:
        return await sender.send(message(), now=NOW), await sender.send(message(key="second"), now=NOW)

    first, second = run(harness, twice)
    assert first.ok
    assert second.outcome == "failed" and second.retryable and second.reason == "rate_limited"
    if harness.name != "email":  # SMTP has no way to say how long to wait
        assert second.retry_after is not None and second.retry_after > 0


def test_server_error_is_retryable(harness: Harness) -> None:
    harness.fake.fail_every = 1
    delivery = send(harness, message())
    assert delivery.outcome == "failed" and delivery.retryable and delivery.reason == "server_error"


def test_timeout_is_retryable(harness: Harness) -> None:
    harness.fake.delay = 1.5
    delivery = send(harness, message(), timeout=0.3)
    assert delivery.outcome == "failed" and delivery.retryable and delivery.reason == "timeout"


def test_nothing_listening_is_a_retryable_connection_failure(harness: Harness) -> None:
    async def go() -> Delivery:
        async with send_client() as client:
            return await harness.unreachable(client).send(message(), now=NOW)

    delivery = asyncio.run(go())
    assert delivery.outcome == "failed" and delivery.retryable and delivery.reason == "connection"


def test_oversized_message_is_cut_to_the_limit_and_accepted(harness: Harness) -> None:
    # ~3 MB: over every limit, with newlines and quotes that JSON escaping makes longer
    excerpt = ("据网友爆料，\"现场\"浓烟滚滚。\n" * 10 + HOSTILE + "\n") * 2000
    msg = Message(
        kind="new_incident", title="超长的通报" + "标题" * 5000, text_markdown=message(excerpt=excerpt).text_markdown,
        text_plain=excerpt, grade="I", link="https://sentinel.example.gov.cn/incidents/7", idempotency_key="big",
    )
    delivery = send(harness, msg)
    assert delivery.ok, delivery
    (received,) = harness.fake.accepted
    assert received.size <= harness.limit
    assert any(CUT_MARKER.strip() in text for text in received.texts)
    assert "超长的通报" in "\n".join(received.texts)


def test_feed_text_arrives_inert(harness: Harness) -> None:
    delivery = send(harness, message(title=f"爆炸 {HOSTILE}", excerpt=HOSTILE))
    assert delivery.ok, delivery
    (received,) = harness.fake.accepted
    markup = harness.markup(received)
    assert harness.escaped in "\n".join(markup)
    for text in markup:
        for raw in harness.forbidden:
            assert raw not in text, (raw, text)


def test_intermittent_failures_deliver_each_message_exactly_once(harness: Harness) -> None:
    harness.fake.fail_every = 2  # every second request fails with a gateway error

    async def deliver_all(sender: Sender) -> list[Delivery]:
        results = []
        for number in range(4):
            msg = message(title=f"事件{number}", key=f"inc-{number}")
            for _attempt in range(3):  # what the outbox does: retry what is retryable
                delivery = await sender.send(msg, now=NOW)
                if delivery.ok or not delivery.retryable:
                    break
                assert delivery.reason == "server_error"
            results.append(delivery)
        return results

    results = run(harness, deliver_all)
    assert all(delivery.ok for delivery in results)
    titles = ["\n".join(received.texts) for received in harness.fake.accepted]
    assert [sum(f"事件{n}" in title for title in titles) for n in range(4)] == [1, 1, 1, 1]


def test_reasons_are_a_closed_set(harness: Harness) -> None:
    harness.fake.fail_every = 1
    delivery = send(harness, message())
    assert delivery.reason in REASONS
