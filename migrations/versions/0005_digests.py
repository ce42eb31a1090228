"""Digest deliveries: each send of the near-due digest, claimed per (date, group, channel) before it is tried.

States: claimed (a run holds it) → sending (a request is under way) → claimed (next part) … → sent; or
failed (certainly not delivered) or unknown (may have been delivered: only a resend sends again).

Revision ID: 0005_digests
Revises: 0004_tracker
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_digests"
down_revision = "0004_tracker"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_delivery",
        sa.Column("digest_on", sa.Date, nullable=False),
        sa.Column("group_name", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(100), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),  # 0: the day's send; 1, 2, …: resends (--resend)
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(200), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("parts_total", sa.Integer, nullable=False),
        sa.Column("parts_sent", sa.Integer, nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("digest_on", "group_name", "channel", "sequence", name="pk_digest_delivery"),
        sa.CheckConstraint("state IN ('claimed', 'sending', 'sent', 'failed', 'unknown')", name="ck_digest_delivery_state"),
    )
    op.create_index("ix_digest_delivery_claimed_at", "digest_delivery", ["claimed_at"])


def downgrade() -> None:
    op.drop_table("digest_delivery")
