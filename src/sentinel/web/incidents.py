"""The JSON API for incidents, their actions and evidence (disclosure requests: :mod:`.disclosure`).

The actions are the command line's (:mod:`sentinel.escalation.actions`): the same checks, the same
single transaction, and the person behind the token as the actor on the timeline. Who may do what
is the table in :mod:`sentinel.web.auth`: reading needs ``read``, notes ``note``, every other POST
``act``.

An action that cannot be applied answers 422 when a field is at fault (``loc`` names it: a response
time before the incident emerged, an unknown kind) and 409 when the incident's state forbids it
(already dismissed); an unknown incident is 404. Nothing is half-applied.

No ``from __future__ import annotations``: FastAPI reads the annotations at runtime.
"""

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from sentinel.clock import Clock
from sentinel.errors import NotFoundError
from sentinel.escalation import actions, judgement
from sentinel.escalation.clocks import Rules
from sentinel.incidents import service
from sentinel.settings import Settings
from sentinel.store.db import Database
from sentinel.web import schemas
from sentinel.web.auth import Permission, Principal, Tokens
from sentinel.web.params import MAX_ROW_ID, AwareTime, Content, Name, NoteText, Reason, RowId, Url

#: items in a page of an incident's detail (the actions answer the first page); at most MAX_ITEMS_PAGE
#: when asked (an incident of 5,102 items was a 4.8 MB answer)
ITEMS_PAGE = 100
MAX_ITEMS_PAGE = 1000

ResponseKind = Literal["authoritative_info", "press_conference", "response", "policy_interpretation",
                       "disclosure_reply"]


class RespondBody(BaseModel):
    kind: ResponseKind
    at: AwareTime = Field(default=None, description="when it was published (ISO 8601 with offset); default now")
    url: Url | None = None
    channel: Name | None = Field(default=None, description="发布渠道")
    reviewer: Name | None = Field(default=None, description="审核人")
    publisher: Name | None = Field(default=None, description="发布人")
    unit: Name | None = Field(default=None, description="发布单位; default the incident's department")
    content: Content | None = None


class GradeBody(BaseModel):
    grade: Literal["I", "II", "III", "IV"]
    reason: Reason = Field(min_length=1)


class ReasonBody(BaseModel):
    reason: Reason = Field(min_length=1)


class JudgementBody(BaseModel):
    reason: Reason | None = None


class AssignBody(BaseModel):
    department: Name = Field(min_length=1)


class NoteBody(BaseModel):
    text: NoteText = Field(min_length=1)


class ConfirmBody(BaseModel):
    kind: ResponseKind | None = None


def incident_router(settings: Settings, database: Database, clock: Clock, tokens: Tokens) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["incidents"], responses=schemas.ACTION_ERRORS)
    rules = Rules.from_settings(settings)
    engine = database.engine
    Acting = Annotated[Principal, Depends(tokens.require(Permission.ACT))]
    Noting = Annotated[Principal, Depends(tokens.require(Permission.NOTE))]
    Reading = Annotated[Principal, Depends(tokens.require(Permission.READ))]

    async def act(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return await database.write_and_wake(fn, engine, *args, **kwargs)
        except NotFoundError as exc:
            raise HTTPException(404, str(exc)) from None
        except actions.ActionError as exc:
            raise _action_error(exc) from None

    def detail(incident_id: int, offset: int = 0, limit: int = ITEMS_PAGE) -> dict[str, Any]:
        try:
            return service.detail_json(service.get_incident(engine, incident_id, items_offset=offset,
                                                            items_limit=limit))
        except NotFoundError as exc:
            raise HTTPException(404, str(exc)) from None

    @router.get("/incidents", response_model=list[schemas.Incident])
    async def list_incidents(
        _who: Reading,
        state: Literal["open", "closed", "dismissed", "all"] = "open",
        grade: Literal["I", "II", "III", "IV"] | None = None,
        department: Annotated[Name | None, Query()] = None,
        kind: Literal["incident", "policy_document", "disclosure_request"] | None = None,
        since: Annotated[AwareTime, Query(description="emerged at or after (ISO 8601 with offset)")] = None,
        until: Annotated[AwareTime, Query(description="emerged before")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> list[dict[str, Any]]:
        rows = await database.read(service.list_incidents, engine, state=None if state == "all" else state,
                                   limit=limit, grade=grade, department=department, kind=kind,
                                   since=since, until=until)
        return [service.incident_json(row) for row in rows]

    @router.get("/incidents/{incident_id}", response_model=schemas.IncidentDetail)
    async def get_incident(
        incident_id: RowId, _who: Reading,
        limit: Annotated[int, Query(ge=1, le=MAX_ITEMS_PAGE, description="items in the page")] = ITEMS_PAGE,
        offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID, description="items before the page")] = 0,
    ) -> dict[str, Any]:
        """The incident with everything on record; of its items (oldest first), one page:
        ``items_total`` says how many there are, the next page is at ``offset`` + ``limit``."""
        return await database.read(detail, incident_id, offset, limit)

    @router.post("/incidents/{incident_id}/ack", response_model=schemas.IncidentDetail)
    async def ack(incident_id: RowId, who: Acting) -> dict[str, Any]:
        await act(actions.acknowledge, rules, incident_id, by=who.name, now=clock.now())
        return await database.read(detail, incident_id)

    @router.post("/incidents/{incident_id}/respond", response_model=schemas.ResponseResult)
    async def respond(incident_id: RowId, body: RespondBody, who: Acting) -> dict[str, Any]:
        result = await act(actions.respond, rules, incident_id, kind=body.kind, at=body.at or clock.now(), by=who.name,
                           now=clock.now(), url=body.url, channel=body.channel, reviewer=body.reviewer,
                           publisher=body.publisher, unit=body.unit, content=body.content)
        return {"response": service.response_json(result.response),
                "met": [service.obligation_json(row) for row in result.met],
                "late": [service.obligation_json(row) for row in result.late]}

    @router.post("/incidents/{incident_id}/grade", response_model=schemas.IncidentDetail)
    async def grade(incident_id: RowId, body: GradeBody, who: Acting) -> dict[str, Any]:
        await act(actions.set_grade, rules, incident_id, grade=body.grade, reason=body.reason, by=who.name,
                  now=clock.now())
        return await database.read(detail, incident_id)

    @router.post("/incidents/{incident_id}/dismiss", response_model=schemas.IncidentDetail)
    async def dismiss(incident_id: RowId, body: ReasonBody, who: Acting) -> dict[str, Any]:
        await act(actions.dismiss, rules, incident_id, reason=body.reason, by=who.name, now=clock.now())
        return await database.read(detail, incident_id)

    @router.post("/incidents/{incident_id}/close", response_model=schemas.IncidentDetail)
    async def close(incident_id: RowId, body: ReasonBody, who: Acting) -> dict[str, Any]:
        await act(actions.close, rules, incident_id, reason=body.reason, by=who.name, now=clock.now())
        return await database.read(detail, incident_id)

    @router.post("/incidents/{incident_id}/mark", response_model=schemas.IncidentDetail)
    async def mark(incident_id: RowId, body: ReasonBody, who: Acting) -> dict[str, Any]:
        await act(actions.mark_needs_response, rules, incident_id, reason=body.reason, by=who.name, now=clock.now())
        return await database.read(detail, incident_id)

    @router.post("/incidents/{incident_id}/adopt", response_model=schemas.IncidentDetail)
    async def adopt(incident_id: RowId, who: Acting, body: JudgementBody | None = None) -> dict[str, Any]:
        """纳入本辖区: an incident outside the jurisdiction is the office's; its clocks start."""
        await act(judgement.adopt, rules, incident_id, by=who.name, now=clock.now(), reason=body.reason if body else None)
        return await database.read(detail, incident_id)

    @router.post("/incidents/{incident_id}/verify", response_model=schemas.IncidentDetail)
    async def verify(incident_id: RowId, who: Acting, body: JudgementBody | None = None) -> dict[str, Any]:
        """研判属实: confirm an incident awaiting verification (to refute it, dismiss it)."""
        await act(judgement.verify, rules, incident_id, by=who.name, now=clock.now(), reason=body.reason if body else None)
        return await database.read(detail, incident_id)

    @router.post("/incidents/{incident_id}/assign", response_model=schemas.IncidentDetail)
    async def assign(incident_id: RowId, body: AssignBody, who: Acting) -> dict[str, Any]:
        await act(actions.assign, rules, incident_id, department=body.department, by=who.name, now=clock.now())
        return await database.read(detail, incident_id)

    @router.post("/incidents/{incident_id}/notes", response_model=schemas.Note)
    async def note(incident_id: RowId, body: NoteBody, who: Noting) -> dict[str, Any]:
        event = await act(actions.note, incident_id, text=body.text, by=who.name, now=clock.now())
        return {"id": event.id, "at": event.at.isoformat(), "actor": event.actor, "text": event.reason}

    @router.get("/evidence", response_model=list[schemas.Evidence])
    async def list_evidence(_who: Reading) -> list[dict[str, Any]]:
        rows = await database.read(service.evidence_candidates, engine)
        return [{**service.response_json(row), "incident": row.incident_id} for row in rows]

    @router.post("/evidence/{evidence_id}/confirm", response_model=schemas.ResponseResult)
    async def confirm(evidence_id: RowId, body: ConfirmBody, who: Acting) -> dict[str, Any]:
        result = await act(actions.confirm_evidence, rules, evidence_id, by=who.name, now=clock.now(), kind=body.kind)
        return {"response": service.response_json(result.response),
                "met": [service.obligation_json(row) for row in result.met],
                "late": [service.obligation_json(row) for row in result.late]}

    @router.post("/evidence/{evidence_id}/reject", response_model=schemas.Release)
    async def reject(evidence_id: RowId, body: ReasonBody, who: Acting) -> dict[str, Any]:
        row = await act(actions.reject_evidence, evidence_id, reason=body.reason, by=who.name, now=clock.now())
        return service.response_json(row)

    return router


_FLAG_FIELDS: dict[str, str] = {}  # the command line's option names that differ from the API's fields


def _action_error(exc: actions.ActionError) -> HTTPException:
    """422 naming the field when the message starts with ``--field:``, else 409."""
    message = str(exc)
    if message.startswith("--"):
        flag, _, problem = message[2:].partition(":")
        field = _FLAG_FIELDS.get(flag.strip(), flag.strip())
        return HTTPException(422, [{"loc": ["body", field], "msg": problem.strip(), "type": "value_error"}])
    return HTTPException(409, message)
