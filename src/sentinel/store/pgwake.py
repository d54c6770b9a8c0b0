"""Wake-ups across processes, on PostgreSQL: ``LISTEN``/``NOTIFY`` beside :mod:`sentinel.wake`.

Several ``sentinel run`` processes share one database, and only the holder of the engine lease runs
the escalation engine: an incident opened by another process would wait for the holder's next tick.
So a transaction that opens an incident, moves a grade or records a response also runs
``pg_notify('sentinel_engine', …)``, and one that queues outbox rows ``pg_notify('sentinel_outbox', …)``.
PostgreSQL delivers a notification only when its transaction commits (a rolled-back one wakes
nobody), and one per channel and payload however often the transaction sent it.

Two ways to announce: :func:`announce` inside the transaction, where the code decides (the incidents
stage, the engine's outbox rows); :func:`announcing` around a whole write, whose every commit then
carries it (:meth:`~sentinel.store.db.Database.write_and_wake`: a response, an acknowledgment, a grade
set by hand). On SQLite both do nothing: one process, woken in-process already.

Each process runs one :class:`Listener`: a thread with a connection of its own that calls the
in-process wake for each notification. The payload is the sending process's :data:`ORIGIN`, so a
process skips its own (it woke itself in-process). If the database goes away the thread reconnects
with a growing pause and, once back, wakes every job once (notifications sent meanwhile are lost);
the scheduled ticks stay the safety net throughout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

log = logging.getLogger(__name__)

ENGINE = "sentinel_engine"  # a new incident, a grade, a response: the escalation engine's business
OUTBOX = "sentinel_outbox"  # messages queued: the dispatchers'
ORIGIN = uuid.uuid4().hex  # this process, as the payload of what it announces

_announcing = threading.local()  # the channels every commit of this thread announces, within announcing()


def announce(session: Session, channel: str) -> None:
    """Notify ``channel`` when ``session``'s transaction commits (PostgreSQL only)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, :origin)"), {"channel": channel, "origin": ORIGIN})


@contextlib.contextmanager
def announcing(channel: str) -> Iterator[None]:
    """Every transaction this thread commits meanwhile notifies ``channel`` (engines set up by
    :func:`install`)."""
    before = getattr(_announcing, "channels", ())
    _announcing.channels = (*before, channel)
    try:
        yield
    finally:
        _announcing.channels = before


def install(engine: Engine) -> None:
    """Let :func:`announcing` reach ``engine``'s commits (a PostgreSQL engine)."""
    event.listen(engine, "commit", _before_commit)


def _before_commit(connection: Connection) -> None:
    # SQLAlchemy calls this just before the driver's COMMIT: the notification is part of the transaction
    channels = getattr(_announcing, "channels", ())
    if channels:
        driver = connection.connection.driver_connection
        assert driver is not None
        for channel in dict.fromkeys(channels):
            driver.execute("SELECT pg_notify(%s, %s)", (channel, ORIGIN))


class Listener:
    """A thread LISTENing on ``wakes``' channels that calls, on ``loop``, the wake of each channel
    another process notified. It never raises into the daemon: a lost connection is logged and
    made again, after ``backoff[0]`` seconds, doubling up to ``backoff[1]``."""

    def __init__(self, url: str, wakes: Mapping[str, Callable[[], None]], loop: asyncio.AbstractEventLoop, *,
                 backoff: tuple[float, float] = (0.5, 30.0)) -> None:
        self._conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._wakes = dict(wakes)
        self._loop = loop
        self._backoff = backoff
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-listen", daemon=True)
        self.listening = threading.Event()  # set while connected and listening
        self.connections = 0  # connections made so far (the first, then each one after an outage)

    def start(self) -> None:
        self._thread.start()

    def stop(self, wait: float = 2.0) -> None:
        self._stopping.set()
        self._thread.join(wait)

    def _run(self) -> None:
        pause = self._backoff[0]
        while not self._stopping.is_set():
            made = self.connections
            try:
                self._listen()
            except Exception as exc:  # psycopg's errors, mostly; nothing may end the thread but stop()
                self.listening.clear()
                if self.connections > made:
                    pause = self._backoff[0]  # it was up: the outage starts now
                log.warning("not listening for other processes' wake-ups (%s: %s); trying again in %.1f s",
                            type(exc).__name__, str(exc).strip() or "no detail", pause)
                if self._stopping.wait(pause):
                    return
                pause = min(pause * 2, self._backoff[1])

    def _listen(self) -> None:
        import psycopg
        from psycopg import sql

        # keepalives: a peer gone without a word (a cut network) is noticed in about a minute
        with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5, keepalives=1, keepalives_idle=30,
                             keepalives_interval=10, keepalives_count=3) as connection:
            for channel in self._wakes:
                connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            self.connections += 1
            self.listening.set()
            log.info("listening for other processes' wake-ups on %s", ", ".join(self._wakes))
            if self.connections > 1:
                self._wake(self._wakes)  # what was announced while the connection was down is looked at now
            while not self._stopping.is_set():
                for note in connection.notifies(timeout=1.0):  # a second at most between looks at _stopping
                    if note.payload != ORIGIN:
                        self._wake([note.channel])

    def _wake(self, channels: Iterable[str]) -> None:
        for channel in channels:
            wake = self._wakes.get(channel)
            if wake is None:
                continue
            try:
                self._loop.call_soon_threadsafe(wake)
            except RuntimeError:  # the loop is closed: the daemon is gone
                self._stopping.set()
                return
