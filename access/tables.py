"""The access tables (migration ``0006_accounts``): accounts, their roles and agencies, API tokens (hashes
only), sign-in failures, the access log, and ``audit_view`` (who did what, from the events)."""

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Uuid,
)

from events.tables import metadata

MAX_NAME, MAX_ACTOR = 64, 200
POSITION = BigInteger().with_variant(Integer(), "sqlite")

account = Table(
    "account",
    metadata,
    Column("name", String(MAX_NAME), primary_key=True),
    Column("password_hash", String(255)),  # Argon2id PHC string; null: signs in with tokens only
    Column("password_changed_at", DateTime(timezone=True)),  # sessions older than this are void
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(MAX_ACTOR), nullable=False),
)

account_role = Table(
    "account_role",
    metadata,
    Column("account_name", String(MAX_NAME), ForeignKey("account.name", ondelete="CASCADE"), primary_key=True),
    Column("role", String(16), primary_key=True),
    CheckConstraint("role IN ('admin', 'kstt', 'officer', 'leader', 'viewer')", name="role"),
)

account_agency = Table(
    "account_agency",
    metadata,
    Column("account_name", String(MAX_NAME), ForeignKey("account.name", ondelete="CASCADE"), primary_key=True),
    Column("agency_code", String(64), primary_key=True),  # an agency code, or '*' for every agency
)

api_token = Table(
    "api_token",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("account_name", String(MAX_NAME), ForeignKey("account.name", ondelete="CASCADE"), nullable=False),
    Column("label", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(MAX_ACTOR), nullable=False),
    Column("expires_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", String(MAX_ACTOR)),
    Column("last_used_at", DateTime(timezone=True)),
    Index("ix_api_token_account_name", "account_name"),
)

sign_in_failure = Table(
    "sign_in_failure",
    metadata,
    Column("username", String(MAX_NAME), primary_key=True),  # as typed (normalised), known account or not
    Column("failures", Integer, nullable=False),
    Column("last_failed_at", DateTime(timezone=True), nullable=False),
    Column("locked_until", DateTime(timezone=True)),
)

access_log = Table(
    "access_log",
    metadata,
    Column("id", POSITION, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(MAX_ACTOR), nullable=False),
    Column("action", String(32), nullable=False),
    Column("account", String(MAX_NAME), nullable=False),
    Column("detail", JSON, nullable=False),  # roles, agencies, token id and label: never a secret
    Index("ix_access_log_at", "at"),
    Index("ix_access_log_account", "account"),
)

audit_view = Table(
    "audit_view",
    metadata,
    Column("aggregate_id", Uuid, primary_key=True),
    Column("version", Integer, primary_key=True),  # the event's originator version
    Column("application", String(32), nullable=False),
    Column("aggregate_kind", String(32), nullable=False),
    Column("aggregate_key", String(200)),  # decision number, procedure code or dossier code
    Column("event", String(64), nullable=False),
    Column("actor", String(MAX_ACTOR), nullable=False),
    Column("occurred_at", DateTime(timezone=True)),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_audit_view_actor", "actor"),
    Index("ix_audit_view_recorded_at", "recorded_at"),
    Index("ix_audit_view_aggregate_key", "aggregate_key"),
    Index("ix_audit_view_application", "application"),
)
