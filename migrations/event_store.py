"""The DDL of an application's event table, shared by the migrations that create one."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy_utils.types.uuid import UUIDType

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def create_event_store(prefix: str) -> None:
    """Create ``<prefix>_events`` exactly as eventsourcing-sqlalchemy 1.0 defines it (its row id is the
    notification id: never batch-alter this table on SQLite)."""
    op.create_table(
        f"{prefix}_events",
        sa.Column("id", BIGINT, primary_key=True, autoincrement=True),
        sa.Column("originator_id", UUIDType(), nullable=False),
        sa.Column("originator_version", BIGINT, nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
    )
    op.create_index(f"{prefix}_events_aggregate_idx", f"{prefix}_events",
                    ["originator_id", "originator_version"], unique=True)
