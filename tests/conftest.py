from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from sentinel.clock import FakeClock
from tests.support.postgres import PostgresServer, PostgresUnavailable
from tests.support.server import LoopbackServer


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    """A real HTTP server on 127.0.0.1; set ``http_server.routes[path] = Route(...)``."""
    server = LoopbackServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))


# ------------------------------------------------------------------------------------- databases

_db_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer().start()
    except PostgresUnavailable as exc:
        if os.environ.get("SENTINEL_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required here but could not start: {exc}")
        pytest.skip(f"PostgreSQL not available: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A fresh, empty database per test: SQLite in a temp dir, and a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sentinel.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database(f"t{os.getpid()}_{next(_db_counter)}")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'sentinel.db'}"
