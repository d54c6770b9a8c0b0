"""Values that pass from the collectors to normalisation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class RawItem:
    """One entry as a source published it, before normalisation.

    ``body`` is HTML when ``body_is_html`` is true, else plain text. ``published_at`` may be naive:
    normalisation reads a naive time in the source's zone. ``extra`` holds kind-specific facts that
    are worth keeping (for Weibo: ``retweet_of``, ``is_top``, ``user_id``, ``verified`` ...).
    """

    external_id: str
    body: str
    title: str | None = None
    body_is_html: bool = False
    url: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    reposts: int | None = None
    comments: int | None = None
    likes: int | None = None
    author_verified_type: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ParseResult:
    """What one parse of one response yielded.

    ``problems`` lists what was wrong but survivable (a "bozo" feed parsed as far as it went, an entry
    without an id that was skipped ...): each is ``(reason, message)`` with a reason from
    :data:`sentinel.errors.FAILURE_REASONS`. ``cursor`` carries a kind's own position (Weibo's
    ``since_id``); ``end_of_results`` is true when the service said there is nothing more.
    """

    items: list[RawItem] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    cursor: dict[str, Any] = field(default_factory=dict)
    end_of_results: bool = False
