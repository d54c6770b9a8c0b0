"""A sample message, as the outbox tests queue and compare it."""

from __future__ import annotations

from typing import Any

from sentinel.notify.message import Message, render_markdown


def sample(**fields: Any) -> Message:
    values: dict[str, Any] = {
        "kind": "reminder", "title": "郑州市中原区某化工厂爆炸 <b>", "incident_id": "7", "grade": "II",
        "text_markdown": render_markdown("距发布权威信息时限还有 **{left}**", left="30分钟"),
        "text_plain": "距发布权威信息时限还有 30分钟", "department": "应急管理局",
        "link": "https://sentinel.example.gov.cn/incidents/7", "mentions": ("13800000000",),
        "idempotency_key": "obligation:3:reminder:30m",
    }
    return Message(**{**values, **fields})
