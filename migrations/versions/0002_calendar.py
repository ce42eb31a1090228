"""Calendar: the local overrides of the working-day calendar (one row per date, with its source notice).

Revision ID: 0002_calendar
Revises: 0001_catalog
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_calendar"
down_revision = "0001_catalog"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_override",
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("day", name="pk_calendar_override"),
        sa.CheckConstraint("kind IN ('day_off', 'working_day')", name="ck_calendar_override_kind"),
    )


def downgrade() -> None:
    op.drop_table("calendar_override")
