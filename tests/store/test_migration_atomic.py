"""A migration on SQLite is one transaction: a process stopped half-way leaves nothing behind, so the
next start migrates from where the database really is (a SIGKILL during start-up used to leave
tables without their revision)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from sentinel.store import db as store_db


def test_a_failed_migration_leaves_no_table_behind(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from alembic import command

    real = command.upgrade

    def half_way(config, revision):  # the first revision applied, then the process "dies"
        real(config, "0001")
        raise KeyboardInterrupt

    engine = store_db.create_db_engine(f"sqlite:///{tmp_path / 'half.db'}")
    monkeypatch.setattr(command, "upgrade", half_way)
    with pytest.raises(KeyboardInterrupt):
        store_db.migrate(engine)
    assert inspect(engine).get_table_names() == []
    monkeypatch.setattr(command, "upgrade", real)
    store_db.migrate(engine)  # and the next start migrates from scratch
    assert {"source_state", "disclosure_request", "alembic_version"} <= set(inspect(engine).get_table_names())
    engine.dispose()
