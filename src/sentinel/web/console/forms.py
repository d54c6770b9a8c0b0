"""The console's forms: login and logout, and the duty officer's actions.

Every POST carries the session's CSRF token. The actions call :mod:`sentinel.escalation.actions`
(and :mod:`sentinel.escalation.judgement` for adopting and verifying),
the functions behind the command line and the JSON API, with the logged-in person as the actor on
the timeline; a refused action comes back on its page with the field at fault and what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from sentinel.errors import NotFoundError
from sentinel.escalation import actions, judgement
from sentinel.escalation.clocks import Rules
from sentinel.settings import Role
from sentinel.web.auth import PRINCIPAL_SCOPE_KEY, audit_note
from sentinel.web.console.core import ACT, NOTE, Console, PageError, local_redirect
from sentinel.web.console.pages import incident_view
from sentinel.web.console.session import Session
from sentinel.web.params import (
    MAX_CONTENT,
    MAX_NAME,
    MAX_NOTE,
    MAX_REASON,
    MAX_URL,
    RowId,
    row_id,
    storable_time,
)

# the longest each form field takes, in characters: the API's limit for the same field
# (sentinel.web.params); a field not named here is a name, a choice, a time or an id
LIMITS = {"url": MAX_URL, "content": MAX_CONTENT, "subject": MAX_NOTE, "text": MAX_NOTE, "note": MAX_NOTE,
          "reason": MAX_REASON}


class FieldError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _fields(form: FormData) -> dict[str, str]:
    """The form's text fields, stripped; FieldError naming the first one longer than it may be
    (what was typed is not shown back: the page would be as long)."""
    out = {}
    for key, value in form.multi_items():
        if key == "csrf" or not isinstance(value, str):
            continue
        limit = LIMITS.get(key, MAX_NAME)
        if len(value) > limit:
            raise FieldError(key, f"太长：{len(value):,} 字，最多 {limit:,} 字 / too long (at most {limit:,} characters)")
        out[key] = value.strip()
    return out


def _time(value: str, field: str, console: Console) -> datetime:
    """A ``datetime-local`` input, read in the configured zone; empty means now."""
    if not value:
        return console.clock.now()
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise FieldError(field, "时间格式应为 YYYY-MM-DD HH:MM") from None
    try:
        return storable_time(at if at.tzinfo is not None else at.replace(tzinfo=console.settings.zone))
    except ValueError as exc:
        raise FieldError(field, f"时间超出范围 / {exc}") from None


def _split(exc: actions.ActionError) -> tuple[str, str]:
    """(field, message) from an action's error: ``--field: problem`` names the field."""
    message = str(exc)
    if message.startswith("--"):
        field, _, problem = message[2:].partition(":")
        return field.strip(), problem.strip()
    return "", message


async def _refused(console: Console, request: Request, session: Session, incident_id: int, action: str,
                   fields: dict[str, str], exc: FieldError | actions.ActionError) -> Response:
    """The incident's page again, with the refused form's error (422 for a field, 409 for the state)
    and what was typed."""
    if isinstance(exc, FieldError):
        field, message = exc.field, exc.message
    else:
        field, message = _split(exc)
    return await incident_view(console, request, session, incident_id, error=(field, message), form=fields,
                               action=action, status=422 if field else 409)


async def _posted(console: Console, request: Request) -> tuple[Session, FormData]:
    session = await console.sessions.read(request)
    if session.who is not None:
        request.scope[PRINCIPAL_SCOPE_KEY] = session.who  # the audit log's actor, refused or not
    limits = console.settings.http
    # the body is already capped at http.max_body; these cap what parsing makes of it (the console
    # takes no files)
    form = await request.form(max_files=0, max_fields=limits.max_form_fields, max_part_size=limits.max_body)
    if not console.sessions.csrf_ok(session, form.get("csrf")):
        audit_note(request, "CSRF check failed")
        raise PageError(403, "表单已失效或来源不明（CSRF 校验失败），请刷新页面后重试")
    return session, form


def add_forms(router: APIRouter, console: Console) -> None:
    rules = Rules.from_settings(console.settings)
    engine = console.database.engine

    @router.get("/login")
    async def login_page(request: Request) -> Response:
        session = await console.sessions.read(request)
        back = local_redirect(request.query_params.get("next"))
        if session.who is not None:
            return console.redirect(back)
        return console.render(request, session, "login.html", back=back, error=None)

    @router.post("/login")
    async def login(request: Request) -> Response:
        session, form = await _posted(console, request)
        back = local_redirect(str(form.get("next") or "/"))
        client = request.client.host if request.client else None
        wait = console.guard.retry_after(client)
        if wait is not None:
            audit_note(request, "too many failed logins from this address")
            response = console.render(request, session, "login.html", status=429, back=back,
                                      error=f"登录失败次数过多，请 {wait} 秒后再试")
            response.headers["Retry-After"] = str(wait)
            return response
        token = str(form.get("token") or "")
        found = console.sessions.person(token)
        error = None
        if found is None:
            error = "令牌无效"
            console.guard.failed("console", client)
            audit_note(request, "failed login: unknown token")
        elif found.role is Role.INGEST:
            error = "数据接入令牌不能登录控制台"
            console.guard.failed("console", client, found.name)
            request.scope[PRINCIPAL_SCOPE_KEY] = found
            audit_note(request, "failed login: an ingest token may not log in to the console")
        if error is not None or found is None:
            return console.render(request, session, "login.html", status=401, back=back, error=error)
        request.scope[PRINCIPAL_SCOPE_KEY] = found  # the audit log: who logged in
        return console.redirect(back, await console.sessions.log_in(token, found, client))

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        session, _ = await _posted(console, request)
        return console.redirect("/login", await console.sessions.log_out(session))

    # incident actions: name -> (roles, call(fields, now, by) -> the domain function's result)
    def calls(incident_id: int) -> dict[str, tuple[frozenset[Role], Callable[[dict[str, str], datetime, str], Any]]]:
        return {
            "ack": (ACT, lambda f, now, by: actions.acknowledge(engine, rules, incident_id, by=by, now=now)),
            "respond": (ACT, lambda f, now, by: actions.respond(
                engine, rules, incident_id, kind=f.get("kind", ""), at=_time(f.get("at", ""), "at", console), by=by,
                now=now, url=f.get("url") or None, channel=f.get("channel") or None, reviewer=f.get("reviewer") or None,
                publisher=f.get("publisher") or None, unit=f.get("unit") or None, content=f.get("content") or None)),
            "grade": (ACT, lambda f, now, by: actions.set_grade(engine, rules, incident_id, grade=f.get("grade", ""),
                                                                reason=f.get("reason", ""), by=by, now=now)),
            "dismiss": (ACT, lambda f, now, by: actions.dismiss(engine, rules, incident_id, reason=f.get("reason", ""),
                                                                by=by, now=now)),
            "close": (ACT, lambda f, now, by: actions.close(engine, rules, incident_id, reason=f.get("reason", ""),
                                                            by=by, now=now)),
            "mark": (ACT, lambda f, now, by: actions.mark_needs_response(engine, rules, incident_id,
                                                                         reason=f.get("reason", ""), by=by, now=now)),
            "assign": (ACT, lambda f, now, by: actions.assign(engine, rules, incident_id,
                                                              department=f.get("department", ""), by=by, now=now)),
            "note": (NOTE, lambda f, now, by: actions.note(engine, incident_id, text=f.get("text", ""), by=by, now=now)),
            "adopt": (ACT, lambda f, now, by: judgement.adopt(engine, rules, incident_id, by=by, now=now,
                                                              reason=f.get("reason") or None)),
            "verify": (ACT, lambda f, now, by: judgement.verify(engine, rules, incident_id, by=by, now=now,
                                                                reason=f.get("reason") or None)),
        }

    @router.post("/incidents/{incident_id}/{action}")
    async def incident_action(request: Request, incident_id: RowId, action: str) -> Response:
        session, form = await _posted(console, request)
        known = calls(incident_id)
        if action not in known:
            raise PageError(404, f"没有“{action}”这项操作")
        roles, call = known[action]
        who = console.gate(request, session, roles)
        fields: dict[str, str] = {}
        try:
            fields = _fields(form)
            await console.database.write_and_wake(lambda: call(fields, console.clock.now(), who.name))
        except NotFoundError:
            raise PageError(404, f"没有编号为 {incident_id} 的事件") from None
        except (FieldError, actions.ActionError) as exc:
            return await _refused(console, request, session, incident_id, action, fields, exc)
        return console.redirect(f"/incidents/{incident_id}?done={action}#timeline")

    @router.post("/evidence/{evidence_id}/{verdict}")
    async def evidence(request: Request, evidence_id: RowId, verdict: str) -> Response:
        session, form = await _posted(console, request)
        who = console.gate(request, session, ACT)
        incident_id = row_id(str(form.get("incident") or "")) or 0  # the page it came from; 0 names none (404)
        fields: dict[str, str] = {}
        try:
            fields = _fields(form)
            if verdict == "confirm":
                await console.database.write_and_wake(actions.confirm_evidence, engine, rules, evidence_id, by=who.name,
                                             now=console.clock.now(), kind=fields.get("kind") or None)
            elif verdict == "reject":
                await console.database.write_and_wake(actions.reject_evidence, engine, evidence_id,
                                             reason=fields.get("reason", ""), by=who.name, now=console.clock.now())
            else:
                raise PageError(404, f"没有“{verdict}”这项操作")
        except NotFoundError as exc:
            raise PageError(404, str(exc)) from None
        except (FieldError, actions.ActionError) as exc:
            return await _refused(console, request, session, incident_id, "evidence", fields, exc)
        return console.redirect(f"/incidents/{incident_id}?done={verdict}#timeline")
