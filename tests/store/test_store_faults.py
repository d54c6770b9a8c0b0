"""Faults of the store's file: a SQLite database that turns read-only for a while.

chmod does not bind root (CAP_DAC_OVERRIDE), so as root the scenario runs in a child process whose
capability bounding set lacks it (``setpriv``, util-linux); otherwise it runs as the user it is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

# Writes while the file is read-only fail, and the daemon's record of them says so (/healthz answers
# 503); once it is writable again, writes through the same engine succeed (the connections opened
# meanwhile were read-only and must not stay in the pool) and the record is healthy again.
SCENARIO = textwrap.dedent("""
    import asyncio, os, sys
    from datetime import UTC, datetime, timedelta
    from sentinel.clock import SystemClock
    from sentinel.liveness import Liveness
    from sentinel.settings import SourceConfig
    from sentinel.store import sources
    from sentinel.store.db import open_database

    path = sys.argv[1]
    now = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    def write(n):
        source = SourceConfig(id=f"s{n}", kind="rss", url="http://127.0.0.1/feed.xml")
        asyncio.run(database.write(sources.ensure_sources, database.engine, [source], now=now))
    database = open_database(f"sqlite:///{path}")
    database.liveness = Liveness(SystemClock())
    write(0)
    database.engine.dispose()  # the pool's connections are opened anew from here on, as they are in a day's run
    def files():  # SQLite creates -wal and -shm with the mode of the database file
        return [f for f in (path, path + "-wal", path + "-shm") if os.path.exists(f)]
    for f in files():
        os.chmod(f, 0o444)
    failures = 0
    for n in range(1, 4):
        try:
            write(n)
        except Exception as exc:
            failures += 1
            print("read-only:", type(exc).__name__, str(exc)[:80])
    print("while read-only:", database.liveness.assess().reasons)
    for f in files():
        os.chmod(f, 0o644)
    for n in range(4, 7):
        write(n)  # raises on a pool that kept a read-only connection
    print("failures", failures, "rows", len(sources.all_states(database.engine)))
    print("after:", database.liveness.assess().reasons)
""")


def _as_unprivileged(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: chmod would not make the file read-only")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", *argv]


def test_writes_recover_on_the_same_engine_after_the_file_was_read_only(tmp_path: Path) -> None:
    script = tmp_path / "scenario.py"
    script.write_text(SCENARIO)
    result = subprocess.run(_as_unprivileged([sys.executable, str(script), str(tmp_path / "sentinel.db")]),
                            capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(SRC)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "failures 3 rows 4" in result.stdout, result.stdout  # s0, s4, s5, s6: the read-only writes failed
    assert "while read-only: ['the store cannot write: attempt to write a readonly database']" in result.stdout
    assert "after: []" in result.stdout


def test_a_full_store_stays_unhealthy_until_the_write_that_needs_room_commits(tmp_path: Path) -> None:
    """SQLite's ``max_page_count`` makes it answer as on a full disk (SQLITE_FULL, "database or disk
    is full") without a small filesystem to fill. While it is full, a write that changes nothing —
    the outbox's look with nothing due, every second — still commits; /healthz must go on saying the
    store cannot write until a write that needs room commits (bench/fault_trials.py --disk-full)."""
    import asyncio
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import event, text

    from sentinel.clock import SystemClock
    from sentinel.liveness import Liveness
    from sentinel.notify.claiming import claim_due
    from sentinel.store.db import open_database

    cap: dict[str, int] = {}
    database = open_database(f"sqlite:///{tmp_path / 'sentinel.db'}")

    @event.listens_for(database.engine, "connect")
    def _full(dbapi_connection, _record) -> None:  # noqa: ANN001 (SQLAlchemy's listener signature)
        if "pages" in cap:
            dbapi_connection.execute(f"PRAGMA max_page_count = {cap['pages']}")

    def fill(engine) -> None:  # noqa: ANN001
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE IF NOT EXISTS filler (blob BLOB)"))
            connection.execute(text("INSERT INTO filler VALUES (randomblob(200000))"))

    def look(engine) -> None:  # noqa: ANN001
        claim_due(engine, owner="one", now=datetime(2026, 11, 20, tzinfo=UTC), lease_for=timedelta(minutes=2),
                  limit=10)

    def write(fn) -> None:  # noqa: ANN001
        asyncio.run(database.write(fn, database.engine))

    try:
        database.liveness = Liveness(SystemClock())
        write(fill)
        with database.engine.connect() as connection:
            cap["pages"] = int(connection.exec_driver_sql("PRAGMA page_count").scalar() or 0)
        database.engine.dispose()  # every connection from here on sees the cap
        with pytest.raises(Exception, match="database or disk is full"):
            write(fill)
        write(look)  # commits: it changes nothing
        assert database.liveness.assess().reasons == ["the store cannot write: database or disk is full"]
        del cap["pages"]
        database.engine.dispose()  # room again
        write(fill)
        assert database.liveness.assess().reasons == []
    finally:
        database.close()
