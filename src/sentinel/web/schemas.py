"""The API's response shapes, so that ``/openapi.json`` documents what each route answers.

The routes build plain dicts (the same ones the command line prints with ``--json``); these models
check them on the way out. ``extra="forbid"`` makes a field added to a dict but not here an error
in the tests rather than a field silently dropped from the API.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Obligation(_Out):
    id: int
    kind: str = Field(description="authoritative_info, press_conference, sustained_release, response, "
                                  "policy_interpretation or disclosure_reply")
    sequence: int
    state: str = Field(description="open, met, breached or waived")
    started_at: str
    due_at: str
    met_at: str | None
    breached_at: str | None
    reason: str | None
    margin_seconds: float | None = Field(description="positive when met early, negative when late; null while open")
    evidence: dict[str, Any] | None
    provisional: str | None = Field(default=None, description="why the deadline is not final (a year counted "
                                                                 "without its holiday notice); null when it is")


class Release(_Out):
    """A release on record (信息发布登记), or an official item awaiting confirmation as one."""

    id: int
    kind: str
    state: str = Field(description="recorded, candidate or rejected")
    at: str
    url: str | None
    channel: str | None
    unit: str | None
    reviewer: str | None
    publisher: str | None
    content: str | None
    recorded_by: str
    recorded_at: str
    item_id: int | None


class Evidence(Release):
    incident: int


class Notification(_Out):
    id: int
    kind: str
    channel: str
    recipients: list[dict[str, Any]]
    created_at: str
    state: str
    attempts: int
    delivered_at: str | None
    last_error: str | None
    obligation: int | None
    title: str | None


class TimelineEvent(_Out):
    at: str
    kind: str
    actor: str
    reason: str | None
    data: dict[str, Any]


class IncidentItem(_Out):
    id: str = Field(description="the item's id at its source")
    source: str
    title: str
    url: str | None
    published_at: str
    sentiment: float
    negative: bool
    facts: dict[str, Any]


class Incident(_Out):
    id: int
    title: str
    state: str = Field(description="open, closed or dismissed")
    grade: str | None = Field(description="I, II, III, IV or null")
    grade_source: str | None
    grade_reasons: list[str]
    category: str | None
    subtype: str | None
    department: str | None
    department_source: str | None
    facts: dict[str, Any]
    keywords: list[str]
    rules: list[str]
    regions: list[str]
    emerged_at: str
    detected_at: str
    last_item_at: str
    item_count: int
    source_count: int
    heat: float
    heat_components: dict[str, Any]
    listing: dict[str, Any] = Field(default_factory=dict,
                                    description="its entries on hot lists, per list (best rank, rank now, hours)")
    negative_share: float
    kind: str = Field(description="incident, policy_document or disclosure_request")
    details: dict[str, Any]
    needs_response: bool
    clock_start: str | None
    acknowledged_at: str | None
    acknowledged_by: str | None
    responded_at: str | None
    place: dict[str, Any] | None = Field(default=None, description=(
        "where it happened: name, level (county … province, national, country, city, region, unknown), code, "
        "province, country, inside (true, false, null: cannot be told), why, label"))
    jurisdiction: str | None = Field(default=None, description="inside, outside, unknown or adopted (属地管理)")
    verification: dict[str, Any] | None = Field(default=None, description=(
        "研判: state (pending, confirmed, corroborated, expired), since, at, reason, evidence, by; null when never needed"))


class IncidentDetail(Incident):
    items: list[IncidentItem] = Field(description="a page of its items, oldest first: ``limit`` after ``offset``")
    items_total: int = Field(description="how many items it has in all")
    items_offset: int = Field(description="how many items come before this page")
    obligations: list[Obligation]
    responses: list[Release]
    notifications: list[Notification]
    timeline: list[TimelineEvent]


class ResponseResult(_Out):
    response: Release
    met: list[Obligation] = Field(description="deadlines this release met in time")
    late: list[Obligation] = Field(description="deadlines it answered after they were breached")


class Note(_Out):
    id: int
    at: str
    actor: str
    text: str | None


class Source(_Out):
    id: str
    kind: str
    health: str = Field(description="unknown, up, failing or blocked")
    blind: bool = Field(description="no new item for longer than collect.blind_after")
    configured: bool = Field(description="false for a source removed from the configuration since")
    consecutive_failures: int
    last_success_at: str | None
    last_new_item_at: str | None
    last_error_at: str | None
    last_error_reason: str | None = Field(description="a failure reason from a closed set (timeout, http_5xx, …)")
    next_check_at: str | None
    items_24h: int
    items_total: int


class Item(_Out):
    id: int = Field(description="sentinel's id of the item")
    source: str
    external_id: str = Field(description="the item's id at its source")
    title: str
    text: str
    url: str | None
    author: str | None
    published_at: str
    fetched_at: str
    reposts: int | None
    comments: int | None
    likes: int | None
    relevant: bool | None = Field(description="whether it matched a watch rule; null until analysed")
    sentiment: float | None
    incident: int | None = Field(description="the incident it joined, if any")
    matched: list[str] = Field(default_factory=list,
                               description="why a search found it: the searched words it holds, as typed")
    snippet: str | None = Field(default=None, description="text around the first searched word found in the text")


class SecretRef(_Out):
    key: str = Field(description="the configuration key that names the variable")
    env: str
    set: bool = Field(description="whether the variable is set in the daemon's environment")


class ConfigView(_Out):
    config: dict[str, Any] = Field(description="the configuration in force; secrets in URLs masked as ***")
    secrets: list[SecretRef]


class Error(BaseModel):
    detail: Any = Field(description="what went wrong: a message, or for 422 a list of {loc, msg, type}")


AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Error, "description": "missing, malformed or unknown bearer token"},
    403: {"model": Error, "description": "the token's role may not do this"},
}
ACTION_ERRORS: dict[int | str, dict[str, Any]] = {
    **AUTH_ERRORS,
    404: {"model": Error, "description": "no such incident, evidence or request"},
    409: {"model": Error, "description": "the case's state forbids the action (already dismissed, …)"},
}
