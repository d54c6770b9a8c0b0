"""Hot lists in the store: each poll's ranks, each entry's state and rank history, and the queries
the console and the reports read them with.

A poll of a hot list (:func:`record_listing`, in the poll's own transaction) updates one
:class:`~sentinel.store.models.HotlistEntry` per entry and writes rows of rank history
(:class:`~sentinel.store.models.HotlistRank`):

- a row when an entry enters the list, when its rank or badge changes, and at least every
  :data:`SAMPLE_EVERY` while it stays (for its heat), so the history is complete without a row per
  entry per poll;
- a ``gone`` row when an entry that was on the list at the last poll is not on it now; an entry
  that comes back starts a new stint;
- time on the list grows by the time between two polls that both found the entry, unless they are
  further apart than ``max_gap`` (the source was failing: whether the entry stayed is unknown,
  and unknown time is not counted).

The pinned rows (置顶) are kept as entries but never ranked.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, or_, select
from sqlmodel import Session, col

from sentinel.collect.types import Listing
from sentinel.normalise.item import NormalItem
from sentinel.store import items as item_store
from sentinel.store.items import SaveResult
from sentinel.store.models import HotlistEntry, HotlistRank, IncidentHotlist, Item, ItemAnalysis

__all__ = ["SAMPLE_EVERY", "ListingChange", "ListRow", "MarkedEntry", "current_lists", "entries_by_item",
           "incident_entries", "listed_spans", "rank_history", "record_listing", "save_listing_poll"]

#: While an entry keeps its rank and badge, a history row at least this often (for its heat).
SAMPLE_EVERY = timedelta(minutes=10)


@dataclass(slots=True)
class ListingChange:
    """What one poll changed on a list."""

    list_name: str
    on_list: int = 0
    entered: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)


def save_listing_poll(engine: Engine, source_id: str, items: Sequence[NormalItem], listing: Listing, *,
                      now: datetime, etag: str | None, last_modified: str | None, cursor: dict[str, Any] | None,
                      next_check_at: datetime, max_gap: timedelta) -> tuple[SaveResult, ListingChange]:
    """Store one successful poll of a hot list: its new items and its ranks, atomically."""
    titles = {item.external_id: item.title for item in items}
    change = ListingChange(listing.list_name)

    def ranks(session: Session) -> None:
        found = record_listing(session, source_id, listing, titles, now=now, max_gap=max_gap)
        change.on_list, change.entered, change.gone = found.on_list, found.entered, found.gone

    saved = item_store.save_poll(engine, source_id, items, now=now, etag=etag, last_modified=last_modified,
                                 cursor=cursor, next_check_at=next_check_at, also=ranks)
    return saved, change


def record_listing(session: Session, source_id: str, listing: Listing, titles: dict[str, str], *, now: datetime,
                   max_gap: timedelta) -> ListingChange:
    """Apply one poll's listing to the entries and their history (see the module docstring)."""
    keys = [row.external_id for row in listing.rows]
    pinned = [key for key in listing.pinned if key not in set(keys)]
    entries = {entry.external_id: entry for entry in session.scalars(
        select(HotlistEntry).where(col(HotlistEntry.source_id) == source_id,
                                   or_(col(HotlistEntry.on_list).is_(True),
                                       col(HotlistEntry.external_id).in_(keys + pinned)))).all()}
    item_ids = dict(session.execute(
        select(col(Item.external_id), col(Item.id)).where(col(Item.source_id) == source_id,
                                                          col(Item.external_id).in_(keys + pinned))).all())
    heats = [row.heat for row in listing.rows if row.heat is not None and row.heat > 0]
    median = statistics.median(heats) if heats else None
    change = ListingChange(listing.list_name, on_list=len(listing.rows))
    history: list[HotlistRank] = []
    for row in listing.rows:
        entry = entries.get(row.external_id)
        if entry is None:
            entry = HotlistEntry(source_id=source_id, external_id=row.external_id, list_name=listing.list_name,
                                 first_seen_at=now, last_seen_at=now, listed_seconds=0.0)
            session.add(entry)
        was_on = entry.on_list
        if was_on:
            gap = now - entry.last_seen_at
            if timedelta(0) < gap <= max_gap:
                entry.listed_seconds += gap.total_seconds()
            entry.previous_rank = entry.rank
        else:
            change.entered.append(row.external_id)
            entry.on_since, entry.previous_rank = now, None
        if (not was_on or row.rank != entry.rank or row.label != entry.label or entry.sampled_at is None
                or now - entry.sampled_at >= SAMPLE_EVERY):
            history.append(HotlistRank(source_id=source_id, external_id=row.external_id, list_name=listing.list_name,
                                       at=now, rank=row.rank, heat=row.heat, label=row.label, gone=False))
            entry.sampled_at = now
        entry.on_list, entry.pinned, entry.rank, entry.heat, entry.label = True, False, row.rank, row.heat, row.label
        entry.last_seen_at, entry.list_name = now, listing.list_name
        entry.title = titles.get(row.external_id) or entry.title or row.external_id
        entry.item_id = item_ids.get(row.external_id, entry.item_id)
        if entry.best_rank is None or row.rank < entry.best_rank:
            entry.best_rank, entry.best_rank_at = row.rank, now
        if row.heat is not None:
            entry.peak_heat = max(entry.peak_heat or 0, row.heat)
            if median:
                share = row.heat / (row.heat + median)
                entry.heat_share = max(entry.heat_share or 0.0, round(share, 4))
    for key in pinned:
        entry = entries.get(key)
        if entry is None:
            entry = HotlistEntry(source_id=source_id, external_id=key, list_name=listing.list_name, first_seen_at=now,
                                 last_seen_at=now, listed_seconds=0.0)
            session.add(entry)
        elif entry.on_list:
            _gone(entry, now, history, change)
        entry.pinned, entry.last_seen_at, entry.list_name = True, now, listing.list_name
        entry.title = titles.get(key) or entry.title or key
        entry.item_id = item_ids.get(key, entry.item_id)
    on_now = set(keys)
    for key, entry in entries.items():
        if entry.on_list and key not in on_now and not entry.pinned:
            _gone(entry, now, history, change)
    session.add_all(history)
    session.flush()
    return change


def _gone(entry: HotlistEntry, now: datetime, history: list[HotlistRank], change: ListingChange) -> None:
    """The entry was on the list at the last poll and is not now. It left at some moment since it was
    last seen: that time is not counted."""
    history.append(HotlistRank(source_id=entry.source_id, external_id=entry.external_id, list_name=entry.list_name,
                               at=now, rank=None, heat=None, label=None, gone=True))
    entry.on_list, entry.previous_rank, entry.rank, entry.left_at, entry.on_since = False, entry.rank, None, now, None
    entry.sampled_at = now
    change.gone.append(entry.external_id)


@dataclass(frozen=True, slots=True)
class ListRow:
    """One entry on a list now, for the console's hot-list page."""

    entry: HotlistEntry
    relevant: bool  # its item matched a watch rule
    rules: list[str]
    incident_id: int | None


def current_lists(engine: Engine, source_ids: Iterable[str]) -> dict[str, list[ListRow]]:
    """Each source's entries on the list now (rank order), then the pinned ones its last poll showed."""
    chosen = list(source_ids)
    out: dict[str, list[ListRow]] = {source_id: [] for source_id in chosen}
    if not chosen:
        return out
    with Session(engine) as session:
        rows = session.execute(
            select(HotlistEntry, ItemAnalysis)
            .outerjoin(ItemAnalysis, col(ItemAnalysis.item_id) == col(HotlistEntry.item_id))
            .where(col(HotlistEntry.source_id).in_(chosen),
                   or_(col(HotlistEntry.on_list).is_(True), col(HotlistEntry.pinned).is_(True)))).all()
    latest: dict[str, datetime] = {}
    for entry, _ in rows:
        latest[entry.source_id] = max(latest.get(entry.source_id, entry.last_seen_at), entry.last_seen_at)
    for entry, analysis in rows:
        if not entry.on_list and entry.last_seen_at < latest[entry.source_id]:
            continue  # pinned once, not at the last poll
        out[entry.source_id].append(ListRow(
            entry, bool(analysis and analysis.relevant), [m["rule"] for m in analysis.rules] if analysis else [],
            analysis.incident_id if analysis else None))
    for found in out.values():
        found.sort(key=lambda row: (row.entry.rank is None, row.entry.rank or 0, row.entry.external_id))
    return out


def rank_history(engine: Engine, source_id: str, external_id: str) -> list[HotlistRank]:
    with Session(engine) as session:
        return _history(session, [(source_id, external_id)]).get((source_id, external_id), [])


def _history(session: Session, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], list[HotlistRank]]:
    found: dict[tuple[str, str], list[HotlistRank]] = {key: [] for key in keys}
    for source_id in {source for source, _ in keys}:
        ids = [external for source, external in keys if source == source_id]
        for row in session.scalars(
                select(HotlistRank).where(col(HotlistRank.source_id) == source_id, col(HotlistRank.external_id).in_(ids))
                .order_by(col(HotlistRank.at), col(HotlistRank.id))).all():
            found[(row.source_id, row.external_id)].append(row)
    return found


@dataclass(frozen=True, slots=True)
class MarkedEntry:
    """An entry that put an incident on a list: the mark, the entry now, and its rank history."""

    mark: IncidentHotlist
    entry: HotlistEntry | None
    history: list[HotlistRank]


def incident_entries(session: Session, incident_id: int) -> list[MarkedEntry]:
    """The entries that marked ``incident_id`` as on a list, in the order they marked it."""
    marks = session.scalars(select(IncidentHotlist).where(col(IncidentHotlist.incident_id) == incident_id)
                            .order_by(col(IncidentHotlist.marked_at), col(IncidentHotlist.id))).all()
    keys = [(mark.source_id, mark.external_id) for mark in marks]
    entries = {(e.source_id, e.external_id): e for e in session.scalars(
        select(HotlistEntry).where(col(HotlistEntry.external_id).in_([k for _, k in keys]))).all()
        if (e.source_id, e.external_id) in set(keys)}
    history = _history(session, keys)
    return [MarkedEntry(mark, entries.get((mark.source_id, mark.external_id)),
                        history.get((mark.source_id, mark.external_id), [])) for mark in marks]


def listed_spans(history: Sequence[HotlistRank], last_seen: datetime | None) -> list[tuple[datetime, datetime]]:
    """The stints an entry was on its list, from its history: each from a row that found it on the
    list to the poll that found it gone (or to ``last_seen``, its last sighting, while it stays)."""
    spans: list[tuple[datetime, datetime]] = []
    start: datetime | None = None
    for row in history:
        if row.gone:
            if start is not None:
                spans.append((start, row.at))
            start = None
        elif start is None:
            start = row.at
    if start is not None:
        spans.append((start, max(last_seen or start, start)))
    return spans


def entries_by_item(session: Session, incident_ids: Iterable[int]) -> list[tuple[int, HotlistEntry]]:
    """(incident id, entry) for every hot-list entry whose item is in one of these incidents."""
    chosen = list(incident_ids)
    if not chosen:
        return []
    return [(incident_id, entry) for entry, incident_id in session.execute(
        select(HotlistEntry, col(ItemAnalysis.incident_id))
        .join(ItemAnalysis, col(ItemAnalysis.item_id) == col(HotlistEntry.item_id))
        .where(col(ItemAnalysis.incident_id).in_(chosen))).all()]
