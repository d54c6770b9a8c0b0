"""The daemon's HTTP server: ``/metrics``, ``/healthz`` and the JSON API under ``/api/``.

No ``from __future__ import annotations`` here: FastAPI reads the ``Depends`` in annotations at
runtime, and closure-local dependencies cannot be resolved from strings.
"""


import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field
from sqlalchemy import text

from sentinel.clock import Clock
from sentinel.collect.push import ItemShapeError, parse_pushed_item
from sentinel.metrics import Metrics
from sentinel.normalise.item import normalise
from sentinel.settings import Role, Settings, env_secret
from sentinel.store import items as item_store
from sentinel.store import sources as source_store
from sentinel.store.db import Database
from sentinel.web.console import mount_console
from sentinel.web.incidents import incident_router


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: Role


class PushBatch(BaseModel):
    source: str = Field(description="id of a configured source, usually of kind push")
    items: list[Any] = Field(max_length=5000, description="items in the replay item shape (DESIGN.md §5)")


class Rejected(BaseModel):
    index: int
    id: str | None
    reason: str


class PushResult(BaseModel):
    received: int
    new: int
    duplicates: int
    rejected: list[Rejected]


NewItemsHook = Callable[[str, list[int]], Awaitable[None]]


def create_app(settings: Settings, database: Database, metrics: Metrics, clock: Clock,
               on_new_items: NewItemsHook | None = None) -> FastAPI:
    app = FastAPI(title="sentinel", version="0.1.0", docs_url="/api/docs", openapi_url="/openapi.json")
    tokens = _load_tokens(settings)

    def principal(request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
        for known, who in tokens:
            if hmac.compare_digest(known, token.strip()):
                return who
        raise HTTPException(401, "unknown token", headers={"WWW-Authenticate": "Bearer"})

    def require(*roles: Role) -> Any:
        def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
            if who.role not in roles:
                raise HTTPException(403, f"role {who.role.value} may not do this")
            return who

        return check

    @app.get("/metrics", include_in_schema=False)
    def metrics_endpoint() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        try:
            with database.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # healthz reports the failure instead of raising it
            return JSONResponse({"status": "error", "database": str(exc)[:200]}, status_code=503)
        return JSONResponse({"status": "ok", "time": clock.now().isoformat()})

    @app.post("/api/items", response_model=PushResult)
    async def push_items(
        batch: PushBatch,
        who: Annotated[Principal, Depends(require(Role.INGEST, Role.ADMIN))],
    ) -> PushResult:
        source = next((s for s in settings.sources if s.id == batch.source), None)
        if source is None:
            raise HTTPException(422, f"source: no configured source {batch.source!r}")
        now = clock.now()
        zone = settings.source_zone(source)
        good = []
        rejected: list[Rejected] = []
        for index, data in enumerate(batch.items):
            item_id = data.get("id") if isinstance(data, dict) else None
            try:
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
            await on_new_items(source.id, list(result.new_ids))  # analysed like a poll's new items
        return PushResult(received=len(batch.items), new=result.new, duplicates=result.duplicates, rejected=rejected)

    @app.get("/api/sources")
    async def list_sources(_who: Annotated[Principal, Depends(principal)]) -> list[dict[str, Any]]:
        rows = await database.read(source_store.summarize, database.engine, now=clock.now())
        return [
            {
                "id": row.source_id,
                "kind": row.kind,
                "health": row.health,
                "last_success_at": _iso(row.last_success_at),
                "last_error_at": _iso(row.last_error_at),
                "last_error_reason": row.last_error_reason,
                "items_24h": row.items_24h,
                "items_total": row.items_total,
            }
            for row in rows
        ]

    app.include_router(incident_router(settings, database, clock, principal, require))
    mount_console(app, settings, database, clock, tokens)  # the web console under /
    return app


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _load_tokens(settings: Settings) -> list[tuple[str, Principal]]:
    loaded = []
    for entry in settings.http.tokens:
        value = env_secret(entry.token_env)
        if value:
            loaded.append((value, Principal(entry.name, entry.role)))
    return loaded
