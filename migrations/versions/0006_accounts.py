"""Accounts: roles, agencies, API tokens (hashes only), sign-in failures, the access log and audit_view.

Revision ID: 0006_accounts
Revises: 0005_digests
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_accounts"
down_revision = "0005_digests"
branch_labels = None
depends_on = None

POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_account"),
    )
    op.create_table(
        "account_role",
        sa.Column("account_name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("account_name", "role", name="pk_account_role"),
        sa.ForeignKeyConstraint(["account_name"], ["account.name"], name="fk_account_role_account_name_account",
                                ondelete="CASCADE"),
        sa.CheckConstraint("role IN ('admin', 'kstt', 'officer', 'leader', 'viewer')", name="ck_account_role_role"),
    )
    op.create_table(
        "account_agency",
        sa.Column("account_name", sa.String(64), nullable=False),
        sa.Column("agency_code", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("account_name", "agency_code", name="pk_account_agency"),
        sa.ForeignKeyConstraint(["account_name"], ["account.name"],
                                name="fk_account_agency_account_name_account", ondelete="CASCADE"),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("account_name", sa.String(64), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(200), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_token"),
        sa.UniqueConstraint("token_sha256", name="uq_api_token_token_sha256"),
        sa.ForeignKeyConstraint(["account_name"], ["account.name"], name="fk_api_token_account_name_account",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_api_token_account_name", "api_token", ["account_name"])
    op.create_table(
        "sign_in_failure",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("username", name="pk_sign_in_failure"),
    )
    op.create_table(
        "access_log",
        sa.Column("id", POSITION, autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_access_log"),
    )
    op.create_index("ix_access_log_at", "access_log", ["at"])
    op.create_index("ix_access_log_account", "access_log", ["account"])
    op.create_table(
        "audit_view",
        sa.Column("aggregate_id", sa.Uuid, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("application", sa.String(32), nullable=False),
        sa.Column("aggregate_kind", sa.String(32), nullable=False),
        sa.Column("aggregate_key", sa.String(200), nullable=True),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("aggregate_id", "version", name="pk_audit_view"),
    )
    for column in ("actor", "recorded_at", "aggregate_key", "application"):
        op.create_index(f"ix_audit_view_{column}", "audit_view", [column])


def downgrade() -> None:
    for table in ("audit_view", "access_log", "sign_in_failure", "api_token", "account_agency", "account_role",
                  "account"):
        op.drop_table(table)
