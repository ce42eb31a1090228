"""The working-day calendar pins due dates exactly, across Tết 2026, the 22/8 ↔ 31/8/2026 swap, National Day
and Vietnam Cultural Day (24/11/2026), for the three units, with and without cut-offs.

2026 at a glance (holidays 0.109): Tết Mon 16/2 – Fri 20/2; make-up Saturday 22/8 worked for Monday 31/8 off;
National Day Tue 1/9 and Wed 2/9; Vietnam Cultural Day Tue 24/11. Office hours 07:30–11:30, 13:00–17:00.
"""

import datetime as dt

import pytest

from tracker.calendar import (
    DAY_OFF,
    WORKING_DAY,
    CalendarError,
    Override,
    SpecialDay,
    WorkingCalendar,
)

ICT = dt.timezone(dt.timedelta(hours=7))
D = dt.date
CUTOFF = dt.time(15, 0)


def at(day: int, month: int, hour: int, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=ICT)


@pytest.fixture(scope="module")
def calendar():
    return WorkingCalendar()


# ---- working days ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("received, value, cutoff, due", [
    # Fri 13/2 09:30 is open; next working day after Tết (16–20/2) and the weekends is Mon 23/2
    (at(13, 2, 9, 30), 1, None, at(23, 2, 9, 30)),
    # Thu 12/2: 13/2 is day 1, Mon 23/2 day 2, Tue 24/2 day 3
    (at(12, 2, 10), 3, None, at(24, 2, 10)),
    # after closing on Fri 13/2: counting starts Mon 23/2 07:30, one working day later is Tue 24/2 07:30
    (at(13, 2, 18), 1, None, at(24, 2, 7, 30)),
    # before opening: counting starts at 07:30 the same day
    (at(13, 2, 6, 45), 1, None, at(23, 2, 7, 30)),
    # lunch break: counting starts at 13:00 the same day
    (at(13, 2, 12), 1, None, at(23, 2, 13)),
    # 11:30 is already the lunch break (a span's end is closed)
    (at(13, 2, 11, 30), 1, None, at(23, 2, 13)),
    # received on Tết (Tue 17/2): counting starts Mon 23/2 07:30, two working days → Wed 25/2 07:30
    (at(17, 2, 10), 2, None, at(25, 2, 7, 30)),
    # cut-off 15:00, received 15:30: counting starts at the next working day's opening (Mon 23/2 07:30)
    (at(13, 2, 15, 30), 1, CUTOFF, at(24, 2, 7, 30)),
    # before the cut-off nothing changes
    (at(13, 2, 14, 59), 1, CUTOFF, at(23, 2, 14, 59)),
    # exactly at the cut-off is not after it
    (at(13, 2, 15), 1, CUTOFF, at(23, 2, 15)),
    # the make-up Saturday 22/8 is a working day: Fri 21/8 + 1 → Sat 22/8 at the same time
    (at(21, 8, 10), 1, None, at(22, 8, 10)),
    # received on the make-up Saturday itself (open): one working day later is Mon 24/8
    (at(22, 8, 10), 1, None, at(24, 8, 10)),
    # Thu 20/8 + 2: Fri 21/8, Sat 22/8
    (at(20, 8, 16), 2, None, at(22, 8, 16)),
    # Fri 28/8 + 1: Mon 31/8 is the swapped day off, 1/9 and 2/9 National Day → Thu 3/9
    (at(28, 8, 9), 1, None, at(3, 9, 9)),
    # received on the swapped day off Mon 31/8: counting starts Thu 3/9 07:30, + 1 → Fri 4/9 07:30
    (at(31, 8, 10), 1, None, at(4, 9, 7, 30)),
    # received on National Day Wed 2/9 with a cut-off: starts Thu 3/9 07:30 (before the cut-off), + 2 → Mon 7/9
    (at(2, 9, 16), 2, CUTOFF, at(7, 9, 7, 30)),
    # Mon 23/11 + 1: Tue 24/11 is Vietnam Cultural Day → Wed 25/11
    (at(23, 11, 9), 1, None, at(25, 11, 9)),
    # received on Vietnam Cultural Day: starts Wed 25/11 07:30 → Thu 26/11 07:30
    (at(24, 11, 9), 1, None, at(26, 11, 7, 30)),
    # Mon 23/11 after the cut-off: starts Wed 25/11 07:30 (24/11 is off), + 1 → Thu 26/11 07:30
    (at(23, 11, 16), 1, CUTOFF, at(26, 11, 7, 30)),
])
def test_working_days_fall_due_at_the_same_clock_time_n_working_days_later(calendar, received, value, cutoff, due):
    assert calendar.add(received, value, "working_days", cutoff=cutoff) == due


@pytest.mark.parametrize("unit", ["working_days", "calendar_days", "working_hours"])
@pytest.mark.parametrize("received, cutoff, due", [
    # trong ngày: closing of the receipt day
    (at(13, 2, 10), None, at(13, 2, 17)),
    # 16:59 is still the same day without a cut-off
    (at(13, 2, 16, 59), None, at(13, 2, 17)),
    # after the cut-off: closing of the next working day, after Tết
    (at(13, 2, 16), CUTOFF, at(23, 2, 17)),
    # Fri 28/8 after the cut-off: 31/8, 1/9 and 2/9 are off → Thu 3/9 closing
    (at(28, 8, 16, 30), CUTOFF, at(3, 9, 17)),
    # received on a Saturday that is not a make-up day: the next working day is Thu 3/9 (after the swap)
    (at(29, 8, 9), None, at(3, 9, 17)),
    # received on the make-up Saturday: due the same day
    (at(22, 8, 8), None, at(22, 8, 17)),
    # received on Vietnam Cultural Day: closing of Wed 25/11
    (at(24, 11, 10), None, at(25, 11, 17)),
])
def test_zero_means_closing_of_the_day_counting_starts(calendar, unit, received, cutoff, due):
    assert calendar.add(received, 0, unit, cutoff=cutoff) == due


# ---- calendar days --------------------------------------------------------------------------------------

@pytest.mark.parametrize("received, value, cutoff, due", [
    # Fri 13/2 + 10 days = Mon 23/2, a working day: same clock time
    (at(13, 2, 9, 30), 10, None, at(23, 2, 9, 30)),
    # Mon 9/2 + 7 days = Mon 16/2 (Tết): closing of the next working day, Mon 23/2
    (at(9, 2, 9), 7, None, at(23, 2, 17)),
    # received on Sat 14/2: starts Mon 23/2 07:30, + 5 = Sat 28/2 → closing of Mon 2/3
    (at(14, 2, 10), 5, None, at(2, 3, 17)),
    # cut-off: Fri 13/2 16:00 starts Mon 23/2 07:30, + 3 = Thu 26/2 07:30
    (at(13, 2, 16), 3, CUTOFF, at(26, 2, 7, 30)),
    # Fri 14/8 + 8 = Sat 22/8, the make-up Saturday: not moved
    (at(14, 8, 10), 8, None, at(22, 8, 10)),
    # Sat 22/8 (open) + 9 = Mon 31/8, the swapped day off: closing of Thu 3/9 (1/9, 2/9 are off too)
    (at(22, 8, 9), 9, None, at(3, 9, 17)),
    # Sun 23/8 + 9 days would be 1/9, but counting starts Mon 24/8 07:30: + 9 = Wed 2/9 → closing of Thu 3/9
    (at(23, 8, 9), 9, None, at(3, 9, 17)),
    # Tue 17/11 + 7 = Tue 24/11, Vietnam Cultural Day → closing of Wed 25/11
    (at(17, 11, 8), 7, None, at(25, 11, 17)),
    # Tue 17/11 after the cut-off: starts Wed 18/11 07:30, + 7 = Wed 25/11 07:30
    (at(17, 11, 15, 1), 7, CUTOFF, at(25, 11, 7, 30)),
])
def test_calendar_days_never_fall_due_on_a_day_off(calendar, received, value, cutoff, due):
    assert calendar.add(received, value, "calendar_days", cutoff=cutoff) == due


# ---- working hours --------------------------------------------------------------------------------------

@pytest.mark.parametrize("received, value, cutoff, due", [
    # Fri 13/2 15:00: 2 h until closing, Tết and the weekends skipped, 2 h from Mon 23/2 07:30
    (at(13, 2, 15), 4, None, at(23, 2, 9, 30)),
    # 10:30 + 2 h: 1 h until 11:30, the lunch break skipped, 1 h from 13:00
    (at(13, 2, 10, 30), 2, None, at(13, 2, 14)),
    # 09:30 + 2 h ends exactly at 11:30: due at 11:30, not at 13:00
    (at(13, 2, 9, 30), 2, None, at(13, 2, 11, 30)),
    # 13:00 + 4 h = 17:00 the same day
    (at(13, 2, 13), 4, None, at(13, 2, 17)),
    # a whole working day is 8 h: 13/2 09:00 + 8 h = Mon 23/2 09:00
    (at(13, 2, 9), 8, None, at(23, 2, 9)),
    # received on Tết: starts Mon 23/2 07:30
    (at(17, 2, 10), 1, None, at(23, 2, 8, 30)),
    # after the cut-off: starts Mon 23/2 07:30
    (at(13, 2, 15, 30), 2, CUTOFF, at(23, 2, 9, 30)),
    # Fri 21/8 16:00 + 8 h: 1 h on Friday, 4 h + 3 h on the make-up Saturday 22/8
    (at(21, 8, 16), 8, None, at(22, 8, 16)),
    # Fri 28/8 14:00 + 8 h: 3 h on Friday, 31/8–2/9 off, 4 h + 1 h on Thu 3/9
    (at(28, 8, 14), 8, None, at(3, 9, 14)),
    # Mon 23/11 16:00 + 3 h: 1 h on Monday, Cultural Day skipped, 2 h from Wed 25/11 07:30
    (at(23, 11, 16), 3, None, at(25, 11, 9, 30)),
    # during lunch on Mon 23/11 + 5 h: 4 h from 13:00, Cultural Day skipped, 1 h from Wed 25/11 07:30
    (at(23, 11, 12), 5, None, at(25, 11, 8, 30)),
])
def test_working_hours_skip_lunch_nights_and_days_off(calendar, received, value, cutoff, due):
    assert calendar.add(received, value, "working_hours", cutoff=cutoff) == due


# ---- opening and days -----------------------------------------------------------------------------------

@pytest.mark.parametrize("moment, opening", [
    (at(13, 2, 10), at(13, 2, 10)),  # open: the moment itself
    (at(13, 2, 11, 30), at(13, 2, 13)),  # lunch
    (at(13, 2, 17), at(23, 2, 7, 30)),  # closing on the Friday before Tết
    (at(22, 8, 6), at(22, 8, 7, 30)),  # the make-up Saturday opens
    (at(31, 8, 10), at(3, 9, 7, 30)),  # the swapped day off, then National Day
    (at(24, 11, 23, 59), at(25, 11, 7, 30)),  # Vietnam Cultural Day
    # another offset is converted: 02:00 UTC is 09:00 in Hà Nội
    (dt.datetime(2026, 2, 13, 2, 0, tzinfo=dt.timezone.utc), at(13, 2, 9)),
])
def test_next_opening(calendar, moment, opening):
    assert calendar.next_opening(moment) == opening


def test_results_are_in_the_calendars_time_zone(calendar):
    due = calendar.add(dt.datetime(2026, 2, 13, 2, 30, tzinfo=dt.timezone.utc), 1, "working_days")
    # 02:30 UTC is 09:30 +07:00 on Fri 13/2: due Mon 23/2 09:30 +07:00
    assert due == at(23, 2, 9, 30)
    assert (due.utcoffset(), due.tzinfo.key) == (dt.timedelta(hours=7), "Asia/Ho_Chi_Minh")
    assert due.isoformat() == "2026-02-23T09:30:00+07:00"


@pytest.mark.parametrize("day, working", [
    (D(2026, 2, 13), True), (D(2026, 2, 16), False), (D(2026, 2, 20), False), (D(2026, 2, 21), False),
    (D(2026, 2, 23), True), (D(2026, 8, 22), True), (D(2026, 8, 29), False), (D(2026, 8, 31), False),
    (D(2026, 9, 1), False), (D(2026, 9, 2), False), (D(2026, 9, 3), True), (D(2026, 11, 24), False),
    (D(2025, 11, 24), True),  # Vietnam Cultural Day is a holiday from 2026 only
    (D(2025, 4, 26), True), (D(2025, 5, 2), False),  # the 2025 swap
    (D(2014, 12, 27), True),  # a make-up Saturday worked for 2/1/2015, across the year end
])
def test_is_working_day(calendar, day, working):
    assert calendar.is_working_day(day) is working


@pytest.mark.parametrize("start, end, count", [
    (D(2026, 2, 13), D(2026, 2, 23), 1),  # Tết and weekends in between
    (D(2026, 2, 23), D(2026, 2, 13), -1),  # overdue by one working day
    (D(2026, 2, 13), D(2026, 2, 13), 0),  # due today
    (D(2026, 2, 14), D(2026, 2, 22), 0),  # only days off
    (D(2026, 8, 21), D(2026, 8, 24), 2),  # Sat 22/8 (make-up) and Mon 24/8
    (D(2026, 8, 28), D(2026, 9, 3), 1),  # 31/8, 1/9, 2/9 are off
    (D(2026, 9, 3), D(2026, 8, 21), -7),  # back across the swap: 3/9, 28–24/8, the make-up 22/8
    (D(2026, 11, 20), D(2026, 11, 27), 4),  # 23, 25, 26, 27/11
])
def test_working_days_between_is_signed(calendar, start, end, count):
    assert calendar.working_days_between(start, end) == count


def test_add_working_days_is_the_inverse_of_working_days_between(calendar):
    assert calendar.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 23)
    assert calendar.add_working_days(D(2026, 8, 21), 1) == D(2026, 8, 22)
    assert calendar.add_working_days(D(2026, 2, 14), 0) == D(2026, 2, 14)
    for n in range(8):
        assert calendar.working_days_between(D(2026, 8, 20), calendar.add_working_days(D(2026, 8, 20), n)) == n


# ---- working time, for pauses ---------------------------------------------------------------------------

@pytest.mark.parametrize("start, end, hours", [
    (at(13, 2, 11), at(13, 2, 13, 30), 1),  # 30 min before lunch, 30 min after
    (at(13, 2, 12), at(13, 2, 12, 30), 0),  # inside the lunch break
    (at(13, 2, 16), at(23, 2, 8), 1.5),  # 1 h on Friday, Tết and the weekends, 30 min on Monday
    (at(14, 2, 9), at(22, 2, 9), 0),  # from a day off to a day off
    (at(28, 8, 16), at(3, 9, 8, 30), 2),  # 1 h, the swap and National Day, 1 h
    (at(21, 8, 17), at(24, 8, 7, 30), 8),  # the whole make-up Saturday
    (at(23, 11, 7, 30), at(25, 11, 7, 30), 8),  # Monday only; Cultural Day is off
    (at(23, 11, 18), at(23, 11, 20), 0),  # the night
    (at(3, 9, 8, 30), at(28, 8, 16), -2),  # reversed: negative
])
def test_working_time_between_counts_only_office_time(calendar, start, end, hours):
    assert calendar.working_time_between(start, end) == dt.timedelta(hours=hours)


def test_a_pause_moves_the_due_moment_later_by_the_paused_working_time(calendar):
    due = calendar.add(at(12, 2, 10), 3, "working_days")
    assert due == at(24, 2, 10)  # Thu 12/2: 13/2, 23/2, 24/2
    # paused Mon 23/2 16:00 → Tue 24/2 09:00: 1 h + 1 h 30 min
    paused = calendar.working_time_between(at(23, 2, 16), at(24, 2, 9))
    assert paused == dt.timedelta(hours=2, minutes=30)
    # 10:00 + 1 h 30 min reaches 11:30, the last hour from 13:00
    assert calendar.add_working_time(due, paused) == at(24, 2, 14)


@pytest.mark.parametrize("moment, amount, result", [
    (at(13, 2, 17), dt.timedelta(hours=1), at(23, 2, 8, 30)),  # from closing: the next opening first
    (at(13, 2, 17), dt.timedelta(0), at(13, 2, 17)),  # zero: the moment itself, even when closed
    (at(28, 8, 16), dt.timedelta(hours=9, minutes=30), at(4, 9, 8)),  # 1 h, all of Thu 3/9, 30 min
    (at(28, 8, 16), dt.timedelta(hours=9), at(3, 9, 17)),  # the earliest moment: closing of 3/9, not 4/9 07:30
    (at(21, 8, 16), dt.timedelta(minutes=90), at(22, 8, 8)),  # into the make-up Saturday
])
def test_add_working_time(calendar, moment, amount, result):
    assert calendar.add_working_time(moment, amount) == result


@pytest.mark.parametrize("start, end, result", [
    (at(13, 2, 9, 15), at(23, 2, 14, 5), at(23, 2, 14, 5)),
    (at(21, 8, 7), at(3, 9, 10), at(3, 9, 10)),  # from before opening
    (at(23, 11, 11, 30), at(25, 11, 13, 5), at(25, 11, 13, 5)),  # from the lunch break, across Cultural Day
    # an end at 13:00 has the same office time as 11:30: the earliest moment is returned
    (at(23, 11, 11, 30), at(25, 11, 13), at(25, 11, 11, 30)),
])
def test_adding_the_working_time_between_two_moments_reaches_the_second(calendar, start, end, result):
    assert calendar.add_working_time(start, calendar.working_time_between(start, end)) == result


# ---- overrides ------------------------------------------------------------------------------------------

def test_an_override_day_off_on_a_normal_weekday_wins():
    calendar = WorkingCalendar(overrides={D(2026, 12, 25): Override(DAY_OFF, "Thông báo 99/TB-UBND")})
    assert not calendar.is_working_day(D(2026, 12, 25))
    # Thu 24/12 + 1: Fri 25/12 is off by the notice, then the weekend → Mon 28/12
    assert calendar.add(at(24, 12, 10), 1, "working_days") == at(28, 12, 10)
    # Fri 18/12 + 7 days = Fri 25/12, off by the notice → closing of Mon 28/12
    assert calendar.add(at(18, 12, 9), 7, "calendar_days") == at(28, 12, 17)
    # Thu 24/12 16:00 + 2 h: 1 h on Thursday, 1 h from Mon 28/12 07:30
    assert calendar.add(at(24, 12, 16), 2, "working_hours") == at(28, 12, 8, 30)
    assert calendar.working_days_between(D(2026, 12, 24), D(2026, 12, 28)) == 1


def test_an_override_working_day_on_a_saturday_wins():
    calendar = WorkingCalendar(overrides={D(2026, 12, 26): Override(WORKING_DAY, "Thông báo 99/TB-UBND")})
    assert calendar.is_working_day(D(2026, 12, 26))
    # Fri 25/12 + 1: Sat 26/12 is worked by the notice
    assert calendar.add(at(25, 12, 10), 1, "working_days") == at(26, 12, 10)
    # received on that Saturday: it is open
    assert calendar.next_opening(at(26, 12, 8)) == at(26, 12, 8)
    # Fri 25/12 16:00 + 2 h: 1 h on Friday, 1 h on Saturday from 07:30
    assert calendar.add(at(25, 12, 16), 2, "working_hours") == at(26, 12, 8, 30)


def test_overrides_win_over_the_package_both_ways():
    calendar = WorkingCalendar(overrides={
        D(2026, 8, 22): Override(DAY_OFF, "Thông báo hủy làm bù"),
        D(2026, 11, 24): Override(WORKING_DAY, "Thông báo làm việc 24/11"),
    })
    # Fri 21/8 + 1: the make-up Saturday is cancelled → Mon 24/8
    assert calendar.add(at(21, 8, 10), 1, "working_days") == at(24, 8, 10)
    # Mon 23/11 + 1: Cultural Day is worked by the notice → Tue 24/11
    assert calendar.add(at(23, 11, 10), 1, "working_days") == at(24, 11, 10)
    # the default calendar is untouched: no global state
    assert WorkingCalendar().add(at(21, 8, 10), 1, "working_days") == at(22, 8, 10)


def test_the_calendar_is_a_pure_function_of_its_inputs():
    overrides = {D(2026, 12, 25): Override(DAY_OFF, "Thông báo 99/TB-UBND")}
    calendar = WorkingCalendar(overrides=overrides)
    overrides[D(2026, 12, 28)] = Override(DAY_OFF, "later change of the caller's dict")
    # the caller's later change is not seen; Mon 28/12 is still a working day
    assert calendar.add(at(24, 12, 10), 1, "working_days") == at(28, 12, 10)
    with pytest.raises(TypeError):
        calendar.overrides[D(2026, 12, 29)] = Override(DAY_OFF, "x")  # read-only


def test_office_hours_come_from_settings():
    calendar = WorkingCalendar(office_hours=((dt.time(8), dt.time(12)), (dt.time(13, 30), dt.time(17, 30))))
    # 17:15 is open under these hours: Fri 13/2 + 1 → Mon 23/2 17:15
    assert calendar.add(at(13, 2, 17, 15), 1, "working_days") == at(23, 2, 17, 15)
    # Fri 13/2 16:30 + 2 h: 1 h until 17:30, then 1 h from Mon 23/2 08:00
    assert calendar.add(at(13, 2, 16, 30), 2, "working_hours") == at(23, 2, 9)
    assert calendar.add(at(13, 2, 10), 0, "working_days") == at(13, 2, 17, 30)


# ---- year listing ---------------------------------------------------------------------------------------

def test_special_days_list_the_package_and_the_overrides_of_a_year():
    calendar = WorkingCalendar(overrides={D(2026, 9, 2): Override(WORKING_DAY, "TB 1"),
                                          D(2027, 1, 4): Override(DAY_OFF, "TB 2")})
    days = calendar.special_days(2026)
    assert [(d.day.isoformat(), d.kind) for d in days] == [
        ("2026-01-01", "holiday"), ("2026-02-16", "holiday"), ("2026-02-17", "holiday"),
        ("2026-02-18", "holiday"), ("2026-02-19", "holiday"), ("2026-02-20", "holiday"),
        ("2026-04-26", "holiday"), ("2026-04-27", "holiday"), ("2026-04-30", "holiday"),
        ("2026-05-01", "holiday"), ("2026-08-22", "make_up_day"), ("2026-08-31", "holiday"),
        ("2026-09-01", "holiday"), ("2026-09-02", "holiday"), ("2026-09-02", "working_day"),
        ("2026-11-24", "holiday"),
    ]
    assert days[10] == SpecialDay(D(2026, 8, 22), "make_up_day", "Ngày làm bù cho ngày nghỉ 31/08/2026")
    assert days[11].name == "Ngày nghỉ (thay cho ngày 22/08/2026)"
    assert days[15].name == "Ngày Văn hóa Việt Nam"


# ---- errors ---------------------------------------------------------------------------------------------

def test_a_naive_datetime_is_refused(calendar):
    with pytest.raises(CalendarError, match="naive datetime 2026-02-13T09:30:00"):
        calendar.add(dt.datetime(2026, 2, 13, 9, 30), 1, "working_days")
    with pytest.raises(ValueError):  # CalendarError is a ValueError
        calendar.working_time_between(dt.datetime(2026, 2, 13, 9), at(13, 2, 10))


@pytest.mark.parametrize("value, unit, message", [
    (-1, "working_days", "must not be negative"),
    (1.5, "working_hours", "whole number"),
    (True, "working_days", "whole number"),
    (1, "months", "unknown unit 'months'"),
])
def test_a_bad_processing_time_is_refused(calendar, value, unit, message):
    with pytest.raises(CalendarError, match=message):
        calendar.add(at(13, 2, 10), value, unit)


def test_other_bad_inputs_are_refused(calendar):
    with pytest.raises(CalendarError, match="must not be negative"):
        calendar.add_working_time(at(13, 2, 10), dt.timedelta(minutes=-1))
    with pytest.raises(CalendarError, match="not a datetime"):
        calendar.is_working_day(at(13, 2, 10))
    with pytest.raises(CalendarError, match="cut-off"):
        calendar.add(at(13, 2, 10), 1, "working_days", cutoff="15:00")
    with pytest.raises(CalendarError, match="must not overlap"):
        WorkingCalendar(office_hours=((dt.time(7), dt.time(12)), (dt.time(11), dt.time(17))))
    with pytest.raises(CalendarError, match="unknown time zone"):
        WorkingCalendar(timezone="Asia/Hanoi_City")
    with pytest.raises(CalendarError, match="Loại ghi đè"):
        Override("holiday", "TB 1")
    with pytest.raises(CalendarError, match="văn bản nguồn"):
        Override(DAY_OFF, "  ")
