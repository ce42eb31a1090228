"""Read-model tables of the tracker: one row per dossier, and the dossier's clock as dated segments.

Written only by ``tracker/projections.py``; read by ``tracker/queries.py``. Moments are stored as ISO 8601
strings in Asia/Ho_Chi_Minh time (``2024-04-15T09:30:00+07:00``: SQLite drops offsets from DateTime
columns, and strings in one offset sort by time); business dates are ``Date`` columns.
"""

from sqlalchemy import JSON, Column, Date, Index, Integer, String, Table, Text, Uuid

from events.tables import metadata

MOMENT = String(32)

# One row per dossier: what the API shows, and the facts the period report counts.
dossier_view = Table(
    "dossier_view",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("id", Uuid, nullable=False, unique=True),
    Column("procedure_code", String(64), nullable=False),
    Column("procedure_name", Text, nullable=False),
    Column("field", String(300), nullable=False),
    Column("agency_code", String(64), nullable=False),
    Column("agency_name", Text, nullable=False),
    Column("handling_agency_code", String(64), nullable=False),
    Column("level", String(16), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("received_at", MOMENT, nullable=False),
    Column("received_on", Date, nullable=False),
    Column("due_at", MOMENT, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("appointment_at", MOMENT, nullable=False),
    Column("state", String(24), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("paused_at", MOMENT),
    Column("resolved_at", MOMENT),
    # early / on_time / late (resolved) or returned (withdrawn, rejected); closed_on is that step's date
    Column("outcome", String(16)),
    Column("closed_on", Date),
    Column("rule_version", String(32), nullable=False),
    Column("processing_time", JSON, nullable=False),
    Column("applicant", JSON, nullable=False),
    Column("timeline", JSON, nullable=False),
    Index("ix_dossier_view_received_on", "received_on"),
    Index("ix_dossier_view_closed_on", "closed_on"),
    Index("ix_dossier_view_agency_code", "agency_code"),
    Index("ix_dossier_view_procedure_code", "procedure_code"),
    Index("ix_dossier_view_state", "state"),
)

# The dossier's clock by business date, for any as-of date: on each date in [start_on, end_on) the dossier
# ended the day in ``state`` with its clock ``running`` or ``paused`` and due at ``due_at``. Segments follow
# each other from the receipt date to the date the dossier was resolved, withdrawn or rejected (end_on of
# the last one); end_on NULL means still open.
dossier_segment_view = Table(
    "dossier_segment_view",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("start_on", Date, primary_key=True),
    Column("end_on", Date),
    Column("clock", String(8), nullable=False),
    Column("state", String(24), nullable=False),
    Column("due_at", MOMENT, nullable=False),
    Column("due_on", Date, nullable=False),
    Index("ix_dossier_segment_view_due_on", "due_on"),
    Index("ix_dossier_segment_view_end_on", "end_on"),
)
