"""The console's register (依申请公开): the list with its filters, a request's page with its clock
history, and the desk's forms (enter, confirm receipt, 补正, consult, extend, delay, reply).

Every form calls :mod:`sentinel.disclosure.flows` with the logged-in person as the actor; a refused
one comes back on its page with the field at fault and what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sentinel.disclosure import flows, service
from sentinel.disclosure.models import GROUPS, OUTCOMES, ApplicantType, Channel, Party, RequestState
from sentinel.errors import NotFoundError
from sentinel.escalation.actions import ActionError
from sentinel.escalation.clocks import Rules
from sentinel.web.console.core import ACT, Console, PageError
from sentinel.web.console.forms import FieldError, _fields, _posted, _split
from sentinel.web.console.session import Session
from sentinel.web.params import RowId, storable_day

__all__ = ["add_register"]

DONE = {"request": "申请已登记", "confirm": "已确认收到", "correction": "已告知补正", "corrected": "已登记补正",
        "consult": "已登记征求意见", "consulted": "已登记意见", "extend": "已延期", "delay": "已确定延迟答复期限",
        "reply": "已答复"}
CHOICES = {
    "applicant_types": [(k.value, k.name_zh) for k in ApplicantType],
    "channels": [(c.value, c.name_zh) for c in Channel],
    "parties": [(p.value, p.name_zh) for p in Party],
    "states": [("open", "办理中"), *((s.value, s.name_zh) for s in RequestState), ("all", "全部")],
    "outcomes": [(o.value, f"{GROUPS[o.group]} {row.label}" if o.group not in ("granted", "partial") else row.label)
                 for o, row in OUTCOMES.items()],
    "groups": list(GROUPS.items()),
}


def _day(value: str, field: str, console: Console) -> date:
    if not value:
        return console.clock.now().astimezone(console.settings.zone).date()
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        raise FieldError(field, "日期格式应为 YYYY-MM-DD") from None
    try:
        return storable_day(day)
    except ValueError as exc:
        raise FieldError(field, f"日期超出范围 / {exc}") from None


async def register_view(console: Console, request: Request, session: Session, *, error: tuple[str, str] | None = None,
                        form: dict[str, str] | None = None, status: int = 200) -> Response:
    params = request.query_params
    state = params.get("state", "open")
    year = params.get("year", "")
    rows = await console.database.read(
        service.list_requests, console.database.engine, state=None if state == "all" else state,
        unit=params.get("unit") or None, applicant_type=params.get("applicant_type") or None,
        outcome=params.get("outcome") or None, year=int(year) if year.isdigit() and len(year) <= 4 else None,
        search=params.get("q") or None)
    now = console.clock.now()
    return console.render(request, session, "requests.html", status=status, now=now, rows=rows,
                          filters=dict(params), show=state, choices=CHOICES, error=error, form=form or {},
                          done=DONE.get(params.get("done") or ""),
                          today=now.astimezone(console.settings.zone).date().isoformat())


async def request_view(console: Console, request: Request, session: Session, request_id: int, *,
                       error: tuple[str, str] | None = None, form: dict[str, str] | None = None,
                       action: str | None = None, status: int = 200) -> Response:
    try:
        detail = await console.database.read(service.get_request, console.database.engine, request_id)
    except NotFoundError:
        raise PageError(404, f"没有编号为 {request_id} 的申请") from None
    now = console.clock.now()
    return console.render(request, session, "request.html", status=status, now=now, d=detail, r=detail.request,
                          choices=CHOICES, error=error, form=form or {}, action=action,
                          done=DONE.get(request.query_params.get("done") or ""),
                          today=now.astimezone(console.settings.zone).date().isoformat())


def add_register(router: APIRouter, console: Console) -> None:
    rules = Rules.from_settings(console.settings)
    engine = console.database.engine

    @router.get("/requests")
    async def register_page(request: Request) -> Response:
        session = await console.sessions.read(request)
        console.gate(request, session)
        return await register_view(console, request, session)

    @router.get("/requests/{request_id}")
    async def request_page(request: Request, request_id: RowId) -> Response:
        session = await console.sessions.read(request)
        console.gate(request, session)
        return await request_view(console, request, session, request_id)

    @router.post("/requests")
    async def add_request(request: Request) -> Response:
        session, form = await _posted(console, request)
        who = console.gate(request, session, ACT)
        fields: dict[str, str] = {}
        try:
            fields = _fields(form)
            new = flows.NewRequest(
                content=fields.get("content") or fields.get("subject", ""),
                applicant_type=fields.get("applicant_type") or "natural_person",
                channel=fields.get("channel") or "in_person", applicant=fields.get("applicant") or fields.get("requester"),
                reference=fields.get("reference"), form=fields.get("form"),
                unit=fields.get("unit") or fields.get("department"),
                submitted_on=_day(fields.get("submitted_on") or fields.get("received_at", ""), "submitted_on", console),
                confirmed_on=_day(fields["confirmed_on"], "confirmed_on", console) if fields.get("confirmed_on") else None)
            created = await console.database.write_and_wake(flows.add_request, engine, rules, new, by=who.name,
                                                   now=console.clock.now())
        except FieldError as exc:
            return await register_view(console, request, session, error=(exc.field, exc.message), form=fields,
                                       status=422)
        except ActionError as exc:
            return await register_view(console, request, session, error=_split(exc), form=fields, status=422)
        return console.redirect(f"/requests/{created.id}?done=request")

    def calls(request_id: int) -> dict[str, Callable[[dict[str, str], datetime, str], Any]]:
        def day(fields: dict[str, str], name: str = "on") -> date:
            return _day(fields.get(name, ""), name, console)

        return {
            "confirm": lambda f, now, by: flows.confirm_receipt(engine, rules, request_id, on=day(f), by=by, now=now),
            "correction": lambda f, now, by: flows.ask_correction(
                engine, rules, request_id, on=day(f), until=_day(f.get("until", "") or "x", "until", console), by=by,
                now=now, note=f.get("note") or None),
            "corrected": lambda f, now, by: flows.receive_correction(engine, rules, request_id, on=day(f), by=by,
                                                                     now=now),
            "consult": lambda f, now, by: flows.start_consultation(engine, rules, request_id, party=f.get("party", ""),
                                                                   on=day(f), by=by, now=now, note=f.get("note") or None),
            "consulted": lambda f, now, by: flows.end_consultation(engine, rules, request_id, on=day(f), by=by, now=now),
            "extend": lambda f, now, by: flows.extend(
                engine, rules, request_id, approver=f.get("approver", ""), by=by, now=now,
                days=int(f["days"]) if f.get("days", "").isdigit() else None, reason=f.get("reason") or None),
            "delay": lambda f, now, by: flows.delay(engine, rules, request_id, until=_day(f.get("until", "") or "x",
                                                                                         "until", console),
                                                    reason=f.get("reason", ""), by=by, now=now),
            "reply": lambda f, now, by: flows.reply(engine, rules, request_id, outcome=f.get("outcome", ""), by=by,
                                                    now=now, reply_type=f.get("reply_type") or None,
                                                    channel=f.get("channel") or None, note=f.get("note") or None),
        }

    @router.post("/requests/{request_id}/{action}")
    async def request_action(request: Request, request_id: RowId, action: str) -> Response:
        session, form = await _posted(console, request)
        known = calls(request_id)
        if action not in known:
            raise PageError(404, f"没有“{action}”这项操作")
        who = console.gate(request, session, ACT)
        fields: dict[str, str] = {}
        try:
            fields = _fields(form)
            await console.database.write_and_wake(lambda: known[action](fields, console.clock.now(), who.name))
        except NotFoundError:
            raise PageError(404, f"没有编号为 {request_id} 的申请") from None
        except (FieldError, ActionError) as exc:
            field, message = (exc.field, exc.message) if isinstance(exc, FieldError) else _split(exc)
            return await request_view(console, request, session, request_id, error=(field, message), form=fields,
                                      action=action, status=422 if field else 409)
        return console.redirect(f"/requests/{request_id}?done={action}#history")
