"""Tracker: the event store of the Tracker application and the dossier read models.

Revision ID: 0004_tracker
Revises: 0003_agencies
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from migrations.event_store import create_event_store

revision = "0004_tracker"
down_revision = "0003_agencies"
branch_labels = None
depends_on = None

MOMENT = sa.String(32)


def upgrade() -> None:
    create_event_store("tracker")
    op.create_table(
        "dossier_view",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("procedure_code", sa.String(64), nullable=False),
        sa.Column("procedure_name", sa.Text, nullable=False),
        sa.Column("field", sa.String(300), nullable=False),
        sa.Column("agency_code", sa.String(64), nullable=False),
        sa.Column("agency_name", sa.Text, nullable=False),
        sa.Column("handling_agency_code", sa.String(64), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("received_at", MOMENT, nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("due_at", MOMENT, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("appointment_at", MOMENT, nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("paused_at", MOMENT),
        sa.Column("resolved_at", MOMENT),
        sa.Column("outcome", sa.String(16)),
        sa.Column("closed_on", sa.Date),
        sa.Column("rule_version", sa.String(32), nullable=False),
        sa.Column("processing_time", sa.JSON, nullable=False),
        sa.Column("applicant", sa.JSON, nullable=False),
        sa.Column("timeline", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_dossier_view"),
        sa.UniqueConstraint("id", name="uq_dossier_view_id"),
    )
    for column in ("received_on", "closed_on", "agency_code", "procedure_code", "state"):
        op.create_index(f"ix_dossier_view_{column}", "dossier_view", [column])
    op.create_table(
        "dossier_segment_view",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("start_on", sa.Date, nullable=False),
        sa.Column("end_on", sa.Date),
        sa.Column("clock", sa.String(8), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("due_at", MOMENT, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.PrimaryKeyConstraint("code", "start_on", name="pk_dossier_segment_view"),
    )
    op.create_index("ix_dossier_segment_view_due_on", "dossier_segment_view", ["due_on"])
    op.create_index("ix_dossier_segment_view_end_on", "dossier_segment_view", ["end_on"])


def downgrade() -> None:
    op.drop_table("dossier_segment_view")
    op.drop_table("dossier_view")
    op.drop_table("tracker_events")
