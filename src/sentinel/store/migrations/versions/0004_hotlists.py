"""hot lists: entries, their rank history, incidents' marks

Revision ID: 0004_hotlists
Revises: 0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from sentinel.store.types import JSONType, UTCDateTime

revision = "0004_hotlists"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.add_column(sa.Column("listing", JSONType, nullable=False, server_default="{}"))
    op.create_table(
        "hotlist_entry",
        sa.Column("source_id", sa.String(64), primary_key=True),
        sa.Column("external_id", sa.String(512), primary_key=True),
        sa.Column("list_name", sa.String(32), nullable=False),
        sa.Column("item_id", ID, sa.ForeignKey("item.id")),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("on_list", sa.Boolean(), nullable=False),
        sa.Column("rank", sa.Integer()),
        sa.Column("previous_rank", sa.Integer()),
        sa.Column("heat", sa.BigInteger()),
        sa.Column("label", sa.String(16)),
        sa.Column("best_rank", sa.Integer()),
        sa.Column("best_rank_at", UTCDateTime),
        sa.Column("peak_heat", sa.BigInteger()),
        sa.Column("heat_share", sa.Float()),
        sa.Column("first_seen_at", UTCDateTime, nullable=False),
        sa.Column("last_seen_at", UTCDateTime, nullable=False),
        sa.Column("on_since", UTCDateTime),
        sa.Column("listed_seconds", sa.Float(), nullable=False),
        sa.Column("left_at", UTCDateTime),
        sa.Column("sampled_at", UTCDateTime),
    )
    op.create_index("ix_hotlist_entry_source_on_list", "hotlist_entry", ["source_id", "on_list"])
    op.create_index("ix_hotlist_entry_item_id", "hotlist_entry", ["item_id"])
    op.create_table(
        "hotlist_rank",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(512), nullable=False),
        sa.Column("list_name", sa.String(32), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("rank", sa.Integer()),
        sa.Column("heat", sa.BigInteger()),
        sa.Column("label", sa.String(16)),
        sa.Column("gone", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_hotlist_rank_entry_at", "hotlist_rank", ["source_id", "external_id", "at"])
    op.create_table(
        "incident_hotlist",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("incident_id", ID, sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(512), nullable=False),
        sa.Column("list_name", sa.String(32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("marked_at", UTCDateTime, nullable=False),
        sa.Column("rank", sa.Integer()),
        sa.Column("heat", sa.BigInteger()),
        sa.Column("top_at", UTCDateTime),
        sa.Column("top_rank", sa.Integer()),
        sa.Column("alert_pending", sa.Boolean(), nullable=False),
        sa.Column("alerted_at", UTCDateTime),
        sa.UniqueConstraint("incident_id", "source_id", "external_id", name="uq_incident_hotlist_entry"),
    )
    op.create_index("ix_incident_hotlist_incident_id", "incident_hotlist", ["incident_id"])
    op.create_index("ix_incident_hotlist_alert_pending", "incident_hotlist", ["alert_pending"])


def downgrade() -> None:
    op.drop_table("incident_hotlist")
    op.drop_table("hotlist_rank")
    op.drop_table("hotlist_entry")
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("listing")
