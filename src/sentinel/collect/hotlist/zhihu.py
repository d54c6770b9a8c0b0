"""Zhihu's hot list (知乎热榜), ``https://www.zhihu.com/api/v3/feed/topstory/hot-list-web?limit=50&desktop=true``.

``{"data": [{"card_id": "Q_…", "target": {"title_area": {"text"}, "excerpt_area": {"text"},
"metrics_area": {"text": "411 万热度"}, "link": {"url": "https://www.zhihu.com/question/…"}}}]}``;
rank is the position. An ``error`` object instead of ``data`` (Zhihu asks for a login or a newer
client) is a refusal.
"""

from __future__ import annotations

import re
from typing import Any

from sentinel.collect.hotlist.board import (
    Board,
    Entry,
    changed_shape,
    heat_value,
    load_json,
    rank_entries,
    text_of,
)
from sentinel.errors import SourceBlocked

WHAT = "Zhihu hot list"
_QUESTION = re.compile(r"/question/(\d+)")


def parse(content: bytes, url: str) -> Board:
    payload = load_json(content, url=url, what=WHAT)
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        error = payload["error"]
        raise SourceBlocked(f"{WHAT}: Zhihu refused: {error.get('message') or error.get('code')}")
    rows = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(rows, list):
        raise changed_shape(WHAT, "data as a list", payload)
    board = Board("zhihu")
    pairs: list[tuple[Entry, int | None]] = []
    for position, row in enumerate(rows, 1):
        target = row.get("target") if isinstance(row, dict) else None
        if not isinstance(target, dict):
            board.problems.append(("malformed", f"{WHAT}: entry {position} has no target object"))
            continue
        entry = _entry(row, target, position, board.problems)
        if entry is not None:
            pairs.append((entry, None))
    board.entries = rank_entries(WHAT, pairs, board.problems)
    return board


def _area(target: dict[str, Any], name: str, key: str) -> Any:
    area = target.get(name)
    return area.get(key) if isinstance(area, dict) else None


def _entry(row: dict[str, Any], target: dict[str, Any], position: int, problems: list[tuple[str, str]]) -> Entry | None:
    title = text_of(_area(target, "title_area", "text"))
    link = text_of(_area(target, "link", "url"))
    if title is None:
        problems.append(("malformed", f"{WHAT}: entry {position} has no target.title_area.text; skipped"))
        return None
    question = _QUESTION.search(link or "")
    key = question.group(1) if question else text_of(row.get("card_id")) or title
    metrics = _area(target, "metrics_area", "text")
    try:
        heat = heat_value(metrics)
    except ValueError:
        problems.append(("malformed", f"{WHAT}: {title!r}: unreadable metrics_area.text {metrics!r}"))
        heat = None
    return Entry(key=key, title=title, rank=None, heat=heat, description=text_of(_area(target, "excerpt_area", "text")),
                 url=link, extra={"metrics": metrics} if metrics else {})


__all__ = ["WHAT", "parse"]
