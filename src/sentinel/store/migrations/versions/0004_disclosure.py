"""the disclosure register: requests, consultations, appeals, annual report entries; provisional deadlines

Existing disclosure requests (cases of kind ``disclosure_request`` with a ``disclosure_reply``
obligation) get their register row: content from the title, unit from the department, applicant and
reference from the case's details, the receipt day from the recorded receipt (local dates in
Asia/Shanghai, the default zone). What the old record never held is filled with the register's
defaults (自然人, 当面) and the row says so (``extra.migrated``) for the desk to check; a request
whose reply was recorded is ``replied`` without an outcome until the desk gives one.

Revision ID: 0004_disclosure
Revises: 0004_hotlists
Create Date: 2026-12-04
"""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from sentinel.store.types import JSONType, UTCDateTime

revision = "0004_disclosure"
down_revision = "0004_hotlists"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ZONE = ZoneInfo("Asia/Shanghai")


def upgrade() -> None:
    with op.batch_alter_table("obligation") as batch:
        batch.add_column(sa.Column("provisional", sa.Text()))
    op.create_table(
        "disclosure_request",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("incident_id", ID, sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("reference", sa.String(64)),
        sa.Column("applicant", sa.String(256)),
        sa.Column("applicant_type", sa.String(24), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("form", sa.String(128)),
        sa.Column("unit", sa.String(128)),
        sa.Column("submitted_on", sa.Date()),
        sa.Column("confirmed_on", sa.Date()),
        sa.Column("received_on", sa.Date()),
        sa.Column("clock_from", sa.Date()),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("correction_asked_on", sa.Date()),
        sa.Column("correction_until", sa.Date()),
        sa.Column("correction_received_on", sa.Date()),
        sa.Column("extension", sa.Integer(), nullable=False),
        sa.Column("extension_approver", sa.String(128)),
        sa.Column("delayed_to", sa.Date()),
        sa.Column("delay_reason", sa.Text()),
        sa.Column("outcome", sa.String(48)),
        sa.Column("reply_type", sa.String(32)),
        sa.Column("replied_on", sa.Date()),
        sa.Column("reply_channel", sa.String(64)),
        sa.Column("reply_note", sa.Text()),
        sa.Column("extra", JSONType, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("incident_id", name="uq_disclosure_request_incident"),
        sa.UniqueConstraint("reference", name="uq_disclosure_request_reference"),
    )
    op.create_index("ix_disclosure_request_unit", "disclosure_request", ["unit"])
    op.create_index("ix_disclosure_request_received_on", "disclosure_request", ["received_on"])
    op.create_index("ix_disclosure_request_state", "disclosure_request", ["state"])
    op.create_index("ix_disclosure_request_replied_on", "disclosure_request", ["replied_on"])
    op.create_table(
        "disclosure_consultation",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("request_id", ID, sa.ForeignKey("disclosure_request.id"), nullable=False),
        sa.Column("party", sa.String(16), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date()),
        sa.Column("note", sa.Text()),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_disclosure_consultation_request_id", "disclosure_consultation", ["request_id"])
    op.create_table(
        "disclosure_appeal",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("request_id", ID, sa.ForeignKey("disclosure_request.id")),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("decided_on", sa.Date()),
        sa.Column("reference", sa.String(128)),
        sa.Column("unit", sa.String(128)),
        sa.Column("note", sa.Text()),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_disclosure_appeal_request_id", "disclosure_appeal", ["request_id"])
    op.create_index("ix_disclosure_appeal_filed_on", "disclosure_appeal", ["filed_on"])
    op.create_table(
        "disclosure_annual",
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("unit", sa.String(128), primary_key=True),
        sa.Column("t2", JSONType, nullable=False),
        sa.Column("s1_text", sa.Text()),
        sa.Column("s5_text", sa.Text()),
        sa.Column("s6_text", sa.Text()),
        sa.Column("published_on", sa.Date()),
        sa.Column("published_by", sa.String(128)),
        sa.Column("figures", JSONType),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("updated_by", sa.String(128), nullable=False),
    )
    _migrate_requests()


def _local_day(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZONE).date()


def _migrate_requests() -> None:
    bind = op.get_bind()
    meta = sa.MetaData()
    incident = sa.Table("incident", meta, sa.Column("id", ID), sa.Column("title", sa.Text()),
                        sa.Column("state", sa.String(16)), sa.Column("department", sa.String(128)),
                        sa.Column("kind", sa.String(24)), sa.Column("details", JSONType),
                        sa.Column("emerged_at", UTCDateTime), sa.Column("detected_at", UTCDateTime))
    obligation = sa.Table("obligation", meta, sa.Column("incident_id", ID), sa.Column("kind", sa.String(32)),
                          sa.Column("state", sa.String(16)), sa.Column("met_at", UTCDateTime),
                          sa.Column("sequence", sa.Integer()))
    timeline = sa.Table("timeline_event", meta, sa.Column("incident_id", ID), sa.Column("kind", sa.String(32)),
                        sa.Column("actor", sa.String(128)), sa.Column("at", UTCDateTime))
    request = sa.Table("disclosure_request", meta, autoload_with=bind)
    rows = bind.execute(sa.select(incident).where(incident.c.kind == "disclosure_request")
                        .order_by(incident.c.id)).mappings().all()
    seen_references: set[str] = set()
    for case in rows:
        details = case["details"] or {}
        replies = bind.execute(sa.select(obligation).where(
            obligation.c.incident_id == case["id"], obligation.c.kind == "disclosure_reply")
            .order_by(obligation.c.sequence)).mappings().all()
        met = next((r for r in replies if r["state"] == "met" or r["met_at"] is not None), None)
        extended = bool(details.get("extended"))
        approver = None
        if extended:
            approver = bind.execute(sa.select(timeline.c.actor).where(
                timeline.c.incident_id == case["id"], timeline.c.kind == "deadline_extended")).scalar()
        received = _local_day(case["emerged_at"])
        reference = details.get("reference") or None
        if reference in seen_references:
            reference = None  # the register numbers requests once; the case keeps the old value
        if reference:
            seen_references.add(reference)
        replied = met is not None or case["state"] != "open"
        bind.execute(request.insert().values(
            incident_id=case["id"], reference=reference, applicant=details.get("requester") or None,
            applicant_type="natural_person", channel="in_person", content=case["title"], form=None,
            unit=case["department"], submitted_on=received, confirmed_on=None, received_on=received,
            clock_from=received, state="replied" if replied else "open", extension=20 if extended else 0,
            extension_approver=approver, replied_on=_local_day(met["met_at"]) if met is not None else None,
            extra={"migrated": True, "check": ["applicant_type", "channel"] + (["outcome"] if replied else [])},
            created_at=case["detected_at"], updated_at=case["detected_at"]))


def downgrade() -> None:
    op.drop_table("disclosure_annual")
    op.drop_index("ix_disclosure_appeal_filed_on", "disclosure_appeal")
    op.drop_index("ix_disclosure_appeal_request_id", "disclosure_appeal")
    op.drop_table("disclosure_appeal")
    op.drop_index("ix_disclosure_consultation_request_id", "disclosure_consultation")
    op.drop_table("disclosure_consultation")
    for name in ("replied_on", "state", "received_on", "unit"):
        op.drop_index(f"ix_disclosure_request_{name}", "disclosure_request")
    op.drop_table("disclosure_request")
    with op.batch_alter_table("obligation") as batch:
        batch.drop_column("provisional")
