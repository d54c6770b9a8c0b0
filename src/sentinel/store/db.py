"""Engines and migrations.

SQLite runs in WAL mode with a busy timeout, and all its writes go through one writer thread
(:class:`Database.write`), so concurrent polls never fight over the lock. PostgreSQL gets a pool and
as many writers as polls. Alembic migrations are applied at start (:func:`migrate`).
"""

from __future__ import annotations

import ast
import asyncio
import functools
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

from sentinel.errors import StoreError
from sentinel.liveness import Liveness, Part
from sentinel.store import pgwake
from sentinel.wake import Wakes

T = TypeVar("T")
MIGRATIONS = Path(__file__).with_name("migrations")
_MIGRATION_LOCK = 0x53454E54  # PostgreSQL advisory lock key held while migrating ("SENT")


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "handle_error", _discard_read_only)
        return engine
    engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)
    pgwake.install(engine)  # a write_and_wake's commits notify the other processes
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL is durable across process crashes
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    from sentinel.store.search import register_sqlite_function

    register_sqlite_function(dbapi_connection)  # the search index's triggers call it


def _discard_read_only(context: ExceptionContext) -> None:
    """A connection that found its file read-only is dropped from the pool, not handed out again.

    SQLite opens a file it may not write (a chmod, a full or remounted disk) read-only without a
    word, and the connection stays read-only after the file is writable again: kept in the pool,
    it would fail every later write until a restart. Marked a disconnect, it is closed and the next
    checkout opens the file afresh."""
    original = context.original_exception
    if isinstance(original, sqlite3.OperationalError) and "readonly" in str(original):
        context.is_disconnect = True


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (a no-op when it is there).

    A schema at the head, as at most starts, is seen without alembic (:func:`at_head`): imported, it
    stays in the daemon's memory for good (11 MB) and would never be used again."""
    if at_head(engine):
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        if engine.dialect.name == "sqlite":
            _migrate_sqlite(engine, config)
            return
        with engine.begin() as connection:
            # Several processes started at once on one empty database: one migrates, the others
            # wait for it and find the schema at its head (the lock goes with the transaction).
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        raise StoreError(f"migrating the database failed: {exc}") from exc


def at_head(engine: Engine) -> bool:
    """Whether the database's revisions (``alembic_version``) are the heads of the migrations."""
    heads = head_revisions()
    if heads is None:
        return False
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return False
            stored = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except SQLAlchemyError:
        return False  # alembic says what is wrong
    return frozenset(stored) == heads


@functools.cache
def head_revisions() -> frozenset[str] | None:
    """The revisions no other one follows, read from the version files as alembic reads them (their
    ``revision`` and ``down_revision``) but without running them; None if a file states either
    other than as a literal (alembic decides then)."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        if path.name == "__init__.py":
            continue
        found: dict[str, Any] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                try:
                    found[target.id] = ast.literal_eval(value)
                except ValueError:
                    return None
        revision, down = found.get("revision"), found.get("down_revision")
        if not isinstance(revision, str) or "down_revision" not in found:
            return None
        revisions.add(revision)
        followed.update([] if down is None else [down] if isinstance(down, str) else down)
    return frozenset(revisions - followed)


def _migrate_sqlite(engine: Engine, config: Any) -> None:
    """The migrations in one explicit SQLite transaction. Python's sqlite3 runs DDL outside any
    transaction of its own, so a process killed half-way through a migration would leave tables
    without their revision, and the next start would fail creating them again."""
    from alembic import command

    with engine.connect() as plain:
        connection = plain.execution_options(isolation_level="AUTOCOMMIT")  # the driver's own BEGINs off
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        except BaseException:
            connection.exec_driver_sql("ROLLBACK")
            raise
        connection.exec_driver_sql("COMMIT")


class Database:
    """An engine plus the executors that keep blocking database work off the event loop.

    With a :class:`~sentinel.liveness.Liveness` set, each write through :meth:`write` is recorded:
    one that committed, or one that failed for a reason of the store (not of its data). A write the
    escalation engine acts on (a response, an acknowledgment, a grade set by hand) goes through
    :meth:`write_and_wake`, which wakes the engine once it committed (:mod:`sentinel.wake`), and
    on PostgreSQL the other processes' engines too (:mod:`sentinel.store.pgwake`)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.liveness: Liveness | None = None
        self.wakes = Wakes()  # connected by the daemon
        self.engine = create_db_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._writer = ThreadPoolExecutor(max_workers=1 if self.is_sqlite else 8, thread_name_prefix="db-write")
        self._reader = ThreadPoolExecutor(max_workers=4, thread_name_prefix="db-read")

    def migrate(self) -> None:
        migrate(self.engine)

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await self._write(_kind_of(fn), lambda: fn(*args, **kwargs))

    async def write_and_wake(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """:meth:`write`, then the escalation engine woken (it sees the change now, not a tick later): this
        process's at once, the other processes' by the notification its commits carry."""

        def announced() -> T:
            with pgwake.announcing(pgwake.ENGINE):
                return fn(*args, **kwargs)

        result = await self._write(_kind_of(fn), announced)
        self.wakes.engine()
        return result

    async def _write(self, kind: str, call: Callable[[], T]) -> T:
        try:
            result = await asyncio.get_running_loop().run_in_executor(self._writer, call)
        except (OperationalError, InterfaceError) as exc:  # read-only, disk full, server gone, locked
            if self.liveness is not None:
                self.liveness.write_failed(str(exc.orig if exc.orig is not None else exc).strip(), write=kind)
            raise
        if self.liveness is not None:
            self.liveness.done(Part.WRITE, write=kind)
        return result

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._reader, lambda: fn(*args, **kwargs))

    def close(self) -> None:
        self._writer.shutdown(wait=True)
        self._reader.shutdown(wait=True)
        self.engine.dispose()


def _kind_of(fn: Callable[..., Any]) -> str:
    """A name for the kind of write ``fn`` does (the failure it had is cleared only when it commits)."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    return getattr(fn, "__qualname__", None) or type(fn).__name__


def open_database(url: str, *, migrate_schema: bool = True) -> Database:
    database = Database(url)
    if migrate_schema:
        database.migrate()
    return database
