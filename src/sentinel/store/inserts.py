"""``INSERT … ON CONFLICT DO NOTHING`` on either store: a row another writer (another process, or an
earlier try of the same work) has already made is left as it is, and the statement does not fail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

__all__ = ["insert_ignoring"]


def insert_ignoring(table: Table, dialect: str, unique: Sequence[str], *, constraint: str | None = None) -> Any:
    """An insert into ``table`` that skips rows whose ``unique`` columns are already taken. On
    PostgreSQL a named ``constraint`` is the arbiter instead of the columns, so that it still holds
    where an operator changed its columns (a table partitioned by month must add the partition key
    to every unique constraint, docs/operations.md)."""
    if dialect == "postgresql":
        if constraint is not None:
            return pg_insert(table).on_conflict_do_nothing(constraint=constraint)
        return pg_insert(table).on_conflict_do_nothing(index_elements=list(unique))
    if dialect == "sqlite":
        return sqlite_insert(table).on_conflict_do_nothing(index_elements=list(unique))
    return insert(table)
