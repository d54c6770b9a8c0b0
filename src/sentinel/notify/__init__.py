"""Notify: deliver one message through one channel and say how it went.

A :class:`~sentinel.notify.message.Message` is what the escalation engine wants said; a
:class:`~sentinel.notify.base.Sender` says it through one channel — console, generic webhook
(HMAC-signed), DingTalk robot (钉钉自定义机器人), WeCom robot (企业微信群机器人), Feishu bot (飞书自定义机器人)
or email (SMTP) — and answers with a :class:`~sentinel.notify.base.Delivery`: sent, or failed with a
reason from a closed set and whether trying again can help. Senders never raise and never retry: the
outbox (another stage) decides when to try again, using ``retryable`` and ``retry_after``.

:func:`~sentinel.notify.registry.build_senders` turns the configured channels into senders, reading
their secrets from the environment once, at start.
"""
