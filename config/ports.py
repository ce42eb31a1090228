"""Adapters between the contexts, built here because the tracker never imports the catalog (design.md).

- :class:`CatalogProcedures`: the tracker's ``ProcedureLookup`` over the ``Catalog`` application.
- :class:`StoredCalendar`: the current ``WorkingCalendar`` with staff's overrides, rebuilt when they change.
"""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from catalog.application import Catalog
from catalog.domain import Procedure, ProcedureNotFoundError
from tracker.application import ProcedureTerms
from tracker.calendar import WorkingCalendar
from tracker.calendar_store import calendar_override, load_calendar
from tracker.domain import ProcedureNotActiveError


class CatalogProcedures:
    """``(code, on) → ProcedureTerms`` of the procedure as the catalog held it on ``on``.

    Raises ``ProcedureNotActiveError`` with reason ``unknown_procedure`` when the catalog has never had the
    code, ``procedure_not_active`` when it was not yet in force on ``on`` or abolished or replaced by then
    (HTTP 409).
    """

    def __init__(self, catalog: Catalog, cache: dict[str, Procedure | None] | None = None) -> None:
        self.catalog = catalog
        self.cache = cache

    def memoized(self) -> CatalogProcedures:
        """A lookup that loads each procedure once: for one bulk import, during which the catalog stands still."""
        return CatalogProcedures(self.catalog, cache={})

    def __call__(self, code: str, on: dt.date) -> ProcedureTerms:
        procedure = self._procedure(code)
        if procedure is None:
            raise ProcedureNotActiveError(f"Thủ tục {code} không có trong danh mục.",
                                          {"procedure_code": [f"Không có thủ tục {code} trong danh mục."]},
                                          reason="unknown_procedure")
        state = procedure.state_as_of(on)
        if state is None:
            raise ProcedureNotActiveError(f"Thủ tục {code} chưa có hiệu lực vào ngày {on:%d/%m/%Y}.",
                                          {"procedure_code": [f"Thủ tục chưa được công bố có hiệu lực vào ngày {on:%d/%m/%Y}."]})
        if state.status != "active":
            raise ProcedureNotActiveError(f"Thủ tục {code} không còn hiệu lực vào ngày {on:%d/%m/%Y}.",
                                          {"procedure_code": [f"Thủ tục đã bị bãi bỏ hoặc thay thế từ {state.since:%d/%m/%Y}."]})
        a = state.attributes
        return ProcedureTerms(code=code, name=a["name"], field=a["field"], processing_time=a.get("processing_time"),
                              cutoff=dt.time.fromisoformat(a["cutoff"]) if a.get("cutoff") else None,
                              supplement_restarts_clock=bool(a.get("supplement_restarts_clock")))

    def _procedure(self, code: str) -> Procedure | None:
        if self.cache is not None and code in self.cache:
            return self.cache[code]
        try:
            procedure = self.catalog.get_procedure(code)
        except ProcedureNotFoundError:
            procedure = None
        if self.cache is not None:
            self.cache[code] = procedure
        return procedure


class StoredCalendar:
    """Returns the working calendar with the stored overrides; rebuilt only when the override table changed
    (one small query per call), so the per-year holiday tables are not recomputed on every command."""

    def __init__(self, engine: Engine, office_hours, timezone) -> None:
        self.engine, self.office_hours, self.timezone = engine, office_hours, timezone
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._calendar: WorkingCalendar | None = None

    def __call__(self) -> WorkingCalendar:
        with self.engine.connect() as conn:
            stamp = tuple(conn.execute(select(func.count(), func.max(calendar_override.c.recorded_at))).one())
        with self._lock:
            if stamp != self._stamp or self._calendar is None:
                self._calendar = load_calendar(self.engine, office_hours=self.office_hours, timezone=self.timezone)
                self._stamp = stamp
            return self._calendar
