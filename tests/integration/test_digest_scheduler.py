"""A scheduler started late on a working day sends that day's missed digest at once, exactly once, even
when it is restarted; one started before the time only schedules. Real APScheduler, real database."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.schedulers.background import BackgroundScheduler

from config.digest_settings import load_digest_settings
from config.scheduler import JOB_ID, schedule
from config.services import build_services
from config.settings import Settings
from tests.integration.tracker_scenario import build_province
from tracker.deliveries import DeliveryLog

VN = ZoneInfo("Asia/Ho_Chi_Minh")
LATE = dt.datetime(2026, 11, 11, 9, 40, tzinfo=VN)  # Wednesday, after 07:30
FILE = """
[channels.outbox]
kind = "outbox"
path = "outbox"
[[groups]]
name = "tinh"
agencies = ["G09"]
channels = ["outbox"]
"""


@pytest.fixture
def province(database_url, tmp_path):
    services = build_services(Settings(instance_path=tmp_path, database_url=database_url))
    build_province(services)
    (tmp_path / "digest.toml").write_text(FILE, encoding="utf-8")
    yield services, load_digest_settings(services.settings, services.agencies, environ={})
    services.close()


def start_and_wait_for_catch_up(services, digest, now):
    """Start a scheduler as ``tthc scheduler`` would at ``now``; wait for the catch-up run, then stop."""
    done = threading.Event()
    scheduler = BackgroundScheduler(timezone=VN)
    scheduler.add_listener(lambda event: done.set() if event.job_id == f"{JOB_ID}-catch-up" else None,
                           EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    caught_up = schedule(scheduler, services, digest, now=now)
    scheduler.start()
    try:
        if caught_up:
            assert done.wait(30), "the catch-up run did not finish within 30 s"
        return caught_up, scheduler.get_job(JOB_ID).next_run_time
    finally:
        scheduler.shutdown(wait=True)


def test_a_late_start_sends_the_missed_digest_once_even_across_a_restart(province, tmp_path):
    services, digest = province

    first = start_and_wait_for_catch_up(services, digest, LATE)
    again = start_and_wait_for_catch_up(services, digest, LATE + dt.timedelta(minutes=5))

    assert first[0] is True and again[0] is True
    assert [f.name for f in (tmp_path / "outbox").iterdir()] == ["2026-11-11_tinh_outbox_0_1-of-1.txt"]
    [row] = DeliveryLog(services.projector.engine).rows(dt.date(2026, 11, 11))
    assert (row["state"], row["requested_by"], row["attempts"]) == ("sent", "scheduler", 1)


def test_a_start_before_the_time_only_schedules_the_day(province, tmp_path):
    services, digest = province

    caught_up, _ = start_and_wait_for_catch_up(services, digest, dt.datetime(2026, 11, 11, 6, 0, tzinfo=VN))

    assert caught_up is False and not (tmp_path / "outbox").exists()
