"""The working-day calendar (lịch làm việc) that turns a receipt moment and a processing time into a due moment.

Pure domain code: the standard library and the ``holidays`` package only. A ``WorkingCalendar`` is a pure
function of its inputs — the office hours, the time zone, the local overrides given to its constructor and
the installed ``holidays`` version. It holds no global state: the per-year holiday tables it builds lazily
are a memo of that function (filled under a lock, safe to share between threads). Because a later
calendar (a new override, a newer ``holidays`` release) may answer differently, a due moment is computed
once, when a dossier is received or resumed, and stored in the event; it is never recomputed silently.

Rules (domain.md, "Dossier clock"); those marked [choice] are ours where the domain text leaves a choice:

1. Working day. A local override (``day_off`` / ``working_day``, with its source notice) wins. Otherwise
   Saturday and Sunday are days off unless the package lists them as make-up working days (ngày làm bù,
   ``weekend_workdays``), and Monday–Friday are working days unless the package lists a public holiday
   (Tết and the substituted days off included).
2. Open. The office is open at a moment whose local date is a working day and whose local clock time lies
   in a span ``start <= t < end`` of the office hours (default 07:30–11:30 and 13:00–17:00). The end of a
   span is closed: 11:30:00 is in the lunch break, 17:00:00 is after closing. [choice]
3. Counting start. Counting starts at ``next_opening(received_at)``: the receipt moment itself when the
   office is open, else the next opening (07:30 of the same working day before opening, 13:00 during
   lunch, 07:30 of the next working day after closing or on a day off). With a per-procedure cut-off
   (e.g. 15:00), a counting start whose clock time is later than the cut-off moves to the opening of the
   next working day; exactly 15:00:00 is not later. [choice]
4. ``working_days`` N ≥ 1: due at the counting start's clock time, N working days after its date. The
   counting start is open by construction, so the due time is always inside office hours, never in the
   lunch break or after closing.
5. ``calendar_days`` N ≥ 1: due at the counting start's clock time N calendar days after its date; when
   that date is not a working day, due at closing (17:00) of the next working day, as the Civil Code
   (Bộ luật Dân sự 2015, Điều 148) ends a period whose last day is a day off at the end of the next
   working day. [choice]
6. ``working_hours`` N ≥ 1: N hours of office time from the counting start, skipping lunch, nights and
   days off. A due moment that falls exactly on the end of a span is that end (11:30 or 17:00), not the
   next opening. [choice]
7. Value 0 (trong ngày), any unit: due at closing of the counting start's day, so a receipt after the
   cut-off is due at closing of the next working day. [choice]
8. Pauses. ``working_time_between(a, b)`` is the office time in ``[a, b)``; on resume the application moves
   the due moment later with ``add_working_time(due_at, paused)``, which from a closed moment first goes to
   the next opening.
9. ``working_days_between(a, b)`` counts the working days ``d`` with ``a < d <= b`` (negative, counting
   ``b < d <= a``, when ``b`` is before ``a``): 1 when due on the next working day, 0 when due today,
   -1 when it fell due on the last working day before today.
10. Moments. Inputs must be aware datetimes (any offset: they are converted to the calendar's time zone);
    results are aware datetimes in the calendar's time zone. Office time is wall-clock time.

Data (``holidays`` 0.109): swaps and make-up days are known through 2026 only; later years are computed by
rule (e.g. Tết 2027 as 4–10/2/2027, with no swap), so a new year's government notice goes into the
overrides. Names are the package's Vietnamese ones; a swap can cross a year end (27/12/2014 was worked
for 2/1/2015).
"""

from __future__ import annotations

import datetime as dt
import enum
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

DEFAULT_OFFICE_HOURS: tuple[tuple[dt.time, dt.time], ...] = (
    (dt.time(7, 30), dt.time(11, 30)),
    (dt.time(13, 0), dt.time(17, 0)),
)
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
COUNTRY = "VN"

DAY_OFF = "day_off"
WORKING_DAY = "working_day"
OVERRIDE_KINDS = (DAY_OFF, WORKING_DAY)

WEEKDAY_NAMES = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
WEEKEND = frozenset({5, 6})  # Saturday, Sunday
MAX_DAYS_WITHOUT_WORK = 3660  # a safety stop: no working day for ten years means broken overrides


class CalendarError(ValueError):
    """Raised when the calendar is asked something it cannot answer: a naive datetime, a negative amount,
    an unknown unit, malformed office hours or overrides."""

    reason = "invalid_calendar_input"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unit(enum.StrEnum):
    """Unit of a processing time (thời hạn giải quyết)."""

    WORKING_DAYS = "working_days"  # ngày làm việc
    CALENDAR_DAYS = "calendar_days"  # ngày
    WORKING_HOURS = "working_hours"  # giờ làm việc


@dataclass(frozen=True)
class Override:
    """A local decision about one date: ``kind`` is ``day_off`` or ``working_day``; ``source`` names the
    notice (e.g. "Thông báo 123/TB-UBND"). It wins over the ``holidays`` package."""

    kind: str
    source: str

    def __post_init__(self) -> None:
        if self.kind not in OVERRIDE_KINDS:
            raise CalendarError(f"Loại ghi đè phải là {' hoặc '.join(OVERRIDE_KINDS)}, không phải {self.kind!r}.")
        if not isinstance(self.source, str) or not self.source.strip():
            raise CalendarError("Cần ghi văn bản nguồn của ngày ghi đè (số thông báo, quyết định).")


@dataclass(frozen=True)
class SpecialDay:
    """One line of a year's calendar: ``kind`` is ``holiday`` or ``make_up_day`` (from the ``holidays``
    package) or ``day_off`` / ``working_day`` (a local override); ``name`` is the holiday's Vietnamese name
    or the override's source notice."""

    day: dt.date
    kind: str
    name: str


@dataclass(frozen=True)
class _Year:
    holidays: Mapping[dt.date, str]  # date → Vietnamese name, substituted days off included
    make_up_days: Mapping[dt.date, str]  # Saturday or Sunday worked → "Ngày làm bù cho ngày nghỉ …"


class WorkingCalendar:
    """Vietnamese working days and office hours, with local overrides; see the module docstring for rules.

    ``office_hours``: ordered, non-overlapping ``(start, end)`` local times. ``timezone``: a zone name or a
    ``tzinfo``. ``overrides``: date → ``Override``. Raises ``CalendarError`` on malformed arguments.
    """

    def __init__(
        self,
        *,
        office_hours: tuple[tuple[dt.time, dt.time], ...] = DEFAULT_OFFICE_HOURS,
        timezone: str | dt.tzinfo = DEFAULT_TIMEZONE,
        overrides: Mapping[dt.date, Override] | None = None,
    ) -> None:
        self.office_hours = checked_office_hours(office_hours)
        self.tz = _checked_timezone(timezone)
        self.overrides: Mapping[dt.date, Override] = MappingProxyType(dict(overrides or {}))  # read-only
        for day, override in self.overrides.items():
            if not isinstance(override, Override) or type(day) is not dt.date:
                raise CalendarError(f"overrides map a date to an Override, got {day!r}: {override!r}")
        self._years: dict[int, _Year] = {}
        self._lock = threading.Lock()

    @property
    def opening_time(self) -> dt.time:
        return self.office_hours[0][0]

    @property
    def closing_time(self) -> dt.time:
        return self.office_hours[-1][1]

    # ---- days -------------------------------------------------------------------------------------------

    def is_working_day(self, day: dt.date) -> bool:
        """Return True when ``day`` (a date, not a datetime) is a working day (rule 1)."""
        day = _checked_date(day)
        if (override := self.overrides.get(day)) is not None:
            return override.kind == WORKING_DAY
        year = self._year(day.year)
        if day.weekday() in WEEKEND:
            return day in year.make_up_days
        return day not in year.holidays

    def explain(self, day: dt.date) -> str:
        """Say in Vietnamese why ``day`` is a working day or a day off (override, holiday, make-up, weekend)."""
        day = _checked_date(day)
        if (override := self.overrides.get(day)) is not None:
            verb = "nghỉ" if override.kind == DAY_OFF else "làm việc"
            return f"{verb} theo {override.source}"
        year = self._year(day.year)
        if day.weekday() in WEEKEND:
            return "ngày làm bù" if day in year.make_up_days else WEEKDAY_NAMES[day.weekday()]
        if day in year.holidays:
            return f"ngày lễ: {year.holidays[day]}"
        return "ngày thường"

    def next_working_day(self, day: dt.date) -> dt.date:
        """Return the first working day strictly after ``day``."""
        day = _checked_date(day)
        for _ in range(MAX_DAYS_WITHOUT_WORK):
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise CalendarError(f"no working day within {MAX_DAYS_WITHOUT_WORK} days after {day.isoformat()}")

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """Return the ``count``-th working day after ``day`` (``day`` itself when ``count`` is 0).

        ``working_days_between(day, add_working_days(day, n)) == n``. Raises ``CalendarError`` when
        ``count`` is negative.
        """
        day = _checked_date(day)
        for _ in range(_checked_amount(count)):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Count the working days ``d`` with ``start < d <= end``; negative when ``end`` is before ``start``
        (rule 9). Used as ``working_days_left = working_days_between(today, due_at's date)``."""
        start, end = _checked_date(start), _checked_date(end)
        if end < start:
            return -self.working_days_between(end, start)
        return sum(1 for n in range(1, (end - start).days + 1)
                   if self.is_working_day(start + dt.timedelta(days=n)))

    def special_days(self, year: int) -> list[SpecialDay]:
        """List the package's holidays and make-up days of ``year`` and the overrides dated in it, by date
        (an override is listed after the package's entry for the same date, which it overrides)."""
        data = self._year(year)
        days = [SpecialDay(d, "holiday", name) for d, name in data.holidays.items()]
        days += [SpecialDay(d, "make_up_day", name) for d, name in data.make_up_days.items()]
        days += [SpecialDay(d, o.kind, o.source) for d, o in self.overrides.items() if d.year == year]
        order = {"holiday": 0, "make_up_day": 0, DAY_OFF: 1, WORKING_DAY: 1}
        return sorted(days, key=lambda s: (s.day, order[s.kind]))

    # ---- moments ----------------------------------------------------------------------------------------

    def local(self, at: dt.datetime) -> dt.datetime:
        """Return aware ``at`` in the calendar's time zone; ``CalendarError`` when ``at`` is naive."""
        if not isinstance(at, dt.datetime):
            raise CalendarError(f"expected an aware datetime, got {at!r}")
        if at.tzinfo is None or at.utcoffset() is None:
            raise CalendarError(f"naive datetime {at.isoformat()}: give a time zone offset, e.g. +07:00")
        return at.astimezone(self.tz)

    def is_open(self, at: dt.datetime) -> bool:
        """Return True when the office is open at aware ``at`` (rule 2)."""
        local = self.local(at)
        return self.is_working_day(local.date()) and self._span_at(local.time()) is not None

    def next_opening(self, at: dt.datetime) -> dt.datetime:
        """Return the first moment at or after aware ``at`` when the office is open (``at`` itself if open)."""
        local = self.local(at)
        day, time = local.date(), local.time()
        if self.is_working_day(day):
            for start, end in self.office_hours:
                if time < start:
                    return self._at(day, start)
                if time < end:
                    return local
        return self._at(self.next_working_day(day), self.opening_time)

    def counting_start(self, received_at: dt.datetime, cutoff: dt.time | None = None) -> dt.datetime:
        """Return the moment the clock starts for a dossier received at aware ``received_at`` (rule 3).

        ``cutoff``: the procedure's same-day cut-off (a local time such as 15:00), or None.
        """
        start = self.next_opening(received_at)
        if cutoff is not None and start.time() > _checked_time(cutoff):
            return self._at(self.next_working_day(start.date()), self.opening_time)
        return start

    def add(self, start: dt.datetime, value: int, unit: Unit | str, *, cutoff: dt.time | None = None,
            ) -> dt.datetime:
        """Return the due moment of a processing time of ``value`` ``unit`` received at aware ``start``.

        ``unit``: ``working_days``, ``calendar_days`` or ``working_hours`` (rules 4–6); ``value`` 0 means
        "trong ngày" (rule 7); ``cutoff`` as in ``counting_start``. Raises ``CalendarError`` for a naive
        ``start``, a negative or non-integer ``value`` or an unknown ``unit``.
        """
        unit, value = _checked_unit(unit), _checked_amount(value)
        begin = self.counting_start(start, cutoff)
        day, time = begin.date(), begin.time()
        if value == 0:
            return self._at(day, self.closing_time)
        if unit is Unit.WORKING_DAYS:
            return self._at(self.add_working_days(day, value), time)
        if unit is Unit.CALENDAR_DAYS:
            due = day + dt.timedelta(days=value)
            if self.is_working_day(due):
                return self._at(due, time)
            return self._at(self.next_working_day(due), self.closing_time)
        return self.add_working_time(begin, dt.timedelta(hours=value))

    def add_working_time(self, at: dt.datetime, amount: dt.timedelta) -> dt.datetime:
        """Return the earliest moment by which ``amount`` of office time has passed since aware ``at``
        (``at`` itself for zero; rules 6 and 8): 2 h from 09:30 is 11:30, not 13:00.

        Raises ``CalendarError`` for a naive ``at`` or a negative ``amount``.
        """
        local = self.local(at)
        if amount < dt.timedelta(0):
            raise CalendarError(f"working time to add must not be negative, got {amount}")
        if not amount:
            return local
        moment, left = self.next_opening(local), amount
        while True:
            span_end = self._at(moment.date(), self._span_at(moment.time())[1])
            if left <= span_end - moment:
                return moment + left
            left -= span_end - moment
            moment = self.next_opening(span_end)

    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Return the office time in ``[start, end)`` of two aware datetimes; negative when ``end`` is before
        ``start``. For pauses: the due moment moves later by the working time the clock was stopped."""
        start, end = self.local(start), self.local(end)
        if end < start:
            return -self.working_time_between(end, start)
        total, moment = dt.timedelta(0), self.next_opening(start)
        while moment < end:
            span_end = self._at(moment.date(), self._span_at(moment.time())[1])
            total += min(span_end, end) - moment
            moment = self.next_opening(span_end)
        return total

    # ---- internals --------------------------------------------------------------------------------------

    def _at(self, day: dt.date, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, time, tzinfo=self.tz)

    def _span_at(self, time: dt.time) -> tuple[dt.time, dt.time] | None:
        return next(((s, e) for s, e in self.office_hours if s <= time < e), None)

    def _year(self, year: int) -> _Year:
        """Return the package's holidays and make-up days of ``year``, building them on first use."""
        data = self._years.get(year)
        if data is None:
            with self._lock:
                data = self._years.get(year)
                if data is None:
                    data = self._years[year] = _package_year(year)
        return data


def _package_year(year: int) -> _Year:
    """Read ``year`` from the ``holidays`` package (in Vietnamese), naming each make-up day after the day off
    it pays for; a swap may cross a year end (27/12/2014 was worked for 2/1/2015), hence three years."""
    package = holidays.country_holidays(COUNTRY, years=(year - 1, year, year + 1), language="vi")
    make_up_days = {}
    # weekend_workdays also holds the cross-year make-up days of other years, whatever years were asked
    for day in sorted(d for d in package.weekend_workdays if d.year == year):
        paid_for = [d for d, name in package.items() if day.strftime("%d/%m/%Y") in name]
        make_up_days[day] = "Ngày làm bù" + "".join(f" cho ngày nghỉ {d:%d/%m/%Y}" for d in paid_for)
    return _Year(holidays={d: n for d, n in sorted(package.items()) if d.year == year}, make_up_days=make_up_days)


def checked_office_hours(spans) -> tuple[tuple[dt.time, dt.time], ...]:
    """Return office hours as ordered (start, end) local-time pairs. Raises :class:`CalendarError` when a
    span is empty or reversed, or spans overlap."""
    spans = tuple(tuple(span) for span in spans)
    if not spans or any(len(span) != 2 or not all(isinstance(t, dt.time) for t in span) for span in spans):
        raise CalendarError(f"office hours must be (start, end) time pairs, got {spans!r}")
    for start, end in spans:
        if start.tzinfo is not None or end.tzinfo is not None or not start < end:
            raise CalendarError(f"office hours span {start}–{end} must be local times with start < end")
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        if start < end:
            raise CalendarError(f"office hours spans must be ordered and must not overlap: {spans!r}")
    return spans


def _checked_timezone(timezone) -> dt.tzinfo:
    if isinstance(timezone, dt.tzinfo):
        return timezone
    try:
        return ZoneInfo(timezone)
    except (ValueError, KeyError) as error:  # ZoneInfoNotFoundError is a KeyError
        raise CalendarError(f"unknown time zone {timezone!r}") from error


def _checked_date(day) -> dt.date:
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise CalendarError(f"expected a date (not a datetime), got {day!r}")
    return day


def _checked_time(time) -> dt.time:
    if not isinstance(time, dt.time) or time.tzinfo is not None:
        raise CalendarError(f"a cut-off is a local time such as 15:00, got {time!r}")
    return time


def _checked_amount(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CalendarError(f"a processing time is a whole number, got {value!r}")
    if value < 0:
        raise CalendarError(f"a processing time must not be negative, got {value}")
    return value


def _checked_unit(unit) -> Unit:
    try:
        return Unit(unit)
    except ValueError:
        raise CalendarError(f"unknown unit {unit!r}; expected one of {', '.join(u.value for u in Unit)}") from None
