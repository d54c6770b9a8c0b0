"""The console's pages: the board, an incident, disclosure requests, sources, the configuration."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sentinel.errors import NotFoundError
from sentinel.escalation.actions import RESPONSE_KINDS
from sentinel.escalation.clocks import pending_evidence
from sentinel.incidents import service
from sentinel.incidents.series import incident_series
from sentinel.notify.channel_alerts import channels_down
from sentinel.notify.claiming import pending_summary
from sentinel.reports.incident import evidence_text
from sentinel.store import search as item_search
from sentinel.store import sources as source_store
from sentinel.web.console.board import board
from sentinel.web.console.charts import charts
from sentinel.web.console.config_view import masked_config
from sentinel.web.console.core import ADMIN, Console, PageError
from sentinel.web.console.hotlists import arrow, hotlist_page, incident_hotlists
from sentinel.web.console.session import Session
from sentinel.web.console.timeline import names, timeline_detail, timeline_rows
from sentinel.web.params import RowId

#: what ``?done=`` says after a form went through (a fixed text: the parameter is never echoed)
DONE = {"adopt": "已纳入本辖区，开始计时", "verify": "已研判属实，按规定升级", "ack": "已签收", "respond": "回应已登记", "grade": "级别已调整", "dismiss": "事件已撤销", "close": "事件已结束",
        "mark": "已标记为需回应", "assign": "已转办", "note": "批注已添加", "confirm": "已确认为官方发布",
        "reject": "已否认", "request": "申请已登记", "extend": "已延期"}

RESPONSE_CHOICES = [(kind.value, kind.name_zh) for kind in RESPONSE_KINDS]


# An alert waiting this long to go out is a delivery backlog the duty officer should see.
BACKLOG_SHOWN = timedelta(minutes=5)

#: items on a page of an incident (an incident of 5,102 items was a 4.8 MB page)
ITEMS_PAGE = 100


async def incident_view(console: Console, request: Request, session: Session, incident_id: int, *,
                        error: tuple[str, str] | None = None, form: dict[str, str] | None = None,
                        action: str | None = None, status: int = 200) -> Response:
    """An incident's page; a form that failed comes back with its error and what was typed."""
    engine = console.database.engine
    try:
        page = _page(request.query_params.get("page", ""))
        detail = await console.database.read(service.get_incident, engine, incident_id,
                                             items_offset=(page - 1) * ITEMS_PAGE, items_limit=ITEMS_PAGE)
    except NotFoundError:
        raise PageError(404, f"没有编号为 {incident_id} 的事件") from None
    now = console.clock.now()
    open_due = [o.due_at for o in detail.obligations if o.state == "open"]
    until = max([now, *open_due]) if detail.incident.state == "open" else None
    series = await console.database.read(incident_series, engine, incident_id, until=until)
    hotlists, listed = await console.database.read(incident_hotlists, engine, incident_id, console.settings.zone)
    sources = {s.id: s for s in console.settings.sources}
    done = request.query_params.get("done")
    return console.render(
        request, session, "incident.html", status=status, now=now, detail=detail, incident=detail.incident,
        charts=charts(series, console.settings.zone, now, listed), hotlists=hotlists, sources=sources,
        timeline=timeline_rows(detail.timeline), timeline_detail=timeline_detail, names=names,
        candidates=[r for r in detail.responses if r.state == "candidate"],
        pending={o.id: [evidence_text(r, console.settings.zone) for r in pending_evidence(o, detail.responses)]
                 for o in detail.obligations},
        recorded=[r for r in detail.responses if r.state == "recorded"],
        response_choices=RESPONSE_CHOICES, done=DONE.get(done or ""), error=error, form=form or {}, action=action,
        local_now=now.astimezone(console.settings.zone).strftime("%Y-%m-%dT%H:%M"),
        page=page, pages=max(1, -(-detail.items_total // ITEMS_PAGE)))


def _page(text: str) -> int:
    """``?page=`` as a page number from 1; 1 when it is none (not digits, 0, absurdly large)."""
    return int(text) if text.isdigit() and 1 <= len(text) <= 9 and int(text) >= 1 else 1


def add_pages(router: APIRouter, console: Console) -> None:
    @router.get("/")
    async def board_page(request: Request) -> Response:
        session = await console.sessions.read(request)
        console.gate(request, session)
        rows = await console.database.read(board, console.database.engine)
        liveness = console.database.liveness
        problems = liveness.assess().reasons if liveness is not None else []  # what /healthz answers 503 for
        now = console.clock.now()
        down = await console.database.read(channels_down, console.database.engine, console.settings, now)
        pending, waited = await console.database.read(pending_summary, console.database.engine, now=now)
        backlog = {"pending": pending, "minutes": int(waited // 60)} if waited >= BACKLOG_SHOWN.total_seconds() else None
        return console.render(request, session, "board.html", rows=rows, problems=problems, channels_down=down,
                              backlog=backlog)

    @router.get("/incidents/{incident_id}")
    async def incident_page(request: Request, incident_id: RowId) -> Response:
        session = await console.sessions.read(request)
        console.gate(request, session)
        return await incident_view(console, request, session, incident_id)

    @router.get("/hotlists")
    async def hotlists_page(request: Request) -> Response:
        session = await console.sessions.read(request)
        console.gate(request, session)
        now = console.clock.now()
        sections = await console.database.read(hotlist_page, console.database.engine, console.settings, now)
        return console.render(request, session, "hotlists.html", now=now, sections=sections, arrow=arrow)

    @router.get("/sources")
    async def sources_page(request: Request) -> Response:
        session = await console.sessions.read(request)
        console.gate(request, session)
        now = console.clock.now()
        rows = await console.database.read(source_store.summarize, console.database.engine, now=now)
        configured = {s.id: s for s in console.settings.sources}
        return console.render(request, session, "sources.html", now=now, rows=rows, configured=configured,
                              blind_after=console.settings.collect.blind_after, stale=_stale(now, console))

    @router.get("/items")
    async def search_page(request: Request) -> Response:
        """检索: the items' full-text search, 100 a page, each with the words it matched marked."""
        session = await console.sessions.read(request)
        console.gate(request, session)
        params = request.query_params
        query = (params.get("q") or "").strip()[:200]
        source = (params.get("source") or "").strip()[:64] or None
        incident = _page(params.get("incident") or "") if params.get("incident") else None
        before = _page(params.get("before") or "") if params.get("before") else None
        rows: list[Any] = []
        error = None
        if query or incident is not None:
            try:
                rows = await console.database.read(item_search.search_items, console.database.engine, query=query,
                                                   source_id=source, incident_id=incident, before_id=before, limit=100)
            except item_search.QueryError as exc:
                error = str(exc)
        found = [(f, marked(f.snippet or f.item.title, f.matched)) for f in rows]
        return console.render(request, session, "search.html", query=query, source=source or "",
                              incident=incident, found=found, error=error, more=len(rows) == 100)

    @router.get("/config")
    async def config_page(request: Request) -> Response:
        session = await console.sessions.read(request)
        console.gate(request, session, ADMIN)
        return console.render(request, session, "config.html", config=masked_config(console.settings))


def marked(text: str, words: list[str]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is a searched word) for the template to mark, case-insensitively."""
    if not words:
        return [(text, False)]
    pattern = re.compile("|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    pieces: list[tuple[str, bool]] = []
    at = 0
    for hit in pattern.finditer(text):
        if hit.start() > at:
            pieces.append((text[at : hit.start()], False))
        pieces.append((hit.group(), True))
        at = hit.end()
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def _stale(now: datetime, console: Console) -> Any:
    """Whether a source has yielded nothing new for longer than ``collect.blind_after`` (collector blind)."""
    limit: timedelta = console.settings.collect.blind_after

    def stale(last_new: datetime | None, last_success: datetime | None) -> bool:
        return last_success is not None and (last_new is None or now - last_new > limit)

    return stale
