"""Baidu's hot search (百度热搜), ``https://top.baidu.com/board?tab=realtime``.

The page carries its data as JSON inside an HTML comment, ``<!--s-data:{…}-->``, either wrapped
(``{"data": {"cards": [...]}}``) or not (``{"cards": [...]}``). The list is the first card with a
``content`` list; each entry has ``index``, ``word`` (and ``query``), ``desc``, ``hotScore`` (a
digit string), ``hotTag``, ``hotChange`` (``up``/``down``/``same``), ``rawUrl`` / ``url`` and, for
the pinned row, ``isTop`` (dropped: the pinned row is Baidu's own choice, not a rank). Public
parsers disagree on what each ``hotTag`` number shows, so it is kept raw in the item's extra facts
rather than turned into a badge. A "百度安全验证" page instead of the board means Baidu is refusing us.
"""

from __future__ import annotations

import re
from typing import Any

from sentinel.collect.hotlist.board import (
    Board,
    Entry,
    changed_shape,
    heat_value,
    rank_entries,
    text_of,
    truthy,
)
from sentinel.collect.jsonbody import load_json
from sentinel.errors import ParseError, SourceBlocked

WHAT = "Baidu hot search"
_S_DATA = re.compile(rb"<!--s-data:(?P<json>.*?)-->", re.DOTALL)
_VERIFY = (b"wappass.baidu.com", "百度安全验证".encode())


def parse(content: bytes, url: str) -> Board:
    if not content.strip():
        raise ParseError("empty", f"{WHAT}: empty body from {url}")
    match = _S_DATA.search(content)
    if match is None:
        if any(marker in content for marker in _VERIFY):
            raise SourceBlocked(f"{WHAT}: Baidu answered with its verification page (百度安全验证) from {url}")
        raise ParseError("malformed", f"{WHAT}: no <!--s-data:…--> comment in the page from {url}: the page's "
                                      "shape has changed")
    try:
        document = load_json(match["json"].decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError("malformed", f"{WHAT}: the s-data comment is not JSON: {exc}") from None
    data = document.get("data", document) if isinstance(document, dict) else document
    cards = data.get("cards") if isinstance(data, dict) else None
    if not isinstance(cards, list):
        raise changed_shape(WHAT, "s-data with cards (with or without the data wrapper)", data)
    card = next((c for c in cards if isinstance(c, dict) and isinstance(c.get("content"), list)), None)
    if card is None:
        raise changed_shape(WHAT, "a card with a content list", cards[0] if cards else cards)
    board = Board("baidu")
    pairs: list[tuple[Entry, int | None]] = []
    for position, row in enumerate(card["content"], 1):
        if not isinstance(row, dict):
            board.problems.append(("malformed", f"{WHAT}: entry {position} is not an object"))
            continue
        if truthy(row.get("isTop")):
            continue
        entry = _entry(row, position, board.problems)
        if entry is not None:
            pairs.append((entry, None))  # index counts from 0 and restarts after the pinned row: rank by position
    board.entries = rank_entries(WHAT, pairs, board.problems)
    return board


def _entry(row: dict[str, Any], position: int, problems: list[tuple[str, str]]) -> Entry | None:
    word = text_of(row.get("word")) or text_of(row.get("query"))
    if word is None:
        problems.append(("malformed", f"{WHAT}: entry {position} has no word; skipped"))
        return None
    try:
        heat = heat_value(row.get("hotScore"))
    except ValueError:
        problems.append(("malformed", f"{WHAT}: {word!r}: unreadable hotScore {row.get('hotScore')!r}"))
        heat = None
    extra = {key: row[key] for key in ("index", "hotTag", "hotChange") if row.get(key) not in (None, "")}
    return Entry(key=word, title=word, rank=None, heat=heat, description=text_of(row.get("desc")),
                 url=text_of(row.get("rawUrl")) or text_of(row.get("url")), extra=extra)


__all__ = ["WHAT", "parse"]
