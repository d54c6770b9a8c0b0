"""Weibo's hot search (微博热搜), in both forms Weibo serves it.

``https://weibo.com/ajax/side/hotSearch`` (the desktop side panel): ``{"ok": 1, "data": {"realtime":
[...], "hotgov": {...}}}``. Each ``realtime`` entry has ``word`` (the search word), ``note`` (the
text shown), ``word_scheme`` (``#word#`` for a topic), ``num`` (the heat, a number or a digit
string), ``rank`` (0-based among ranked rows) and ``realpos`` (1-based), ``label_name`` (新, 热, 沸,
爆, 商), ``is_ad``, ``category`` / ``flag_desc`` (社会, 综艺 ...) and ``onboard_time`` (when it went
on the list, Unix seconds). Rows with ``is_ad`` or the 商/荐 badge are commercial placements and are
dropped; ``hotgov`` (and ``hotgovs``) is the pinned official topic: kept, not ranked.

``https://m.weibo.cn/api/container/getIndex?containerid=106003type%3D25%26t%3D3%26disable_hot%3D1%26filter_type%3Drealtimehot``
(the mobile container): ``data.cards[0].card_group[]`` with ``desc`` (the word), ``desc_extr`` (the
heat, or ``"剧集 358279"`` with a category before it), ``scheme`` (the search link) and ``icon``
(the badge as an image, ``flags/1_0.png`` 新, ``2_0`` 热, ``4_0`` 爆). A row without ``desc_extr``
is the pinned one; a row with ``promotion`` is an ad.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from sentinel.collect.hotlist.board import (
    Board,
    Entry,
    changed_shape,
    heat_value,
    int_of,
    load_json,
    rank_entries,
    text_of,
    truthy,
    unix_time,
)
from sentinel.errors import FetchError, ParseError, SourceBlocked

WHAT = "Weibo hot search"
SEARCH_URL = "https://s.weibo.com/weibo?q={}"
_AD_BADGES = frozenset({"商", "荐"})
_FLAG_ICON = re.compile(r"/flags/(\d+)_\d+\.\w+")
_FLAGS = {1: "新", 2: "热", 4: "爆"}
_CATEGORY_HEAT = re.compile(r"^\s*(?P<category>\D+?)?\s*(?P<heat>\d+)\s*$")


def parse(content: bytes, url: str) -> Board:
    payload = load_json(content, url=url, what=WHAT)
    if not isinstance(payload, dict):
        raise changed_shape(WHAT, "a JSON object", payload)
    _check_ok(payload)
    data = payload.get("data")
    if not isinstance(data, dict):
        raise changed_shape(WHAT, "data as an object", payload)
    if "realtime" in data:
        return _side_panel(data)
    if "cards" in data:
        return _container(data)
    raise changed_shape(WHAT, "data.realtime (weibo.com) or data.cards (m.weibo.cn)", data)


def _check_ok(payload: dict[str, Any]) -> None:
    ok = int_of(payload.get("ok"))
    if ok == 1:
        return
    message = text_of(payload.get("msg")) or ""
    if ok == -100 or "login" in str(payload.get("url", "")).lower():
        raise SourceBlocked(f"{WHAT}: Weibo answered ok={payload.get('ok')!r} and sends us to log in")
    if "频繁" in message:
        raise FetchError("rate_limited", f"{WHAT}: Weibo answered ok={payload.get('ok')!r}: {message}")
    raise ParseError("malformed", f"{WHAT}: Weibo answered ok={payload.get('ok')!r}: {message or '(no message)'}")


def topic_url(word: str, scheme: str | None = None) -> str:
    return SEARCH_URL.format(quote(scheme or f"#{word}#", safe=""))


def _side_panel(data: dict[str, Any]) -> Board:
    rows = data["realtime"]
    if not isinstance(rows, list):
        raise changed_shape(WHAT, "data.realtime as a list", rows)
    board = Board("weibo")
    pairs: list[tuple[Entry, int | None]] = []
    for position, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            board.problems.append(("malformed", f"{WHAT}: row {position} is not an object"))
            continue
        badge = text_of(row.get("label_name")) or text_of(row.get("icon_desc"))
        if truthy(row.get("is_ad")) or badge in _AD_BADGES:
            continue
        entry = _side_entry(row, position, badge, board.problems)
        if entry is None:
            continue
        given = int_of(row.get("rank"))  # 0-based among ranked rows; realpos is 1-based
        pairs.append((entry, given + 1 if given is not None else int_of(row.get("realpos"))))
    board.entries = rank_entries(WHAT, pairs, board.problems)
    for pinned in _pinned(data):
        entry = _side_entry(pinned, 0, text_of(pinned.get("icon_desc")), board.problems, pinned=True)
        if entry is not None and entry.key not in {e.key for e in board.pinned}:
            board.pinned.append(entry)
    return board


def _pinned(data: dict[str, Any]) -> list[dict[str, Any]]:
    found = [data["hotgov"]] if isinstance(data.get("hotgov"), dict) else []
    if isinstance(data.get("hotgovs"), list):
        found += [row for row in data["hotgovs"] if isinstance(row, dict)]
    return found


def _side_entry(row: dict[str, Any], position: int, badge: str | None, problems: list[tuple[str, str]], *,
                pinned: bool = False) -> Entry | None:
    scheme = text_of(row.get("word_scheme"))
    word = text_of(row.get("word")) or (scheme.strip("#") if scheme else None)
    if word is None:
        problems.append(("malformed", f"{WHAT}: row {position} has no word; skipped"))
        return None
    word = word.strip("#") or word
    try:
        heat = heat_value(row.get("num"))
    except ValueError:
        problems.append(("malformed", f"{WHAT}: {word!r}: unreadable heat {row.get('num')!r}"))
        heat = None
    return Entry(
        key=word, title=text_of(row.get("note")) or word, rank=None, heat=heat, label=badge,
        category=text_of(row.get("category")) or text_of(row.get("flag_desc")), url=topic_url(word, scheme),
        published_at=unix_time(row.get("onboard_time")),
        extra={key: row[key] for key in ("realpos", "rank", "mid") if key in row and not pinned},
    )


def _container(data: dict[str, Any]) -> Board:
    cards = data["cards"]
    group = cards[0].get("card_group") if isinstance(cards, list) and cards and isinstance(cards[0], dict) else None
    if not isinstance(group, list):
        raise changed_shape(WHAT, "data.cards[0].card_group as a list", cards[0] if isinstance(cards, list) and cards
                            else cards)
    board = Board("weibo")
    pairs: list[tuple[Entry, int | None]] = []
    for position, row in enumerate(group, 1):
        if not isinstance(row, dict):
            board.problems.append(("malformed", f"{WHAT}: card {position} is not an object"))
            continue
        if "promotion" in row or truthy(row.get("is_ad")):
            continue
        word = text_of(row.get("desc"))
        if word is None:
            board.problems.append(("malformed", f"{WHAT}: card {position} has no desc; skipped"))
            continue
        category, heat = _category_heat(row.get("desc_extr"), word, board.problems)
        icon = str(row.get("icon") or "")
        flag = _FLAG_ICON.search(icon)
        entry = Entry(key=word, title=word, rank=None, heat=heat,
                      label=_FLAGS.get(int(flag.group(1))) if flag else None, category=category,
                      url=text_of(row.get("scheme")) or topic_url(word))
        if row.get("desc_extr") in (None, ""):  # the pinned row carries no heat
            board.pinned.append(entry)
        else:
            pairs.append((entry, None))  # ranked by position
    board.entries = rank_entries(WHAT, pairs, board.problems)
    return board


def _category_heat(value: Any, word: str, problems: list[tuple[str, str]]) -> tuple[str | None, int | None]:
    if isinstance(value, str):
        match = _CATEGORY_HEAT.match(value)
        if match:
            return text_of(match["category"]), int(match["heat"])
    try:
        return None, heat_value(value)
    except ValueError:
        problems.append(("malformed", f"{WHAT}: {word!r}: unreadable desc_extr {value!r}"))
        return None, None


__all__ = ["WHAT", "parse", "topic_url"]
