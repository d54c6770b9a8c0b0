"""Callbacks from the services sentinel sends through: ``POST /api/callbacks/aliyun-voice``, where
Aliyun posts what became of each voice call (answered or not, the key pressed in an ``IvrCall`` menu).

Authentication: a shared token, since Aliyun's callback cannot add a header or sign its request.
The URL registered in Aliyun's console is ``https://<sentinel>/api/callbacks/aliyun-voice?token=<T>``,
``T`` the value of the environment variable the channel's ``ivr.callback_token_env`` names; the token
also says which channel the call went through. It is compared in constant time; a wrong one is a
401, counted with the failed logins (and throttled with them). ``X-Sentinel-Token: <T>`` works too,
for a proxy in front that moves it out of the URL. The token is never logged (the log masks
``token=``). The route is outside the bearer-token API, so it is not in ``/api/docs``.

Idempotent: a report whose ``call_id`` is already recorded changes nothing
(:mod:`sentinel.notify.call_results`). The answer is the one Aliyun expects, ``{"code": 0, "msg": "成功"}``.
"""

import asyncio
import hmac
import json
import logging

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from sentinel.clock import Clock
from sentinel.escalation.clocks import Rules
from sentinel.notify.call_results import parse_aliyun_reports, record_calls
from sentinel.settings import Settings, env_secret
from sentinel.store.db import Database
from sentinel.web.throttle import LoginGuard

log = logging.getLogger("sentinel.web.callbacks")

MAX_BODY = 64 * 1024


def callback_tokens(settings: Settings) -> list[tuple[str, str]]:
    """``(token, channel id)`` for every aliyun_voice channel with a key menu whose token is set."""
    found = []
    for channel in settings.channels:
        if channel.kind == "aliyun_voice" and channel.ivr is not None:
            token = env_secret(channel.ivr.callback_token_env)
            if token:
                found.append((token, channel.id))
    return found


def callbacks_router(settings: Settings, database: Database, clock: Clock, guard: LoginGuard) -> APIRouter:
    router = APIRouter(prefix="/api/callbacks", include_in_schema=False)
    tokens = callback_tokens(settings)
    rules = Rules.from_settings(settings)
    one_at_a_time = asyncio.Lock()  # the duplicate check and the insert are two steps

    def channel_for(request: Request) -> str:
        presented = request.query_params.get("token") or request.headers.get("x-sentinel-token") or ""
        client = request.client.host if request.client else None
        wait = guard.retry_after(client)
        if wait is not None:
            raise HTTPException(429, "too many failed logins from this address", headers={"Retry-After": str(wait)})
        found = None
        for token, channel in tokens:
            if hmac.compare_digest(token.encode(), presented.encode()):
                found = channel
        if found is None:
            guard.failed("api", client)
            raise HTTPException(401, "unknown callback token")
        return found

    @router.post("/aliyun-voice")
    async def aliyun_voice(request: Request) -> JSONResponse:
        channel = channel_for(request)
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise HTTPException(413, f"a callback body is at most {MAX_BODY} bytes")
        try:
            reports = parse_aliyun_reports(json.loads(raw))
        except ValueError as exc:
            raise HTTPException(422, f"not a voice call report: {exc}") from None
        async with one_at_a_time:
            outcomes = await database.write_and_wake(record_calls, database.engine, rules, reports, channel=channel,
                                            now=clock.now())
        for report, outcome in zip(reports, outcomes, strict=True):
            log.info("channel %s: call %s for incident %s: %s (answered=%s, key=%s)", channel, report.call_id,
                     report.incident_id, outcome, report.answered, report.key)
        return JSONResponse({"code": 0, "msg": "成功"})

    return router
