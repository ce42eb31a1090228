"""The local calendar overrides (ngày nghỉ / ngày làm việc do cơ quan có thẩm quyền công bố) and the
``WorkingCalendar`` built from them.

Staff add a new year's notice without a release: each row says that one date is a day off or a working day,
and names its source notice. Overrides win over the ``holidays`` package. Rules of ``add_override``:

- An override that would change nothing is refused (``OverrideRefusedError``): a day off on a date that is
  already off (a holiday, a Saturday or Sunday, or an earlier override), a working day on a date already
  worked (a normal weekday, a make-up day, or an earlier override).
- Otherwise an earlier override of the same date is **replaced** (kind, source, actor and time of the new
  one); the replaced row is returned so the caller can say so. There is one row per date.

A changed override never moves a due date already stored in a dossier's events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from events.tables import metadata
from tracker.calendar import (
    DAY_OFF,
    DEFAULT_OFFICE_HOURS,
    DEFAULT_TIMEZONE,
    WEEKDAY_NAMES,
    WORKING_DAY,
    CalendarError,
    Override,
    WorkingCalendar,
)

calendar_override = Table(
    "calendar_override",
    metadata,
    Column("day", Date, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("source", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    CheckConstraint("kind IN ('day_off', 'working_day')", name="kind"),
)


class OverrideRefusedError(CalendarError):
    """Raised when an override would change nothing: a day off on a date already off, or a working day on a
    date already worked."""

    reason = "override_changes_nothing"


@dataclass(frozen=True)
class StoredOverride:
    """One row of ``calendar_override``: ``recorded_at`` is aware (UTC), ``actor`` who recorded it."""

    day: dt.date
    kind: str
    source: str
    recorded_at: dt.datetime
    actor: str

    @property
    def override(self) -> Override:
        return Override(self.kind, self.source)


@dataclass(frozen=True)
class OverrideRecorded:
    """What ``add_override`` did: the row now stored, and the row it replaced (None when there was none)."""

    override: StoredOverride
    replaced: StoredOverride | None


def add_override(engine: Engine, day: dt.date, kind: str, source: str, *, actor: str,
                 recorded_at: dt.datetime | None = None) -> OverrideRecorded:
    """Record that ``day`` is a ``day_off`` or a ``working_day`` according to notice ``source``.

    Replaces an earlier override of ``day``. Raises ``OverrideRefusedError`` when nothing would change, and
    ``CalendarError`` for an unknown kind, a blank source or actor, or a ``day`` that is not a date.
    """
    override = Override(kind, source.strip() if isinstance(source, str) else source)
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise CalendarError(f"expected a date, got {day!r}")
    if not actor or not actor.strip():
        raise CalendarError("Cần ghi người ghi nhận ngày ghi đè (actor).")
    if recorded_at is not None and recorded_at.utcoffset() is None:
        raise CalendarError(f"naive recorded_at {recorded_at.isoformat()}: give a time zone offset")
    recorded_at = (recorded_at or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    stored = StoredOverride(day, override.kind, override.source, recorded_at, actor.strip())
    try:
        return _record(engine, stored)
    except IntegrityError:  # a concurrent first insert of the same date won: read it, then decide again
        return _record(engine, stored)


def list_overrides(engine: Engine, year: int | None = None) -> list[StoredOverride]:
    """Return the overrides (of ``year`` when given), by date."""
    query = select(calendar_override).order_by(calendar_override.c.day)
    if year is not None:
        query = query.where(calendar_override.c.day.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    with engine.connect() as conn:
        return [_stored(row) for row in conn.execute(query)]


def load_calendar(engine: Engine, *, office_hours: tuple[tuple[dt.time, dt.time], ...] = DEFAULT_OFFICE_HOURS,
                  timezone: str | dt.tzinfo = DEFAULT_TIMEZONE) -> WorkingCalendar:
    """Build the ``WorkingCalendar`` of ``office_hours`` and ``timezone`` (as in settings) with every stored
    override. The table holds a few rows a year, so all of them are read."""
    overrides = {row.day: row.override for row in list_overrides(engine)}
    return WorkingCalendar(office_hours=office_hours, timezone=timezone, overrides=overrides)


def _record(engine: Engine, stored: StoredOverride) -> OverrideRecorded:
    with engine.begin() as conn:
        return OverrideRecorded(stored, _replace(conn, stored))


def _replace(conn: Connection, stored: StoredOverride) -> StoredOverride | None:
    """Check that ``stored`` changes something and write it in place of any earlier row; return that row."""
    table = calendar_override
    row = conn.execute(select(table).where(table.c.day == stored.day).with_for_update()).first()
    previous = _stored(row) if row else None
    calendar = WorkingCalendar(overrides={stored.day: previous.override} if previous else None)
    if calendar.is_working_day(stored.day) == (stored.kind == WORKING_DAY):
        state = "ngày nghỉ" if stored.kind == DAY_OFF else "ngày làm việc"
        raise OverrideRefusedError(
            f"Ngày {stored.day:%d/%m/%Y} ({WEEKDAY_NAMES[stored.day.weekday()]}) đã là {state} "
            f"({calendar.explain(stored.day)}): không có gì để thay đổi."
        )
    values = {"kind": stored.kind, "source": stored.source, "recorded_at": stored.recorded_at,
              "actor": stored.actor}
    if previous:
        conn.execute(update(table).where(table.c.day == stored.day).values(**values))
    else:
        conn.execute(insert(table).values(day=stored.day, **values))
    return previous


def _stored(row) -> StoredOverride:
    recorded_at = row.recorded_at
    if recorded_at.tzinfo is None:  # SQLite keeps no offset: we always write UTC
        recorded_at = recorded_at.replace(tzinfo=dt.timezone.utc)
    return StoredOverride(row.day, row.kind, row.source, recorded_at, row.actor)
