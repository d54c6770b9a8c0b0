"""analysis and incidents

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from sentinel.store.types import JSONType, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "incident",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("department", sa.String(128)),
        sa.Column("department_source", sa.String(16)),
        sa.Column("category", sa.String(32)),
        sa.Column("subtype", sa.String(32)),
        sa.Column("grade", sa.String(4)),
        sa.Column("grade_source", sa.String(16)),
        sa.Column("grade_reasons", JSONType, nullable=False),
        sa.Column("facts", JSONType, nullable=False),
        sa.Column("keywords", JSONType, nullable=False),
        sa.Column("rules", JSONType, nullable=False),
        sa.Column("regions", JSONType, nullable=False),
        sa.Column("emerged_at", UTCDateTime, nullable=False),
        sa.Column("detected_at", UTCDateTime, nullable=False),
        sa.Column("last_item_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("source_count", sa.Integer(), nullable=False),
        sa.Column("heat", sa.Float(), nullable=False),
        sa.Column("heat_components", JSONType, nullable=False),
        sa.Column("negative_share", sa.Float(), nullable=False),
    )
    op.create_index("ix_incident_state", "incident", ["state"])
    op.create_index("ix_incident_grade", "incident", ["grade"])
    op.create_table(
        "item_analysis",
        sa.Column("item_id", ID, sa.ForeignKey("item.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("analysed_at", UTCDateTime, nullable=False),
        sa.Column("relevant", sa.Boolean(), nullable=False),
        sa.Column("rules", JSONType, nullable=False),
        sa.Column("department", sa.String(128)),
        sa.Column("sentiment", sa.Float(), nullable=False),
        sa.Column("negative", sa.Boolean(), nullable=False),
        sa.Column("facts", JSONType, nullable=False),
        sa.Column("category", sa.String(32)),
        sa.Column("subtype", sa.String(32)),
        sa.Column("grade", sa.String(4)),
        sa.Column("keywords", JSONType, nullable=False),
        sa.Column("regions", JSONType, nullable=False),
        sa.Column("simhash", sa.BigInteger(), nullable=False),
        sa.Column("incident_id", ID, sa.ForeignKey("incident.id")),
    )
    op.create_index("ix_item_analysis_incident_id", "item_analysis", ["incident_id"])
    op.create_table(
        "timeline_event",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("incident_id", ID, sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("data", JSONType, nullable=False),
    )
    op.create_index("ix_timeline_event_incident_id", "timeline_event", ["incident_id"])
    op.create_table(
        "heat_sample",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("incident_id", ID, sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("heat", sa.Float(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("negative_share", sa.Float(), nullable=False),
    )
    op.create_index("ix_heat_sample_incident_id", "heat_sample", ["incident_id"])


def downgrade() -> None:
    op.drop_table("heat_sample")
    op.drop_table("timeline_event")
    op.drop_table("item_analysis")
    op.drop_table("incident")
