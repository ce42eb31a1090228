"""Catalog: the event store of the Catalog application, projection tracking, catalog read models.

Revision ID: 0001_catalog
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

from migrations.event_store import create_event_store

revision = "0001_catalog"
down_revision = None
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    create_event_store("catalog")
    op.create_table(
        "projection_tracking",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("application_name", sa.String(64), nullable=False),
        sa.Column("position", BIGINT, nullable=False),
    )
    op.create_table(
        "decision_view",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("number", sa.String(120), nullable=False),
        sa.Column("issuer", sa.String(300), nullable=False),
        sa.Column("signed_on", sa.Date, nullable=False),
        sa.Column("effective_on", sa.Date, nullable=False),
        sa.Column("publicised_on", sa.Date),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("entry_count", sa.Integer, nullable=False),
        sa.Column("entries", sa.JSON, nullable=False),
        sa.Column("history", sa.JSON, nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_decision_view_signed_on", "decision_view", ["signed_on"])
    op.create_table(
        "procedure_version_view",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("valid_from", sa.Date, primary_key=True),
        sa.Column("valid_to", sa.Date),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("since", sa.Date, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("field", sa.String(300), nullable=False),
        sa.Column("levels", sa.String(120), nullable=False),
        sa.Column("authority", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("online", sa.String(16), nullable=False),
        sa.Column("agency", sa.Text),
        sa.Column("processing_time", sa.JSON),
        sa.Column("cutoff", sa.String(5)),
        sa.Column("supplement_restarts_clock", sa.Boolean, nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
    )
    op.create_index("ix_procedure_version_view_valid", "procedure_version_view", ["valid_from", "valid_to"])
    op.create_table(
        "procedure_history_view",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("decision_id", sa.Uuid, nullable=False),
        sa.Column("number", sa.String(120), nullable=False),
        sa.Column("issuer", sa.String(300), nullable=False),
        sa.Column("signed_on", sa.Date, nullable=False),
        sa.Column("effective_on", sa.Date, nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
        sa.Column("replaces", sa.String(64)),
        sa.Column("replaced_by", sa.String(64)),
    )
    op.create_table(
        "procedure_change_view",
        sa.Column("decision_id", sa.Uuid, primary_key=True),
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("issuer", sa.String(300), nullable=False),
        sa.Column("signed_on", sa.Date, nullable=False),
        sa.Column("effective_on", sa.Date, nullable=False),
        sa.Column("authority", sa.String(16)),
        sa.Column("field", sa.String(300)),
        sa.Column("kind", sa.String(16)),
    )
    op.create_index("ix_procedure_change_view_signed_on", "procedure_change_view", ["signed_on"])
    op.create_index("ix_procedure_change_view_effective_on", "procedure_change_view", ["effective_on"])
    op.create_index("ix_procedure_change_view_code", "procedure_change_view", ["code"])
    op.create_table(
        "procedure_change_level_view",
        sa.Column("decision_id", sa.Uuid, primary_key=True),
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("level", sa.String(16), primary_key=True),
    )


    op.create_table(
        "idempotency_key",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("content_type", sa.String(120), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("idempotency_key", "procedure_change_level_view", "procedure_change_view", "procedure_history_view",
                  "procedure_version_view", "decision_view", "projection_tracking", "catalog_events"):
        op.drop_table(table)
