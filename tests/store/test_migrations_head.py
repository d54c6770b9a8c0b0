"""The migrations form one line: one head, every revision reachable from it, each file named for its
revision id (docs/architecture.md#migrations). Two branches that each chain a revision after the same
head leave two heads, and ``migrate`` (``alembic upgrade head``) would refuse to start the daemon."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from sentinel.store.db import MIGRATIONS


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
