"""In-memory implementations of the Tracker's two ports, for unit tests on the real application.

- :class:`Procedures`: the catalog port, ``(code, on) → ProcedureTerms``, over a dict of procedures each
  with the date ranges on which it was active.
- :class:`Agencies`: the agency registry port, ``resolve(code or exact name, on)``, over agencies with
  ``valid_from`` / ``valid_to``, refusing with the registry's own ``UnknownAgencyError``.

``tracker_with`` builds a ``Tracker`` on the in-memory store with these ports, the default working
calendar and a fixed clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from tracker.agencies import UnknownAgencyError
from tracker.application import ProcedureTerms, Tracker
from tracker.calendar import WorkingCalendar
from tracker.domain import ProcedureNotActiveError

ICT = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2026, 12, 31, 12, 0, tzinfo=ICT)  # every 2026 moment of the tests is in the past


def at(day: int, month: int, hour: int, minute: int = 0, second: int = 0, year: int = 2026) -> dt.datetime:
    """A moment in Hà Nội time (+07:00)."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=ICT)


@dataclass(frozen=True)
class Active:
    """A procedure's terms while active, on ``valid_from`` … ``valid_to`` (inclusive; None: still active)."""

    terms: ProcedureTerms
    valid_from: dt.date
    valid_to: dt.date | None = None

    def covers(self, on: dt.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


def procedure(code: str, value: int | None = 3, unit: str = "working_days", *, cutoff: dt.time | None = None,
              restarts: bool = False, valid_from: dt.date = dt.date(2020, 1, 1),
              valid_to: dt.date | None = None) -> tuple[str, list[Active]]:
    """One catalog entry ``(code, [Active])`` with a processing time of ``value`` ``unit`` (None: none)."""
    terms = ProcedureTerms(code=code, name=f"Thủ tục {code}", field="Hộ tịch",
                           processing_time=None if value is None else {"value": value, "unit": unit},
                           cutoff=cutoff, supplement_restarts_clock=restarts)
    return code, [Active(terms, valid_from, valid_to)]


class Procedures:
    """The catalog port: ``procedures(code, on)`` returns the terms active on ``on``.

    Raises ``ProcedureNotActiveError`` with reason ``unknown_procedure`` when the code is not in the catalog
    at all, ``procedure_not_active`` when it is not in force on ``on`` (as ``config.ports`` does).
    """

    def __init__(self, entries: dict[str, list[Active]]) -> None:
        self.entries = entries

    def __call__(self, code: str, on: dt.date) -> ProcedureTerms:
        periods = self.entries.get(code, [])
        for period in periods:
            if period.covers(on):
                return period.terms
        if not periods:
            raise ProcedureNotActiveError(f"Thủ tục {code} không có trong danh mục.",
                                          {"procedure_code": [f"Không có thủ tục {code} trong danh mục."]},
                                          reason="unknown_procedure")
        raise ProcedureNotActiveError(f"Thủ tục {code} không còn hiệu lực vào ngày {on:%d/%m/%Y}.",
                                      {"procedure_code": ["Thủ tục đã bị bãi bỏ hoặc thay thế."]})


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    level: str
    valid_from: dt.date = dt.date(2020, 1, 1)
    valid_to: dt.date | None = None  # inclusive; None: still valid

    def valid_on(self, on: dt.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


@dataclass
class Agencies:
    """The agency registry port: ``resolve(code or exact name, on)`` → the agency valid on ``on``."""

    agencies: list[Agency] = field(default_factory=list)

    def resolve(self, ref: str, on: dt.date, *, field: str = "agency") -> Agency:
        """Raises ``UnknownAgencyError`` (``errors[field]``) when no agency of that code or name is valid on ``on``."""
        for agency in self.agencies:
            if ref in (agency.code, agency.name) and agency.valid_on(on):
                return agency
        message = f"Không có đơn vị “{ref}” có hiệu lực vào ngày {on:%d/%m/%Y}."
        raise UnknownAgencyError(message, {field: [message]})


def tracker_with(procedures: Procedures, agencies: Agencies, now: dt.datetime = NOW) -> Tracker:
    """A real ``Tracker`` on the in-memory store, with the default calendar and a clock stopped at ``now``."""
    return Tracker("memory://", procedures=procedures, agencies=agencies, calendar=lambda: WorkingCalendar(),
                   clock=lambda: now)
