"""Wake-ups across processes on a real PostgreSQL (:mod:`sentinel.store.pgwake`): what a transaction
announces is delivered when it commits and not when it rolls back, a write through
``write_and_wake`` announces the engine's channel, and the listener outlives a database restart.
(Two real ``sentinel run`` processes: ``tests/test_processes.py``.)"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable

import psycopg
import pytest
from sqlalchemy import text
from sqlmodel import Session

from sentinel.store import pgwake
from sentinel.store.db import Database

pytestmark = pytest.mark.postgres


def _connect(server, name: str) -> psycopg.Connection:
    return psycopg.connect(f"host=127.0.0.1 port={server.port} user={server.user} dbname={name}", autocommit=True)


def _heard(connection: psycopg.Connection, wait: float = 0.5) -> list[tuple[str, str]]:
    return [(note.channel, note.payload) for note in connection.notifies(timeout=wait)]


def _until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_an_announcement_is_delivered_on_commit_only(postgres_server) -> None:
    name = f"pgwake_commit_{os.getpid()}"
    database = Database(postgres_server.create_database(name))
    try:
        with _connect(postgres_server, name) as listening:
            listening.execute(f"LISTEN {pgwake.ENGINE}")
            listening.execute(f"LISTEN {pgwake.OUTBOX}")
            with Session(database.engine) as session:
                pgwake.announce(session, pgwake.ENGINE)
                session.rollback()
            assert _heard(listening) == []
            with Session(database.engine) as session:
                pgwake.announce(session, pgwake.OUTBOX)
                pgwake.announce(session, pgwake.OUTBOX)  # twice in one transaction: delivered once
                assert _heard(listening, 0.2) == []  # not before the commit
                session.commit()
            assert _heard(listening) == [(pgwake.OUTBOX, pgwake.ORIGIN)]

            def write() -> None:
                with Session(database.engine) as session:
                    session.execute(text("SELECT 1"))
                    session.commit()

            asyncio.run(database.write_and_wake(write))
            assert _heard(listening) == [(pgwake.ENGINE, pgwake.ORIGIN)]
            asyncio.run(database.write(write))  # a plain write announces nothing
            assert _heard(listening) == []
    finally:
        database.close()


def test_the_listener_wakes_for_other_processes_and_outlives_a_database_restart(postgres_server) -> None:
    name = f"pgwake_restart_{os.getpid()}"
    url = postgres_server.create_database(name)
    woken: list[str] = []
    loop = asyncio.new_event_loop()
    running = threading.Thread(target=loop.run_forever, daemon=True)
    running.start()
    listener = pgwake.Listener(url, {pgwake.ENGINE: lambda: woken.append("engine"),
                                     pgwake.OUTBOX: lambda: woken.append("outbox")}, loop, backoff=(0.1, 0.5))

    def notify(channel: str, payload: str) -> None:
        with _connect(postgres_server, name) as connection:
            connection.execute("SELECT pg_notify(%s, %s)", (channel, payload))

    listener.start()
    try:
        assert listener.listening.wait(10)
        notify(pgwake.ENGINE, pgwake.ORIGIN)  # this process's own: woken in-process already
        notify(pgwake.ENGINE, "another-process")
        assert _until(lambda: woken == ["engine"], 5), woken
        postgres_server.halt()
        try:
            assert _until(lambda: not listener.listening.is_set(), 10)
            time.sleep(0.5)  # a few attempts against the server while it is down
        finally:
            postgres_server.resume()
        assert _until(lambda: listener.connections == 2 and listener.listening.is_set(), 15)
        # back: every job woken once (what was announced meanwhile is lost), then notifications again
        assert _until(lambda: sorted(woken) == ["engine", "engine", "outbox"], 5), woken
        notify(pgwake.OUTBOX, "another-process")
        assert _until(lambda: woken[-1:] == ["outbox"] and len(woken) == 4, 5), woken
    finally:
        listener.stop()
        loop.call_soon_threadsafe(loop.stop)
        running.join(5)
        loop.close()
    assert not listener._thread.is_alive()
