from __future__ import annotations

import atexit
import gc
import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sentinel.clock import FakeClock
from tests.support.postgres import PostgresServer, PostgresUnavailable
from tests.support.server import LoopbackServer

# matplotlib keeps its font list in a cache under the home directory, built once: one built before a
# CJK font was installed would decide what the report tests see. The suite (and every process it
# starts) builds its own, from the fonts installed now.
_MPL_CACHE = tempfile.mkdtemp(prefix="sentinel-tests-matplotlib-")
os.environ["MPLCONFIGDIR"] = _MPL_CACHE
atexit.register(shutil.rmtree, _MPL_CACHE, ignore_errors=True)
# The analyser's compiled word tables (sentinel.analyse.tablecache) go to a folder of the suite's own,
# not the home directory's cache: built by the first test that needs them, shared by the rest.
_TABLE_CACHE = tempfile.mkdtemp(prefix="sentinel-tests-tables-")
os.environ["SENTINEL_CACHE_DIR"] = _TABLE_CACHE
atexit.register(shutil.rmtree, _TABLE_CACHE, ignore_errors=True)
CHECKOUT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _own_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs in its own directory: what it writes by a relative path (the daily
    briefing's default ``var/reports``, a default ``var/sentinel.db``) stays out of the checkout."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def _nothing_frozen_after() -> Iterator[None]:
    """A daemon started in a test freezes what lives (sentinel.heap.freeze_survivors), as it would
    for the life of its process: the next tests' garbage is collected as usual again."""
    yield
    if gc.get_freeze_count():
        gc.unfreeze()


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
