"""The console channel: print the alert and log it. For ``sentinel demo``, development and as a last resort."""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from typing import TextIO

from sentinel.notify.base import Delivery, check_now, guarded
from sentinel.notify.message import Message, clean, grade_label, one_line, safe_url

log = logging.getLogger("sentinel.notify.console")


class ConsoleSender:
    """Writes a plain-text block per message to ``stream`` (standard output by default) and logs a line."""

    kind = "console"

    def __init__(self, channel_id: str, *, stream: TextIO | None = None) -> None:
        self.channel_id = channel_id
        self._stream = stream

    def __repr__(self) -> str:
        return f"ConsoleSender({self.channel_id!r})"

    async def send(self, message: Message, *, now: datetime) -> Delivery:
        return await guarded(self.channel_id, lambda: self._send(message, now=now))

    async def _send(self, message: Message, *, now: datetime) -> Delivery:
        now = check_now(now)
        head = " ".join(part for part in (grade_label(message.grade), one_line(message.title)) if part)
        lines = [f"[{now:%Y-%m-%d %H:%M:%SZ}] {message.kind}: {head}", clean(message.text_plain)]
        if message.department:
            lines.append(f"责任单位: {one_line(message.department)}")
        if link := safe_url(message.link):
            lines.append(f"详情: {link}")
        if message.mentions:
            lines.append("提醒: " + " ".join(message.mentions))
        stream = self._stream or sys.stdout  # looked up late so that pytest's capture sees it
        stream.write("\n".join(lines) + "\n\n")
        stream.flush()
        log.info("channel %s: %s %s (incident %s)", self.channel_id, message.kind, head, message.incident_id)
        return Delivery.sent()
