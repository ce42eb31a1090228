"""The daily schedule of the digest (the *when*; the *what* is ``config.digest``), with APScheduler 3.

One scheduler per province: ``tthc scheduler`` (``BlockingScheduler``, its own process) or, for the embedded
single-process set-up only, ``tthc serve --scheduler`` (``BackgroundScheduler``). Never from ``create_app``
or a WSGI worker: APScheduler 3's job stores cannot be shared, and every worker would send. Even so, the
claims of ``tracker.deliveries`` keep a second scheduler from sending twice.

The trigger fires at the configured time (Asia/Ho_Chi_Minh) on working days of the tracker's calendar,
read again at each computation, so an override recorded today (a make-up Saturday, an extra day off)
counts. Started after that time on a working day and before the office closes, the scheduler sends the
day's digest at once (catch-up); the claims make it a no-op when it was already sent. [choice: no catch-up
after closing time, when a morning list is no use]
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger

from config.digest import run_digest, today
from config.digest_settings import DigestSettings, load_digest_settings
from config.services import Services, build_services
from config.settings import Settings, SettingsError
from tracker.calendar import MAX_DAYS_WITHOUT_WORK, WorkingCalendar

log = logging.getLogger(__name__)

JOB_ID = "daily-digest"
MISFIRE_GRACE = 6 * 3600  # seconds: a run delayed (machine asleep, long pause) still goes out that morning


class WorkingDayTrigger(BaseTrigger):
    """Fires at ``at`` (local time of ``timezone``) on each working day of ``calendar()``."""

    def __init__(self, calendar: Callable[[], WorkingCalendar], at: dt.time, timezone: ZoneInfo) -> None:
        self.calendar, self.at, self.timezone = calendar, at, timezone

    def get_next_fire_time(self, previous_fire_time: dt.datetime | None, now: dt.datetime) -> dt.datetime:
        """The first working-day moment at ``at`` not before ``now`` and after ``previous_fire_time``."""
        start = now if previous_fire_time is None else max(now, previous_fire_time + dt.timedelta(microseconds=1))
        start = start.astimezone(self.timezone)
        day = start.date()
        if dt.datetime.combine(day, self.at, self.timezone) < start:
            day += dt.timedelta(days=1)
        calendar = self.calendar()
        for _ in range(MAX_DAYS_WITHOUT_WORK):
            if calendar.is_working_day(day):
                return dt.datetime.combine(day, self.at, self.timezone)
            day += dt.timedelta(days=1)
        raise SettingsError(f"no working day within {MAX_DAYS_WITHOUT_WORK} days after {start:%d/%m/%Y}")

    def __str__(self) -> str:
        return f"working days at {self.at:%H:%M}"

    def __repr__(self) -> str:
        return f"<WorkingDayTrigger at={self.at:%H:%M} timezone={self.timezone.key!r}>"


def missed_today(calendar: WorkingCalendar, at: dt.time, now: dt.datetime) -> bool:
    """True when ``now`` is on a working day, at or after ``at`` and before the office closes."""
    return calendar.is_working_day(now.date()) and at <= now.timetz().replace(tzinfo=None) < calendar.closing_time


def daily_digest(services: Services, digest: DigestSettings, on: dt.date | None = None) -> None:
    """The job: the digest of ``on`` (today) to every group; outcomes go to the log, and nothing raised stops
    the scheduler."""
    try:
        on = on or today(services)
        for outcome in run_digest(services, digest, on, actor="scheduler"):
            level = logging.ERROR if outcome.state in ("failed", "unknown") else logging.INFO
            log.log(level, "digest %s: %s", on, outcome.line)
    except Exception:
        log.exception("the daily digest did not run")


def schedule(scheduler: BaseScheduler, services: Services, digest: DigestSettings,
             now: dt.datetime | None = None) -> bool:
    """Add the daily job to ``scheduler``, and a catch-up run now when today's time has passed; return
    whether a catch-up was added."""
    tz = services.settings.tz
    scheduler.add_job(daily_digest, WorkingDayTrigger(services.calendar, digest.time, tz), args=(services, digest),
                      id=JOB_ID, coalesce=True, max_instances=1, misfire_grace_time=MISFIRE_GRACE,
                      replace_existing=True)
    now = (now or dt.datetime.now(tz)).astimezone(tz)
    if not missed_today(services.calendar(), digest.time, now):
        return False
    log.info("started after %s on a working day: sending today's digest now", digest.time.strftime("%H:%M"))
    scheduler.add_job(daily_digest, "date", args=(services, digest, now.date()), id=f"{JOB_ID}-catch-up",
                      misfire_grace_time=MISFIRE_GRACE)  # no run date: at once
    return True


def checked_digest(services: Services) -> DigestSettings:
    """The digest file, checked; refuses (``SettingsError``) to schedule nothing."""
    digest = load_digest_settings(services.settings, services.agencies)
    if not digest.groups:
        raise SettingsError(f"no digest groups configured (TTHC_DIGEST_CONFIG or {services.settings.instance_path / 'digest.toml'})")
    return digest


def run_blocking(settings: Settings) -> None:
    """``tthc scheduler``: run the schedule in the foreground until interrupted."""
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    services = build_services(settings)
    try:
        digest = checked_digest(services)
        scheduler = BlockingScheduler(timezone=settings.tz)
        schedule(scheduler, services, digest)
        log.info("digest scheduler started: %s", scheduler.get_job(JOB_ID).trigger)
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            pass
    finally:
        services.close()


def start_background(services: Services) -> BackgroundScheduler:
    """``tthc serve --scheduler``: start the schedule on a background thread of this (single) process."""
    digest = checked_digest(services)
    scheduler = BackgroundScheduler(timezone=services.settings.tz)
    schedule(scheduler, services, digest)
    scheduler.start()
    log.info("digest scheduler started in-process: %s", scheduler.get_job(JOB_ID).trigger)
    return scheduler
