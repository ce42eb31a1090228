"""Metadata of every read-model table, and the projections' tracking table.

Alembic (``migrations/``) owns the DDL; these definitions are what the code reads and writes.
"""

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# One row per projection: the id of the last event notification whose effects are in its tables.
projection_tracking = Table(
    "projection_tracking",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("application_name", String(64), nullable=False),
    Column("position", BigInteger().with_variant(Integer(), "sqlite"), nullable=False),
)
