"""The uvicorn configuration the daemon serves with: connections bounded in number and in time.

uvicorn covers some of this itself: ``timeout_keep_alive`` closes a connection idle after an
answer, ``limit_concurrency`` answers 503 once that many connections or requests are open, and
h11 refuses a request head over 16 KiB (``h11_max_incomplete_event_size``, left at h11's default).
It has no timeout for a request's head: a connection that sends nothing, or half its headers (or
one byte after a kept-alive answer), is held until the client gives up. :class:`GuardedH11Protocol`
adds that timer, and closes at once a connection beyond ``max_connections`` so that idle sockets
cannot use up the process's file descriptors. How long a body may take is
:mod:`sentinel.web.limits`'s business.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from sentinel.settings import HttpConfig


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request head and a hard connection cap."""

    header_timeout: float = 10.0
    max_connections: int = 100

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._waiting_for: object = None  # the cycle that was current when the timer was armed

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            transport.close()  # beyond the cap: the descriptor back at once, no answer
            return
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not self._waiting_for:  # a request head arrived
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # uvicorn's keep-alive timer stops at the first byte of the next request; ours runs until
        # that request's head is complete
        if not self.transport.is_closing():
            self._arm()

    def _idle(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        self._disarm()
        if not self._idle():  # a pipelined request is already being answered
            return
        self._waiting_for = self.cycle
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_too_slow)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self.cycle is self._waiting_for and self._idle() and not self.transport.is_closing():
            self.transport.close()


def protocol_for(config: HttpConfig) -> type[GuardedH11Protocol]:
    """The protocol class with ``config``'s limits (uvicorn instantiates it per connection)."""
    return type("SentinelH11Protocol", (GuardedH11Protocol,), {
        "header_timeout": config.header_timeout.total_seconds(),
        "max_connections": config.max_connections,
    })


def server_config(app: Any, config: HttpConfig) -> uvicorn.Config:
    return uvicorn.Config(
        app, host=config.host, port=config.port, log_level="warning", lifespan="off", access_log=False,
        http=protocol_for(config),
        timeout_keep_alive=max(1, round(config.keep_alive.total_seconds())),
        limit_concurrency=config.max_connections,
        # uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise: only the listed proxies
        proxy_headers=bool(config.trusted_proxies), forwarded_allow_ips=list(config.trusted_proxies) or [],
    )
