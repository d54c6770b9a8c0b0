"""Every request counted; every change, refusal and failed login logged with who and from where.

A plain ASGI middleware: after the app has answered, the route template (``/api/incidents/{incident_id}/ack``,
never the concrete path: a closed set of labels) and the status go to
``sentinel_api_requests_total``. The ``sentinel.audit`` log gets one line for

- a request that may change something (any method but GET/HEAD/OPTIONS), at the API or in the web
  console (its actions, login and logout), whether it was let through or refused;
- any refused request (401, 403, 409, 429), reads included: a failed login, a role that may not,
  a state that forbids the action, a CSRF failure (the console's forms answer 403 then);

each with the person (the token's name and role, or the console session's), the client's address
and, where the app said why (:func:`sentinel.web.auth.audit_note`), the reason. The incident's
timeline records the same actor in the transaction that made the change.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sentinel.metrics import Metrics
from sentinel.web.auth import AUDIT_NOTE_SCOPE_KEY, PRINCIPAL_SCOPE_KEY, Principal

audit_log = logging.getLogger("sentinel.audit")
_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_REFUSED = frozenset({401, 403, 409, 429})  # logged whatever the method
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
        if method in _READS and status not in _REFUSED:
            return
        who: Principal | None = scope.get(PRINCIPAL_SCOPE_KEY)
        client = scope.get("client")
        note = scope.get(AUDIT_NOTE_SCOPE_KEY)
        audit_log.info("%s %s -> %d by %s (%s) from %s%s", method, scope.get("path"), status,
                       who.name if who else "-", who.role.value if who else "no valid token",
                       client[0] if client else "an unknown address", f": {note}" if note else "")


def _route_template(scope: Scope) -> str:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"
