"""Queries on items."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlmodel import Session, col

from sentinel.normalise.item import NormalItem
from sentinel.store import search
from sentinel.store.inserts import insert_ignoring
from sentinel.store.models import Item, SourceHealth, SourceState


@dataclass(frozen=True, slots=True)
class SaveResult:
    new_ids: list[int]
    duplicates: int

    @property
    def new(self) -> int:
        return len(self.new_ids)


def save_poll(
    engine: Engine,
    source_id: str,
    items: Sequence[NormalItem],
    *,
    now: datetime,
    etag: str | None,
    last_modified: str | None,
    cursor: dict[str, Any] | None,
    next_check_at: datetime,
    also: Callable[[Session], None] | None = None,
) -> SaveResult:
    """Store one successful poll: the new items and the validators that cover them, atomically;
    ``also`` writes what else the poll brought (a hot list's ranks) in the same transaction."""
    with Session(engine) as session:
        new_ids = _insert_new(session, source_id, items, now)
        values: dict[str, Any] = {
            "health": SourceHealth.UP.value,
            "consecutive_failures": 0,
            "last_attempt_at": now,
            "last_success_at": now,
            "next_check_at": next_check_at,
            "etag": etag,
            "last_modified": last_modified,
            "lease_owner": None,
            "lease_until": None,
            "items_total": col(SourceState.items_total) + len(new_ids),
        }
        if cursor is not None:
            values["cursor"] = cursor
        if new_ids:
            values["last_new_item_at"] = now
        session.execute(update(SourceState).where(col(SourceState.source_id) == source_id).values(**values))
        if also is not None:
            also(session)
        session.commit()
        return SaveResult(new_ids=new_ids, duplicates=len(items) - len(new_ids))


def save_pushed(engine: Engine, source_id: str, items: Sequence[NormalItem], *, now: datetime) -> SaveResult:
    """Store items that an external crawler pushed (``POST /api/items``)."""
    with Session(engine) as session:
        new_ids = _insert_new(session, source_id, items, now)
        if new_ids:
            session.execute(
                update(SourceState)
                .where(col(SourceState.source_id) == source_id)
                .values(
                    health=SourceHealth.UP.value,
                    last_success_at=now,
                    last_new_item_at=now,
                    items_total=col(SourceState.items_total) + len(new_ids),
                )
            )
        session.commit()
        return SaveResult(new_ids=new_ids, duplicates=len(items) - len(new_ids))


def _insert_new(session: Session, source_id: str, items: Sequence[NormalItem], now: datetime) -> list[int]:
    """Insert the items not stored yet (the unique constraint settles races); return their ids."""
    unique: dict[str, NormalItem] = {}
    for item in items:
        unique.setdefault(item.external_id, item)
    existing = _existing(session, source_id, list(unique))
    rows = [_row(source_id, item, now) for key, item in unique.items() if key not in existing]
    if not rows:
        return []
    # executemany with RETURNING (SQLAlchemy's "insertmanyvalues"): one cached statement, batched,
    # rather than a VALUES list compiled afresh for every poll
    statement = _insert_ignoring_duplicates(session.get_bind()).returning(col(Item.id), col(Item.external_id))
    inserted = session.execute(statement, rows).all()
    if session.get_bind().dialect.name == "postgresql":  # SQLite's triggers index them
        by_key = {row["external_id"]: row for row in rows}
        search.index_items(session, [(int(id_), by_key[key]["title"], by_key[key]["text"]) for id_, key in inserted])
    return [int(id_) for id_, _key in inserted]


def _existing(session: Session, source_id: str, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update(
            session.scalars(
                select(col(Item.external_id)).where(col(Item.source_id) == source_id, col(Item.external_id).in_(chunk))
            ).all()
        )
    return found


def _insert_ignoring_duplicates(engine: Any) -> Any:
    table = Item.__table__  # type: ignore[attr-defined]
    return insert_ignoring(table, engine.dialect.name, ["source_id", "external_id"], constraint="uq_item_source_external")


def _row(source_id: str, item: NormalItem, now: datetime) -> dict[str, Any]:
    return {
        "source_id": source_id,
        "external_id": item.external_id,
        "title": item.title,
        "text": item.text,
        "url": item.url,
        "canonical_url": item.canonical_url,
        "author": item.author,
        "author_verified_type": item.author_verified_type,
        "published_at": item.published_at,
        "published_at_estimated": item.published_at_estimated,
        "fetched_at": now,
        "reposts": item.reposts,
        "comments": item.comments,
        "likes": item.likes,
        "content_hash": item.content_hash,
        "extra": item.extra,
    }


def known_ids(engine: Engine, source_id: str, external_ids: Iterable[str]) -> set[str]:
    with Session(engine) as session:
        return _existing(session, source_id, list(dict.fromkeys(external_ids)))


def list_items(
    engine: Engine,
    *,
    since: datetime | None = None,
    source_id: str | None = None,
    limit: int = 200,
) -> list[Item]:
    """Newest first by fetch time."""
    with Session(engine) as session:
        query = select(Item).order_by(col(Item.fetched_at).desc(), col(Item.id).desc()).limit(limit)
        if since is not None:
            query = query.where(col(Item.fetched_at) >= since)
        if source_id is not None:
            query = query.where(col(Item.source_id) == source_id)
        return list(session.scalars(query).all())


def iter_texts(engine: Engine, *, since: datetime, batch: int = 2000) -> Iterator[list[str]]:
    """Title and text of items fetched since ``since``, in batches (for scans such as rule checks)."""
    last = 0
    while True:
        with Session(engine) as session:
            rows = session.execute(
                select(col(Item.id), col(Item.title), col(Item.text))
                .where(col(Item.fetched_at) >= since, col(Item.id) > last)
                .order_by(col(Item.id)).limit(batch)
            ).all()
        if not rows:
            return
        last = rows[-1][0]
        yield [f"{title}\n{text}" for _id, title, text in rows]


def items_by_ids(engine: Engine, ids: Sequence[int]) -> list[Item]:
    with Session(engine) as session:
        return list(session.scalars(select(Item).where(col(Item.id).in_(list(ids))).order_by(col(Item.id))).all())
