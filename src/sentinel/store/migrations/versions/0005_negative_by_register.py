"""an incident's negative items counted per register (news, posts)

Revision ID: 0005_negative_by_register
Revises: 0005_jurisdiction
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from sentinel.store.types import JSONType

revision = "0005_negative_by_register"
down_revision = "0005_jurisdiction"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Incidents opened before this revision start empty; the incidents stage fills the counts in
    # from their items when it next loads them (IncidentStage.load) or an item joins.
    with op.batch_alter_table("incident") as batch:
        batch.add_column(sa.Column("negative_by_register", JSONType, nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("negative_by_register")
