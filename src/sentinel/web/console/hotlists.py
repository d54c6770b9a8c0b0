"""The console's hot lists (热搜榜): each platform's list now, and an incident's entries on lists.

``/hotlists`` shows every ``hotlist`` source's list as its last poll found it, the entries that
matched a watch rule first, each with its rank arrow (against the poll before), heat, badge and
time on the list, and the incident it is in. An incident's page shows the entries that put it on a
list, each with a small chart of its rank, and its charts shade the hours it was on one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from sentinel.collect.hotlist.board import list_name_zh
from sentinel.settings import Settings, SourceKind
from sentinel.store import hotlists as hotlist_store
from sentinel.store.models import HotlistEntry, HotlistRank

__all__ = ["RankChart", "arrow", "hotlist_page", "incident_hotlists", "rank_chart"]

WIDTH, HEIGHT = 320, 90
LEFT, RIGHT, TOP, BOTTOM = 30, 6, 10, 16


@dataclass(frozen=True, slots=True)
class RankChart:
    """A small chart of one entry's rank: rank 1 at the top; a gap where it was off the list."""

    lines: list[str]  # polylines "x,y x,y ..."; one per stint on the list
    dots: list[tuple[float, float, str]]
    worst: int
    width: int = WIDTH
    height: int = HEIGHT
    start_label: str = ""
    end_label: str = ""


def arrow(entry: HotlistEntry) -> tuple[str, str]:
    """(css class, text) of an entry's move since the poll before: 新, ↑3, ↓2, –."""
    if entry.rank is None:
        return "off", ""
    if entry.previous_rank is None:
        return "new", "新"
    if entry.rank < entry.previous_rank:
        return "up", f"↑{entry.previous_rank - entry.rank}"
    if entry.rank > entry.previous_rank:
        return "down", f"↓{entry.rank - entry.previous_rank}"
    return "same", "–"


def rank_chart(history: list[HotlistRank], zone: tzinfo) -> RankChart | None:
    points = [row for row in history if not row.gone and row.rank is not None]
    if not points:
        return None
    start, end = history[0].at, history[-1].at
    span = (end - start).total_seconds() or 1.0
    worst = max(10, max(row.rank or 1 for row in points))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(at: datetime) -> float:
        return round(LEFT + (at - start).total_seconds() / span * plot_w, 1)

    def y(rank: int) -> float:
        return round(TOP + (rank - 1) / max(worst - 1, 1) * plot_h, 1)

    lines: list[str] = []
    current: list[str] = []
    dots = []
    for row in history:
        if row.gone or row.rank is None:
            if current:
                lines.append(" ".join(current))
            current = []
            continue
        current.append(f"{x(row.at)},{y(row.rank)}")
        heat = f"，热度{row.heat:,}" if row.heat is not None else ""
        dots.append((x(row.at), y(row.rank), f"{row.at.astimezone(zone):%m-%d %H:%M} 第{row.rank}位{heat}"))
    if current:
        lines.append(" ".join(current))
    return RankChart(lines, dots, worst, start_label=f"{start.astimezone(zone):%m-%d %H:%M}",
                     end_label=f"{end.astimezone(zone):%m-%d %H:%M}")


def hotlist_page(engine: Engine, settings: Settings, now: datetime) -> list[dict[str, Any]]:
    """One section per hotlist source: its name, the entries that matched watch rules, and the list."""
    sources = [source for source in settings.sources if source.kind is SourceKind.HOTLIST and source.enabled]
    lists = hotlist_store.current_lists(engine, [source.id for source in sources])
    sections = []
    for source in sources:
        rows = lists.get(source.id, [])
        name = rows[0].entry.list_name if rows else (source.platform.value if source.platform else source.id)
        sections.append({
            "source": source, "name": list_name_zh(name),
            "matched": [row for row in rows if row.relevant],
            "rows": rows,
            "polled_at": max((row.entry.last_seen_at for row in rows), default=None),
        })
    return sections


def incident_hotlists(engine: Engine, incident_id: int, zone: tzinfo) -> tuple[list[dict[str, Any]],
                                                                             list[tuple[datetime, datetime, str]]]:
    """The entries that put an incident on a list (with rank charts), and the stints to shade."""
    with Session(engine) as session:
        marked = hotlist_store.incident_entries(session, incident_id)
    entries = []
    spans: list[tuple[datetime, datetime, str]] = []
    for found in marked:
        entry = found.entry
        label = list_name_zh(found.mark.list_name)
        for start, end in hotlist_store.listed_spans(found.history, entry.last_seen_at if entry else None):
            spans.append((start, end, f"在{label}"))
        entries.append({"mark": found.mark, "entry": entry, "list": label, "chart": rank_chart(found.history, zone),
                        "hours": (entry.listed_seconds / 3600) if entry else 0.0})
    return entries, spans
