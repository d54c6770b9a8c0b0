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


@dataclass(frozen=True, slots=True)
class ListingRow:
    """One ranked entry of a hot list as a poll saw it (the item is ``external_id`` of the source)."""

    external_id: str
    rank: int  # 1-based position on the list
    heat: int | None = None  # the platform's own heat value (热度), when it gives one
    label: str | None = None  # the platform's badge: 新, 热, 沸, 爆 ...


@dataclass(frozen=True, slots=True)
class Listing:
    """One poll of a hot list (热搜榜): its ranked entries in order, and the pinned ones (置顶),
    which are kept as items but not ranked. ``list_name`` says whose list it is (``weibo``, ...; a
    newsnow source serving Weibo's list says ``weibo``)."""

    list_name: str
    rows: tuple[ListingRow, ...]
    pinned: tuple[str, ...] = ()
