"""End to end: receiving dossiers and logging their steps through ``/api/dossiers`` (api.md → Tracker).

Every rule of ``POST /api/dossiers``, ``POST /api/dossiers/{code}/steps`` and the two reads, with exact
status, ``reason`` and error paths. The catalog and the agencies come from ``dossier_scenario``, recorded
through HTTP; due moments are worked out by hand in the comments (office hours 07:30–11:30, 13:00–17:00).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import STORES, migrated_database
from tests.e2e.dossier_scenario import (
    BY_CODE,
    CAM_LAM,
    CHUNG_THUC,
    DAT_DAI,
    HON_NHAN,
    KHAI_SINH,
    LOC_THO,
    LUU_DONG,
    NHA_TRANG,
    OPEN_NOW,
    SO_NN,
    TRICH_LUC,
    at,
    province_client,
    scenario_client,
)
from tracker.calendar import WorkingCalendar

ERROR_KEYS = {"code", "status", "reason", "message", "errors"}
STATUS_TEXT = {404: "Not Found", 409: "Conflict", 412: "Precondition Failed", 422: "Unprocessable Entity"}
CONTRACT_KEYS = {"code", "procedure", "agency", "level", "channel", "received_at", "due_at", "appointment_at",
                 "state", "status_code", "version", "working_days_left", "resolved_at", "timeline"}
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = WorkingCalendar()
NHA_TRANG_REF = {"code": NHA_TRANG.code, "name": NHA_TRANG.name}
CAM_LAM_REF = {"code": CAM_LAM.code, "name": CAM_LAM.name}


@pytest.fixture(scope="module", params=STORES)
def database(request, tmp_path_factory):
    """One migrated database per store for this module, emptied by ``province`` before each test."""
    with migrated_database(request.param, tmp_path_factory.mktemp("dossiers")) as url:
        yield url


@pytest.fixture
def province(database, tmp_path):
    """A test client on the scenario's catalog and agencies, without dossiers."""
    with province_client(database, tmp_path) as client:
        yield client


@pytest.fixture(scope="module", params=STORES)
def scenario(request, tmp_path_factory):
    """A test client on the whole scenario, recorded once per store for this module's read-only tests."""
    with scenario_client(request.param, tmp_path_factory.mktemp("scenario")) as client:
        yield client


def today() -> dt.date:
    return dt.datetime.now(VIETNAM).date()


def days_left(on: dt.date, due_on: dt.date) -> int:
    """The contract's ``working_days_left`` on ``on``: the working days after ``on`` up to the due date (0
    when due that day); when overdue, minus the working days from the due date up to the day before ``on``,
    so it is negative even when ``on`` is a day off (rule 9 of ``tracker/calendar.py``)."""
    if due_on < on:
        return -CALENDAR.working_days_between(due_on - dt.timedelta(days=1), on - dt.timedelta(days=1))
    return CALENDAR.working_days_between(on, due_on)


def day_of(moment: str) -> dt.date:
    return dt.date.fromisoformat(moment[:10])


def receipt(procedure=KHAI_SINH, agency=NHA_TRANG.name, channel="in_person", received_at=None, **extra) -> dict:
    return {"procedure_code": procedure.code, "agency": agency, "channel": channel,
            "received_at": received_at or at(2, 11, 8), **extra}


def receive(client, **body) -> dict:
    response = client.post("/api/dossiers", json=receipt(**body))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def log(client, code: str, type: str, moment: str, headers: dict | None = None, **fields):
    return client.post(f"/api/dossiers/{code}/steps", json={"type": type, "at": moment, **fields},
                       headers=headers or {})


def logged(client, code: str, type: str, moment: str, **fields) -> dict:
    response = log(client, code, type, moment, **fields)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def error_of(response, code: int, reason: str) -> dict:
    """Assert the contract's error shape, status and reason; return ``errors``."""
    body = response.get_json()
    assert response.status_code == code, body
    assert set(body) == ERROR_KEYS
    assert (body["code"], body["status"], body["reason"]) == (code, STATUS_TEXT[code], reason)
    assert isinstance(body["message"], str) and body["message"]
    return body["errors"]


def recorded_recently(moment: str) -> bool:
    recorded = dt.datetime.fromisoformat(moment)
    return recorded.utcoffset() == dt.timedelta(hours=7) and \
        abs(dt.datetime.now(dt.UTC) - recorded) < dt.timedelta(minutes=5)


# -- receiving -----------------------------------------------------------------------------------------


def test_a_received_dossier_is_answered_201_with_the_contracts_dossier(province):
    response = province.post("/api/dossiers", json=receipt(
        code="G09.99-20261102-00031", received_at=at(2, 11, 8),
        applicant={"name": "Nguyễn Văn An", "id_number": "056090001234", "phone": "0905123456"}))

    assert response.status_code == 201
    body = response.get_json()
    assert CONTRACT_KEYS <= set(body)
    [receipt_entry] = body["timeline"]
    assert recorded_recently(receipt_entry.pop("recorded_at"))
    # Mon 2/11 08:00 + 3 working days: Tue 3, Wed 4, Thu 5 → 5/11 08:00
    assert {**body, "timeline": []} == {
        "code": "G09.99-20261102-00031",
        "procedure": {"code": "1.001193", "name": "Đăng ký khai sinh", "field": "Hộ tịch"},
        "agency": NHA_TRANG_REF, "handling_agency": NHA_TRANG_REF, "level": "commune", "channel": "in_person",
        "received_at": "2026-11-02T08:00:00+07:00", "due_at": "2026-11-05T08:00:00+07:00",
        "appointment_at": "2026-11-05T08:00:00+07:00", "state": "received", "status_code": 2, "version": 1,
        "working_days_left": days_left(today(), dt.date(2026, 11, 5)), "resolved_at": None, "outcome": None,
        "processing_time": {"value": 3, "unit": "working_days"}, "rule_version": "NĐ 118/2025/NĐ-CP",
        "applicant": {"name": "Nguyễn Văn An", "id_number": "056090001234", "phone": "0905123456"},
        "timeline": [],
    }
    assert receipt_entry == {"type": "receive", "at": "2026-11-02T08:00:00+07:00", "actor": "tester", "note": None,
                             "state": "received", "due_at": "2026-11-05T08:00:00+07:00", "channel": "in_person",
                             "agency": NHA_TRANG_REF}
    shown = province.get("/api/dossiers/G09.99-20261102-00031").get_json()
    assert shown["timeline"][0].pop("recorded_at") == response.get_json()["timeline"][0]["recorded_at"]
    assert shown == body


def test_a_receipt_in_another_offset_is_returned_in_vietnam_time(province):
    # 18:30 UTC on Sun 1/11 is 01:30 on Mon 2/11 in Vietnam: counting starts at 07:30, due Thu 5/11 07:30
    body = receive(province, received_at="2026-11-01T18:30:00+00:00")

    assert (body["received_at"], body["due_at"]) == ("2026-11-02T01:30:00+07:00", "2026-11-05T07:30:00+07:00")
    assert body["code"] == "G09.99-20261102-00001"


def test_generated_codes_are_the_agency_code_the_local_date_and_a_number_per_agency_and_day(province):
    codes = [receive(province, agency=NHA_TRANG.name, received_at=at(2, 11, 8))["code"],
             receive(province, agency=NHA_TRANG.code, received_at=at(2, 11, 9))["code"],
             receive(province, agency=CAM_LAM.name, received_at=at(2, 11, 9))["code"],
             receive(province, agency=NHA_TRANG.code, received_at=at(3, 11, 9))["code"],
             receive(province, agency=NHA_TRANG.code, received_at=at(2, 11, 16))["code"]]

    assert codes == ["G09.99-20261102-00001", "G09.99-20261102-00002", "G09.98-20261102-00001",
                     "G09.99-20261103-00001", "G09.99-20261102-00003"]


def test_the_level_defaults_to_the_agencys_and_may_be_given(province):
    at_the_centre = receive(province, procedure=DAT_DAI, agency="G09.01")
    at_the_commune = receive(province, procedure=DAT_DAI, agency=NHA_TRANG.code)
    given = receive(province, procedure=DAT_DAI, agency=NHA_TRANG.code, level="province")

    assert [at_the_centre["level"], at_the_commune["level"], given["level"]] == ["province", "commune", "province"]


def test_an_abolished_procedure_is_409_procedure_not_active_from_its_end(province):
    response = province.post("/api/dossiers", json=receipt(procedure=TRICH_LUC, received_at=at(2, 3, 9)))

    assert error_of(response, 409, "procedure_not_active") == {
        "procedure_code": ["Thủ tục đã bị bãi bỏ hoặc thay thế từ 01/03/2026."]}
    assert response.get_json()["message"] == "Thủ tục 1.000046 không còn hiệu lực vào ngày 02/03/2026."
    # the day before 30/QĐ-UBND took effect, it was still active: received, 2 working days
    before = receive(province, procedure=TRICH_LUC, received_at=at(27, 2, 9))
    assert before["due_at"] == "2026-03-03T09:00:00+07:00"  # Fri 27/2 + Mon 2/3, Tue 3/3


def test_a_procedure_not_yet_in_force_on_the_receipt_date_is_409_procedure_not_active(province):
    response = province.post("/api/dossiers", json=receipt(procedure=LUU_DONG, received_at=at(29, 5, 9)))

    assert list(error_of(response, 409, "procedure_not_active")) == ["procedure_code"]


def test_a_procedure_is_received_from_the_day_its_decision_takes_effect(province):
    refused = province.post("/api/dossiers", json=receipt(procedure=LUU_DONG, received_at=at(29, 5, 9)))
    assert refused.status_code == 409

    body = receive(province, procedure=LUU_DONG, received_at=at(1, 6, 9))

    assert body["due_at"] == "2026-06-04T09:00:00+07:00"  # Mon 1/6 + 3 working days


def test_an_unknown_procedure_is_409_unknown_procedure(province):
    response = province.post("/api/dossiers", json=receipt(procedure=KHAI_SINH, procedure_code="9.999999"))

    assert error_of(response, 409, "unknown_procedure") == {
        "procedure_code": ["Không có thủ tục 9.999999 trong danh mục."]}


def test_an_unknown_agency_is_422_unknown_agency(province):
    response = province.post("/api/dossiers", json=receipt(agency="UBND phường Lộc Thọ mới"))

    message = "Không có đơn vị “UBND phường Lộc Thọ mới” có hiệu lực vào ngày 02/11/2026."
    assert error_of(response, 422, "unknown_agency") == {"agency": [message]}


def test_an_agency_closed_before_the_receipt_date_is_422_unknown_agency_naming_its_successor(province):
    by_code = province.post("/api/dossiers", json=receipt(agency=LOC_THO.code, received_at=at(1, 7, 9, year=2025)))
    by_name = province.post("/api/dossiers", json=receipt(agency=LOC_THO.name, received_at=at(1, 7, 9, year=2025)))

    message = ("Không có đơn vị “{}” có hiệu lực vào ngày 01/07/2025 (đơn vị G09.20 “UBND phường Lộc Thọ” có "
               "hiệu lực đến hết 30/06/2025; đơn vị kế thừa: G09.99).")
    assert error_of(by_code, 422, "unknown_agency") == {"agency": [message.format("G09.20")]}
    assert error_of(by_name, 422, "unknown_agency") == {"agency": [message.format("UBND phường Lộc Thọ")]}
    # on its last day it still received dossiers (a receipt entered late)
    last_day = receive(province, agency=LOC_THO.code, received_at=at(30, 6, 9, year=2025))
    assert (last_day["code"], last_day["agency"]) == ("G09.20-20250630-00001",
                                                      {"code": "G09.20", "name": "UBND phường Lộc Thọ"})


def test_a_naive_receipt_moment_is_422(province):
    response = province.post("/api/dossiers", json=receipt(received_at="2026-11-02T08:00:00"))

    assert error_of(response, 422, "validation_failed") == {
        "received_at": ["Thời điểm phải có múi giờ, ví dụ 2024-04-15T09:30:00+07:00."]}


def test_a_receipt_moment_in_the_future_is_422(province):
    tomorrow = (dt.datetime.now(VIETNAM) + dt.timedelta(days=1)).replace(microsecond=0).isoformat()

    response = province.post("/api/dossiers", json=receipt(received_at=tomorrow))

    assert error_of(response, 422, "validation_failed") == {"received_at": ["Thời điểm không được ở tương lai."]}
    assert province.get("/api/dossiers").get_json()["total"] == 0


def test_a_procedure_without_processing_time_needs_one_in_the_receipt(province):
    response = province.post("/api/dossiers", json=receipt(procedure=HON_NHAN))

    assert error_of(response, 422, "processing_time_required") == {
        "processing_time": ["Trường này là bắt buộc khi thủ tục không có thời hạn giải quyết."]}
    given = receive(province, procedure=HON_NHAN, processing_time={"value": 2, "unit": "working_days"})
    assert (given["due_at"], given["processing_time"]) == ("2026-11-04T08:00:00+07:00",
                                                           {"value": 2, "unit": "working_days"})


def test_a_processing_time_in_the_receipt_wins_over_the_catalogs(province):
    body = receive(province, processing_time={"value": 4, "unit": "working_hours"})

    assert body["due_at"] == "2026-11-02T13:30:00+07:00"  # Mon 2/11 08:00: 3.5 h, lunch, 0.5 h


def test_a_code_already_received_is_409_duplicate_dossier(province):
    receive(province, code="KH-100")

    response = province.post("/api/dossiers", json=receipt(code="KH-100", received_at=at(3, 11, 9)))

    assert error_of(response, 409, "duplicate_dossier") == {}
    assert response.get_json()["message"] == "Hồ sơ KH-100 đã được tiếp nhận."
    assert province.get("/api/dossiers/KH-100").get_json()["received_at"] == "2026-11-02T08:00:00+07:00"


def test_a_receipt_with_the_same_idempotency_key_is_received_once(province):
    headers = {"Idempotency-Key": "mot-cua-nha-trang-0001"}
    first = province.post("/api/dossiers", json=receipt(), headers=headers)
    again = province.post("/api/dossiers", json=receipt(), headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert province.get("/api/dossiers").get_json()["total"] == 1
    other = province.post("/api/dossiers", json=receipt(channel="postal"), headers=headers)
    error_of(other, 422, "idempotency_key_reused")
    assert province.get("/api/dossiers").get_json()["total"] == 1


def test_malformed_receipts_are_422_naming_each_field(province):
    response = province.post("/api/dossiers", json={"code": "KH 1", "procedure_code": "", "channel": "fax",
                                                     "received_at": "hôm qua", "colour": "red"})

    assert sorted(error_of(response, 422, "validation_failed")) == [
        "agency", "channel", "code", "colour", "procedure_code", "received_at"]


# -- steps ---------------------------------------------------------------------------------------------


def test_a_whole_lifecycle_moves_state_status_code_due_and_appointment_as_the_contract_says(province):
    received = receive(province, received_at=at(2, 11, 8))  # due Thu 5/11 08:00
    code = received["code"]

    after = [logged(province, code, "start_processing", at(2, 11, 9), handler="Trần Thị Mai"),
             logged(province, code, "request_supplement", at(2, 11, 14), reason="Thiếu giấy chứng sinh"),
             logged(province, code, "receive_supplement", at(3, 11, 8)),
             logged(province, code, "request_payment", at(3, 11, 10), amount=8_000),
             logged(province, code, "receive_payment", at(3, 11, 13, 30)),
             logged(province, code, "suspend", at(4, 11, 9), reason="Chờ xác minh nơi sinh"),
             logged(province, code, "resume", at(6, 11, 9)),
             logged(province, code, "transfer", at(6, 11, 10), to_agency=CAM_LAM.code),
             logged(province, code, "apologize", at(6, 11, 11), new_appointment_at=at(10, 11, 17),
                    reason="Chờ xã Cam Lâm xác nhận"),
             logged(province, code, "resolve", at(10, 11, 9)),
             logged(province, code, "deliver", at(10, 11, 14), method="in_person")]

    assert [(d["state"], d["status_code"], d["version"]) for d in [received, *after]] == [
        ("received", 2, 1), ("processing", 4, 2), ("awaiting_supplement", 5, 3), ("processing", 4, 4), ("awaiting_payment", 6, 5),
        ("processing", 4, 6), ("suspended", 8, 7), ("processing", 4, 8), ("processing", 4, 9),
        ("processing", 4, 10), ("resolved", 9, 11), ("delivered", 10, 12)]
    assert [d["due_at"] for d in after] == [
        "2026-11-05T08:00:00+07:00", "2026-11-05T08:00:00+07:00",
        # paused 2/11 14:00–17:00 and 3/11 07:30–08:00: 3.5 h; 5/11 08:00 + 3.5 h → 11:30 (end of a span)
        "2026-11-05T11:30:00+07:00", "2026-11-05T11:30:00+07:00",
        # paused 3/11 10:00–11:30 and 13:00–13:30: 2 h; 5/11 11:30 + 2 h → 15:00 after lunch
        "2026-11-05T15:00:00+07:00", "2026-11-05T15:00:00+07:00",
        # suspended 4/11 09:00 – 6/11 09:00: 6.5 h + 8 h + 1.5 h = 16 h; 5/11 15:00 + 2 h, Fri 6/11 8 h,
        # Mon 9/11 4 h + 2 h → 9/11 15:00
        "2026-11-09T15:00:00+07:00", "2026-11-09T15:00:00+07:00", "2026-11-09T15:00:00+07:00",
        "2026-11-09T15:00:00+07:00", "2026-11-09T15:00:00+07:00"]
    # the apology moved the appointment only, and every later step kept it; a late resolution is still late.
    # (Whether a pause moves the appointment the receipt printed, api.md does not say: not checked here.)
    assert after[7]["appointment_at"] != "2026-11-10T17:00:00+07:00"
    assert [d["appointment_at"] for d in after[8:]] == ["2026-11-10T17:00:00+07:00"] * 3
    assert [d["handling_agency"] for d in (after[6], after[7])] == [NHA_TRANG_REF, CAM_LAM_REF]
    final = after[-1]
    assert (final["resolved_at"], final["outcome"], final["working_days_left"]) == (
        "2026-11-10T09:00:00+07:00", "late", None)
    timeline = final["timeline"]
    assert [entry["type"] for entry in timeline] == [
        "receive", "start_processing", "request_supplement", "receive_supplement", "request_payment",
        "receive_payment", "suspend", "resume", "transfer", "apologize", "resolve", "deliver"]
    assert all(recorded_recently(entry["recorded_at"]) and entry["actor"] == "tester" for entry in timeline)
    assert [entry["at"] for entry in timeline[1:]] == [
        at(2, 11, 9), at(2, 11, 14), at(3, 11, 8), at(3, 11, 10), at(3, 11, 13, 30), at(4, 11, 9), at(6, 11, 9),
        at(6, 11, 10), at(6, 11, 11), at(10, 11, 9), at(10, 11, 14)]
    assert [timeline[1]["handler"], timeline[2]["reason"], timeline[4]["amount"], timeline[8]["to_agency"],
            timeline[9]["new_appointment_at"], timeline[10]["outcome"], timeline[11]["method"]] == [
        "Trần Thị Mai", "Thiếu giấy chứng sinh", 8_000, CAM_LAM_REF, "2026-11-10T17:00:00+07:00", "late",
        "in_person"]
    assert province.get(f"/api/dossiers/{code}").get_json() == final


def test_a_supplement_restarts_the_whole_processing_time_when_the_procedure_says_so(province):
    # Mon 2/11 08:00 + 10 working days → Mon 16/11 08:00
    code = receive(province, procedure=DAT_DAI, received_at=at(2, 11, 8))["code"]
    logged(province, code, "request_supplement", at(3, 11, 8), reason="Thiếu sơ đồ thửa đất")

    body = logged(province, code, "receive_supplement", at(5, 11, 14))

    # 10 working days again from Thu 5/11 14:00: 6, 9–13, 16, 17, 18, 19 → Thu 19/11 14:00
    assert body["due_at"] == "2026-11-19T14:00:00+07:00"


def test_withdrawing_gives_status_7_and_rejecting_status_3(province):
    withdrawn = receive(province, received_at=at(2, 11, 8))["code"]
    rejected = receive(province, received_at=at(2, 11, 9))["code"]
    logged(province, withdrawn, "start_processing", at(2, 11, 10))
    logged(province, withdrawn, "request_payment", at(3, 11, 10))

    bodies = [logged(province, withdrawn, "withdraw", at(4, 11, 8)),
              logged(province, rejected, "reject", at(2, 11, 10), reason="Không thuộc thẩm quyền")]

    assert [(b["state"], b["status_code"], b["working_days_left"], b["resolved_at"], b["outcome"])
            for b in bodies] == [("withdrawn", 7, None, None, "returned"), ("rejected", 3, None, None, "returned")]


@pytest.mark.parametrize("steps, refused, allowed", [
    ([], ("receive_payment", {}),
     ["start_processing", "transfer", "request_supplement", "suspend", "apologize", "resolve", "withdraw", "reject"]),
    ([("start_processing", {}), ("request_payment", {})], ("resolve", {}), ["receive_payment", "withdraw"]),
    ([("start_processing", {}), ("request_payment", {})], ("reject", {"reason": "Không nộp phí"}),
     ["receive_payment", "withdraw"]),
    ([("request_supplement", {"reason": "Thiếu ảnh"})], ("suspend", {"reason": "Chờ xác minh"}),
     ["receive_supplement", "withdraw", "reject"]),
    ([("suspend", {"reason": "Chờ xác minh"})], ("reject", {"reason": "Không đủ điều kiện"}), ["resume", "withdraw"]),
    ([], ("request_payment", {}), ["start_processing", "transfer", "request_supplement", "suspend", "apologize",
                                   "resolve", "withdraw", "reject"]),
    ([("resolve", {})], ("start_processing", {}), ["deliver"]),
    ([("resolve", {}), ("deliver", {"method": "postal"})], ("withdraw", {}), []),
    ([("withdraw", {})], ("resolve", {}), []),
])
def test_a_step_not_allowed_from_the_state_is_409_listing_the_allowed_steps(province, steps, refused, allowed):
    code = receive(province, received_at=at(2, 11, 8))["code"]
    for n, (type, fields) in enumerate(steps):
        logged(province, code, type, at(3, 11, 8 + n), **fields)
    version = province.get(f"/api/dossiers/{code}").get_json()["version"]

    response = log(province, code, refused[0], at(4, 11, 9), **refused[1])

    assert error_of(response, 409, "illegal_transition") == {"allowed": allowed}
    assert province.get(f"/api/dossiers/{code}").get_json()["version"] == version


def test_a_step_dated_before_the_previous_one_is_422_and_at_the_same_moment_is_accepted(province):
    code = receive(province, received_at=at(2, 11, 8))["code"]
    logged(province, code, "start_processing", at(3, 11, 9))

    earlier = log(province, code, "resolve", at(3, 11, 8, 59))
    before_receipt = log(province, code, "resolve", at(2, 11, 7))

    assert error_of(earlier, 422, "step_before_previous") == {
        "at": ["Thời điểm của bước không được sớm hơn bước trước (2026-11-03T09:00:00+07:00)."]}
    assert error_of(before_receipt, 422, "step_before_previous") == {
        "at": ["Thời điểm của bước không được sớm hơn bước trước (2026-11-03T09:00:00+07:00)."]}
    assert logged(province, code, "resolve", at(3, 11, 9))["state"] == "resolved"


def test_a_step_in_the_future_or_without_offset_is_422(province):
    code = receive(province, received_at=at(2, 11, 8))["code"]
    tomorrow = (dt.datetime.now(VIETNAM) + dt.timedelta(days=1)).replace(microsecond=0).isoformat()

    assert error_of(log(province, code, "resolve", tomorrow), 422, "validation_failed") == {
        "at": ["Thời điểm không được ở tương lai."]}
    assert error_of(log(province, code, "resolve", "2026-11-03T09:00:00"), 422, "validation_failed") == {
        "at": ["Thời điểm phải có múi giờ, ví dụ 2024-04-15T09:30:00+07:00."]}
    assert province.get(f"/api/dossiers/{code}").get_json()["version"] == 1


REQUIRED = ["Trường này là bắt buộc với bước này."]


@pytest.mark.parametrize("type, fields, errors", [
    ("request_supplement", {}, {"reason": REQUIRED}),
    ("suspend", {}, {"reason": REQUIRED}),
    ("reject", {}, {"reason": REQUIRED}),
    ("transfer", {}, {"to_agency": REQUIRED}),
    ("apologize", {"reason": "Chờ xác minh"}, {"new_appointment_at": REQUIRED}),
    ("apologize", {"new_appointment_at": "2026-11-10T17:00:00+07:00"}, {"reason": REQUIRED}),
    ("resolve", {"reason": "Đã xong", "to_agency": "G09.98"},
     {"reason": ["Bước resolve không có trường này."], "to_agency": ["Bước resolve không có trường này."]}),
    ("start_processing", {"amount": 1000}, {"amount": ["Bước start_processing không có trường này."]}),
    ("withdraw", {"method": "online"}, {"method": ["Bước withdraw không có trường này."]}),
    ("suspend", {"reason": "   "}, {"reason": ["Trường này là bắt buộc."]}),
    ("apologize", {"new_appointment_at": "2026-11-02T17:00:00+07:00", "reason": "Chờ xác minh"},
     {"new_appointment_at": ["Ngày hẹn trả mới phải sau thời điểm xin lỗi."]}),
    ("teleport", {}, {"type": [("Phải là một trong: start_processing, transfer, request_supplement, receive_supplement, "
                                "request_payment, receive_payment, suspend, resume, apologize, resolve, deliver, "
                                "withdraw, reject.")]}),
])
def test_a_step_missing_a_field_or_carrying_another_types_field_is_422_naming_it(province, type, fields, errors):
    code = receive(province, received_at=at(2, 11, 8))["code"]

    response = log(province, code, type, at(3, 11, 9), **fields)

    assert error_of(response, 422, "validation_failed") == errors
    assert province.get(f"/api/dossiers/{code}").get_json()["version"] == 1


def test_a_delivery_needs_a_known_method(province):
    code = receive(province, received_at=at(2, 11, 8))["code"]
    logged(province, code, "resolve", at(3, 11, 9))

    assert error_of(log(province, code, "deliver", at(3, 11, 10)), 422, "validation_failed") == {
        "method": REQUIRED}
    assert error_of(log(province, code, "deliver", at(3, 11, 10), method="fax"), 422, "validation_failed") == {
        "method": ["Phải là một trong: in_person, online, postal."]}


def test_a_transfer_to_an_agency_not_valid_on_its_date_is_422_unknown_agency(province):
    code = receive(province, received_at=at(2, 11, 8))["code"]

    unknown = log(province, code, "transfer", at(3, 11, 9), to_agency="G77")
    closed = log(province, code, "transfer", at(3, 11, 9), to_agency=LOC_THO.code)

    assert error_of(unknown, 422, "unknown_agency") == {
        "to_agency": ["Không có đơn vị “G77” có hiệu lực vào ngày 03/11/2026."]}
    assert error_of(closed, 422, "unknown_agency") == {"to_agency": [(
        "Không có đơn vị “G09.20” có hiệu lực vào ngày 03/11/2026 (đơn vị G09.20 “UBND phường Lộc Thọ” có hiệu "
        "lực đến hết 30/06/2025; đơn vị kế thừa: G09.99).")]}
    by_name = logged(province, code, "transfer", at(3, 11, 9), to_agency=SO_NN.name)
    assert by_name["handling_agency"] == {"code": SO_NN.code, "name": SO_NN.name}


def test_if_match_with_another_version_is_412_naming_the_current_one(province):
    code = receive(province, received_at=at(2, 11, 8))["code"]
    logged(province, code, "start_processing", at(2, 11, 9))

    stale = log(province, code, "resolve", at(3, 11, 9), headers={"If-Match": "1"})

    assert error_of(stale, 412, "version_mismatch") == {"version": 2}
    assert stale.get_json()["message"] == f"Hồ sơ {code} đang ở phiên bản 2, không phải 1."
    assert province.get(f"/api/dossiers/{code}").get_json()["state"] == "processing"
    current = log(province, code, "resolve", at(3, 11, 9), headers={"If-Match": "2"})
    assert (current.status_code, current.get_json()["state"], current.get_json()["version"]) == (200, "resolved", 3)
    quoted = log(province, code, "deliver", at(3, 11, 10), headers={"If-Match": '"3"'}, method="online")
    assert (quoted.status_code, quoted.get_json()["version"]) == (200, 4)


def test_if_match_that_is_not_a_version_is_422(province):
    code = receive(province, received_at=at(2, 11, 8))["code"]

    response = log(province, code, "resolve", at(3, 11, 9), headers={"If-Match": "v-mot"})

    assert error_of(response, 422, "validation_failed") == {"If-Match": ["If-Match phải là số phiên bản của hồ sơ."]}
    assert province.get(f"/api/dossiers/{code}").get_json()["version"] == 1


def test_a_step_repeated_with_the_same_idempotency_key_is_recorded_once(province):
    code = receive(province, received_at=at(2, 11, 8))["code"]
    headers = {"Idempotency-Key": f"{code}-supplement"}
    body = {"type": "request_supplement", "at": at(2, 11, 10), "reason": "Thiếu giấy chứng sinh"}

    first = province.post(f"/api/dossiers/{code}/steps", json=body, headers=headers)
    again = province.post(f"/api/dossiers/{code}/steps", json=body, headers=headers)

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.get_json() == first.get_json()
    shown = province.get(f"/api/dossiers/{code}").get_json()
    assert (shown["version"], len(shown["timeline"])) == (2, 2)
    other = province.post(f"/api/dossiers/{code}/steps", json={**body, "reason": "Thiếu ảnh"}, headers=headers)
    error_of(other, 422, "idempotency_key_reused")
    shown = province.get(f"/api/dossiers/{code}").get_json()
    assert (shown["version"], len(shown["timeline"])) == (2, 2)


def test_a_refused_step_may_be_retried_with_the_same_idempotency_key(province):
    code = receive(province, received_at=at(2, 11, 8))["code"]
    headers = {"Idempotency-Key": f"{code}-resolve"}
    body = {"type": "resolve", "at": at(2, 11, 10)}
    logged(province, code, "suspend", at(2, 11, 9), reason="Chờ xác minh")

    refused = province.post(f"/api/dossiers/{code}/steps", json=body, headers=headers)
    logged(province, code, "resume", at(2, 11, 9, 30))
    retried = province.post(f"/api/dossiers/{code}/steps", json=body, headers=headers)

    assert (refused.status_code, retried.status_code, retried.get_json()["state"]) == (409, 200, "resolved")


def test_an_unknown_dossier_is_404(province):
    shown = province.get("/api/dossiers/KH-404")
    stepped = log(province, "KH-404", "resolve", at(3, 11, 9))

    for response in (shown, stepped):
        assert error_of(response, 404, "dossier_not_found") == {}
        assert response.get_json()["message"] == "Không tìm thấy hồ sơ KH-404."


# -- reading: working days left and the list, on the scenario --------------------------------------------


def test_working_days_left_counts_from_today_while_the_clock_runs(scenario):
    for code in ("KH-05", "KH-09", "KH-13", "KH-17", "KH-30", "KH-31"):
        body = scenario.get(f"/api/dossiers/{code}").get_json()
        assert body["state"] == OPEN_NOW[code]
        assert body["working_days_left"] == days_left(today(), day_of(BY_CODE[code].due_at)), code


def test_working_days_left_is_frozen_at_the_pause_while_paused(scenario):
    left = {code: scenario.get(f"/api/dossiers/{code}").get_json()["working_days_left"]
            for code in ("KH-14", "KH-15", "KH-28")}

    # suspended Tue 6/10, due Mon 12/10: 7, 8, 9, 12/10; awaiting a supplement since Wed 14/10, due Mon 26/10:
    # 15, 16, 19–23, 26/10; suspended Mon 10/8, due Tue 18/8: 11–14, 17, 18/8
    assert left == {"KH-14": 4, "KH-15": 8, "KH-28": 6}


def test_working_days_left_is_null_once_the_clock_has_stopped(scenario):
    bodies = [scenario.get(f"/api/dossiers/{code}").get_json() for code in ("KH-01", "KH-02", "KH-04", "KH-12")]

    assert [(b["state"], b["working_days_left"]) for b in bodies] == [
        ("delivered", None), ("withdrawn", None), ("resolved", None), ("rejected", None)]
    assert [b["resolved_at"] for b in bodies] == ["2026-09-21T10:00:00+07:00", None, "2026-10-05T15:00:00+07:00",
                                                  None]


def test_an_apology_moves_the_appointment_and_not_the_due_moment(scenario):
    body = scenario.get("/api/dossiers/KH-05").get_json()

    assert (body["due_at"], body["appointment_at"]) == ("2026-10-05T17:00:00+07:00", "2026-10-12T17:00:00+07:00")
    assert body["working_days_left"] == days_left(today(), dt.date(2026, 10, 5))


def listed(client, **params) -> tuple[list[str], int]:
    response = client.get("/api/dossiers", query_string=params)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    return [item["code"] for item in body["items"]], body["total"]


def test_the_list_is_latest_receipt_first_and_paginated_with_exact_totals(scenario):
    first = scenario.get("/api/dossiers", query_string={"per_page": 4}).get_json()
    third = scenario.get("/api/dossiers", query_string={"per_page": 4, "page": 3}).get_json()
    last = scenario.get("/api/dossiers", query_string={"per_page": 4, "page": 8}).get_json()
    beyond = scenario.get("/api/dossiers", query_string={"per_page": 4, "page": 9}).get_json()

    assert ([i["code"] for i in first["items"]], first["total"], first["page"], first["per_page"]) == (
        ["KH-31", "KH-30", "KH-17", "KH-10"], 31, 1, 4)
    assert [i["code"] for i in third["items"]] == ["KH-13", "KH-12", "KH-11", "KH-08"]
    assert ([i["code"] for i in last["items"]], last["total"]) == (["KH-23", "KH-33", "KH-32"], 31)
    assert (beyond["items"], beyond["total"], beyond["page"]) == ([], 31, 9)
    assert first["items"][0] == scenario.get("/api/dossiers/KH-31").get_json()


@pytest.mark.parametrize("params, codes", [
    ({"state": "received"}, ["KH-31", "KH-30", "KH-17", "KH-09"]),
    ({"state": "suspended"}, ["KH-14", "KH-28"]),
    ({"state": "delivered"}, ["KH-01", "KH-03", "KH-24"]),
    ({"state": "withdrawn"}, ["KH-11", "KH-02", "KH-22"]),
    # receiving agency, or the one now handling it (KH-03 was transferred to the department)
    ({"agency": CAM_LAM.code}, ["KH-31", "KH-10", "KH-09", "KH-16", "KH-08", "KH-19", "KH-27", "KH-22"]),
    ({"agency": SO_NN.code}, ["KH-03"]),
    ({"level": "province"}, ["KH-13", "KH-11", "KH-05", "KH-03", "KH-28", "KH-29", "KH-24", "KH-23"]),
    ({"procedure_code": CHUNG_THUC.code}, ["KH-07", "KH-06", "KH-19", "KH-26", "KH-22", "KH-33"]),
    # MONTH's receipts; KH-19 was received at 01:30 on 21/9 Vietnam time (18:30 UTC on 20/9)
    ({"received_from": "2026-09-21", "received_to": "2026-10-20"},
     ["KH-10", "KH-09", "KH-16", "KH-15", "KH-14", "KH-13", "KH-12", "KH-11", "KH-08", "KH-07", "KH-06", "KH-19"]),
    ({"received_to": "2026-06-12"}, ["KH-22", "KH-21", "KH-23", "KH-33", "KH-32"]),
    ({"received_from": "2026-11-01"}, ["KH-31", "KH-30"]),
    ({"state": "resolved", "level": "commune", "procedure_code": KHAI_SINH.code, "received_from": "2026-06-15"},
     ["KH-10", "KH-16", "KH-08", "KH-27", "KH-25"]),
    ({"state": "rejected", "agency": CAM_LAM.code}, []),
])
def test_the_list_filters_by_state_agency_level_procedure_and_receipt_dates(scenario, params, codes):
    assert listed(scenario, **params) == (codes, len(codes))


def test_list_filters_combine_with_pagination(scenario):
    page = scenario.get("/api/dossiers", query_string={"agency": CAM_LAM.code, "per_page": 3, "page": 2}).get_json()

    assert ([i["code"] for i in page["items"]], page["total"]) == (["KH-16", "KH-08", "KH-19"], 8)


def test_bad_list_filters_are_422(scenario):
    response = scenario.get("/api/dossiers", query_string={"state": "open", "level": "ward", "per_page": 501,
                                                           "received_from": "21/09/2026"})

    assert sorted(error_of(response, 422, "validation_failed")) == ["level", "per_page", "received_from", "state"]
