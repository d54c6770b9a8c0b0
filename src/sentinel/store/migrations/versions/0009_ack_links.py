"""ack links: one row per one-tap 认领 (or evidence-confirm) link an alert carried, used once

Revision ID: 0009_ack_links
Revises: 0008_item_search
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from sentinel.store.types import UTCDateTime

revision = "0009_ack_links"
down_revision = "0008_item_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ack_link",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("incident_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), sa.ForeignKey("incident.id"),
                  nullable=False),
        sa.Column("response_id", sa.BigInteger().with_variant(sa.Integer, "sqlite")),
        sa.Column("person", sa.String(128), nullable=False),
        sa.Column("phone", sa.String(32)),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("alert_key", sa.String(255), nullable=False),
        sa.Column("alert_kind", sa.String(32), nullable=False),
        sa.Column("issued_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("used_at", UTCDateTime),
        sa.Column("used_from", sa.String(64)),
    )
    op.create_index("ix_ack_link_incident_id", "ack_link", ["incident_id"])


def downgrade() -> None:
    op.drop_index("ix_ack_link_incident_id", table_name="ack_link")
    op.drop_table("ack_link")
