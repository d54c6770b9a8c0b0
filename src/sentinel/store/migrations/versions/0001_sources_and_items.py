"""sources and items

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from sentinel.store.types import JSONType, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_state",
        sa.Column("source_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("health", sa.String(16), nullable=False),
        sa.Column("etag", sa.Text()),
        sa.Column("last_modified", sa.Text()),
        sa.Column("cursor", JSONType, nullable=False),
        sa.Column("next_check_at", UTCDateTime, nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", UTCDateTime),
        sa.Column("last_success_at", UTCDateTime),
        sa.Column("last_new_item_at", UTCDateTime),
        sa.Column("last_error_at", UTCDateTime),
        sa.Column("last_error_reason", sa.String(32)),
        sa.Column("last_error", sa.Text()),
        sa.Column("items_total", sa.BigInteger(), nullable=False),
        sa.Column("lease_owner", sa.String(128)),
        sa.Column("lease_until", UTCDateTime),
    )
    op.create_index("ix_source_state_next_check_at", "source_state", ["next_check_at"])
    op.create_table(
        "item",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(512), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("url", sa.Text()),
        sa.Column("canonical_url", sa.Text()),
        sa.Column("author", sa.Text()),
        sa.Column("author_verified_type", sa.Integer()),
        sa.Column("published_at", UTCDateTime, nullable=False),
        sa.Column("published_at_estimated", sa.Boolean(), nullable=False),
        sa.Column("fetched_at", UTCDateTime, nullable=False),
        sa.Column("reposts", sa.BigInteger()),
        sa.Column("comments", sa.BigInteger()),
        sa.Column("likes", sa.BigInteger()),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("extra", JSONType, nullable=False),
        sa.UniqueConstraint("source_id", "external_id", name="uq_item_source_external"),
    )
    op.create_index("ix_item_published_at", "item", ["published_at"])
    op.create_index("ix_item_fetched_at", "item", ["fetched_at"])
    op.create_index("ix_item_content_hash", "item", ["content_hash"])
    op.create_index("ix_item_source_fetched", "item", ["source_id", "fetched_at"])


def downgrade() -> None:
    op.drop_table("item")
    op.drop_table("source_state")
