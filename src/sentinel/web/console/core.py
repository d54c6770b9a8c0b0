"""What every console page shares: the templates, the session, who may see what, and errors.

Jinja2 autoescapes everything (feed text is untrusted and nothing here is marked safe); links taken
from feed content are only ever written as ``href`` when they are plain http(s) addresses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sentinel.analyse.grading import facts_text
from sentinel.analyse.reasons import Language, in_language, language
from sentinel.clock import Clock
from sentinel.collect.hotlist.board import list_name_zh
from sentinel.escalation.reminders import format_time_left
from sentinel.settings import Role, Settings
from sentinel.store.db import Database
from sentinel.web.auth import GRANTS, PRINCIPAL_SCOPE_KEY, Permission
from sentinel.web.console import labels
from sentinel.web.console.session import Session, Sessions
from sentinel.web.throttle import LoginGuard

#: the cookie that keeps the reader's language (``?lang=en`` sets it; Chinese when there is none)
LANG_COOKIE = "sentinel_lang"
LANG_MAX_AGE = 365 * 86400


def reader_language(request: Request) -> tuple[Language, bool]:
    """The language the reader asked for — ``?lang=`` first, then the cookie, else Chinese — and
    whether the page should remember it (it came from the query)."""
    asked = language(request.query_params.get("lang"))
    if asked is not None:
        return asked, True
    return language(request.cookies.get(LANG_COOKIE)) or "zh", False


def _roles_with(permission: Permission) -> frozenset[Role]:
    return frozenset(role for role, granted in GRANTS.items() if permission in granted)


# the roles that may do what, from the API's one table (sentinel.web.auth)
READ = _roles_with(Permission.READ)
ACT = _roles_with(Permission.ACT)
NOTE = _roles_with(Permission.NOTE)
ADMIN = _roles_with(Permission.CONFIG)

#: headers on every page: scripts and styles only from our own static files, no framing
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class LoginRequired(Exception):
    """The visitor has no session: send them to the login form (and back afterwards)."""

    def __init__(self, back: str) -> None:
        super().__init__(back)
        self.back = back


class PageError(Exception):
    """A page that cannot be shown (403, 404): rendered as the error page with this message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def safe_href(url: str | None) -> str | None:
    """The URL if it is a plain http(s) address (never ``javascript:`` or ``data:``), else None."""
    if url and re.match(r"^https?://[^\s]+$", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


def local_redirect(target: str | None) -> str:
    """Where to go after login: only a path on this site (``//host`` would leave it)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@dataclass(frozen=True, slots=True)
class Console:
    settings: Settings
    database: Database
    clock: Clock
    sessions: Sessions
    guard: LoginGuard  # failed logins: held back, logged, counted
    env: Environment

    @classmethod
    def create(cls, settings: Settings, database: Database, clock: Clock, sessions: Sessions,
               guard: LoginGuard) -> Console:
        env = Environment(loader=PackageLoader("sentinel.web.console", "templates"),
                          autoescape=select_autoescape(default=True, default_for_string=True),
                          trim_blocks=True, lstrip_blocks=True)
        zone = settings.zone
        env.filters["local"] = lambda at, fmt="%m-%d %H:%M": at.astimezone(zone).strftime(fmt) if at else "—"
        env.filters["iso"] = lambda at: at.isoformat() if at else ""
        env.filters["href"] = safe_href
        env.filters["left"] = lambda delta: format_time_left(delta) if isinstance(delta, timedelta) else "—"
        env.globals["labels"] = labels
        env.globals["list_zh"] = list_name_zh
        env.globals["seconds"] = lambda value: timedelta(seconds=float(value or 0))
        env.globals["obligation_name"] = labels.obligation_name
        env.globals.update(labels.REGISTER)
        return cls(settings, database, clock, sessions, guard, env)

    @property
    def rate(self) -> float:
        """How many seconds of the daemon's clock pass per real second (the demo's clock runs fast);
        the page's countdowns tick at this rate from the server's ``now``."""
        return self.clock.rate

    def gate(self, request: Request, session: Session, roles: frozenset[Role] = READ) -> Any:
        """The person behind the session, if their role may do this; else to the login page or 403."""
        if session.who is not None:
            request.scope[PRINCIPAL_SCOPE_KEY] = session.who  # the audit log's actor
        if session.who is None:
            back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginRequired(back if request.method == "GET" else "/")
        if session.who.role not in roles:
            role = labels.ROLE.get(session.who.role.value, session.who.role.value)
            raise PageError(403, f"{role}（{session.who.name}）无权进行此操作")
        return session.who

    def render(self, request: Request, session: Session, template: str, *, status: int = 200,
               **context: Any) -> HTMLResponse:
        now: datetime = context.pop("now", None) or self.clock.now()
        who = session.who
        lang, remember = reader_language(request)
        page = self.env.get_template(template).render(
            request=request, csrf=session.csrf, who=who, now=now, rate=self.rate, zone=str(self.settings.zone),
            lang=lang, say=lambda text: in_language(text, lang), facts=lambda facts: facts_text(facts or {}, lang),
            role_name=labels.ROLE.get(who.role.value, who.role.value) if who else None,
            can_act=who is not None and who.role in ACT, can_note=who is not None and who.role in NOTE,
            is_admin=who is not None and who.role in ADMIN, **context)
        response = HTMLResponse(page, status_code=status, headers=SECURITY_HEADERS)
        if remember:
            response.set_cookie(LANG_COOKIE, lang, max_age=LANG_MAX_AGE, httponly=True, samesite="strict", path="/")
        if not session.stored:
            self.sessions.write(response, session)
        return response

    def redirect(self, target: str, session: Session | None = None) -> Response:
        response = RedirectResponse(target, status_code=303, headers=SECURITY_HEADERS)
        if session is not None:
            self.sessions.write(response, session)
        return response

    def login_redirect(self, back: str) -> Response:
        return self.redirect(f"/login?next={quote(back, safe='')}")
