"""item search: the items' full-text index (FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL),
built for the items already stored

Revision ID: 0008_item_search
Revises: 0007_delivery_faults
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from sentinel.store import search

revision = "0008_item_search"
down_revision = "0007_delivery_faults"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    for statement in search.SQLITE_DDL if sqlite else search.POSTGRES_DDL:
        op.execute(statement)
    if sqlite:
        # the function the triggers call, registered by sentinel's engine on every connection
        op.execute(f"INSERT INTO item_search(rowid, doc) SELECT id, {search.SQL_FUNCTION}(title, text) FROM item")
        return
    last = 0
    while True:  # tokens are made in Python: a batch at a time, not the whole table in memory
        rows = connection.execute(
            sa.text("SELECT id, title, text FROM item WHERE id > :last ORDER BY id LIMIT 2000"), {"last": last}).all()
        if not rows:
            return
        search.index_items(connection, [(row[0], row[1], row[2]) for row in rows])
        last = rows[-1][0]


def downgrade() -> None:
    for statement in search.SQLITE_DROP if op.get_bind().dialect.name == "sqlite" else search.POSTGRES_DROP:
        op.execute(statement)
