"""Request bodies bounded before anything parses them: size per route, and time.

A plain ASGI middleware (``BaseHTTPMiddleware`` would read the body into memory first). A request
whose ``Content-Length`` is over its route's limit is answered 413 at once, its body never read; a
body without one (chunked) is counted as it streams and refused as soon as it passes the limit, so
no more than the limit (plus uvicorn's 64 KiB read-ahead) is ever held. A body that has not fully
arrived within ``body_timeout`` is answered 408. Either way the answer says ``Connection: close``:
the rest of the body is not worth reading.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sentinel.settings import HttpConfig

#: (method, path) -> limit name; every other request has ``max_body``
_PUSH_ROUTES = frozenset({("POST", "/api/items")})


@dataclass(frozen=True, slots=True)
class BodyLimits:
    body: int  # bytes, forms and JSON
    push: int  # bytes, POST /api/items
    timeout: float  # seconds for a whole body

    @classmethod
    def from_config(cls, config: HttpConfig) -> BodyLimits:
        return cls(config.max_body, config.max_push_body, config.body_timeout.total_seconds())

    def for_request(self, method: str, path: str) -> int:
        return self.push if (method.upper(), path.rstrip("/") or "/") in _PUSH_ROUTES else self.body


class _Refused(Exception):
    """Raised into the app from ``receive`` when its body is refused; the middleware answers."""


def declared_length(scope: Scope) -> int | None:
    """The request's Content-Length, or None when it has none (or one that is not a number, which
    uvicorn's parser has already refused)."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.for_request(str(scope.get("method", "")), str(scope.get("path", "")))
        length = declared_length(scope)
        if length is not None and length > limit:
            await _refuse(413, limit)(scope, receive, send)
            return

        # the event loop's own time, as asyncio's timeouts use: this is about the network, not the
        # daemon's clock; None once the body is in (a later receive waits for a disconnect)
        deadline: float | None = asyncio.get_running_loop().time() + self.limits.timeout
        received = 0
        refused: int | None = None
        started = False

        async def limited_receive() -> Message:
            nonlocal deadline, received, refused
            if refused is not None:
                raise _Refused
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                refused = 408
                raise _Refused from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = 413
                    raise _Refused
                if not message.get("more_body", False):
                    deadline = None
            else:
                deadline = None
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused is not None:
                return  # whatever the app made of the refusal (a 400, a 500) gives way to ours
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _Refused:
            pass
        except Exception:
            if refused is None:
                raise
        if refused is not None and not started:
            await _refuse(refused, limit)(scope, receive, send)


def _refuse(status: int, limit: int) -> PlainTextResponse:
    text = (f"request body over the limit of {limit} bytes" if status == 413
            else "request body not received in time")
    return PlainTextResponse(text, status_code=status, headers={"Connection": "close"})
