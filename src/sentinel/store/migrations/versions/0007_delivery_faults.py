"""delivery faults: each channel's failing episode, and outbox rows whose last send had no known outcome

Revision ID: 0007_delivery_faults
Revises: 0006_console_sessions
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from sentinel.store.types import UTCDateTime

revision = "0007_delivery_faults"
down_revision = "0006_console_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_health",
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("failing_since", UTCDateTime),
        sa.Column("last_failure_at", UTCDateTime),
        sa.Column("last_reason", sa.String(32)),
        sa.Column("last_delivered_at", UTCDateTime),
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("uncertain", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("uncertain")
    op.drop_table("channel_health")
