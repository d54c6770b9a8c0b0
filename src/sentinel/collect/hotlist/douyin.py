"""Douyin's hot list (抖音热榜), ``https://www.douyin.com/aweme/v1/web/hot/search/list/``.

``{"status_code": 0, "data": {"word_list": [{"word", "hot_value", "position", "sentence_id",
"event_time", "label", ...}]}}``; ``hot_value`` and ``position`` come as numbers or strings. The
endpoint answers only a client with a cookie (from the source's ``cookie_env``): without one, or
with an expired one, it answers an empty body or a non-zero ``status_code``, which is a refusal,
not an empty list. Douyin's ``label`` numbers are kept raw in the item's extra facts.
"""

from __future__ import annotations

from typing import Any

from sentinel.collect.hotlist.board import (
    Board,
    Entry,
    changed_shape,
    heat_value,
    id_of,
    int_of,
    load_json,
    rank_entries,
    text_of,
    unix_time,
)
from sentinel.errors import SourceBlocked

WHAT = "Douyin hot list"
HOT_URL = "https://www.douyin.com/hot/{}"


def parse(content: bytes, url: str) -> Board:
    if not content.strip():
        raise SourceBlocked(f"{WHAT}: an empty body from {url}: Douyin wants a (fresh) cookie in cookie_env")
    payload = load_json(content, url=url, what=WHAT)
    if not isinstance(payload, dict):
        raise changed_shape(WHAT, "a JSON object", payload)
    status = int_of(payload.get("status_code"))
    if status not in (None, 0):
        raise SourceBlocked(f"{WHAT}: status_code {payload.get('status_code')!r} "
                            f"({text_of(payload.get('status_msg')) or 'no message'}): the cookie may have expired")
    data = payload.get("data")
    rows = data.get("word_list") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise changed_shape(WHAT, "data.word_list as a list", data if isinstance(data, dict) else payload)
    board = Board("douyin")
    pairs: list[tuple[Entry, int | None]] = []
    for position, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            board.problems.append(("malformed", f"{WHAT}: entry {position} is not an object"))
            continue
        entry = _entry(row, position, board.problems)
        if entry is not None:
            pairs.append((entry, int_of(row.get("position"))))
    board.entries = rank_entries(WHAT, pairs, board.problems)
    return board


def _entry(row: dict[str, Any], position: int, problems: list[tuple[str, str]]) -> Entry | None:
    word = text_of(row.get("word"))
    if word is None:
        problems.append(("malformed", f"{WHAT}: entry {position} has no word; skipped"))
        return None
    sentence = id_of(row.get("sentence_id"))
    try:
        heat = heat_value(row.get("hot_value"))
    except ValueError:
        problems.append(("malformed", f"{WHAT}: {word!r}: unreadable hot_value {row.get('hot_value')!r}"))
        heat = None
    extra = {key: row[key] for key in ("label", "sentence_id", "group_id", "video_count") if row.get(key) is not None}
    return Entry(key=sentence or word, title=word, rank=None, heat=heat,
                 url=HOT_URL.format(sentence) if sentence else None, published_at=unix_time(row.get("event_time")),
                 extra=extra)


__all__ = ["WHAT", "parse"]
