"""The migrations form one line: one head, every revision reachable from it, each file named for its
revision id (docs/architecture.md#migrations). Two branches that each chain a revision after the same
head leave two heads, and ``migrate`` (``alembic upgrade head``) would refuse to start the daemon."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from sentinel.store.db import MIGRATIONS, at_head, create_db_engine, head_revisions, migrate, open_database


def _scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def test_the_migrations_have_one_head() -> None:
    heads = _scripts().get_heads()
    assert len(heads) == 1, f"several heads {sorted(heads)}: chain one after the other (down_revision)"


def test_every_revision_is_on_the_line_to_the_head() -> None:
    scripts = _scripts()
    everything = {revision.revision for revision in scripts.walk_revisions()}
    line, todo = set(), list(scripts.get_heads())
    while todo:
        revision = scripts.get_revision(todo.pop())
        if revision is not None and revision.revision not in line:
            line.add(revision.revision)
            down = revision.down_revision  # None, one id, or several for a merge revision
            todo += [] if down is None else [down] if isinstance(down, str) else list(down)
    assert line == everything
    assert len(everything) == len(list((MIGRATIONS / "versions").glob("0*.py")))


def test_a_named_revision_lives_in_a_file_of_its_name() -> None:
    for revision in _scripts().walk_revisions():
        path = Path(revision.path)
        if not revision.revision[:4].isdigit() or revision.revision.isdigit():
            continue  # the first revisions are numbers only: 0001, 0002, 0003
        assert path.stem == revision.revision, f"{path.name} holds revision {revision.revision}"


def test_the_heads_read_from_the_files_are_alembics() -> None:
    assert head_revisions() == frozenset(_scripts().get_heads())


def test_a_database_at_the_head_opens_without_alembic(tmp_path: Path) -> None:
    """alembic imported stays in the daemon's memory for good: a start with nothing to migrate skips it."""
    url = f"sqlite:///{tmp_path / 'sentinel.db'}"
    open_database(url).close()
    probe = ("import sys; from sentinel.store.db import open_database; "
             f"open_database({url!r}).close(); print('alembic' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"


def test_a_database_behind_the_head_is_migrated(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'sentinel.db'}")
    migrate(engine)
    tables = set(inspect(engine).get_table_names())
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "-1")
    assert not at_head(engine)
    migrate(engine)
    assert at_head(engine) and set(inspect(engine).get_table_names()) == tables
    with engine.connect() as connection:
        assert set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars()) == head_revisions()
    engine.dispose()


def test_0010_gives_an_incidents_keys_back_to_the_incident(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from sqlmodel import Session

    from sentinel.store.models import Incident, Obligation

    engine = create_db_engine(f"sqlite:///{tmp_path / 'sentinel.db'}")
    migrate(engine)
    at = datetime(2026, 3, 10, tzinfo=UTC)
    with Session(engine) as session:
        incident = Incident(title="某化工厂爆炸", grade_reasons=[], facts={}, keywords=[], rules=[], regions=[],
                            emerged_at=at, detected_at=at, last_item_at=at, updated_at=at, heat_components={})
        session.add(incident)
        session.flush()
        obligation = Obligation(incident_id=incident.id, kind="authoritative_info", sequence=1, state="breached",
                                started_at=at, opened_at=at, due_at=at, evidence=[])
        session.add(obligation)
        session.commit()
        incident_id, obligation_id = incident.id, obligation.id
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0009_ack_links")
        # as the engine wrote them before: the leader's step a breach stood for, under the obligation
        connection.execute(text(
            "INSERT INTO engine_action (key, incident_id, obligation_id, kind, at, handled_at) VALUES "
            "(:breach, :i, :o, 'breach', :at, :at), (:leader, :i, :o, 'breach', :at, :at)"),
            {"i": incident_id, "o": obligation_id, "at": at, "breach": f"obligation:{obligation_id}:breach",
             "leader": f"incident:{incident_id}:escalate:leader"})
    migrate(engine)
    with engine.connect() as connection:
        rows = dict(connection.execute(text("SELECT key, obligation_id FROM engine_action")).all())
    assert rows == {f"obligation:{obligation_id}:breach": obligation_id, f"incident:{incident_id}:escalate:leader": None}
    engine.dispose()
