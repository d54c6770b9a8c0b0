"""incident keys: an incident's engine keys recorded by an obligation's action belong to the incident

A breach stands for the leaders' escalation step and records its key (``incident:{id}:escalate:leader``).
It was recorded with the breached obligation's id, so the engine, which reads an incident's keys as
those with no obligation, did not see it: the incident's next breach or step tried to record it again
and every later tick failed on the duplicate. Such keys are the incident's.

Revision ID: 0010_incident_keys
Revises: 0009_ack_links
Create Date: 2026-12-06
"""

from alembic import op

revision = "0010_incident_keys"
down_revision = "0009_ack_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE engine_action SET obligation_id = NULL "
               "WHERE obligation_id IS NOT NULL AND key NOT LIKE 'obligation:%'")


def downgrade() -> None:
    pass  # the old rows' obligation ids are not needed by anything
