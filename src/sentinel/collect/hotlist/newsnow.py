"""A newsnow instance (https://github.com/ourongxing/newsnow), ``/api/s?id=PLATFORM``.

``{"status": "success"|"cache", "id": "weibo", "updatedTime": …, "items": [{"id", "title", "url",
"mobileUrl", "extra": {"info", "hover", ...}}]}``; rank is the position. newsnow writes a
platform's heat into ``extra.info`` as display text ("综艺 85.1万", "411 万热度") or
``extra.hotScore`` ("热搜指数：4998888"); the number is read from it, and a word before it is the
platform's category. The list's name is the instance's ``id`` (the source URL's ``id=`` when the
answer does not say), so a newsnow source serving Weibo's list counts as Weibo's list.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sentinel.collect.hotlist.board import (
    Board,
    Entry,
    changed_shape,
    heat_value,
    id_of,
    load_json,
    rank_entries,
    text_of,
)
from sentinel.errors import ParseError

WHAT = "newsnow"
_CATEGORY = re.compile(r"^\s*(?P<category>[^\d\s]+)\s+\d")
_FLAG_ICON = re.compile(r"/flags/(\d+)_\d+\.\w+")
_FLAGS = {1: "新", 2: "热", 4: "爆"}  # Weibo's badge images, which newsnow passes on as extra.icon


def list_name(url: str) -> str:
    """The platform a newsnow URL serves (its ``id=``), or ``newsnow`` when it names none."""
    values = parse_qs(urlsplit(url).query).get("id")
    return values[0].strip().lower() if values and values[0].strip() else "newsnow"


def parse(content: bytes, url: str) -> Board:
    payload = load_json(content, url=url, what=WHAT)
    if not isinstance(payload, dict):
        raise changed_shape(WHAT, "a JSON object", payload)
    status = payload.get("status")
    if status not in (None, "success", "cache"):
        raise ParseError("malformed", f"{WHAT}: status {status!r}: {text_of(payload.get('message')) or 'no message'}")
    rows = payload.get("items")
    if not isinstance(rows, list):
        raise changed_shape(WHAT, "items as a list", payload)
    board = Board(text_of(payload.get("id")) or list_name(url))
    pairs: list[tuple[Entry, int | None]] = []
    for position, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            board.problems.append(("malformed", f"{WHAT}: item {position} is not an object"))
            continue
        entry = _entry(row, position, board.problems)
        if entry is not None:
            pairs.append((entry, None))
    board.entries = rank_entries(f"{WHAT} {board.list_name}", pairs, board.problems)
    return board


def _entry(row: dict[str, Any], position: int, problems: list[tuple[str, str]]) -> Entry | None:
    title = text_of(row.get("title"))
    key = id_of(row.get("id")) or title
    if title is None or key is None:
        problems.append(("malformed", f"{WHAT}: item {position} has no title; skipped"))
        return None
    extra: dict[str, Any] = row["extra"] if isinstance(row.get("extra"), dict) else {}
    shown = text_of(extra.get("info")) or text_of(extra.get("hotScore")) or text_of(extra.get("heat"))
    heat = None
    category = None
    if shown:
        try:
            heat = heat_value(shown)
        except ValueError:
            heat = None  # info is free text on many platforms (a time, a source): no heat there
        match = _CATEGORY.match(shown) if heat is not None else None
        category = match["category"] if match and "热" not in match["category"] else None
    icon = extra.get("icon")
    flag = _FLAG_ICON.search(str(icon.get("url", "")) if isinstance(icon, dict) else str(icon or ""))
    return Entry(key=key, title=title, rank=None, heat=heat, category=category,
                 label=_FLAGS.get(int(flag.group(1))) if flag else None,
                 description=text_of(extra.get("hover")), url=text_of(row.get("url")) or text_of(row.get("mobileUrl")))


__all__ = ["WHAT", "list_name", "parse"]
