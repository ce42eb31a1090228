"""Read-model tables of the catalog: decisions, procedure versions and history, change counts.

Written only by the projections in ``catalog/projections.py``; read by ``catalog/queries.py``.
"""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
)

from events.tables import metadata

decision_view = Table(
    "decision_view",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("number", String(120), nullable=False),
    Column("issuer", String(300), nullable=False),
    Column("signed_on", Date, nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("publicised_on", Date),
    Column("status", String(16), nullable=False),
    Column("entry_count", Integer, nullable=False),
    Column("entries", JSON, nullable=False),
    Column("history", JSON, nullable=False),
    Column("search_text", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_decision_view_signed_on", "signed_on"),
)

# One row per state a procedure was in, valid on [valid_from, valid_to) (valid_to NULL: still valid).
procedure_version_view = Table(
    "procedure_version_view",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("valid_to", Date),
    Column("status", String(16), nullable=False),
    Column("since", Date, nullable=False),
    Column("name", Text, nullable=False),
    Column("field", String(300), nullable=False),
    Column("levels", String(120), nullable=False),  # ",province,commune," so LIKE '%,commune,%' filters
    Column("authority", String(16), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("online", String(16), nullable=False),
    Column("agency", Text),
    Column("processing_time", JSON),
    Column("cutoff", String(5)),
    Column("supplement_restarts_clock", Boolean, nullable=False),
    Column("search_text", Text, nullable=False),
    Index("ix_procedure_version_view_valid", "valid_from", "valid_to"),
)

procedure_history_view = Table(
    "procedure_history_view",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("action", String(16), nullable=False),
    Column("decision_id", Uuid, nullable=False),
    Column("number", String(120), nullable=False),
    Column("issuer", String(300), nullable=False),
    Column("signed_on", Date, nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("changes", JSON, nullable=False),
    Column("replaces", String(64)),
    Column("replaced_by", String(64)),
)

# One row per entry of a decision in force, with the attributes the procedure had after the change
# (before it for an abolition): what the procedure-changes report counts.
procedure_change_view = Table(
    "procedure_change_view",
    metadata,
    Column("decision_id", Uuid, primary_key=True),
    Column("code", String(64), primary_key=True),
    Column("action", String(16), nullable=False),
    Column("issuer", String(300), nullable=False),
    Column("signed_on", Date, nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("authority", String(16)),
    Column("field", String(300)),
    Column("kind", String(16)),
    Index("ix_procedure_change_view_signed_on", "signed_on"),
    Index("ix_procedure_change_view_effective_on", "effective_on"),
    Index("ix_procedure_change_view_code", "code"),
)

# The levels an entry counts under (one row per level), for reports grouped by level.
procedure_change_level_view = Table(
    "procedure_change_level_view",
    metadata,
    Column("decision_id", Uuid, primary_key=True),
    Column("code", String(64), primary_key=True),
    Column("level", String(16), primary_key=True),
)
