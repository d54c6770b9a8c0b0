"""What an outbox row's ``message`` column holds, and the :class:`Message` it stands for.

A row holds either a whole message (:func:`message_to_json`) or a template's kind and its context,
rendered when it is sent (:func:`sentinel.store.outbox.deferred_message`); :func:`stored_message`
reads either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import TemplateError

from sentinel.notify.message import AckLink, Message

__all__ = ["message_from_json", "message_title", "message_to_json", "stored_message"]


def message_to_json(message: Message) -> dict[str, Any]:
    """The ``outbox.message`` document: exactly the fields of :class:`Message`, JSON-ready."""
    return {
        "kind": message.kind,
        "title": message.title,
        "text_markdown": message.text_markdown,
        "text_plain": message.text_plain,
        "incident_id": message.incident_id,
        "grade": message.grade.value if message.grade else None,
        "department": message.department,
        "link": message.link,
        "mentions": list(message.mentions),
        "idempotency_key": message.idempotency_key,
        "acks": [{"person": a.person, "url": a.url, "code": a.code, "phone": a.phone} for a in message.acks],
    }


def stored_message(data: Mapping[str, Any]) -> Message:
    """The :class:`Message` an outbox row holds: rendered now if it was deferred, else as written.
    ValueError on a row that cannot be read or rendered."""
    if isinstance(data, Mapping) and "template" in data:
        from sentinel.notify.compose import compose

        context = data.get("context")
        if not isinstance(context, Mapping):
            raise ValueError("message.context must be an object")
        try:
            message = compose(str(data["template"]), {**context, "idempotency_key": data.get("idempotency_key") or ""},
                              zone=ZoneInfo(str(data.get("zone") or "Asia/Shanghai")), link_base=data.get("link_base"))
        except TemplateError as exc:
            raise ValueError(f"message.context does not fit template {data['template']!r}: {exc}") from exc
        links = _ack_links(data)
        return replace(message, acks=links) if links else message
    return message_from_json(data)


def message_title(data: Mapping[str, Any]) -> str:
    """An outbox row's title, for listings; a row that cannot be rendered says so instead."""
    try:
        return stored_message(data).title
    except ValueError as exc:
        return f"(unreadable message: {exc})"


_TEXT_FIELDS = ("kind", "title", "text_markdown", "text_plain")
_OPTIONAL_FIELDS = ("incident_id", "grade", "department", "link")


def message_from_json(data: Mapping[str, Any]) -> Message:
    """The :class:`Message` that :func:`message_to_json` wrote; ValueError on a malformed document.

    Keys it does not know are ignored, so a row written by a newer sentinel is still sent.
    """
    if not isinstance(data, Mapping):
        raise ValueError(f"a message is a JSON object, got {type(data).__name__}")
    values: dict[str, Any] = {}
    for name in _TEXT_FIELDS:
        if not isinstance(data.get(name), str):
            raise ValueError(f"message.{name} must be a string, got {data.get(name)!r:.40}")
        values[name] = data[name]
    for name in _OPTIONAL_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"message.{name} must be a string or null, got {value!r:.40}")
        values[name] = value
    mentions = data.get("mentions") or []
    if not isinstance(mentions, list) or not all(isinstance(phone, str) for phone in mentions):
        raise ValueError("message.mentions must be a list of phone numbers")
    key = data.get("idempotency_key") or ""
    if not isinstance(key, str):
        raise ValueError("message.idempotency_key must be a string")
    return Message(**values, mentions=tuple(mentions), idempotency_key=key, acks=_ack_links(data))


def _ack_links(data: Mapping[str, Any]) -> tuple[AckLink, ...]:
    """The document's ``acks``; ValueError on a malformed list."""
    acks = data.get("acks") or []
    if not isinstance(acks, list) or not all(isinstance(ack, Mapping) for ack in acks):
        raise ValueError("message.acks must be a list of objects")
    try:
        return tuple(AckLink(person=str(a["person"]), url=str(a["url"]), code=str(a["code"]),
                             phone=None if a.get("phone") is None else str(a["phone"])) for a in acks)
    except KeyError as exc:
        raise ValueError(f"message.acks entry lacks {exc}") from exc
