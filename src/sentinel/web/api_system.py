"""Sources with their health, and the configuration view for administrators.

No ``from __future__ import annotations``: FastAPI reads the annotations at runtime.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from sentinel.clock import Clock
from sentinel.collect.runner import is_blind
from sentinel.settings import Settings
from sentinel.store import sources as source_store
from sentinel.store.db import Database
from sentinel.web import schemas
from sentinel.web.auth import Permission, Principal, Tokens
from sentinel.web.config_view import config_view


def system_router(settings: Settings, database: Database, clock: Clock, tokens: Tokens) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["system"], responses=schemas.AUTH_ERRORS)
    Reading = Annotated[Principal, Depends(tokens.require(Permission.READ))]
    Configuring = Annotated[Principal, Depends(tokens.require(Permission.CONFIG))]

    @router.get("/sources", response_model=list[schemas.Source])
    async def list_sources(_who: Reading) -> list[dict[str, Any]]:
        """Every known source with its health; ``blind`` when it has yielded nothing new for longer
        than ``collect.blind_after``."""
        now = clock.now()
        rows = await database.read(source_store.summarize, database.engine, now=now)
        configured = {source.id for source in settings.sources}
        blind_after = settings.collect.blind_after
        return [
            {
                "id": row.source_id,
                "kind": row.kind,
                "health": row.health,
                "blind": is_blind(row, now, blind_after),
                "configured": row.source_id in configured,
                "consecutive_failures": row.consecutive_failures,
                "last_success_at": _iso(row.last_success_at),
                "last_new_item_at": _iso(row.last_new_item_at),
                "last_error_at": _iso(row.last_error_at),
                "last_error_reason": row.last_error_reason,
                "next_check_at": _iso(row.next_check_at),
                "items_24h": row.items_24h,
                "items_total": row.items_total,
            }
            for row in rows
        ]

    @router.get("/config", response_model=schemas.ConfigView)
    async def show_config(_who: Configuring) -> dict[str, Any]:
        """The configuration in force, with every secret in a URL masked and the ``*_env`` variables
        listed with whether each is set (never their values)."""
        return config_view(settings)

    return router


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
