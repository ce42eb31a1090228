"""When the digest fires: the working-day trigger's next fire times over Tết 2026, the National Day week
(with the make-up Saturday 22/8/2026) and local overrides recorded while the scheduler runs; and when a
late start catches up. No scheduler is started and nothing sleeps."""

import datetime as dt
from zoneinfo import ZoneInfo

from config.scheduler import WorkingDayTrigger, missed_today
from tracker.calendar import DAY_OFF, WORKING_DAY, Override, WorkingCalendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")
AT = dt.time(7, 30)


def moment(month, day, hour=7, minute=30, year=2026):
    return dt.datetime(year, month, day, hour, minute, tzinfo=VN)


def fire_times(trigger, now, count):
    """The first ``count`` fire times from ``now``, each computed as APScheduler does after a run."""
    times = [trigger.get_next_fire_time(None, now)]
    while len(times) < count:
        times.append(trigger.get_next_fire_time(times[-1], times[-1]))
    return times


def test_the_trigger_skips_the_tet_holiday_week_and_the_weekends_around_it():
    trigger = WorkingDayTrigger(WorkingCalendar, AT, VN)

    assert fire_times(trigger, moment(2, 12, 9), 4) == [moment(2, 13), moment(2, 23), moment(2, 24), moment(2, 25)]


def test_the_trigger_fires_on_the_make_up_saturday_and_skips_the_national_day_holidays():
    trigger = WorkingDayTrigger(WorkingCalendar, AT, VN)

    assert fire_times(trigger, moment(8, 21, 8), 5) == [moment(8, 22), moment(8, 24), moment(8, 25), moment(8, 26),
                                                        moment(8, 27)]
    assert fire_times(trigger, moment(8, 28, 7, 29), 3) == [moment(8, 28), moment(9, 3), moment(9, 4)]


def test_the_trigger_reads_the_calendar_again_so_an_override_recorded_meanwhile_counts():
    overrides = {}
    trigger = WorkingDayTrigger(lambda: WorkingCalendar(overrides=overrides), AT, VN)
    assert trigger.get_next_fire_time(moment(9, 4), moment(9, 4)) == moment(9, 7)

    overrides[dt.date(2026, 9, 5)] = Override(WORKING_DAY, "Thông báo 99/TB-UBND (làm bù)")
    overrides[dt.date(2026, 9, 7)] = Override(DAY_OFF, "Thông báo 98/TB-UBND")

    assert fire_times(trigger, moment(9, 4, 8), 2) == [moment(9, 5), moment(9, 8)]


def test_a_fire_time_is_at_the_configured_local_time_whatever_the_zone_of_now():
    trigger = WorkingDayTrigger(WorkingCalendar, dt.time(6, 45), VN)

    assert trigger.get_next_fire_time(None, dt.datetime(2026, 11, 22, 23, 0, tzinfo=dt.UTC)) == moment(11, 23, 6, 45)
    assert trigger.get_next_fire_time(None, moment(11, 23, 6, 45)) == moment(11, 23, 6, 45)


def test_a_late_start_catches_up_only_on_a_working_day_after_the_time_and_before_closing():
    calendar = WorkingCalendar()

    assert missed_today(calendar, AT, moment(11, 23, 9)) is True
    assert missed_today(calendar, AT, moment(11, 23, 7, 30)) is True
    assert missed_today(calendar, AT, moment(11, 23, 7, 29)) is False  # the trigger will fire at 07:30
    assert missed_today(calendar, AT, moment(11, 23, 17)) is False  # the office has closed
    assert missed_today(calendar, AT, moment(11, 24, 9)) is False  # Ngày Văn hóa Việt Nam, a holiday
    assert missed_today(calendar, AT, moment(8, 22, 9)) is True  # the make-up Saturday
