"""Items handed to sentinel rather than fetched: ``POST /api/items`` and replay scenarios.

Both use the item shape of docs/architecture.md#replay-scenarios: ``{"id", "title", "text", "url",
"author", "published_at", "reposts", "comments", "likes", "author_verified_type"}``, of which
``id``, ``text`` and ``published_at`` are required.
"""

from __future__ import annotations

from typing import Any

from sentinel.collect.types import RawItem
from sentinel.normalise.times import parse_iso

_OPTIONAL_TEXT = ("title", "url", "author")
_COUNTS = ("reposts", "comments", "likes")
_KNOWN = {"id", "text", "published_at", "author_verified_type", *_OPTIONAL_TEXT, *_COUNTS}


class ItemShapeError(ValueError):
    """A pushed item is not of the documented shape; the message names the field."""


def parse_pushed_item(data: Any) -> RawItem:
    if not isinstance(data, dict):
        raise ItemShapeError("an item must be a JSON object")
    unknown = sorted(set(data) - _KNOWN)
    if unknown:
        raise ItemShapeError(f"unknown field {unknown[0]!r}")
    external_id = data.get("id")
    if isinstance(external_id, int) and not isinstance(external_id, bool):
        external_id = str(external_id)
    if not isinstance(external_id, str) or not external_id.strip() or len(external_id) > 512:
        raise ItemShapeError("id: required, a non-empty string of at most 512 characters")
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ItemShapeError("text: required, a non-empty string")
    published = data.get("published_at")
    if not isinstance(published, str):
        raise ItemShapeError("published_at: required, an ISO 8601 time with an offset")
    try:
        published_at = parse_iso(published)
    except ValueError as exc:
        raise ItemShapeError(f"published_at: {exc}") from None
    fields: dict[str, Any] = {}
    for name in _OPTIONAL_TEXT:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise ItemShapeError(f"{name}: expected a string")
        fields[name] = value
    for name in (*_COUNTS, "author_verified_type"):
        value = data.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise ItemShapeError(f"{name}: expected an integer")
        if value is not None and name in _COUNTS and value < 0:
            raise ItemShapeError(f"{name}: must not be negative")
        fields[name] = value
    return RawItem(
        external_id=external_id.strip(),
        body=text,
        body_is_html=False,
        published_at=published_at,
        **fields,
    )
