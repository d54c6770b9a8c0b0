"""item_analysis: whether an item reports an event, a complaint, or neither

Revision ID: 0005_event_reports
Revises: 0004_disclosure
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_event_reports"
down_revision = "0004_disclosure"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("item_analysis") as batch:
        batch.add_column(sa.Column("report", sa.String(16)))
        batch.add_column(sa.Column("report_score", sa.Float()))


def downgrade() -> None:
    with op.batch_alter_table("item_analysis") as batch:
        batch.drop_column("report_score")
        batch.drop_column("report")
