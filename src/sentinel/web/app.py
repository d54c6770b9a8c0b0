"""The daemon's HTTP server: ``/metrics``, ``/healthz`` and the JSON API under ``/api/``.

The API's routers are in ``web/api_*.py`` and ``web/incidents.py``; who may call what is the table
in :mod:`sentinel.web.auth`. No ``from __future__ import annotations`` here: FastAPI reads the
annotations at runtime.
"""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.middleware.trustedhost import TrustedHostMiddleware

from sentinel.clock import Clock
from sentinel.logthrottle import RepeatFilter
from sentinel.metrics import Metrics
from sentinel.settings import Settings
from sentinel.store.db import Database
from sentinel.web.api_items import NewItemsHook, items_router
from sentinel.web.api_system import system_router
from sentinel.web.audit import AuditMiddleware
from sentinel.web.auth import Tokens
from sentinel.web.callbacks import callbacks_router
from sentinel.web.console import mount_console
from sentinel.web.disclosure import disclosure_router
from sentinel.web.incidents import incident_router
from sentinel.web.limits import BodyLimitMiddleware, BodyLimits
from sentinel.web.throttle import LoginGuard


def create_app(settings: Settings, database: Database, metrics: Metrics, clock: Clock,
               on_new_items: NewItemsHook | None = None) -> FastAPI:
    # The docs page's scripts and styles are served by the daemon, not a CDN: an office's network
    # often has no internet, and a page that loads code from elsewhere is one more thing to trust.
    app = FastAPIOffline(title="sentinel", version="0.1.0", docs_url="/api/docs", redoc_url=None,
                         static_url="/api/docs-assets", openapi_url="/openapi.json",
                  description="政务舆情 monitoring and response-deadline alerting. Every /api/ route takes "
                              "`Authorization: Bearer TOKEN`; the token's role decides what it may do.")
    guard = LoginGuard(metrics, clock)  # failed logins at the API and the console, held back together
    tokens = Tokens(settings, guard)

    @app.get("/metrics", include_in_schema=False)
    def metrics_endpoint() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz")  # 503 with reasons when the store cannot write or the engine has stalled
    def healthz() -> JSONResponse:
        try:
            with database.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # healthz reports the failure instead of raising it
            reason = f"the database cannot be reached: {_first_line(exc)}"
            return JSONResponse({"status": "error", "database": str(exc)[:200], "reasons": [reason]},
                                status_code=503)
        body: dict[str, object] = {"status": "ok", "time": clock.now().isoformat()}
        if database.liveness is None:  # no daemon jobs in this process: reachable is all there is to know
            return JSONResponse(body)
        verdict = database.liveness.assess()
        body["age_seconds"] = verdict.ages  # since each part last did its work (null: not yet)
        if not verdict.healthy:
            return JSONResponse({**body, "status": "error", "reasons": verdict.reasons}, status_code=503)
        return JSONResponse(body)

    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(OperationalError, store_unavailable)  # server gone, disk full, read-only, locked
    app.add_exception_handler(InterfaceError, store_unavailable)
    app.include_router(items_router(settings, database, metrics, clock, tokens, on_new_items))
    app.include_router(system_router(settings, database, clock, tokens))
    app.include_router(incident_router(settings, database, clock, tokens))
    app.include_router(disclosure_router(settings, database, clock, tokens))
    app.include_router(callbacks_router(settings, database, clock, guard))  # services' callbacks (shared token)
    mount_console(app, settings, database, clock, tokens.known, guard)  # the web console under /
    # the last added runs first: a wrong Host is refused before anything (and not counted); a body
    # over its limit is refused before any route reads it, and counted by the audit middleware
    app.add_middleware(BodyLimitMiddleware, limits=BodyLimits.from_config(settings.http))
    app.add_middleware(AuditMiddleware, metrics=metrics)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.http.hosts, www_redirect=False)
    return app


#: the most of a refused value a 422 repeats, in characters
ECHO_CHARS = 200
#: what a 503 for an unavailable store asks the client to wait before trying again, in seconds
STORE_RETRY_AFTER = 10

_store_log = logging.getLogger("sentinel.web.store")
_store_log.addFilter(RepeatFilter(60.0))  # one line a minute while the store stays away, not one per request


async def store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """503 with Retry-After when the store cannot be used (PostgreSQL down, a full or read-only disk):
    the client keeps what it sent and tries again; the log gets one line a minute, not a traceback
    per request (the daemon's jobs say the same, with theirs)."""
    _store_log.error("the store is unavailable; requests answered 503: %s", _first_line(exc))
    return JSONResponse({"detail": f"the store is unavailable: {_first_line(exc)}"}, status_code=503,
                        headers={"Retry-After": str(STORE_RETRY_AFTER)})


def _first_line(exc: BaseException) -> str:
    """The driver's own message, first line (SQLAlchemy's wraps it with the statement and a link)."""
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return f"{type(original).__name__}: {lines[0][:200] if lines else ''}"


async def invalid_request(_request: Request, exc: Exception) -> JSONResponse:
    """422 as FastAPI answers it (``detail``: a list of {loc, msg, type, input}), each refused value
    cut to :data:`ECHO_CHARS`: a 1M-character field is not sent back whole."""
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": jsonable_encoder([{**error, "input": _cut(error["input"])} if "input" in error
                                                     else error for error in exc.errors()])}, status_code=422)


def _cut(value: Any) -> Any:
    if isinstance(value, str):
        return value if len(value) <= ECHO_CHARS else value[:ECHO_CHARS] + "…"
    if isinstance(value, dict):
        return {key: _cut(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_cut(item) for item in value[:10]] + (["…"] if len(value) > 10 else [])
    return value
