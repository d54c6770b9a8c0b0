"""obligations, responses, engine actions, outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from sentinel.store.types import JSONType, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.add_column(sa.Column("kind", sa.String(24), nullable=False, server_default="incident"))
        batch.add_column(sa.Column("details", JSONType, nullable=False, server_default="{}"))
        batch.add_column(sa.Column("needs_response", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("clock_start", UTCDateTime))
        batch.add_column(sa.Column("clocks_opened_at", UTCDateTime))
        batch.add_column(sa.Column("policy_snapshot", JSONType))
        batch.add_column(sa.Column("roster_snapshot", JSONType))
        batch.add_column(sa.Column("acknowledged_at", UTCDateTime))
        batch.add_column(sa.Column("acknowledged_by", sa.String(128)))
        batch.add_column(sa.Column("responded_at", UTCDateTime))
        batch.add_column(sa.Column("first_breach_at", UTCDateTime))
        batch.add_column(sa.Column("next_escalation_at", UTCDateTime))
    op.create_index("ix_incident_kind", "incident", ["kind"])
    op.create_index("ix_incident_next_escalation_at", "incident", ["next_escalation_at"])
    op.create_table(
        "response",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("incident_id", ID, sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("url", sa.Text()),
        sa.Column("channel", sa.String(128)),
        sa.Column("content", sa.Text()),
        sa.Column("unit", sa.String(128)),
        sa.Column("reviewer", sa.String(128)),
        sa.Column("publisher", sa.String(128)),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        sa.Column("item_id", ID, sa.ForeignKey("item.id")),
    )
    op.create_index("ix_response_incident_id", "response", ["incident_id"])
    op.create_table(
        "obligation",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("incident_id", ID, sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("opened_at", UTCDateTime, nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=False),
        sa.Column("next_action_at", UTCDateTime),
        sa.Column("met_at", UTCDateTime),
        sa.Column("breached_at", UTCDateTime),
        sa.Column("closed_at", UTCDateTime),
        sa.Column("reason", sa.Text()),
        sa.Column("response_id", ID, sa.ForeignKey("response.id")),
        sa.Column("evidence", JSONType, nullable=False),
        sa.UniqueConstraint("incident_id", "kind", "sequence", name="uq_obligation_incident_kind_sequence"),
    )
    op.create_index("ix_obligation_incident_id", "obligation", ["incident_id"])
    op.create_index("ix_obligation_state_next", "obligation", ["state", "next_action_at"])
    op.create_table(
        "engine_action",
        sa.Column("key", sa.String(160), primary_key=True),
        sa.Column("incident_id", ID, sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("obligation_id", ID, sa.ForeignKey("obligation.id")),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("handled_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_engine_action_incident_obligation", "engine_action", ["incident_id", "obligation_id"])
    op.create_index("ix_engine_action_obligation_id", "engine_action", ["obligation_id"])
    op.create_table(
        "outbox",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(255), nullable=False, unique=True),
        sa.Column("action_key", sa.String(160), nullable=False),
        sa.Column("incident_id", ID, sa.ForeignKey("incident.id")),
        sa.Column("obligation_id", ID),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("recipients", JSONType, nullable=False),
        sa.Column("grade", sa.String(4)),
        sa.Column("message", JSONType, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("not_before", UTCDateTime, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_reason", sa.String(32)),
        sa.Column("last_error", sa.Text()),
        sa.Column("delivered_at", UTCDateTime),
        sa.Column("lease_owner", sa.String(128)),
        sa.Column("lease_until", UTCDateTime),
    )
    op.create_index("ix_outbox_action_key", "outbox", ["action_key"])
    op.create_index("ix_outbox_incident_id", "outbox", ["incident_id"])
    op.create_index("ix_outbox_state_not_before", "outbox", ["state", "not_before"])
    op.create_table(
        "lease",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("until", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("lease", "outbox", "engine_action", "obligation", "response"):
        op.drop_table(table)
    op.drop_index("ix_incident_next_escalation_at", "incident")
    op.drop_index("ix_incident_kind", "incident")
    with op.batch_alter_table("incident") as batch:
        for column in ("next_escalation_at", "first_breach_at", "responded_at", "acknowledged_by", "acknowledged_at",
                       "roster_snapshot", "policy_snapshot", "clocks_opened_at", "clock_start", "needs_response", "details", "kind"):
            batch.drop_column(column)
