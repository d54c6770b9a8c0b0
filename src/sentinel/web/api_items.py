"""Items: the push ingest of external crawlers (``POST /api/items``) and search (``GET /api/items``).

No ``from __future__ import annotations``: FastAPI reads the annotations at runtime.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from sentinel.clock import Clock
from sentinel.collect.push import ItemShapeError, parse_pushed_item
from sentinel.metrics import Metrics
from sentinel.normalise.item import (
    MAX_AUTHOR_CHARS,
    MAX_TEXT_BYTES,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    normalise,
)
from sentinel.settings import Settings
from sentinel.store import items as item_store
from sentinel.store import search as item_search
from sentinel.store.db import Database
from sentinel.store.models import Item as ItemRow
from sentinel.store.models import ItemAnalysis
from sentinel.web import schemas
from sentinel.web.auth import Permission, Principal, Tokens
from sentinel.web.params import AwareTime, RowId

NewItemsHook = Callable[[str, list[int]], Awaitable[None]]
#: the longest text field a pushed item may have, in characters: what sentinel keeps of a polled
#: item (normalising cuts a longer title, url or author, and a text at MAX_TEXT_BYTES UTF-8 bytes);
#: a longer one rejects the item naming the field rather than storing it cut unseen
PUSHED_LIMITS = {"title": MAX_TITLE_CHARS, "url": MAX_URL_CHARS, "author": MAX_AUTHOR_CHARS, "text": MAX_TEXT_BYTES}


class PushBatch(BaseModel):
    source: str = Field(max_length=64, description="id of a configured source, usually of kind push")
    items: list[Any] = Field(max_length=5000, description=(
        "items in the replay item shape (docs/architecture.md#replay-scenarios); one with a field longer "
        "than sentinel keeps (text 200,000 characters, title 500, url 2,048, author 200) is rejected naming it"))


class Rejected(BaseModel):
    index: int
    id: str | None
    reason: str


class PushResult(BaseModel):
    received: int
    new: int
    duplicates: int
    rejected: list[Rejected]


def items_router(settings: Settings, database: Database, metrics: Metrics, clock: Clock, tokens: Tokens,
                 on_new_items: NewItemsHook | None = None) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["items"], responses=schemas.AUTH_ERRORS)
    Reading = Annotated[Principal, Depends(tokens.require(Permission.READ))]
    Ingesting = Annotated[Principal, Depends(tokens.require(Permission.INGEST))]

    @router.post("/items", response_model=PushResult)
    async def push_items(batch: PushBatch, who: Ingesting) -> PushResult:
        """Items from an external crawler. Each bad item is rejected with its reason; the good ones in
        the batch are kept and analysed like a poll's new items. An ingest token pushes only into the
        sources its configuration names (403 for any other)."""
        source = next((s for s in settings.sources if s.id == batch.source), None)
        if not who.may_push_into(batch.source):
            # checked before the source's existence: an ingest token learns nothing about other sources
            raise HTTPException(403, f"token {who.name} may not push into source {batch.source!r}")
        if source is None:
            raise HTTPException(422, [{"loc": ["body", "source"], "msg": f"no configured source {batch.source!r}",
                                       "type": "value_error"}])
        now = clock.now()
        zone = settings.source_zone(source)
        good = []
        rejected: list[Rejected] = []
        for index, data in enumerate(batch.items):
            item_id = data.get("id") if isinstance(data, dict) else None
            try:
                _check_lengths(data)
                good.append(normalise(parse_pushed_item(data), zone=zone, fetched_at=now))
            except (ItemShapeError, ValueError, TypeError) as exc:
                rejected.append(Rejected(index=index, id=str(item_id) if item_id is not None else None, reason=str(exc)))
        result = await database.write(item_store.save_pushed, database.engine, source.id, good, now=now)
        metrics.push_items.labels("new").inc(result.new)
        metrics.push_items.labels("duplicate").inc(result.duplicates)
        metrics.push_items.labels("rejected").inc(len(rejected))
        metrics.items_new.labels(source.id, source.kind.value).inc(result.new)
        metrics.items_duplicate.labels(source.id, source.kind.value).inc(result.duplicates)
        if on_new_items is not None and result.new_ids:
            await on_new_items(source.id, list(result.new_ids))
        return PushResult(received=len(batch.items), new=result.new, duplicates=result.duplicates, rejected=rejected)

    @router.get("/items", response_model=list[schemas.Item])
    async def search_items(
        _who: Reading,
        q: Annotated[str | None, Query(max_length=200, description=(
            "words that title or text must all contain; OR or | between alternatives, -word or NOT word to "
            "exclude, \"quoted words\" for a phrase, parentheses to group"))] = None,
        source: Annotated[str | None, Query(max_length=64, description="a source id")] = None,
        since: Annotated[AwareTime, Query(description="published at or after (ISO 8601 with offset)")] = None,
        until: Annotated[AwareTime, Query(description="published before")] = None,
        incident: Annotated[RowId | None, Query(description="items of this incident only")] = None,
        before: Annotated[RowId | None, Query(description="the last id of the previous page")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> list[dict[str, Any]]:
        """Items, newest publication first, found through the full-text index (Chinese words of any
        length, phrases, AND/OR/NOT), by source, publication time and incident; each says which
        searched words it holds (``matched``) and shows them in context (``snippet``). 422 for a
        query that cannot be searched (only exclusions, or a word without letters or digits)."""
        try:
            rows = await database.read(item_search.search_items, database.engine, query=q, source_id=source,
                                       since=since, until=until, incident_id=incident, before_id=before, limit=limit)
        except item_search.QueryError as exc:
            raise HTTPException(422, [{"loc": ["query", "q"], "msg": str(exc), "type": "value_error"}]) from None
        return [item_json(found.item, found.analysis) | {"matched": found.matched, "snippet": found.snippet}
                for found in rows]

    return router


def _check_lengths(data: Any) -> None:
    """ItemShapeError naming the first text field of a pushed item longer than :data:`PUSHED_LIMITS`."""
    if not isinstance(data, dict):
        return  # parse_pushed_item says what is wrong with it
    for name, limit in PUSHED_LIMITS.items():
        value = data.get(name)
        if isinstance(value, str) and len(value) > limit:
            raise ItemShapeError(f"{name}: too long ({len(value):,} characters; at most {limit:,})")


def item_json(item: ItemRow, analysis: ItemAnalysis | None) -> dict[str, Any]:
    return {"id": item.id, "source": item.source_id, "external_id": item.external_id, "title": item.title,
            "text": item.text, "url": item.url, "author": item.author, "published_at": item.published_at.isoformat(),
            "fetched_at": item.fetched_at.isoformat(), "reposts": item.reposts, "comments": item.comments,
            "likes": item.likes, "relevant": analysis.relevant if analysis else None,
            "sentiment": analysis.sentiment if analysis else None,
            "incident": analysis.incident_id if analysis else None}
