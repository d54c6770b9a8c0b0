"""Alembic environment: sentinel runs migrations programmatically on a connection it hands over."""

from alembic import context
from sqlmodel import SQLModel

import sentinel.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from sentinel.store.search import INDEX_TABLES

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("sentinel migrations run through sentinel.store.db.migrate(engine)")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
    include_name=lambda name, kind, _parents: not (kind == "table" and name in INDEX_TABLES),  # outside the models
)
with context.begin_transaction():
    context.run_migrations()
