"""A small province's dossiers, shared by the tracker's integration tests (helpers, not tests).

``build_province(services)`` records one decision with three procedures, registers four agencies, receives
fourteen dossiers in the first half of November 2026 (no holiday in it) and logs steps of every kind on
them, all through the services' applications. ``EXPECTED`` gives, worked out by hand from the working
calendar (07:30–11:30, 13:00–17:00, Monday–Friday), what each dossier ends as.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from tracker.read_models import dossier_segment_view, dossier_view

ICT = dt.timezone(dt.timedelta(hours=7))
ISSUER = "UBND tỉnh Khánh Hòa"

BIRTH = "1.001193"  # Đăng ký khai sinh: 3 working days
COPY = "2.000908"  # Chứng thực bản sao: 2 working days, 15:00 cut-off, a supplement restarts the clock
BUILDING = "1.009794"  # Cấp giấy phép xây dựng: 15 calendar days

PROVINCE, BUILDING_DEPT, LOC_THO, NHA_TRANG = "G09", "G09.05", "G09.20", "G09.21"


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    """A moment of 2026 in Khánh Hòa (+07:00), November by default."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=ICT)


def moment(day: int, hour: int, minute: int = 0) -> str:
    """The read models' text of ``at(day, hour, minute)``."""
    return at(day, hour, minute).isoformat()


def record_catalog(catalog) -> None:
    """Record the decision that issues the three procedures (effective 1/10/2026)."""
    entries = [
        {"action": "new", "code": BIRTH, "name": "Đăng ký khai sinh", "field": "Hộ tịch", "levels": ["commune"],
         "authority": "central", "online": "full", "processing_time": {"value": 3, "unit": "working_days"}},
        {"action": "new", "code": COPY, "name": "Chứng thực bản sao từ bản chính", "field": "Chứng thực",
         "levels": ["commune"], "authority": "central", "cutoff": "15:00", "supplement_restarts_clock": True,
         "processing_time": {"value": 2, "unit": "working_days"}},
        {"action": "new", "code": BUILDING, "name": "Cấp giấy phép xây dựng", "field": "Xây dựng",
         "levels": ["province"], "authority": "local", "processing_time": {"value": 15, "unit": "calendar_days"}},
    ]
    catalog.record_decision(number="2150/QĐ-UBND", issuer=ISSUER, signed_on=dt.date(2026, 10, 1),
                            entries=entries, actor="kstt")


def add_agencies(agencies) -> None:
    """Register the province, its building department and two wards."""
    agencies.add(PROVINCE, "UBND tỉnh Khánh Hòa", "province", actor="kstt")
    agencies.add(BUILDING_DEPT, "Sở Xây dựng tỉnh Khánh Hòa", "province", parent=PROVINCE, actor="kstt")
    agencies.add(LOC_THO, "UBND phường Lộc Thọ", "commune", parent=PROVINCE, actor="kstt")
    agencies.add(NHA_TRANG, "UBND phường Nha Trang", "commune", parent=PROVINCE, actor="kstt")


def setup_province(services) -> None:
    """The catalog and the agencies, without dossiers."""
    record_catalog(services.catalog)
    add_agencies(services.agencies)


# code → (procedure, agency, channel, received_at, [(step type, at, fields)])
DOSSIERS = {
    "G09.20-261102-0001": (BIRTH, LOC_THO, "online", at(2, 9), []),
    "G09.20-261102-0002": (BIRTH, "UBND phường Lộc Thọ", "in_person", at(2, 10), [
        ("start_processing", at(2, 14), {"handler": "Nguyễn Thị Bình"})]),
    "G09.20-261102-0003": (BIRTH, LOC_THO, "in_person", at(2, 8), [
        ("start_processing", at(2, 8, 30), {}),
        ("request_supplement", at(3, 8), {"reason": "Thiếu giấy chứng sinh"}),
        ("receive_supplement", at(4, 8), {}),
        ("resolve", at(5, 15), {}),
        ("deliver", at(6, 9), {"method": "in_person"})]),
    "G09.20-261102-0004": (COPY, LOC_THO, "postal", at(2, 16), [
        ("request_supplement", at(3, 9), {"reason": "Bản chính bị mờ"})]),
    "G09.21-261103-0001": (BIRTH, NHA_TRANG, "in_person", at(3, 9), [
        ("start_processing", at(3, 9, 30), {}),
        ("request_payment", at(4, 10), {"amount": 50_000}),
        ("receive_payment", at(4, 14), {}),
        ("resolve", at(9, 10), {})]),
    "G09.21-261103-0002": (BIRTH, NHA_TRANG, "online", at(3, 10), [
        ("suspend", at(4, 8), {"reason": "Chờ xác minh của Công an phường"}),
        ("resume", at(5, 8), {}),
        ("apologize", at(9, 9), {"new_appointment_at": at(11, 16), "reason": "Chờ kết quả xác minh"})]),
    "G09-261104-0001": (BUILDING, PROVINCE, "in_person", at(4, 9), [
        ("transfer", at(4, 14), {"to_agency": "Sở Xây dựng tỉnh Khánh Hòa", "note": "Liên thông"})]),
    "G09.20-261104-0001": (BIRTH, LOC_THO, "online", at(4, 9), [
        ("withdraw", at(4, 15), {"reason": "Công dân rút hồ sơ"})]),
    "G09.20-261104-0002": (COPY, LOC_THO, "in_person", at(4, 14), [
        ("request_supplement", at(5, 8), {"reason": "Thiếu bản chính"}),
        ("reject", at(6, 9), {"reason": "Không xuất trình được bản chính"})]),
    "G09.21-261105-0001": (COPY, NHA_TRANG, "in_person", at(5, 8), [
        ("request_supplement", at(5, 9), {"reason": "Thiếu trang 2"}),
        ("receive_supplement", at(6, 10), {}),
        ("resolve", at(10, 9), {}),
        ("deliver", at(10, 10), {"method": "online"})]),
    "G09.21-261106-0001": (BIRTH, NHA_TRANG, "postal", at(6, 16, 30), [
        ("suspend", at(9, 8), {"reason": "Chờ ý kiến Sở Tư pháp"})]),
    "G09.20-261109-0001": (BIRTH, LOC_THO, "in_person", at(9, 17, 30), [
        ("resolve", at(10, 8), {})]),
}
# two dossiers received without a code at Nha Trang on 10/11: numbered 00001 and 00002
GENERATED = [(at(10, 8), [("start_processing", at(10, 9), {})]), (at(10, 8, 30), [])]
GENERATED_CODES = ["G09.21-20261110-00001", "G09.21-20261110-00002"]

# code → (state, version, due_at, appointment_at, outcome, handling agency)
EXPECTED = {
    "G09.20-261102-0001": ("received", 1, moment(5, 9), moment(5, 9), None, LOC_THO),
    "G09.20-261102-0002": ("processing", 2, moment(5, 10), moment(5, 10), None, LOC_THO),
    # paused Tue 08:00 → Wed 08:00 = 8 office hours: Thu 08:00 + 8 h = Fri 08:00; resolved Thu: early
    "G09.20-261102-0003": ("delivered", 6, moment(6, 8), moment(5, 8), "early", LOC_THO),
    # received 16:00, after the 15:00 cut-off: counted from Tue 07:30
    "G09.20-261102-0004": ("awaiting_supplement", 2, moment(5, 7, 30), moment(5, 7, 30), None, LOC_THO),
    # paused 10:00 → 14:00 = 2.5 office hours: Fri 09:00 + 2.5 h = Fri 11:30; resolved Mon: late
    "G09.21-261103-0001": ("resolved", 5, moment(6, 11, 30), moment(6, 9), "late", NHA_TRANG),
    # suspended Wed 08:00 → Thu 08:00 = 8 office hours: Fri 10:00 + 8 h = Mon 10:00; the apology moves only
    # the appointment
    "G09.21-261103-0002": ("processing", 4, moment(9, 10), moment(11, 16), None, NHA_TRANG),
    "G09-261104-0001": ("processing", 2, moment(19, 9), moment(19, 9), None, BUILDING_DEPT),
    "G09.20-261104-0001": ("withdrawn", 2, moment(9, 9), moment(9, 9), "returned", LOC_THO),
    "G09.20-261104-0002": ("rejected", 3, moment(6, 14), moment(6, 14), "returned", LOC_THO),
    # the supplement restarts the clock: 2 working days from Fri 10:00; resolved on the due date: on time
    "G09.21-261105-0001": ("delivered", 5, moment(10, 10), moment(9, 8), "on_time", NHA_TRANG),
    "G09.21-261106-0001": ("suspended", 2, moment(11, 16, 30), moment(11, 16, 30), None, NHA_TRANG),
    # received after closing: counted from Tue 07:30
    "G09.20-261109-0001": ("resolved", 2, moment(13, 7, 30), moment(13, 7, 30), "early", LOC_THO),
    GENERATED_CODES[0]: ("processing", 2, moment(13, 8), moment(13, 8), None, NHA_TRANG),
    GENERATED_CODES[1]: ("received", 1, moment(13, 8, 30), moment(13, 8, 30), None, NHA_TRANG),
}


@dataclass(frozen=True)
class Province:
    codes: list[str]


def step_body(kind: str, when: dt.datetime, fields: dict) -> dict:
    return {"type": kind, "at": when, **fields}


def receive_dossiers(tracker) -> list[str]:
    """Receive every dossier, then log their steps round-robin (first steps, then second steps, …), so the
    events of different dossiers interleave in the log; return the codes in receipt order."""
    steps_of = {}
    for code, (procedure, agency, channel, received_at, steps) in DOSSIERS.items():
        tracker.receive_dossier(code=code, procedure_code=procedure, agency=agency, channel=channel,
                                received_at=received_at, actor="mot-cua",
                                applicant={"name": "Nguyễn Văn A", "phone": "0905000000"})
        steps_of[code] = steps
    for received_at, steps in GENERATED:
        dossier = tracker.receive_dossier(procedure_code=BIRTH, agency=NHA_TRANG, channel="in_person",
                                          received_at=received_at, actor="mot-cua")
        steps_of[dossier.code] = steps
    for index in range(max(len(steps) for steps in steps_of.values())):
        for code, steps in steps_of.items():
            if index < len(steps):
                kind, when, fields = steps[index]
                tracker.log_step(code, step_body(kind, when, fields), actor="can-bo")
    return list(steps_of)


def build_province(services) -> Province:
    """Record the catalog, the agencies and the dossiers through ``services`` (``build_services``)."""
    setup_province(services)
    return Province(codes=receive_dossiers(services.tracker))


def dossier_rows(engine) -> dict[str, list[tuple]]:
    """Every row of ``dossier_view`` and ``dossier_segment_view``, sorted, for exact comparison."""
    result = {}
    with engine.connect() as conn:
        for table in (dossier_view, dossier_segment_view):
            result[table.name] = sorted(tuple(map(repr, row)) for row in conn.execute(select(table)))
    return result
