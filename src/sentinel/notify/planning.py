"""Planning one channel's send: which claimed rows go now, which wait, and which reminders are
folded into one digest ("N条提醒") when more are queued than the channel may carry now."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from sentinel.notify.claiming import Queued
from sentinel.notify.message import Message, escape_markdown, one_line, safe_url

__all__ = ["DIGEST", "REMINDER", "digest", "digest_key", "merge_by_recipient", "plan"]

REMINDER = "reminder"
DIGEST = "digest"


def plan(rows: Sequence[Queued], room: int | None) -> tuple[list[list[Queued]], list[Queued]]:
    """Split one channel's rows (in order) into the units to send now and the rows that wait.

    A unit is one row, or — when the rows do not fit in ``room`` and at least two are reminders —
    the reminders beyond the first ``room - 1`` units, to be sent as one digest in the last slot.
    """
    if room is None or len(rows) <= room:
        return [[row] for row in rows], []
    if room == 0:
        return [], list(rows)
    if sum(row.kind == REMINDER for row in rows) < 2:
        return [[row] for row in rows[:room]], list(rows[room:])
    units: list[list[Queued]] = []
    folded: list[Queued] = []
    held: list[Queued] = []
    for row in rows:
        if len(units) < room - 1:
            units.append([row])
        elif row.kind == REMINDER:
            folded.append(row)
        else:
            held.append(row)
    if folded:
        units.append(folded)  # one reminder left over is simply sent in the slot
    elif held:
        units.append([held.pop(0)])
    return units, held


def merge_by_recipient(units: Sequence[list[Queued]]) -> list[list[Queued]]:
    """For the SMS and voice channels: the units for the same numbers (``mentions``) as one, at the
    first one's place, so that the alerts for one person claimed together are one text or one call
    (their per-number limits allow one a minute). Units without numbers stay as they are."""
    merged: list[list[Queued]] = []
    by_numbers: dict[tuple[str, ...], list[Queued]] = {}
    for unit in units:
        numbers = tuple(sorted({str(phone) for row in unit for phone in (row.message.get("mentions") or [])}))
        if not numbers:
            merged.append(list(unit))
        elif numbers in by_numbers:
            by_numbers[numbers].extend(unit)
        else:
            by_numbers[numbers] = list(unit)
            merged.append(by_numbers[numbers])
    return merged


def digest(messages: Sequence[Message], *, key: str) -> Message:
    """One message standing for several reminders: "N条提醒", each member's title and text in order."""
    markdown, plain = [], []
    for number, message in enumerate(messages, 1):
        link = safe_url(message.link)
        more = f"\n[查看详情]({link})" if link else ""
        markdown.append(f"**{number}. {escape_markdown(one_line(message.title))}**\n{message.text_markdown}{more}")
        plain.append(f"{number}. {one_line(message.title)}\n{message.text_plain}" + (f"\n{link}" if link else ""))
    grades = [message.grade for message in messages if message.grade]

    def common(values: Iterable[str | None]) -> str | None:
        found = set(values)
        return found.pop() if len(found) == 1 else None

    return Message(
        kind=DIGEST,
        title=f"{len(messages)}条提醒",
        text_markdown="\n\n".join(markdown),
        text_plain="\n\n".join(plain),
        incident_id=common(message.incident_id for message in messages),
        grade=max(grades, key=lambda grade: grade.severity) if grades else None,
        department=common(message.department for message in messages),
        link=common(message.link for message in messages),
        mentions=tuple(dict.fromkeys(phone for message in messages for phone in message.mentions)),
        idempotency_key=key,
        acks=tuple({(ack.person, ack.phone): ack for message in reversed(messages) for ack in message.acks}.values()),
    )


def digest_key(member_keys: Iterable[str]) -> str:
    return "digest:" + hashlib.sha256("\n".join(sorted(member_keys)).encode("utf-8")).hexdigest()[:32]
