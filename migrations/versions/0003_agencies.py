"""Agencies: the registry of units that receive and resolve dossiers (codes never reused, never deleted).

Revision ID: 0003_agencies
Revises: 0002_calendar
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_agencies"
down_revision = "0002_calendar"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agency",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("name_folded", sa.Text, nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("parent", sa.String(64), nullable=True),
        sa.Column("valid_from", sa.Date, nullable=True),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("successor", sa.String(64), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("code", name="pk_agency"),
        sa.ForeignKeyConstraint(["parent"], ["agency.code"], name="fk_agency_parent_agency"),
        sa.ForeignKeyConstraint(["successor"], ["agency.code"], name="fk_agency_successor_agency"),
        sa.CheckConstraint("level IN ('central', 'province', 'district', 'commune')", name="ck_agency_level"),
        sa.CheckConstraint("valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to",
                           name="ck_agency_period"),
    )
    op.create_index("ix_agency_name", "agency", ["name"])
    op.create_index("ix_agency_parent", "agency", ["parent"])
    # exact names are unique among current agencies; closed ones keep theirs (a name may be given again)
    op.create_index("uq_agency_current_name", "agency", ["name"], unique=True,
                    sqlite_where=sa.text("valid_to IS NULL"), postgresql_where=sa.text("valid_to IS NULL"))


def downgrade() -> None:
    op.drop_table("agency")
