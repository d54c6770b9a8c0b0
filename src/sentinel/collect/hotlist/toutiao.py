"""Toutiao's hot board (今日头条热榜), ``https://www.toutiao.com/hot-event/hot-board/?origin=toutiao_pc``.

``{"data": [{"ClusterIdStr", "Title", "HotValue", "Label", "InterestCategory": ["society", ...],
"Url", ...}], "fixed_top_data": [...], "status": "success"}``; ``HotValue`` comes as a digit
string or a number. ``fixed_top_data`` is the pinned row: kept, not ranked. ``Label`` is a word
(``hot``, ``new``, ``boom``, ``refuteRumors``, ``interpretation``) shown as 热, 新, 爆, 辟谣, 解读.
"""

from __future__ import annotations

from typing import Any

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

WHAT = "Toutiao hot board"
TRENDING_URL = "https://www.toutiao.com/trending/{}/"
_LABELS = {"hot": "热", "new": "新", "boom": "爆", "refuteRumors": "辟谣", "interpretation": "解读"}


def parse(content: bytes, url: str) -> Board:
    payload = load_json(content, url=url, what=WHAT)
    if not isinstance(payload, dict):
        raise changed_shape(WHAT, "a JSON object", payload)
    status = payload.get("status")
    if status not in (None, "success"):
        raise ParseError("malformed", f"{WHAT}: status {status!r}: {text_of(payload.get('message')) or 'no message'}")
    rows = payload.get("data")
    if not isinstance(rows, list):
        raise changed_shape(WHAT, "data as a list", payload)
    board = Board("toutiao")
    pairs: list[tuple[Entry, int | None]] = []
    for position, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            board.problems.append(("malformed", f"{WHAT}: entry {position} is not an object"))
            continue
        entry = _entry(row, position, board.problems)
        if entry is not None:
            pairs.append((entry, None))
    board.entries = rank_entries(WHAT, pairs, board.problems)
    for row in payload.get("fixed_top_data") or []:
        if isinstance(row, dict) and (entry := _entry(row, 0, board.problems)) is not None:
            board.pinned.append(entry)
    return board


def _entry(row: dict[str, Any], position: int, problems: list[tuple[str, str]]) -> Entry | None:
    title = text_of(row.get("Title")) or text_of(row.get("QueryWord"))
    key = id_of(row.get("ClusterIdStr")) or id_of(row.get("ClusterId"))
    if title is None or key is None:
        problems.append(("malformed", f"{WHAT}: entry {position} has no Title or ClusterIdStr; skipped"))
        return None
    try:
        heat = heat_value(row.get("HotValue"))
    except ValueError:
        problems.append(("malformed", f"{WHAT}: {title!r}: unreadable HotValue {row.get('HotValue')!r}"))
        heat = None
    categories = row.get("InterestCategory")
    category = ",".join(str(c) for c in categories if isinstance(c, str)) if isinstance(categories, list) else None
    label = text_of(row.get("Label"))
    return Entry(key=key, title=title, rank=None, heat=heat, label=_LABELS.get(label or "", label),
                 category=category or None, url=text_of(row.get("Url")) or TRENDING_URL.format(key))


__all__ = ["WHAT", "parse"]
