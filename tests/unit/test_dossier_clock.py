"""The dossier clock through the real Tracker on the in-memory store: due moments at receipt, pauses, a
supplement that restarts the clock, the 15:00 cut-off, apology slips, resolution outcomes and rule versions,
pinned across Tết 2026, the make-up Saturday 22/8/2026, National Day 2/9 and Vietnam Cultural Day 24/11/2026.

2026 (holidays 0.109): Tết Mon 16/2 – Fri 20/2; Sat 22/8 worked for Mon 31/8 off; Quốc khánh Tue 1/9 and
Wed 2/9; Ngày Văn hóa Việt Nam Tue 24/11. Office hours 07:30–11:30 and 13:00–17:00 (8 h a day). Every
expected value is counted by hand from the rules in ``tracker/calendar.py``; the comment shows the count.
"""

import datetime as dt

import pytest

from tests.unit.tracker_fakes import (
    Agencies,
    Agency,
    Procedures,
    at,
    procedure,
    tracker_with,
)

PLAIN = "1.000001"  # 3 working days, no cut-off
CUTOFF = "1.000002"  # 3 working days, received after 15:00 counts from the next working day
RESTARTS = "1.000003"  # 3 working days, a supplement restarts the full time
RESTARTS_CUTOFF = "1.000004"  # both
UTC = dt.UTC


@pytest.fixture
def tracker():
    procedures = Procedures(dict([
        procedure(PLAIN), procedure(CUTOFF, cutoff=dt.time(15, 0)), procedure(RESTARTS, restarts=True),
        procedure(RESTARTS_CUTOFF, cutoff=dt.time(15, 0), restarts=True),
    ]))
    return tracker_with(procedures, Agencies([Agency("G09.20", "UBND phường Lộc Thọ", "commune")]))


def receive(tracker, received_at, procedure_code=PLAIN, processing_time=None, code="G09.20-TEST-1"):
    return tracker.receive_dossier(code=code, procedure_code=procedure_code, agency="G09.20", channel="in_person",
                                   received_at=received_at, actor="mot-cua", processing_time=processing_time)


def step(tracker, type, moment, code="G09.20-TEST-1", **fields):
    return tracker.log_step(code, {"type": type, "at": moment, **fields}, actor="chuyen-vien")


def days(value, unit="working_days"):
    return {"value": value, "unit": unit}


# ---- due moment at receipt ------------------------------------------------------------------------------

@pytest.mark.parametrize("code, received_at, processing_time, due_at", [
    # -- Tết 16–20/2/2026
    # Fri 13/2 09:30 → Mon 23/2 (Tết 16–20), Tue 24, Wed 25
    (PLAIN, at(13, 2, 9, 30), days(3), "2026-02-25T09:30:00+07:00"),
    # cut-off, Fri 13/2 15:30 → starts Mon 23/2 07:30 → Tue 24, Wed 25, Thu 26
    (CUTOFF, at(13, 2, 15, 30), days(3), "2026-02-26T07:30:00+07:00"),
    # cut-off, Fri 13/2 15:00:00 is not after it → Mon 23, Tue 24, Wed 25 at 15:00
    (CUTOFF, at(13, 2, 15), days(3), "2026-02-25T15:00:00+07:00"),
    # cut-off, Fri 13/2 15:00:01 is after it → starts Mon 23/2 07:30 → Tue 24, Wed 25, Thu 26
    (CUTOFF, at(13, 2, 15, 0, 1), days(3), "2026-02-26T07:30:00+07:00"),
    # received on Tết (Wed 18/2) → starts Mon 23/2 07:30 → Tue 24, Wed 25, Thu 26
    (PLAIN, at(18, 2, 10), days(3), "2026-02-26T07:30:00+07:00"),
    # Thu 12/2 15:30 + 10 days = Sun 22/2 → closing of the next working day, Mon 23/2
    (PLAIN, at(12, 2, 15, 30), days(10, "calendar_days"), "2026-02-23T17:00:00+07:00"),
    # cut-off, Thu 12/2 15:30 → starts Fri 13/2 07:30, + 10 days = Mon 23/2, a working day
    (CUTOFF, at(12, 2, 15, 30), days(10, "calendar_days"), "2026-02-23T07:30:00+07:00"),
    # Wed 11/2 10:00 + 5 days = Mon 16/2 (Tết) → closing of Mon 23/2
    (PLAIN, at(11, 2, 10), days(5, "calendar_days"), "2026-02-23T17:00:00+07:00"),
    # Fri 13/2 14:00 + 8 h: 3 h on Fri, Tết skipped, 4 h + 1 h on Mon 23/2
    (PLAIN, at(13, 2, 14), days(8, "working_hours"), "2026-02-23T14:00:00+07:00"),
    # cut-off, Fri 13/2 15:30 → starts Mon 23/2 07:30, 4 h + 4 h end exactly at closing
    (CUTOFF, at(13, 2, 15, 30), days(8, "working_hours"), "2026-02-23T17:00:00+07:00"),
    # trong ngày after the cut-off, Fri 13/2 16:00 → closing of Mon 23/2 (after Tết)
    (CUTOFF, at(13, 2, 16), days(0), "2026-02-23T17:00:00+07:00"),
    # -- the make-up Saturday 22/8/2026
    # Thu 20/8 10:00 → Fri 21, Sat 22 (make-up), Mon 24
    (PLAIN, at(20, 8, 10), days(3), "2026-08-24T10:00:00+07:00"),
    # cut-off, Fri 21/8 16:00 → starts Sat 22/8 07:30 (make-up) → Mon 24, Tue 25, Wed 26
    (CUTOFF, at(21, 8, 16), days(3), "2026-08-26T07:30:00+07:00"),
    # Sat 22/8 09:00 (open) + 7 days = Sat 29/8 → Mon 31/8, Tue 1/9, Wed 2/9 off → closing of Thu 3/9
    (PLAIN, at(22, 8, 9), days(7, "calendar_days"), "2026-09-03T17:00:00+07:00"),
    # Fri 14/8 10:00 + 8 days = Sat 22/8, the make-up Saturday → same clock time
    (PLAIN, at(14, 8, 10), days(8, "calendar_days"), "2026-08-22T10:00:00+07:00"),
    # Fri 21/8 15:00 + 6 h: 2 h on Fri, 4 h on Sat 22/8 07:30–11:30
    (PLAIN, at(21, 8, 15), days(6, "working_hours"), "2026-08-22T11:30:00+07:00"),
    # cut-off, Fri 21/8 15:30 → starts Sat 22/8 07:30 + 6 h: 4 h, lunch, 2 h
    (CUTOFF, at(21, 8, 15, 30), days(6, "working_hours"), "2026-08-22T15:00:00+07:00"),
    # -- Quốc khánh 2/9/2026 (and the swapped Mon 31/8, Tue 1/9)
    # Fri 28/8 11:00 → Thu 3/9 (31/8, 1/9, 2/9 off), Fri 4/9
    (PLAIN, at(28, 8, 11), days(2), "2026-09-04T11:00:00+07:00"),
    # cut-off, Fri 28/8 15:01 → starts Thu 3/9 07:30 → Fri 4, Mon 7
    (CUTOFF, at(28, 8, 15, 1), days(2), "2026-09-07T07:30:00+07:00"),
    # Fri 28/8 10:00 + 3 days = Mon 31/8 (off) → closing of Thu 3/9
    (PLAIN, at(28, 8, 10), days(3, "calendar_days"), "2026-09-03T17:00:00+07:00"),
    # cut-off, Fri 28/8 16:00 → starts Thu 3/9 07:30, + 3 days = Sun 6/9 → closing of Mon 7/9
    (CUTOFF, at(28, 8, 16), days(3, "calendar_days"), "2026-09-07T17:00:00+07:00"),
    # Fri 28/8 13:00 + 16 h: 4 h on Fri, 8 h on Thu 3/9, 4 h on Fri 4/9 07:30–11:30
    (PLAIN, at(28, 8, 13), days(16, "working_hours"), "2026-09-04T11:30:00+07:00"),
    # cut-off, Fri 28/8 15:00:00 is not after it: 2 h on Fri, 8 h on Thu 3/9, 4 h + 2 h on Fri 4/9
    (CUTOFF, at(28, 8, 15), days(16, "working_hours"), "2026-09-04T15:00:00+07:00"),
    # -- Ngày Văn hóa Việt Nam 24/11/2026
    # Mon 23/11 09:00 → Wed 25 (24/11 off), Thu 26, Fri 27, Mon 30, Tue 1/12
    (PLAIN, at(23, 11, 9), days(5), "2026-12-01T09:00:00+07:00"),
    # cut-off, Mon 23/11 16:00 → starts Wed 25/11 07:30 → Thu 26, Fri 27, Mon 30, Tue 1/12, Wed 2/12
    (CUTOFF, at(23, 11, 16), days(5), "2026-12-02T07:30:00+07:00"),
    # Mon 23/11 10:00 + 1 day = Tue 24/11 (off) → closing of Wed 25/11
    (PLAIN, at(23, 11, 10), days(1, "calendar_days"), "2026-11-25T17:00:00+07:00"),
    # cut-off, Mon 23/11 15:30 → starts Wed 25/11 07:30, + 1 day = Thu 26/11
    (CUTOFF, at(23, 11, 15, 30), days(1, "calendar_days"), "2026-11-26T07:30:00+07:00"),
    # Mon 23/11 15:00 + 4 h: 2 h on Mon, 24/11 off, 2 h on Wed 25/11
    (PLAIN, at(23, 11, 15), days(4, "working_hours"), "2026-11-25T09:30:00+07:00"),
    # cut-off, Mon 23/11 15:00:00 is not after it: same as without
    (CUTOFF, at(23, 11, 15), days(4, "working_hours"), "2026-11-25T09:30:00+07:00"),
    # cut-off, Mon 23/11 15:30 → starts Wed 25/11 07:30 + 4 h
    (CUTOFF, at(23, 11, 15, 30), days(4, "working_hours"), "2026-11-25T11:30:00+07:00"),
])
def test_receipt_computes_the_due_moment_across_the_2026_holidays(tracker, code, received_at, processing_time,
                                                                   due_at):
    dossier = receive(tracker, received_at, code, processing_time)
    assert (dossier.due_at.isoformat(), dossier.appointment_at.isoformat()) == (due_at, due_at)
    assert (dossier.state, dossier.status_code) == ("received", 2)


def test_the_procedures_processing_time_applies_when_the_receipt_gives_none(tracker):
    dossier = receive(tracker, at(13, 2, 9, 30))
    # 3 working days from the catalog: Fri 13/2 → Mon 23/2 (Tết 16–20), Tue 24, Wed 25
    assert (dossier.processing_time, dossier.due_at.isoformat()) == (days(3), "2026-02-25T09:30:00+07:00")


def test_the_receipts_processing_time_overrides_the_procedures(tracker):
    dossier = receive(tracker, at(13, 2, 9, 30), processing_time=days(1))
    # 1 working day instead of 3: Fri 13/2 → Mon 23/2 (Tết 16–20)
    assert (dossier.processing_time, dossier.due_at.isoformat()) == (days(1), "2026-02-23T09:30:00+07:00")


def test_a_receipt_in_another_offset_is_counted_in_vietnam_time(tracker):
    # 02:30 UTC on Fri 13/2 is 09:30 in Hà Nội → Mon 23/2, Tue 24, Wed 25
    dossier = receive(tracker, dt.datetime(2026, 2, 13, 2, 30, tzinfo=UTC))
    assert dossier.due_at.isoformat() == "2026-02-25T09:30:00+07:00"


# ---- pauses ---------------------------------------------------------------------------------------------

def test_a_supplement_across_tet_moves_the_due_moment_by_the_paused_working_time(tracker):
    receive(tracker, at(11, 2, 9))  # Wed 11/2 → Thu 12, Fri 13, Mon 23 (Tết 16–20): due Mon 23/2 09:00
    step(tracker, "start_processing", at(11, 2, 10))
    paused = step(tracker, "request_supplement", at(12, 2, 10), reason="Thiếu bản sao giấy khai sinh")
    assert (paused.state, paused.status_code, paused.paused_at) == ("awaiting_supplement", 5, at(12, 2, 10))
    assert paused.due_at.isoformat() == "2026-02-23T09:00:00+07:00"
    dossier = step(tracker, "receive_supplement", at(24, 2, 10))
    # paused 5.5 h Thu 12 + 8 h Fri 13 + Tết + 8 h Mon 23 + 2.5 h Tue 24 = 24 h: Mon 23/2 09:00 → Thu 26/2 09:00
    assert (dossier.state, dossier.status_code, dossier.paused_at) == ("processing", 4, None)
    assert dossier.due_at.isoformat() == "2026-02-26T09:00:00+07:00"
    assert dossier.appointment_at.isoformat() == "2026-02-23T09:00:00+07:00"  # the receipt's appointment stays


def test_a_supplement_restarts_the_full_time_when_the_procedure_says_so(tracker):
    receive(tracker, at(11, 2, 9), RESTARTS)  # Wed 11/2 → Thu 12, Fri 13, Mon 23: due Mon 23/2 09:00
    step(tracker, "request_supplement", at(12, 2, 10), reason="Thiếu tờ khai")
    dossier = step(tracker, "receive_supplement", at(24, 2, 10))
    # 3 working days again from Tue 24/2 10:00 → Wed 25, Thu 26, Fri 27
    assert (dossier.state, dossier.due_at.isoformat()) == ("processing", "2026-02-27T10:00:00+07:00")


def test_a_restarted_clock_respects_the_cutoff_and_the_make_up_saturday(tracker):
    receive(tracker, at(17, 8, 9), RESTARTS_CUTOFF)  # Mon 17/8 → Tue 18, Wed 19, Thu 20: due Thu 20/8 09:00
    step(tracker, "request_supplement", at(18, 8, 9), reason="Thiếu tờ khai")
    dossier = step(tracker, "receive_supplement", at(21, 8, 15, 30))
    # Fri 21/8 15:30 is after the cut-off → starts Sat 22/8 07:30 (make-up) → Mon 24, Tue 25, Wed 26
    assert dossier.due_at.isoformat() == "2026-08-26T07:30:00+07:00"


def test_a_payment_never_restarts_the_clock_even_when_a_supplement_would(tracker):
    receive(tracker, at(11, 2, 9), RESTARTS)  # due Mon 23/2 09:00
    step(tracker, "start_processing", at(11, 2, 9, 30))
    step(tracker, "request_payment", at(12, 2, 10), amount=500_000)
    dossier = step(tracker, "receive_payment", at(24, 2, 10))
    # paused 24 working hours (Thu 12/2 10:00 → Tue 24/2 10:00, Tết skipped): Mon 23/2 09:00 → Thu 26/2 09:00
    assert (dossier.state, dossier.due_at.isoformat()) == ("processing", "2026-02-26T09:00:00+07:00")


def test_a_payment_across_the_make_up_saturday_and_national_day_moves_a_calendar_day_due_date(tracker):
    receive(tracker, at(17, 8, 9), processing_time=days(10, "calendar_days"))  # Mon 17/8 + 10 = Thu 27/8 09:00
    step(tracker, "start_processing", at(17, 8, 10))
    paused = step(tracker, "request_payment", at(20, 8, 14), amount=1_200_000)
    assert (paused.state, paused.status_code) == ("awaiting_payment", 6)
    dossier = step(tracker, "receive_payment", at(3, 9, 14))
    # paused 3 h Thu 20 + 8 h Fri 21 + 8 h Sat 22 (make-up) + 5 × 8 h 24–28/8 + 31/8–2/9 off + 5 h Thu 3/9 = 64 h
    # = 8 working days: Thu 27/8 → Fri 28, Thu 3/9, Fri 4, Mon 7, Tue 8, Wed 9, Thu 10, Fri 11/9
    assert dossier.due_at.isoformat() == "2026-09-11T09:00:00+07:00"


def test_a_suspension_across_vietnam_cultural_day_moves_a_working_hours_due_moment(tracker):
    received = receive(tracker, at(23, 11, 8), processing_time=days(8, "working_hours"))
    # Mon 23/11 08:00 + 8 h: 3.5 h + 4 h on Mon, 24/11 off, 0.5 h on Wed 25/11
    assert received.due_at.isoformat() == "2026-11-25T08:00:00+07:00"
    paused = step(tracker, "suspend", at(23, 11, 16), reason="Chờ ý kiến Sở Tư pháp")
    assert (paused.state, paused.status_code) == ("suspended", 8)
    dossier = step(tracker, "resume", at(26, 11, 9))
    # paused 1 h Mon 23 + 24/11 off + 8 h Wed 25 + 1.5 h Thu 26 = 10.5 h: Wed 25/11 08:00 + 7.5 h → Thu 26/11
    # 07:30 + 3 h
    assert (dossier.state, dossier.due_at.isoformat()) == ("processing", "2026-11-26T10:30:00+07:00")


def test_pauses_add_up(tracker):
    receive(tracker, at(23, 11, 9), processing_time=days(2))  # Mon 23/11 → Wed 25 (24/11 off), Thu 26: 09:00
    step(tracker, "start_processing", at(23, 11, 9, 30))
    step(tracker, "request_payment", at(23, 11, 14))
    first = step(tracker, "receive_payment", at(25, 11, 8))
    # paused 3 h Mon 23 + 0.5 h Wed 25 = 3.5 h: Thu 26/11 09:00 + 2.5 h, lunch, + 1 h
    assert first.due_at.isoformat() == "2026-11-26T14:00:00+07:00"
    step(tracker, "suspend", at(25, 11, 10), reason="Chờ xác minh")
    second = step(tracker, "resume", at(27, 11, 10))
    # paused 5.5 h Wed 25 + 8 h Thu 26 + 2.5 h Fri 27 = 16 h = 2 working days: Thu 26 → Fri 27 → Mon 30/11 14:00
    assert second.due_at.isoformat() == "2026-11-30T14:00:00+07:00"


def test_a_pause_entirely_outside_office_hours_does_not_move_the_due_moment(tracker):
    receive(tracker, at(13, 2, 9))  # Fri 13/2 → Mon 23, Tue 24, Wed 25: due Wed 25/2 09:00
    step(tracker, "request_supplement", at(13, 2, 17, 30), reason="Thiếu ảnh")
    dossier = step(tracker, "receive_supplement", at(23, 2, 7))
    # Fri 13/2 17:30 → Mon 23/2 07:00: after closing, the weekends and Tết, before opening: 0 h
    assert dossier.due_at.isoformat() == "2026-02-25T09:00:00+07:00"


def test_a_pause_moves_a_due_moment_at_closing_from_the_next_opening(tracker):
    receive(tracker, at(11, 2, 10), processing_time=days(5, "calendar_days"))
    # Wed 11/2 + 5 days = Mon 16/2 (Tết) → closing of Mon 23/2
    step(tracker, "request_supplement", at(13, 2, 16), reason="Thiếu ảnh")
    dossier = step(tracker, "receive_supplement", at(23, 2, 8, 30))
    # paused 1 h Fri 13 + 1 h Mon 23 = 2 h: from Mon 23/2 17:00 (closed) → Tue 24/2 07:30 + 2 h
    assert dossier.due_at.isoformat() == "2026-02-24T09:30:00+07:00"


# ---- apology slip, resolution ---------------------------------------------------------------------------

def test_an_apology_slip_moves_the_appointment_not_the_due_moment(tracker):
    receive(tracker, at(13, 2, 9, 30))  # Fri 13/2 → Mon 23, Tue 24, Wed 25: due Wed 25/2 09:30
    step(tracker, "start_processing", at(23, 2, 8))
    dossier = step(tracker, "apologize", at(24, 2, 10), new_appointment_at=at(27, 2, 10),
                   reason="Chờ xác minh nguồn gốc đất")
    assert (dossier.state, dossier.status_code) == ("processing", 4)
    assert dossier.appointment_at.isoformat() == "2026-02-27T10:00:00+07:00"
    assert dossier.due_at.isoformat() == "2026-02-25T09:30:00+07:00"
    resolved = step(tracker, "resolve", at(26, 2, 9))
    # resolved Thu 26/2, before the new appointment but after the legal due date Wed 25/2
    assert (resolved.state, resolved.status_code, resolved.outcome) == ("resolved", 9, "late")


@pytest.mark.parametrize("resolved_at, outcome", [
    (at(24, 2, 16), "early"),  # Tue 24/2, the day before the due date
    (at(25, 2, 7, 30), "on_time"),  # the due date, before the due time
    (at(25, 2, 16, 30), "on_time"),  # the due date, after the due time: the date counts
    (at(26, 2, 8), "late"),  # Thu 26/2
    (dt.datetime(2026, 2, 24, 17, 30, tzinfo=UTC), "on_time"),  # 00:30 on Wed 25/2 in Hà Nội
    (dt.datetime(2026, 2, 25, 18, 0, tzinfo=UTC), "late"),  # 01:00 on Thu 26/2 in Hà Nội
])
def test_a_resolution_is_classified_by_its_local_date_against_the_due_date(tracker, resolved_at, outcome):
    receive(tracker, at(13, 2, 9, 30))  # Fri 13/2 → Mon 23, Tue 24, Wed 25: due Wed 25/2 09:30
    dossier = step(tracker, "resolve", resolved_at)
    assert (dossier.state, dossier.status_code, dossier.outcome) == ("resolved", 9, outcome)
    assert (dossier.resolved_at, dossier.closed_at) == (resolved_at, resolved_at)


def test_a_resolution_is_on_time_against_the_due_date_moved_by_a_pause(tracker):
    receive(tracker, at(11, 2, 9))  # due Mon 23/2 09:00
    step(tracker, "request_supplement", at(12, 2, 10), reason="Thiếu tờ khai")
    step(tracker, "receive_supplement", at(24, 2, 10))  # paused 24 working hours: due Thu 26/2 09:00
    dossier = step(tracker, "resolve", at(26, 2, 16))
    assert dossier.outcome == "on_time"


# ---- rule version ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("received_at, version", [
    (dt.datetime(2025, 6, 30, 16, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=7))), "NĐ 61/2018/NĐ-CP"),
    (dt.datetime(2025, 7, 1, 7, 30, tzinfo=dt.timezone(dt.timedelta(hours=7))), "NĐ 118/2025/NĐ-CP"),
    # 17:30 UTC on 30/6 is 00:30 on 1/7/2025 in Hà Nội
    (dt.datetime(2025, 6, 30, 17, 30, tzinfo=UTC), "NĐ 118/2025/NĐ-CP"),
    # 16:59 UTC on 30/6 is 23:59 on 30/6/2025 in Hà Nội
    (dt.datetime(2025, 6, 30, 16, 59, tzinfo=UTC), "NĐ 61/2018/NĐ-CP"),
])
def test_the_rule_version_follows_the_local_receipt_date(tracker, received_at, version):
    assert receive(tracker, received_at).rule_version == version


def test_due_moments_and_rule_version_survive_a_reload_from_the_store(tracker):
    receive(tracker, at(11, 2, 9))
    step(tracker, "request_supplement", at(12, 2, 10), reason="Thiếu tờ khai")
    step(tracker, "receive_supplement", at(24, 2, 10))
    dossier = tracker.get_dossier("G09.20-TEST-1")
    assert (dossier.due_at.isoformat(), dossier.appointment_at.isoformat(), dossier.rule_version) == (
        "2026-02-26T09:00:00+07:00", "2026-02-23T09:00:00+07:00", "NĐ 118/2025/NĐ-CP")
