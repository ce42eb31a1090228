"""A small province's catalog, agencies and dossiers, recorded through HTTP alone (helpers, not tests).

Shared by the tracker's end-to-end tests. Every due moment below is worked out by hand with the rules of
``tracker/calendar.py`` (office hours 07:30–11:30 and 13:00–17:00; ``working_days`` N: the counting start's
clock time N working days later; ``calendar_days`` N: N days later, or 17:00 of the next working day when
that date is a day off; a cut-off of 15:00 moves a later receipt to the next opening; a pause moves the due
moment later by the office time paused, unless a supplement restarts the clock). Days off of 2026 that
matter here: Tết 16–20/2, 31/8 (swapped for the make-up Saturday 22/8, which is worked), 1–2/9 (Quốc
khánh), 24/11 (Ngày Văn hóa Việt Nam), and every Saturday and Sunday but 22/8.

The two report periods are not calendar months: MONTH is a "21st–20th" month, 21/9/2026 (Mon) –
20/10/2026 (Tue); QUARTER runs 15/6/2026 (Mon) – 14/9/2026 (Mon). ``tests/e2e/test_dossier_results_report.py``
derives every count of both from ``DOSSIERS``; the near-due and dossier tests use them too.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import create_engine, inspect, text

from tests.conftest import application, migrated_database

ISSUER = "UBND tỉnh Khánh Hòa"
MONTH = ("2026-09-21", "2026-10-20")
QUARTER = ("2026-06-15", "2026-09-14")


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    field: str


KHAI_SINH = Procedure("1.001193", "Đăng ký khai sinh", "Hộ tịch")  # 3 working days, commune
KET_HON = Procedure("1.000894", "Đăng ký kết hôn", "Hộ tịch")  # 5 working days, commune
CHUNG_THUC = Procedure("2.000815", "Chứng thực bản sao từ bản chính", "Chứng thực")  # 1 working day, cut-off 15:00
DAT_DAI = Procedure("1.004227", "Đăng ký biến động quyền sử dụng đất", "Đất đai")  # 10 working days, restarts
DAU_TU = Procedure("1.009645", "Cấp Giấy chứng nhận đăng ký đầu tư", "Đầu tư")  # 15 calendar days, province
HON_NHAN = Procedure("2.002165", "Xác nhận tình trạng hôn nhân", "Hộ tịch")  # no processing time
TRICH_LUC = Procedure("1.000046", "Cấp bản sao trích lục hộ tịch", "Hộ tịch")  # abolished from 1/3/2026
LUU_DONG = Procedure("2.003001", "Đăng ký khai sinh lưu động", "Hộ tịch")  # in force from 1/6/2026


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    level: str


TINH = Agency("G09", "UBND tỉnh Khánh Hòa", "province")
TRUNG_TAM = Agency("G09.01", "Trung tâm Phục vụ hành chính công tỉnh Khánh Hòa", "province")
SO_NN = Agency("G09.02", "Sở Nông nghiệp và Môi trường tỉnh Khánh Hòa", "province")
NHA_TRANG = Agency("G09.99", "UBND phường Nha Trang", "commune")  # from 1/7/2025
CAM_LAM = Agency("G09.98", "UBND xã Cam Lâm", "commune")  # from 1/7/2025
LOC_THO = Agency("G09.20", "UBND phường Lộc Thọ", "commune")  # until 30/6/2025, merged into Nha Trang


def at(day: int, month: int, hour: int, minute: int = 0, year: int = 2026) -> str:
    """A moment in Vietnam time, as the API takes and returns it: ``2026-09-16T09:00:00+07:00``."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=7))).isoformat()


def step(type: str, moment: str, **fields) -> dict:
    return {"type": type, "at": moment, **fields}


@dataclass(frozen=True)
class Planned:
    """A dossier of the scenario: its receipt, its steps, and the due moment after the last of them."""

    code: str
    procedure: Procedure
    agency: Agency
    channel: str
    received_at: str
    due_at: str
    steps: list[dict] = field(default_factory=list)

    def receipt(self) -> dict:
        return {"code": self.code, "procedure_code": self.procedure.code, "agency": self.agency.code,
                "channel": self.channel, "received_at": self.received_at}


# -- the catalog and the agencies -------------------------------------------------------------------------

def new(procedure: Procedure, levels: list[str], processing_time: dict | None, **extra) -> dict:
    return {"action": "new", "code": procedure.code, "name": procedure.name, "field": procedure.field,
            "levels": levels, "authority": "central", "processing_time": processing_time, **extra}


def days(value: int, unit: str = "working_days") -> dict:
    return {"value": value, "unit": unit}


def post(client, path: str, body: dict, status: int = 201) -> dict:
    response = client.post(path, json=body)
    assert response.status_code == status, (path, body, response.get_json())
    return response.get_json()


def record_catalog(client) -> None:
    """Publish the procedures: seven from 2/1/2025, one abolished on 1/3/2026, one in force from 1/6/2026."""
    post(client, "/api/decisions", {"number": "15/QĐ-UBND", "issuer": ISSUER, "signed_on": "2025-01-02", "entries": [
        new(KHAI_SINH, ["commune"], days(3)),
        new(KET_HON, ["commune"], days(5)),
        new(CHUNG_THUC, ["commune"], days(1), cutoff="15:00"),
        new(DAT_DAI, ["province", "commune"], days(10), supplement_restarts_clock=True),
        new(DAU_TU, ["province"], days(15, "calendar_days")),
        new(HON_NHAN, ["commune"], None),
        new(TRICH_LUC, ["commune"], days(2)),
    ]})
    post(client, "/api/decisions", {"number": "30/QĐ-UBND", "issuer": ISSUER, "signed_on": "2026-03-01",
                                    "entries": [{"action": "abolished", "code": TRICH_LUC.code}]})
    post(client, "/api/decisions", {"number": "85/QĐ-UBND", "issuer": ISSUER, "signed_on": "2026-05-20",
                                    "effective_on": "2026-06-01", "entries": [new(LUU_DONG, ["commune"], days(3))]})


def register_agencies(client) -> None:
    """The province, its public service centre, a department, two communes of the 2025 reform and a ward
    closed on 30/6/2025."""
    post(client, "/api/agencies", {"code": TINH.code, "name": TINH.name, "level": "province"})
    for agency in (TRUNG_TAM, SO_NN):
        post(client, "/api/agencies", {"code": agency.code, "name": agency.name, "level": "province",
                                       "parent": TINH.code})
    for agency in (NHA_TRANG, CAM_LAM):
        post(client, "/api/agencies", {"code": agency.code, "name": agency.name, "level": "commune",
                                       "parent": TINH.code, "valid_from": "2025-07-01"})
    post(client, "/api/agencies", {"code": LOC_THO.code, "name": LOC_THO.name, "level": "commune",
                                   "parent": TINH.code, "valid_to": "2025-06-30", "successor": NHA_TRANG.code})


def record_province(client) -> None:
    """The catalog and the agencies, without dossiers."""
    record_catalog(client)
    register_agencies(client)


# -- the dossiers ------------------------------------------------------------------------------------------
# "wd" = working days counted from the day after the counting start; the due time is the counting start's.

DOSSIERS = [
    # -- received before MONTH -------------------------------------------------------------------------
    # Wed 16/9 09:00 + 3 wd: Thu 17, Fri 18, Mon 21 → 21/9 09:00; resolved on 21/9 (MONTH's first day):
    # carried over into MONTH, and on time.
    Planned("KH-01", KHAI_SINH, NHA_TRANG, "online", at(16, 9, 9), at(21, 9, 9), [
        step("start_processing", at(16, 9, 10), handler="Lê Thị Hoa"),
        step("resolve", at(21, 9, 10)),
        step("deliver", at(21, 9, 14), method="online")]),
    # Thu 10/9 08:00 + 5 wd: 11, 14, 15, 16, 17 → 17/9 08:00. Open at the end of QUARTER (14/9), due
    # after it; withdrawn on Sun 20/9, the day before MONTH: not in MONTH at all.
    Planned("KH-02", KET_HON, NHA_TRANG, "in_person", at(10, 9, 8), at(17, 9, 8), [
        step("start_processing", at(11, 9, 8)),
        step("withdraw", at(20, 9, 20), reason="Công dân rút hồ sơ trên Cổng dịch vụ công")]),
    # Fri 28/8 10:00 + 10 wd (31/8, 1/9, 2/9 are off): 3, 4, 7, 8, 9, 10, 11, 14, 15, 16/9 → 16/9 10:00.
    # Transferred (liên thông) to the department on 3/9, the clock running on; resolved 24/9: late.
    Planned("KH-03", DAT_DAI, TRUNG_TAM, "in_person", at(28, 8, 10), at(16, 9, 10), [
        step("start_processing", at(28, 8, 14)),
        step("transfer", at(3, 9, 9), to_agency=SO_NN.name),
        step("resolve", at(24, 9, 16)),
        step("deliver", at(25, 9, 9), method="in_person")]),
    # Mon 7/9 08:00 + 10 wd → 21/9 08:00; paused for a supplement from 9/9 (so paused at the end of
    # QUARTER) until Tue 22/9 10:00, which restarts the clock (the procedure says so): 10 wd from 22/9
    # 10:00: 23, 24, 25, 28, 29, 30/9, 1, 2, 5, 6/10 → 6/10 10:00; resolved 5/10: early.
    Planned("KH-04", DAT_DAI, NHA_TRANG, "postal", at(7, 9, 8), at(6, 10, 10), [
        step("request_supplement", at(9, 9, 9), reason="Thiếu sơ đồ thửa đất"),
        step("receive_supplement", at(22, 9, 10)),
        step("resolve", at(5, 10, 15))]),
    # Fri 18/9 09:00 + 15 calendar days → Sat 3/10, a day off → 17:00 of Mon 5/10. An apology slip moves
    # the appointment to 12/10 17:00, not the due moment: still open, overdue.
    Planned("KH-05", DAU_TU, TRUNG_TAM, "online", at(18, 9, 9), at(5, 10, 17), [
        step("start_processing", at(21, 9, 9)),
        step("apologize", at(5, 10, 10), new_appointment_at=at(12, 10, 17), reason="Chờ ý kiến Sở Tài chính")]),
    # -- received in MONTH -----------------------------------------------------------------------------
    # Mon 21/9 15:30, after the 15:00 cut-off: counting starts Tue 22/9 07:30, + 1 wd → Wed 23/9 07:30.
    # Resolved 23/9 07:45: on time, by date (without the cut-off it would be due 22/9, and late).
    Planned("KH-06", CHUNG_THUC, NHA_TRANG, "in_person", at(21, 9, 15, 30), at(23, 9, 7, 30), [
        step("resolve", at(23, 9, 7, 45))]),
    # Tue 22/9 14:00 + 1 wd → Wed 23/9 14:00; resolved the day it was received: early (and no clock
    # segment at all, since the day ends resolved).
    Planned("KH-07", CHUNG_THUC, NHA_TRANG, "online", at(22, 9, 14), at(23, 9, 14), [
        step("resolve", at(22, 9, 16))]),
    # Thu 24/9 09:00 + 3 wd: 25, 28, 29 → 29/9 09:00; resolved 1/10: late.
    Planned("KH-08", KHAI_SINH, CAM_LAM, "postal", at(24, 9, 9), at(29, 9, 9), [
        step("start_processing", at(24, 9, 10)),
        step("resolve", at(1, 10, 9))]),
    # Thu 15/10 10:00 + 3 wd: 16, 19, 20 → 20/10 10:00, the last day of MONTH: overdue at its end. Never
    # started: still "received".
    Planned("KH-09", KHAI_SINH, CAM_LAM, "online", at(15, 10, 10), at(20, 10, 10)),
    # Mon 19/10 09:00 + 3 wd: 20, 21, 22 → 22/10 09:00: in progress on time at the end of MONTH;
    # resolved 22/10, after it.
    Planned("KH-10", KHAI_SINH, CAM_LAM, "in_person", at(19, 10, 9), at(22, 10, 9), [
        step("start_processing", at(20, 10, 8)),
        step("resolve", at(22, 10, 8, 30))]),
    # Fri 25/9 08:00 + 10 wd: 28, 29, 30/9, 1, 2, 5, 6, 7, 8, 9/10 → 9/10 08:00; withdrawn 2/10.
    Planned("KH-11", DAT_DAI, TRUNG_TAM, "online", at(25, 9, 8), at(9, 10, 8), [
        step("withdraw", at(2, 10, 9))]),
    # Mon 28/9 09:00 + 10 wd: 29, 30/9, 1, 2, 5, 6, 7, 8, 9, 12/10 → 12/10 09:00; a supplement is asked
    # for, never given: rejected 9/10 while awaiting it.
    Planned("KH-12", DAT_DAI, NHA_TRANG, "in_person", at(28, 9, 9), at(12, 10, 9), [
        step("request_supplement", at(29, 9, 9), reason="Thiếu giấy tờ chứng minh nguồn gốc đất"),
        step("reject", at(9, 10, 10), reason="Không bổ sung đủ giấy tờ theo quy định")]),
    # Thu 1/10 09:00 + 15 calendar days → Fri 16/10 09:00 (a working day). Awaiting payment from 8/10
    # 10:00 to 23/10 10:00 (paused at the end of MONTH): 8/10 1.5 h + 4 h, 9/10 8 h, 12–16/10 40 h,
    # 19–22/10 32 h, 23/10 2.5 h = 88 h. 16/10 09:00 + 88 h: 6.5 h that day, 19–23/10 40 h, 26–30/10
    # 40 h, 1.5 h on Mon 2/11 → 2/11 09:00. Open, running.
    Planned("KH-13", DAU_TU, TRUNG_TAM, "postal", at(1, 10, 9), at(2, 11, 9), [
        step("start_processing", at(2, 10, 9)),
        step("request_payment", at(8, 10, 10), amount=1_500_000),
        step("receive_payment", at(23, 10, 10))]),
    # Mon 5/10 09:00 + 5 wd: 6, 7, 8, 9, 12 → 12/10 09:00; suspended since 6/10: paused, still.
    Planned("KH-14", KET_HON, NHA_TRANG, "online", at(5, 10, 9), at(12, 10, 9), [
        step("suspend", at(6, 10, 9), reason="Chờ kết quả xác minh của Công an tỉnh")]),
    # Mon 12/10 09:00 + 10 wd: 13, 14, 15, 16, 19, 20, 21, 22, 23, 26 → 26/10 09:00; awaiting a supplement
    # since 14/10: paused, still.
    Planned("KH-15", DAT_DAI, NHA_TRANG, "in_person", at(12, 10, 9), at(26, 10, 9), [
        step("start_processing", at(12, 10, 10)),
        step("request_supplement", at(14, 10, 9), reason="Thiếu bản vẽ hiện trạng")]),
    # Wed 14/10 09:00 + 3 wd: 15, 16, 19 → 19/10 09:00. Suspended 15/10 09:00 – 19/10 09:00: 15/10 6.5 h,
    # 16/10 8 h, 19/10 1.5 h = 16 h; 19/10 09:00 + 16 h: 6.5 h that day, 8 h on 20/10, 1.5 h on 21/10 →
    # 21/10 09:00. Running again, on time, at the end of MONTH; resolved 21/10 08:00: on time.
    Planned("KH-16", KHAI_SINH, CAM_LAM, "in_person", at(14, 10, 9), at(21, 10, 9), [
        step("suspend", at(15, 10, 9), reason="Chờ sổ hộ tịch lưu trữ"),
        step("resume", at(19, 10, 9)),
        step("resolve", at(21, 10, 8))]),
    # Wed 21/10 09:00, the day after MONTH: + 3 wd: 22, 23, 26 → 26/10 09:00. Open.
    Planned("KH-17", KHAI_SINH, NHA_TRANG, "online", at(21, 10, 9), at(26, 10, 9)),
    # Received at 18:30 UTC on Sun 20/9, which is 01:30 on Mon 21/9 in Vietnam: new in MONTH. Counting
    # starts at 07:30, + 1 wd → Tue 22/9 07:30; resolved 21/9 10:00: early.
    Planned("KH-19", CHUNG_THUC, CAM_LAM, "online", "2026-09-20T18:30:00+00:00", at(22, 9, 7, 30), [
        step("resolve", at(21, 9, 10))]),
    # -- received before QUARTER ----------------------------------------------------------------------
    # Wed 10/6 09:00 + 3 wd: 11, 12, 15 → 15/6 09:00; resolved 16/6: late.
    Planned("KH-21", KHAI_SINH, NHA_TRANG, "in_person", at(10, 6, 9), at(15, 6, 9), [
        step("start_processing", at(10, 6, 10)),
        step("resolve", at(16, 6, 10))]),
    # Fri 12/6 10:00 + 1 wd → Mon 15/6 10:00; withdrawn Sun 14/6, the day before QUARTER: not in it.
    Planned("KH-22", CHUNG_THUC, CAM_LAM, "online", at(12, 6, 10), at(15, 6, 10), [
        step("withdraw", at(14, 6, 21), reason="Nộp nhầm thủ tục")]),
    # Mon 1/6 08:00 + 10 wd: 2, 3, 4, 5, 8, 9, 10, 11, 12, 15 → 15/6 08:00; rejected on 15/6, QUARTER's
    # first day: carried over, and returned.
    Planned("KH-23", DAT_DAI, TRUNG_TAM, "in_person", at(1, 6, 8), at(15, 6, 8), [
        step("start_processing", at(1, 6, 9)),
        step("reject", at(15, 6, 9), reason="Thửa đất đang có tranh chấp")]),
    # -- received in QUARTER ----------------------------------------------------------------------------
    # Wed 1/7 09:00 + 15 calendar days → Thu 16/7 09:00; resolved 15/7: early.
    Planned("KH-24", DAU_TU, TRUNG_TAM, "in_person", at(1, 7, 9), at(16, 7, 9), [
        step("start_processing", at(2, 7, 8)),
        step("resolve", at(15, 7, 10)),
        step("deliver", at(16, 7, 8), method="postal")]),
    # Thu 20/8 16:00 + 3 wd: Fri 21, Sat 22 (make-up day, worked), Mon 24 → 24/8 16:00; resolved 24/8
    # 15:00: on time.
    Planned("KH-25", KHAI_SINH, NHA_TRANG, "postal", at(20, 8, 16), at(24, 8, 16), [
        step("resolve", at(24, 8, 15))]),
    # Fri 28/8 15:05, after the cut-off: the next opening is Thu 3/9 07:30 (31/8, 1/9, 2/9 are off),
    # + 1 wd → Fri 4/9 07:30; resolved at that moment: on time.
    Planned("KH-26", CHUNG_THUC, NHA_TRANG, "online", at(28, 8, 15, 5), at(4, 9, 7, 30), [
        step("resolve", at(4, 9, 7, 30))]),
    # Wed 9/9 09:00 + 3 wd: 10, 11, 14 → 14/9 09:00, QUARTER's last day: overdue at its end; resolved
    # 15/9 (late), before MONTH.
    Planned("KH-27", KHAI_SINH, CAM_LAM, "online", at(9, 9, 9), at(14, 9, 9), [
        step("start_processing", at(10, 9, 8)),
        step("resolve", at(15, 9, 9))]),
    # Mon 3/8 09:00 + 15 calendar days → Tue 18/8 09:00; suspended since 10/8: paused at the end of both
    # periods, and still.
    Planned("KH-28", DAU_TU, TRUNG_TAM, "online", at(3, 8, 9), at(18, 8, 9), [
        step("start_processing", at(4, 8, 8)),
        step("suspend", at(10, 8, 14), reason="Chờ ý kiến thẩm định của Bộ Tài chính")]),
    # Mon 6/7 09:00 + 10 wd: 7, 8, 9, 10, 13, 14, 15, 16, 17, 20 → 20/7 09:00. Awaiting payment 7/7 09:00
    # – 9/7 09:00 (6.5 h + 8 h + 1.5 h = 16 h); a payment never restarts the clock: 20/7 09:00 + 16 h →
    # 22/7 09:00. Resolved 22/7 15:00: on time (a restart would have made it 23/7, and early).
    Planned("KH-29", DAT_DAI, TRUNG_TAM, "in_person", at(6, 7, 9), at(22, 7, 9), [
        step("start_processing", at(6, 7, 10)),
        step("request_payment", at(7, 7, 9)),
        step("receive_payment", at(9, 7, 9)),
        step("resolve", at(22, 7, 15))]),
    # -- outside both periods: for the near-due list ---------------------------------------------------
    # Wed 18/11 09:00 + 3 wd: 19, 20, 23 → Mon 23/11 09:00. Open.
    Planned("KH-30", KHAI_SINH, NHA_TRANG, "in_person", at(18, 11, 9), at(23, 11, 9)),
    # Thu 19/11 09:00 + 3 wd: 20, 23, 25 (24/11 is off) → Wed 25/11 09:00. Open.
    Planned("KH-31", KHAI_SINH, CAM_LAM, "online", at(19, 11, 9), at(25, 11, 9)),
    # Tue 10/2 09:00 + 3 wd: 11, 12, 13 → Fri 13/2 09:00, the last working day before Tết; resolved 24/2:
    # late.
    Planned("KH-32", KHAI_SINH, NHA_TRANG, "in_person", at(10, 2, 9), at(13, 2, 9), [
        step("start_processing", at(11, 2, 8)),
        step("resolve", at(24, 2, 10))]),
    # Fri 13/2 10:00 + 1 wd (Tết 16–20/2 and two weekends) → Mon 23/2 10:00; resolved 23/2 09:00: on time.
    Planned("KH-33", CHUNG_THUC, NHA_TRANG, "online", at(13, 2, 10), at(23, 2, 10), [
        step("resolve", at(23, 2, 9))]),
]
BY_CODE = {planned.code: planned for planned in DOSSIERS}

# State now (every step above is in the past) of each dossier still open.
OPEN_NOW = {"KH-05": "processing", "KH-09": "received", "KH-13": "processing", "KH-14": "suspended",
            "KH-15": "awaiting_supplement", "KH-17": "received", "KH-28": "suspended", "KH-30": "received",
            "KH-31": "received"}


def record_dossiers(client) -> None:
    """Receive every dossier of ``DOSSIERS`` and log its steps, through HTTP."""
    for planned in DOSSIERS:
        received = post(client, "/api/dossiers", planned.receipt())
        assert received["code"] == planned.code
        for body in planned.steps:
            post(client, f"/api/dossiers/{planned.code}/steps", body, status=200)
        shown = client.get(f"/api/dossiers/{planned.code}").get_json()
        assert shown["due_at"] == planned.due_at, (planned.code, shown["due_at"])


def record_scenario(client) -> None:
    """The whole province: catalog, agencies and dossiers."""
    record_province(client)
    record_dossiers(client)


# -- stores ------------------------------------------------------------------------------------------------
# What the test modules' fixtures are made of. Migrating a database per test costs most of a second on
# PostgreSQL, so a module migrates one database per store and empties it before each test
# (``province_client``); the whole scenario is recorded once per module and store, on a database of its own,
# for tests that only read (``scenario_client``).

def delete_every_row(url: str) -> None:
    """Empty every table but Alembic's: the event store, the projections' tracking and the read models."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for name in inspect(conn).get_table_names():
                if name != "alembic_version":
                    conn.execute(text(f'DELETE FROM "{name}"'))
    finally:
        engine.dispose()


@contextmanager
def province_client(url: str, tmp_path):
    """Yield a test client on the migrated database at ``url``, emptied, then holding the catalog and the
    agencies (``record_province``) and no dossier."""
    delete_every_row(url)
    with application(url, tmp_path) as app:
        client = app.test_client()
        record_province(client)
        yield client


@contextmanager
def scenario_client(store: str, tmp_path):
    """Yield a test client on a new database of ``store`` (``sqlite`` or ``postgresql``) holding the whole
    scenario (``record_scenario``)."""
    with migrated_database(store, tmp_path) as url, application(url, tmp_path) as app:
        client = app.test_client()
        record_scenario(client)
        yield client
