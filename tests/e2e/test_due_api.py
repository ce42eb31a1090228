"""End to end: ``GET /api/dossiers/due``, the near-deadline list (api.md → Tracker), on the scenario's province.

Only dossiers whose clock ran at the end of ``as_of`` are listed: ``overdue`` when their due date is before
``as_of``, ``due`` when it is at most ``within`` working days after it; both sorted by due moment. ``paused``
counts those waiting on the applicant or another authority. Due moments are those worked out in
``tests/e2e/dossier_scenario.py``; states are as they stood at the end of ``as_of``.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import STORES
from tests.e2e.dossier_scenario import (
    BY_CODE,
    CAM_LAM,
    NHA_TRANG,
    OPEN_NOW,
    TRUNG_TAM,
    scenario_client,
)
from tracker.calendar import WorkingCalendar

CALENDAR = WorkingCalendar()
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(scope="module", params=STORES)
def scenario(request, tmp_path_factory):
    """A test client on the whole scenario, recorded once per store for this module's read-only tests."""
    with scenario_client(request.param, tmp_path_factory.mktemp("scenario")) as client:
        yield client


def item(code: str, working_days_left: int, state: str) -> dict:
    """The near-due list's item for dossier ``code`` of the scenario."""
    planned = BY_CODE[code]
    return {"code": code, "procedure_code": planned.procedure.code, "procedure_name": planned.procedure.name,
            "agency": {"code": planned.agency.code, "name": planned.agency.name}, "level": planned.agency.level,
            "due_at": planned.due_at, "working_days_left": working_days_left, "state": state}


def due(client, **params) -> dict:
    response = client.get("/api/dossiers/due", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# End of 20/10/2026 (MONTH's last day, a Tuesday). Running: KH-05 (processing, due Mon 5/10 17:00: overdue by
# 5–9, 12–16, 19/10 = 11 working days), KH-09 (received, due 20/10 10:00: today), KH-16 (resumed on 19/10, due
# 21/10 09:00: 1), KH-10 (processing, due 22/10 09:00: 2). Paused: KH-13 (awaiting payment), KH-14
# (suspended), KH-15 (awaiting a supplement), KH-28 (suspended).
OVERDUE_KH05 = item("KH-05", -11, "processing")
DUE_KH09, DUE_KH16, DUE_KH10 = item("KH-09", 0, "received"), item("KH-16", 1, "processing"), \
    item("KH-10", 2, "processing")


def test_overdue_and_due_dossiers_are_listed_by_due_moment_with_their_working_days_left(scenario):
    assert due(scenario, as_of="2026-10-20", within=2) == {
        "as_of": "2026-10-20", "within": 2, "overdue": [OVERDUE_KH05], "due": [DUE_KH09, DUE_KH16, DUE_KH10],
        "paused": 4}


def test_within_defaults_to_two_working_days(scenario):
    assert due(scenario, as_of="2026-10-20") == due(scenario, as_of="2026-10-20", within=2)


def test_within_zero_lists_only_what_falls_due_on_as_of(scenario):
    assert due(scenario, as_of="2026-10-20", within=0) == {
        "as_of": "2026-10-20", "within": 0, "overdue": [OVERDUE_KH05], "due": [DUE_KH09], "paused": 4}
    assert due(scenario, as_of="2026-10-20", within=1)["due"] == [DUE_KH09, DUE_KH16]


@pytest.mark.parametrize("agency", [CAM_LAM.code, CAM_LAM.name])
def test_the_agency_filter_takes_a_code_or_the_exact_name(scenario, agency):
    assert due(scenario, as_of="2026-10-20", agency=agency) == {
        "as_of": "2026-10-20", "within": 2, "overdue": [], "due": [DUE_KH09, DUE_KH16, DUE_KH10], "paused": 0}


def test_the_agency_filter_counts_its_own_paused_dossiers(scenario):
    # Nha Trang at the end of 20/10: KH-14 suspended, KH-15 awaiting a supplement; nothing running
    assert due(scenario, as_of="2026-10-20", agency=NHA_TRANG.code) == {
        "as_of": "2026-10-20", "within": 2, "overdue": [], "due": [], "paused": 2}
    # the centre: KH-05 overdue; KH-13 awaiting payment and KH-28 suspended
    assert due(scenario, as_of="2026-10-20", agency=TRUNG_TAM.name) == {
        "as_of": "2026-10-20", "within": 2, "overdue": [OVERDUE_KH05], "due": [], "paused": 2}


def test_the_level_filter(scenario):
    assert due(scenario, as_of="2026-10-20", level="province") == {
        "as_of": "2026-10-20", "within": 2, "overdue": [OVERDUE_KH05], "due": [], "paused": 2}
    assert due(scenario, as_of="2026-10-20", level="commune") == {
        "as_of": "2026-10-20", "within": 2, "overdue": [], "due": [DUE_KH09, DUE_KH16, DUE_KH10], "paused": 2}
    assert due(scenario, as_of="2026-10-20", level="district") == {
        "as_of": "2026-10-20", "within": 2, "overdue": [], "due": [], "paused": 0}


def test_a_past_as_of_lists_dossiers_as_they_stood_at_the_end_of_that_day(scenario):
    # End of Mon 14/9: KH-27 (due that morning, resolved on 15/9) and KH-03 (transferred, due Wed 16/9,
    # resolved 24/9) were running; KH-02 (due 17/9) falls beyond 15, 16/9. KH-04 awaited a supplement and
    # KH-28 was suspended.
    assert due(scenario, as_of="2026-09-14", within=2) == {
        "as_of": "2026-09-14", "within": 2, "overdue": [],
        "due": [item("KH-27", 0, "processing"), item("KH-03", 2, "processing")], "paused": 2}
    # End of Tue 22/9: KH-03 overdue by 16, 17, 18, 21/9; KH-06 (received 21/9 after the cut-off) due 23/9
    # 07:30. KH-04 was running again from 22/9 (due 6/10, beyond 23/9); only KH-28 was paused. KH-07,
    # received and resolved on 22/9, never ended a day open.
    assert due(scenario, as_of="2026-09-22", within=1) == {
        "as_of": "2026-09-22", "within": 1, "overdue": [item("KH-03", -4, "processing")],
        "due": [item("KH-06", 1, "received")], "paused": 1}


def test_a_dossier_paused_that_day_counts_as_paused_and_one_resumed_as_running(scenario):
    # End of Thu 15/10: KH-16 suspended that morning; KH-09 received that day (due 20/10, 3 working days on)
    assert due(scenario, as_of="2026-10-15", within=3, agency=CAM_LAM.code) == {
        "as_of": "2026-10-15", "within": 3, "overdue": [], "due": [item("KH-09", 3, "received")], "paused": 1}
    # End of Mon 19/10: KH-16 resumed at 09:00, now due 21/10 09:00
    assert due(scenario, as_of="2026-10-19", within=2, agency=CAM_LAM.code) == {
        "as_of": "2026-10-19", "within": 2, "overdue": [],
        "due": [item("KH-09", 1, "received"), item("KH-16", 2, "processing")], "paused": 0}


def test_an_as_of_during_tet_counts_overdue_days_up_to_the_last_working_day(scenario):
    # Wed 18/2/2026 is Mùng hai Tết. KH-32 fell due on Fri 13/2, the last working day before Tết: overdue by
    # one working day. KH-33 is due on Mon 23/2, the first working day after: 1. Both since resolved.
    assert due(scenario, as_of="2026-02-18", within=1) == {
        "as_of": "2026-02-18", "within": 1, "overdue": [item("KH-32", -1, "processing")],
        "due": [item("KH-33", 1, "received")], "paused": 0}
    # nothing falls due on a day off
    assert due(scenario, as_of="2026-02-18", within=0)["due"] == []


def test_an_as_of_on_a_public_holiday_lists_what_will_be_open_then(scenario):
    # Tue 24/11/2026, Ngày Văn hóa Việt Nam, is off. Overdue days count the working days from the due date
    # to Mon 23/11: KH-05 from 5/10 (5 + 5 + 5 + 5 in October, 5 + 5 + 5 + 1 in November), KH-09 from 20/10,
    # KH-17 from 26/10, KH-13 from 2/11, KH-30 due on 23/11 itself. KH-31 is due Wed 25/11.
    assert due(scenario, as_of="2026-11-24", within=2) == {
        "as_of": "2026-11-24", "within": 2,
        "overdue": [item("KH-05", -36, "processing"), item("KH-09", -25, "received"),
                    item("KH-17", -21, "received"), item("KH-13", -16, "processing"),
                    item("KH-30", -1, "received")],
        "due": [item("KH-31", 1, "received")], "paused": 3}
    assert due(scenario, as_of="2026-11-24", within=2, level="province") == {
        "as_of": "2026-11-24", "within": 2,
        "overdue": [item("KH-05", -36, "processing"), item("KH-13", -16, "processing")], "due": [], "paused": 1}


def test_as_of_defaults_to_today(scenario):
    today = dt.datetime.now(VIETNAM).date()
    limit = CALENDAR.add_working_days(today, 2)
    running = sorted((BY_CODE[code].due_at, code) for code, state in OPEN_NOW.items()
                     if state in ("received", "processing"))

    def left(due_on: dt.date) -> int:  # negative when overdue, even on a day off
        if due_on < today:
            return -CALENDAR.working_days_between(due_on - dt.timedelta(days=1), today - dt.timedelta(days=1))
        return CALENDAR.working_days_between(today, due_on)

    def listed(code: str) -> dict:
        return item(code, left(dt.date.fromisoformat(BY_CODE[code].due_at[:10])), OPEN_NOW[code])

    body = due(scenario)

    assert body == {
        "as_of": today.isoformat(), "within": 2,
        "overdue": [listed(code) for due_at, code in running if dt.date.fromisoformat(due_at[:10]) < today],
        "due": [listed(code) for due_at, code in running if today <= dt.date.fromisoformat(due_at[:10]) <= limit],
        "paused": 3}
    assert all(i["working_days_left"] < 0 for i in body["overdue"])


def test_bad_parameters_are_422(scenario):
    response = scenario.get("/api/dossiers/due", query_string={"within": -1, "level": "ward", "as_of": "24/11"})

    body = response.get_json()
    assert (response.status_code, body["reason"], sorted(body["errors"])) == (
        422, "validation_failed", ["as_of", "level", "within"])
    assert scenario.get("/api/dossiers/due", query_string={"within": 61}).status_code == 422


def test_an_unknown_agency_is_422_and_a_closed_one_is_still_found_by_its_code(scenario):
    unknown = scenario.get("/api/dossiers/due", query_string={"as_of": "2026-10-20", "agency": "G77"})
    closed = scenario.get("/api/dossiers/due", query_string={"as_of": "2026-10-20", "agency": "G09.20"})

    assert (unknown.status_code, unknown.get_json()["reason"], unknown.get_json()["errors"]) == (
        422, "unknown_agency", {"agency": ["Không có đơn vị “G77” có hiệu lực vào ngày 20/10/2026."]})
    # a closed unit may still have open dossiers: its code keeps answering
    assert (closed.status_code, closed.get_json()["overdue"], closed.get_json()["due"]) == (200, [], [])
