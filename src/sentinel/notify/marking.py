"""Marks on a message that did not go out as first decided: 迟发 (late: its channel was failing, and
by how much) and 重发 (resent: an earlier send of it may have arrived — the process sending it died,
or its lease ran out, before the outcome was recorded, so nobody knows). The reader sees both in the title and in the text; the
idempotency key stays the same, so a receiver that keeps keys drops the repeat."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from sentinel.escalation.reminders import format_time_left
from sentinel.notify.claiming import Queued
from sentinel.notify.message import Message, escape_markdown

__all__ = ["LATE_MARK_AFTER", "late_by", "marked"]

#: A retry half a minute after the first try is not worth a mark; past this it is.
LATE_MARK_AFTER = timedelta(minutes=1)


def late_by(row: Queued, now: datetime) -> timedelta | None:
    """How late a row that failed before goes out now, counted from when it was queued; None when
    it never failed (quiet hours hold a message on purpose) or is less than :data:`LATE_MARK_AFTER` late."""
    late = now - row.created_at
    return late if row.attempts > 0 and late >= LATE_MARK_AFTER else None


def marked(message: Message, *, late: timedelta | None, resent: bool) -> Message:
    """``message`` with 【迟发 …】/【重发】 before its title and a line saying why after its text."""
    tags, notes = [], []
    if late is not None:
        tags.append(f"迟发{format_time_left(late)}")
        notes.append(f"迟发：通道故障期间未能送达，比原定晚{format_time_left(late)}。")
    if resent:
        tags.append("重发")
        notes.append("重发：上次发送结果不明，可能已收到过本条。")
    if not tags:
        return message
    note = "\n".join(notes)
    return dataclasses.replace(
        message,
        title=f"【{'，'.join(tags)}】{message.title}",
        text_markdown=f"{message.text_markdown}\n\n{escape_markdown(note)}",
        text_plain=f"{message.text_plain}\n\n{note}",
    )
