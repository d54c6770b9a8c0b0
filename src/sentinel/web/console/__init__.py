"""The web console (Web 控制台): server-rendered Chinese pages for duty officers, leaders and admins.

``/`` the incident board by urgency with live countdowns; ``/incidents/ID`` the timeline, items,
charts and the duty officer's forms; ``/requests`` disclosure requests (依申请公开) and their
working-day deadlines; ``/sources`` each source's health; ``/config`` the configuration with
secrets masked (admin); ``/a/CODE`` the page of a one-tap 认领 link from an alert (no login:
:mod:`sentinel.web.console.ack`). Login is by the same tokens and roles as the JSON API.

No front-end build step: Jinja2 templates, one stylesheet and one small script (the countdowns),
shipped as package data.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fastapi import APIRouter, FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from sentinel.clock import Clock
from sentinel.escalation import ack_links
from sentinel.settings import Settings, env_secret
from sentinel.store.db import Database
from sentinel.web.auth import Principal
from sentinel.web.console.ack import add_ack_links
from sentinel.web.console.core import Console, LoginRequired, PageError
from sentinel.web.console.disclosure import add_register
from sentinel.web.console.forms import add_forms
from sentinel.web.console.pages import add_pages
from sentinel.web.console.session import Sessions
from sentinel.web.throttle import LoginGuard

__all__ = ["mount_console"]

STATIC = Path(__file__).parent / "static"


def mount_console(app: FastAPI, settings: Settings, database: Database, clock: Clock,
                  tokens: Sequence[tuple[str, Principal]], guard: LoginGuard) -> Console:
    """Add the console's pages, forms and static files to the daemon's app."""
    sessions = Sessions(env_secret(settings.http.session_secret_env), tokens, database, clock,
                        secure=(settings.http.public_url or "").startswith("https://"))
    console = Console.create(settings, database, clock, sessions, guard)
    router = APIRouter(include_in_schema=False)
    add_pages(router, console)
    add_forms(router, console)
    add_register(router, console)
    add_ack_links(router, console, ack_links.signer(settings))  # /a/{code}: one-tap 认领, no login
    app.include_router(router)
    app.mount("/static/console", StaticFiles(directory=STATIC), name="console-static")

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        return console.login_redirect(exc.back)

    async def page_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageError)
        session = await sessions.read(request)
        return console.render(request, session, "error.html", status=exc.status, message=exc.message,
                              heading={403: "无权访问", 404: "未找到"}.get(exc.status))

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(PageError, page_error)
    return console
