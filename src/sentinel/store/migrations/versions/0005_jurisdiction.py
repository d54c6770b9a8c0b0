"""jurisdiction and verification: an incident's place, whether it is the office's, its 研判 state

Revision ID: 0005_jurisdiction
Revises: 0005_event_reports
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from sentinel.store.types import JSONType

revision = "0005_jurisdiction"
down_revision = "0005_event_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.add_column(sa.Column("place", JSONType))
        batch.add_column(sa.Column("jurisdiction", sa.String(16)))
        batch.add_column(sa.Column("verification", JSONType))
    with op.batch_alter_table("item_analysis") as batch:
        batch.add_column(sa.Column("place", JSONType))


def downgrade() -> None:
    with op.batch_alter_table("item_analysis") as batch:
        batch.drop_column("place")
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("verification")
        batch.drop_column("jurisdiction")
        batch.drop_column("place")
