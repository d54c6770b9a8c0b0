"""Every API request counted, every change logged with the person behind the token.

A plain ASGI middleware: after the app has answered, the route template (``/api/incidents/{incident_id}/ack``,
never the concrete path: a closed set of labels) and the status go to
``sentinel_api_requests_total``; a request that may change something (any method but GET/HEAD/OPTIONS)
is written to the ``sentinel.audit`` log with the token's name and role, whether it was let through
or refused. The incident's timeline records the same actor in the transaction that made the change.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sentinel.metrics import Metrics
from sentinel.web.auth import PRINCIPAL_SCOPE_KEY, Principal

audit_log = logging.getLogger("sentinel.audit")
_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"})


class AuditMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = {"code": 500}  # what an exception that escapes the app becomes

        async def send_recording(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_recording)
        finally:
            self._record(scope, status["code"])

    def _record(self, scope: Scope, status: int) -> None:
        method = str(scope.get("method", "")).upper()
        route = _route_template(scope)
        self.metrics.api_requests.labels(method if method in _METHODS else "other", route, str(status)).inc()
        if method in _READS or not str(scope.get("path", "")).startswith("/api/"):
            return
        who: Principal | None = scope.get(PRINCIPAL_SCOPE_KEY)
        audit_log.info("%s %s -> %d by %s (%s)", method, scope.get("path"), status,
                       who.name if who else "-", who.role.value if who else "no valid token")


def _route_template(scope: Scope) -> str:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"
