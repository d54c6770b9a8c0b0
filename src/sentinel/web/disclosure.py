"""The JSON API of the disclosure register (依申请公开) and the annual report.

The routes call :mod:`sentinel.disclosure.flows` and :mod:`sentinel.disclosure.entries`, the
functions behind the command line and the console; reading needs ``read``, every change ``act``.
A refused change answers 422 naming the field, or 409 when the request's state forbids it; an
unknown request is 404. A deadline carries ``provisional`` (why it is not final) or null.

No ``from __future__ import annotations``: FastAPI reads the annotations at runtime.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi import Path as ApiPath
from fastapi.responses import Response
from pydantic import BaseModel, Field

from sentinel.clock import Clock
from sentinel.disclosure import entries, flows, service
from sentinel.errors import NotFoundError
from sentinel.escalation.actions import ActionError
from sentinel.escalation.clocks import Rules
from sentinel.settings import Settings
from sentinel.store.db import Database
from sentinel.web import schemas
from sentinel.web.auth import Permission, Principal, Tokens
from sentinel.web.incidents import _action_error
from sentinel.web.params import AwareTime, Day, Name, NoteText, Reason, RowId

ApplicantTypes = Literal["natural_person", "commercial", "research", "public_interest", "legal_service", "other_org"]
Channels = Literal["in_person", "post_signed", "post_unsigned", "online", "fax"]


class RequestBody(BaseModel):
    content: NoteText = Field(min_length=1, description="the information asked for")
    applicant_type: ApplicantTypes = "natural_person"
    channel: Channels = "in_person"
    applicant: str | None = Field(default=None, max_length=256)
    reference: str | None = Field(default=None, max_length=64)
    form: Name | None = Field(default=None, description="形式要求")
    unit: Name | None = Field(default=None, description="承办单位")
    submitted_on: Day | None = Field(default=None, description="default today")
    confirmed_on: Day | None = Field(default=None, description="ordinary post, online and fax (第三十一条)")


class DayBody(BaseModel):
    on: Day | None = Field(default=None, description="default today")


class CorrectionBody(DayBody):
    until: Day
    note: Reason | None = None


class ConsultBody(DayBody):
    party: Literal["third_party", "agency"]
    note: Reason | None = None


class ExtendBody(BaseModel):
    approver: Name = Field(min_length=1)
    days: int | None = Field(default=None, ge=1, le=60)
    reason: Reason | None = None


class DelayBody(BaseModel):
    until: Day
    reason: Reason = Field(min_length=1)


class ReplyBody(BaseModel):
    outcome: Name = Field(description="the annual report's row: granted, partial, denied.third_party, …")
    reply_type: Name | None = None
    at: AwareTime = Field(default=None, description="default now")
    channel: str | None = Field(default=None, max_length=64)
    note: NoteText | None = None


class AppealBody(BaseModel):
    kind: Literal["review", "lawsuit_direct", "lawsuit_after_review"]
    filed_on: Day
    request: RowId | None = None
    result: Literal["pending", "upheld", "corrected", "other"] = "pending"
    decided_on: Day | None = None
    reference: str | None = Field(default=None, max_length=128)


def disclosure_router(settings: Settings, database: Database, clock: Clock, tokens: Tokens) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["disclosure"], responses=schemas.ACTION_ERRORS)
    rules = Rules.from_settings(settings)
    engine = database.engine
    Acting = Annotated[Principal, Depends(tokens.require(Permission.ACT))]
    Reading = Annotated[Principal, Depends(tokens.require(Permission.READ))]

    async def act(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return await database.write_and_wake(fn, engine, *args, **kwargs)
        except NotFoundError as exc:
            raise HTTPException(404, str(exc)) from None
        except ActionError as exc:
            raise _action_error(exc) from None

    def day(value: date | None) -> date:
        return value or clock.now().astimezone(settings.zone).date()

    async def detail(request_id: int) -> dict[str, Any]:
        try:
            return service.detail_json(await database.read(service.get_request, engine, request_id))
        except NotFoundError as exc:
            raise HTTPException(404, str(exc)) from None

    @router.get("/requests")
    async def list_requests(
        _who: Reading,
        state: Literal["open", "all", "awaiting_confirmation", "awaiting_correction", "replied"] = "open",
        unit: Annotated[Name | None, Query()] = None, applicant_type: ApplicantTypes | None = None,
        outcome: Annotated[Name | None, Query(description="a row or a group (denied)")] = None,
        year: Annotated[int | None, Query(ge=2008, le=9999)] = None,
        search: Annotated[str | None, Query(max_length=200, description="text the request must contain")] = None,
    ) -> list[dict[str, Any]]:
        """The register, open deadlines first; each with its deadline in force (``provisional`` set
        when it is counted without a year's holiday notice)."""
        rows = await database.read(service.list_requests, engine, state=None if state == "all" else state, unit=unit,
                                   applicant_type=applicant_type, outcome=outcome, year=year, search=search)
        return [service.request_json(row) for row in rows]

    @router.get("/requests/{request_id}")
    async def get_request(request_id: RowId, _who: Reading) -> dict[str, Any]:
        """One request with its deadlines, consultations, appeals and clock history."""
        return await detail(request_id)

    @router.post("/requests", status_code=201)
    async def add_request(body: RequestBody, who: Acting) -> dict[str, Any]:
        new = flows.NewRequest(**body.model_dump())
        request = await act(flows.add_request, rules, new, by=who.name, now=clock.now())
        return await detail(request.id)

    @router.post("/requests/{request_id}/confirm")
    async def confirm(request_id: RowId, body: DayBody, who: Acting) -> dict[str, Any]:
        await act(flows.confirm_receipt, rules, request_id, on=day(body.on), by=who.name, now=clock.now())
        return await detail(request_id)

    @router.post("/requests/{request_id}/correction")
    async def correction(request_id: RowId, body: CorrectionBody, who: Acting) -> dict[str, Any]:
        await act(flows.ask_correction, rules, request_id, on=day(body.on), until=body.until, note=body.note,
                  by=who.name, now=clock.now())
        return await detail(request_id)

    @router.post("/requests/{request_id}/corrected")
    async def corrected(request_id: RowId, body: DayBody, who: Acting) -> dict[str, Any]:
        await act(flows.receive_correction, rules, request_id, on=day(body.on), by=who.name, now=clock.now())
        return await detail(request_id)

    @router.post("/requests/{request_id}/consult")
    async def consult(request_id: RowId, body: ConsultBody, who: Acting) -> dict[str, Any]:
        await act(flows.start_consultation, rules, request_id, party=body.party, on=day(body.on), note=body.note,
                  by=who.name, now=clock.now())
        return await detail(request_id)

    @router.post("/requests/{request_id}/consulted")
    async def consulted(request_id: RowId, body: DayBody, who: Acting) -> dict[str, Any]:
        await act(flows.end_consultation, rules, request_id, on=day(body.on), by=who.name, now=clock.now())
        return await detail(request_id)

    @router.post("/requests/{request_id}/extend")
    async def extend(request_id: RowId, body: ExtendBody, who: Acting) -> dict[str, Any]:
        await act(flows.extend, rules, request_id, approver=body.approver, days=body.days, reason=body.reason,
                  by=who.name, now=clock.now())
        return await detail(request_id)

    @router.post("/requests/{request_id}/delay")
    async def delay(request_id: RowId, body: DelayBody, who: Acting) -> dict[str, Any]:
        await act(flows.delay, rules, request_id, until=body.until, reason=body.reason, by=who.name, now=clock.now())
        return await detail(request_id)

    @router.post("/requests/{request_id}/reply")
    async def reply(request_id: RowId, body: ReplyBody, who: Acting) -> dict[str, Any]:
        await act(flows.reply, rules, request_id, outcome=body.outcome, reply_type=body.reply_type, at=body.at,
                  channel=body.channel, note=body.note, by=who.name, now=clock.now())
        return await detail(request_id)

    @router.post("/appeals", status_code=201)
    async def add_appeal(body: AppealBody, who: Acting) -> dict[str, Any]:
        row = await act(entries.add_appeal, kind=body.kind, filed_on=body.filed_on, request_id=body.request,
                        result=body.result, decided_on=body.decided_on, reference=body.reference, by=who.name,
                        now=clock.now())
        return service.appeal_json(row)

    @router.get("/reports/annual/{year}", response_class=Response, responses={200: {
        "description": "the report in the format asked for",
        "content": {"application/json": {}, "text/html": {}, "application/pdf": {},
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {}}}})
    async def annual_report(year: Annotated[int, ApiPath(ge=2008, le=9999)], _who: Reading,
                            unit: Annotated[Name | None, Query()] = None,
                            format: Literal["json", "html", "pdf", "docx"] = "json") -> Response:
        """The annual report (政府信息公开工作年度报告) of ``year``; 409 when a check of the format fails."""
        from sentinel.reports.annual import AnnualReportError
        from sentinel.reports.annual_render import MEDIA, render_annual

        try:
            data = await database.read(_build, engine, settings, year, clock.now(), unit)
        except AnnualReportError as exc:
            raise HTTPException(409, exc.problems) from None
        body = render_annual(data, format, zone=settings.zone)
        return Response(body, media_type=MEDIA[format])

    return router


def _build(engine: Any, settings: Settings, year: int, now: datetime, unit: str | None) -> dict[str, Any]:
    from sentinel.reports.annual import build_annual_report

    return build_annual_report(engine, settings, year, now=now, unit=unit)
