"""Retention: items that belong to no incident are deleted once older than ``store.retention.items``.

An item is kept, whatever its age, while an incident holds it (its analysis names the incident), a
response cites it (a release on record found among the items) or a hot-list entry points at it.
Everything else fetched before the cut-off goes with its analysis row and its search index row,
:data:`BATCH` items per transaction, so that the single SQLite writer is held for a moment at a time
and the daemon's other writes go between batches. Both are deleted here rather than left to the
foreign keys' cascade: an item table partitioned by month on PostgreSQL has no foreign keys to it
(docs/operations.md, "Keep years").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, delete, exists, func, select
from sqlmodel import Session, col

from sentinel.store import search
from sentinel.store.models import HotlistEntry, Item, ItemAnalysis, Response

#: items deleted per transaction
BATCH = 500


def _prunable(before: datetime) -> Select[Any]:
    in_incident = exists().where(col(ItemAnalysis.item_id) == col(Item.id), col(ItemAnalysis.incident_id).is_not(None))
    cited = exists().where(col(Response.item_id) == col(Item.id))
    listed = exists().where(col(HotlistEntry.item_id) == col(Item.id))
    return select(col(Item.id)).where(col(Item.fetched_at) < before, ~in_incident, ~cited, ~listed)


def count_prunable(engine: Engine, *, before: datetime) -> int:
    """How many items a prune with this cut-off would delete now (``--dry-run``)."""
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(_prunable(before).subquery())) or 0)


def prune_batch(engine: Engine, *, before: datetime, batch: int = BATCH) -> int:
    """Delete up to ``batch`` prunable items, oldest first, in one transaction; how many went."""
    with Session(engine) as session:
        ids = list(session.scalars(_prunable(before).order_by(col(Item.fetched_at), col(Item.id)).limit(batch)).all())
        if ids:
            session.execute(delete(ItemAnalysis).where(col(ItemAnalysis.item_id).in_(ids)))
            search.unindex_items(session, ids)
            session.execute(delete(Item).where(col(Item.id).in_(ids)))
            session.commit()
        return len(ids)


def prune(engine: Engine, *, before: datetime, batch: int = BATCH) -> int:
    """Delete every prunable item, a batch per transaction; how many went (for the command line:
    the daemon submits :func:`prune_batch` to its writer one batch at a time)."""
    total = 0
    while count := prune_batch(engine, before=before, batch=batch):
        total += count
    return total
