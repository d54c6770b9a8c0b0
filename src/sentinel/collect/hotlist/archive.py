"""Hot lists as public archives keep them: one row per entry and snapshot, already normalised —
``{"rank", "title", "category", "description", "hot", "ads", "url"}`` (the form of the hourly Weibo
archive sentinel's replays and evaluations are built from). Not a platform's wire format: the
adapters read those. A row marked ``ads`` is a commercial placement and dropped, as the adapters
drop them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sentinel.collect.hotlist.board import Board, Entry, heat_value, int_of, rank_entries, text_of, truthy

__all__ = ["parse_rows"]


def parse_rows(list_name: str, rows: Iterable[Any]) -> Board:
    """The board of one archived snapshot (rows in any order; ranked by their ``rank``)."""
    what = f"{list_name} archive"
    board = Board(list_name)
    kept: list[tuple[int | None, Entry]] = []
    for position, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            board.problems.append(("malformed", f"{what}: row {position} is not an object"))
            continue
        if truthy(row.get("ads")):
            continue
        title = text_of(row.get("title"))
        if title is None:
            board.problems.append(("malformed", f"{what}: row {position} has no title; skipped"))
            continue
        try:
            heat = heat_value(row.get("hot"))
        except ValueError:
            board.problems.append(("malformed", f"{what}: {title!r}: unreadable hot {row.get('hot')!r}"))
            heat = None
        entry = Entry(key=text_of(row.get("id")) or title, title=title, rank=None, heat=heat,
                      label=text_of(row.get("label")), category=text_of(row.get("category")),
                      description=text_of(row.get("description")), url=text_of(row.get("url")))
        kept.append((int_of(row.get("rank")), entry))
    # an archive may hold part of a list (its top 20): the ranks it gives stand, gaps and all
    kept.sort(key=lambda pair: (pair[0] is None, pair[0] or 0))
    board.entries = rank_entries(what, [(entry, rank) for rank, entry in kept], board.problems)
    return board
