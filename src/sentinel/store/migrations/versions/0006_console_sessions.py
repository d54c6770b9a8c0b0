"""the web console's login sessions, revocable server-side

Revision ID: 0006_console_sessions
Revises: 0005_negative_by_register
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from sentinel.store.types import UTCDateTime

revision = "0006_console_sessions"
down_revision = "0005_negative_by_register"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Cookies issued before this revision carry a token digest, not a session id: they no longer
    # open a session, and everyone logs in once more.
    op.create_table(
        "console_session",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("token_name", sa.String(128), nullable=False),
        sa.Column("token_fingerprint", sa.String(64), nullable=False),
        sa.Column("client", sa.String(64)),
        sa.Column("opened_at", UTCDateTime, nullable=False),
        sa.Column("ended_at", UTCDateTime),
        sa.Column("ended_reason", sa.String(16)),
    )
    op.create_index("ix_console_session_token_name", "console_session", ["token_name"])


def downgrade() -> None:
    op.drop_index("ix_console_session_token_name", table_name="console_session")
    op.drop_table("console_session")
