"""A dossier's life through the real Tracker on the in-memory store: the step table of the contract, the
refusals (illegal transitions, moments out of order or in the future, missing fields, versions, duplicates,
the catalog and the agency registry), generated codes, bulk import, replay, and the projection's timeline
and clock segments.
"""

import datetime as dt
import re

import pytest

from tests.unit.tracker_fakes import (
    NOW,
    Agencies,
    Agency,
    Procedures,
    at,
    procedure,
    tracker_with,
)
from tracker.agencies import UnknownAgencyError
from tracker.application import content_code
from tracker.domain import (
    TRANSITIONS,
    DossierNotFoundError,
    DuplicateDossierError,
    IllegalTransitionError,
    InvalidDossierError,
    ProcedureNotActiveError,
    VersionMismatchError,
)
from tracker.projections import DossierProjection

PROCEDURE = "1.000001"  # 3 working days
ABOLISHED = "1.000002"  # bãi bỏ from 1/7/2025
WITHOUT_TIME = "1.000003"  # the catalog gives no processing time
CODE = "G09.20-TEST-1"
RECEIVED_AT = at(9, 2, 9)  # Mon 9/2/2026 → Tue 10, Wed 11, Thu 12: due Thu 12/2 09:00
DUE_AT = "2026-02-12T09:00:00+07:00"

# api.md, "log a step": the states each step type may be logged from, written out by hand, in contract order
ALLOWED = {
    "received": ["start_processing", "transfer", "request_supplement", "suspend", "apologize", "resolve",
                 "withdraw", "reject"],
    "processing": ["transfer", "request_supplement", "request_payment", "suspend", "apologize", "resolve",
                   "withdraw", "reject"],
    "awaiting_supplement": ["receive_supplement", "withdraw", "reject"],
    "awaiting_payment": ["receive_payment", "withdraw"],
    "suspended": ["resume", "withdraw"],
    "resolved": ["deliver"],
    "delivered": [],
    "withdrawn": [],
    "rejected": [],
}
TARGET = {"start_processing": "processing", "transfer": "processing", "request_supplement": "awaiting_supplement",
          "receive_supplement": "processing", "request_payment": "awaiting_payment", "receive_payment": "processing",
          "suspend": "suspended", "resume": "processing", "apologize": None, "resolve": "resolved",
          "deliver": "delivered", "withdraw": "withdrawn", "reject": "rejected"}
STATUS_CODES = {"received": 2, "rejected": 3, "processing": 4, "awaiting_supplement": 5, "awaiting_payment": 6,
                "withdrawn": 7, "suspended": 8, "resolved": 9, "delivered": 10}

# a valid body for each step type, and the steps that lead to each state from receipt
FIELDS = {
    "start_processing": {"handler": "Nguyễn Thị Bình"},
    "transfer": {"to_agency": "Sở Tư pháp tỉnh Khánh Hòa"},
    "request_supplement": {"reason": "Thiếu bản sao giấy khai sinh"},
    "receive_supplement": {},
    "request_payment": {"amount": 150_000},
    "receive_payment": {},
    "suspend": {"reason": "Chờ ý kiến Sở Tư pháp"},
    "resume": {},
    "apologize": {"new_appointment_at": at(20, 3, 9), "reason": "Chờ xác minh"},
    "resolve": {},
    "deliver": {"method": "postal"},
    "withdraw": {"reason": "Công dân rút hồ sơ"},
    "reject": {"reason": "Không đủ điều kiện"},
}
PATHS = {
    "received": [],
    "processing": ["start_processing"],
    "awaiting_supplement": ["request_supplement"],
    "awaiting_payment": ["start_processing", "request_payment"],
    "suspended": ["suspend"],
    "resolved": ["resolve"],
    "delivered": ["resolve", "deliver"],
    "withdrawn": ["withdraw"],
    "rejected": ["reject"],
}
NEXT_AT = at(10, 2, 9)  # after every step of PATHS


@pytest.fixture
def agencies():
    return Agencies([
        Agency("G09.20", "UBND phường Lộc Thọ", "commune"),
        Agency("G09", "Sở Tư pháp tỉnh Khánh Hòa", "province"),
        Agency("H32.12", "UBND xã Vĩnh Lương", "commune", valid_to=dt.date(2025, 6, 30)),  # merged 1/7/2025
    ])


@pytest.fixture
def tracker(agencies):
    procedures = Procedures(dict([
        procedure(PROCEDURE), procedure(ABOLISHED, valid_to=dt.date(2025, 6, 30)), procedure(WITHOUT_TIME, None),
    ]))
    return tracker_with(procedures, agencies)


def receive(tracker, code=CODE, received_at=RECEIVED_AT, **fields):
    body = {"procedure_code": PROCEDURE, "agency": "G09.20", "channel": "in_person", "received_at": received_at,
            "actor": "mot-cua", "code": code}
    return tracker.receive_dossier(**{**body, **fields})


def step(tracker, type, moment, code=CODE, **fields):
    return tracker.log_step(code, {"type": type, "at": moment, **fields}, actor="chuyen-vien")


def dossier_in(tracker, state, code=CODE):
    receive(tracker, code)
    for n, type in enumerate(PATHS[state]):
        step(tracker, type, at(9, 2, 10 + n), code, **FIELDS[type])
    return tracker.get_dossier(code)


# ---- the step table -------------------------------------------------------------------------------------

def test_the_transition_table_is_the_contracts():
    assert {state: [t for t, (sources, _) in TRANSITIONS.items() if state in sources] for state in ALLOWED} == ALLOWED
    assert {t: target for t, (_, target) in TRANSITIONS.items()} == TARGET


LEGAL = [(state, type) for type, (sources, _) in TRANSITIONS.items() for state in sources]
ILLEGAL = [(state, type) for state in STATUS_CODES for type in TRANSITIONS if (state, type) not in LEGAL]


@pytest.mark.parametrize("state, type", LEGAL)
def test_every_step_type_is_logged_from_its_allowed_states(tracker, state, type):
    before = dossier_in(tracker, state)
    assert (before.state, before.status_code) == (state, STATUS_CODES[state])
    dossier = step(tracker, type, NEXT_AT, **FIELDS[type])
    expected = TARGET[type] or state
    assert (dossier.state, dossier.status_code, dossier.version) == (expected, STATUS_CODES[expected],
                                                                     before.version + 1)
    assert dossier.allowed_steps() == ALLOWED[expected]


@pytest.mark.parametrize("state, type", ILLEGAL)
def test_every_other_transition_is_refused_listing_the_allowed_steps(tracker, state, type):
    before = dossier_in(tracker, state)
    with pytest.raises(IllegalTransitionError) as refused:
        step(tracker, type, NEXT_AT, **FIELDS[type])
    assert (refused.value.reason, refused.value.errors) == ("illegal_transition", {"allowed": ALLOWED[state]})
    assert tracker.get_dossier(CODE).version == before.version  # nothing recorded


def test_a_resolved_dossier_can_only_be_delivered(tracker):
    dossier_in(tracker, "resolved")
    with pytest.raises(IllegalTransitionError) as refused:
        step(tracker, "request_supplement", NEXT_AT, reason="Thiếu ảnh")
    assert refused.value.errors == {"allowed": ["deliver"]}
    assert refused.value.message == f"Không thể thực hiện bước request_supplement khi hồ sơ {CODE} đang ở trạng thái " \
                                    "\"Đã xử lý xong\"."


def test_a_dossier_awaiting_payment_can_only_receive_it_or_be_withdrawn(tracker):
    dossier_in(tracker, "awaiting_payment")
    with pytest.raises(IllegalTransitionError) as refused:
        step(tracker, "reject", NEXT_AT, reason="Không nộp phí")
    assert refused.value.errors == {"allowed": ["receive_payment", "withdraw"]}


def test_a_delivered_dossier_allows_no_step(tracker):
    dossier_in(tracker, "delivered")
    with pytest.raises(IllegalTransitionError) as refused:
        step(tracker, "withdraw", NEXT_AT)
    assert refused.value.errors == {"allowed": []}


def test_delivery_records_the_method_after_resolution(tracker):
    dossier_in(tracker, "resolved")
    dossier = step(tracker, "deliver", NEXT_AT, method="online")
    assert (dossier.state, dossier.status_code, dossier.steps[-1].method) == ("delivered", 10, "online")
    assert dossier.closed_at == at(9, 2, 10)  # the resolution closed it; delivery does not move it


# ---- paused and closing steps ---------------------------------------------------------------------------

@pytest.mark.parametrize("state", ["awaiting_supplement", "awaiting_payment", "suspended"])
def test_a_paused_dossier_can_be_withdrawn(tracker, state):
    dossier_in(tracker, state)
    dossier = step(tracker, "withdraw", NEXT_AT)
    assert (dossier.state, dossier.status_code, dossier.paused_at) == ("withdrawn", 7, None)
    assert (dossier.closed_at, dossier.resolved_at, dossier.outcome) == (NEXT_AT, None, None)
    assert (dossier.due_at.isoformat(), dossier.steps[-1].reason) == (DUE_AT, None)


def test_a_dossier_awaiting_a_supplement_can_be_rejected(tracker):
    dossier_in(tracker, "awaiting_supplement")
    dossier = step(tracker, "reject", NEXT_AT, reason="Quá hạn bổ sung")
    assert (dossier.state, dossier.status_code, dossier.closed_at, dossier.paused_at) == ("rejected", 3, NEXT_AT, None)
    assert dossier.steps[-1].reason == "Quá hạn bổ sung"


def test_a_transfer_changes_the_handling_agency_and_keeps_the_due_moment(tracker):
    dossier_in(tracker, "processing")
    dossier = step(tracker, "transfer", NEXT_AT, to_agency="G09")
    assert (dossier.state, dossier.due_at.isoformat()) == ("processing", DUE_AT)
    assert dossier.handling_agency == {"code": "G09", "name": "Sở Tư pháp tỉnh Khánh Hòa"}
    assert dossier.agency == {"code": "G09.20", "name": "UBND phường Lộc Thọ"}


def test_a_transfer_to_an_agency_not_valid_on_its_date_is_refused(tracker):
    dossier_in(tracker, "processing")
    with pytest.raises(UnknownAgencyError) as refused:
        step(tracker, "transfer", NEXT_AT, to_agency="UBND xã Vĩnh Lương")  # merged on 1/7/2025
    assert refused.value.reason == "unknown_agency"


# ---- moments --------------------------------------------------------------------------------------------

EARLIER_THAN = "Thời điểm của bước không được sớm hơn bước trước"


def test_a_step_dated_before_the_previous_one_is_refused(tracker):
    receive(tracker)
    step(tracker, "start_processing", at(9, 2, 10))
    with pytest.raises(InvalidDossierError) as refused:
        step(tracker, "resolve", at(9, 2, 9, 59))
    assert (refused.value.reason, refused.value.errors) == (
        "step_before_previous", {"at": [f"{EARLIER_THAN} (2026-02-09T10:00:00+07:00)."]})


def test_a_step_dated_before_the_receipt_is_refused(tracker):
    receive(tracker)
    with pytest.raises(InvalidDossierError) as refused:
        step(tracker, "start_processing", at(9, 2, 8))
    assert (refused.value.reason, refused.value.errors) == (
        "step_before_previous", {"at": [f"{EARLIER_THAN} (2026-02-09T09:00:00+07:00)."]})


def test_a_step_at_the_same_moment_as_the_previous_one_is_accepted(tracker):
    receive(tracker)
    step(tracker, "start_processing", RECEIVED_AT)
    assert step(tracker, "resolve", RECEIVED_AT).state == "resolved"


def test_a_step_more_than_two_minutes_in_the_future_is_refused(tracker):
    receive(tracker)
    assert step(tracker, "start_processing", NOW + dt.timedelta(minutes=2)).state == "processing"
    with pytest.raises(InvalidDossierError) as refused:
        step(tracker, "resolve", NOW + dt.timedelta(minutes=2, seconds=1))
    assert (refused.value.reason, refused.value.errors) == ("validation_failed",
                                                            {"at": ["Thời điểm không được ở tương lai."]})


def test_a_receipt_more_than_two_minutes_in_the_future_is_refused(tracker):
    assert receive(tracker, received_at=NOW + dt.timedelta(minutes=2)).state == "received"
    with pytest.raises(InvalidDossierError) as refused:
        receive(tracker, code="G09.20-TEST-2", received_at=NOW + dt.timedelta(minutes=2, seconds=1))
    assert (refused.value.reason, refused.value.errors) == ("validation_failed",
                                                            {"received_at": ["Thời điểm không được ở tương lai."]})
    with pytest.raises(DossierNotFoundError):
        tracker.get_dossier("G09.20-TEST-2")


def test_a_naive_receipt_moment_is_refused(tracker):
    with pytest.raises(InvalidDossierError) as refused:
        receive(tracker, received_at=dt.datetime(2026, 2, 9, 9, 0))
    assert (refused.value.reason, refused.value.errors) == ("validation_failed",
                                                            {"received_at": ["Thời điểm phải có múi giờ."]})


def test_a_naive_step_moment_is_refused(tracker):
    receive(tracker)
    with pytest.raises(InvalidDossierError) as refused:
        step(tracker, "start_processing", dt.datetime(2026, 2, 9, 10, 0))
    assert (refused.value.reason, refused.value.errors) == ("validation_failed", {"at": ["Thời điểm phải có múi giờ."]})


# ---- fields ---------------------------------------------------------------------------------------------

REQUIRED = ["Trường này là bắt buộc."]
ALLOWED_TYPES = ["start_processing", "transfer", "request_supplement", "receive_supplement", "request_payment",
                 "receive_payment", "suspend", "resume", "apologize", "resolve", "deliver", "withdraw", "reject"]


@pytest.mark.parametrize("state, type, fields, errors", [
    ("received", "request_supplement", {}, {"reason": REQUIRED}),
    ("received", "request_supplement", {"reason": "  "}, {"reason": REQUIRED}),
    ("processing", "suspend", {}, {"reason": REQUIRED}),
    ("awaiting_supplement", "reject", {}, {"reason": REQUIRED}),
    ("processing", "apologize", {"new_appointment_at": at(20, 3, 9)}, {"reason": REQUIRED}),
    ("processing", "apologize", {"reason": "Chờ xác minh"}, {"new_appointment_at": REQUIRED}),
    ("processing", "apologize", {"reason": "Chờ xác minh", "new_appointment_at": NEXT_AT},
     {"new_appointment_at": ["Ngày hẹn trả mới phải sau thời điểm xin lỗi."]}),
    ("processing", "apologize", {"reason": "Chờ xác minh", "new_appointment_at": dt.datetime(2026, 3, 20, 9)},
     {"new_appointment_at": ["Ngày hẹn trả mới phải sau thời điểm xin lỗi."]}),
    ("processing", "transfer", {}, {"to_agency": REQUIRED}),
    ("resolved", "deliver", {}, {"method": REQUIRED}),
    ("resolved", "deliver", {"method": "fax"}, {"method": ["Phải là một trong: in_person, online, postal."]}),
    ("processing", "request_payment", {"amount": -1}, {"amount": ["Số tiền không hợp lệ."]}),
    ("processing", "approve", {}, {"type": [f"Phải là một trong: {', '.join(ALLOWED_TYPES)}."]}),
])
def test_a_step_missing_or_with_a_bad_field_is_refused_naming_the_field(tracker, state, type, fields, errors):
    before = dossier_in(tracker, state)
    with pytest.raises(InvalidDossierError) as refused:
        step(tracker, type, NEXT_AT, **fields)
    assert (refused.value.reason, refused.value.errors) == ("validation_failed", errors)
    assert tracker.get_dossier(CODE).version == before.version


def test_a_receipt_lists_every_bad_field(tracker):
    with pytest.raises(InvalidDossierError) as refused:
        receive(tracker, channel="fax", level="ward", processing_time={"value": -1, "unit": "working_days"})
    assert (refused.value.reason, refused.value.errors) == ("validation_failed", {
        "channel": ["Kênh tiếp nhận phải là một trong: in_person, online, postal."],
        "level": ["Cấp phải là một trong: central, province, district, commune."],
        "processing_time": ["Thời hạn giải quyết phải có value ≥ 0 và unit hợp lệ."],
    })


def test_the_level_defaults_to_the_agencys(tracker):
    assert receive(tracker).level == "commune"
    assert receive(tracker, code="G09.20-TEST-2", level="province").level == "province"


# ---- versions and codes ---------------------------------------------------------------------------------

def test_a_step_for_another_version_is_refused(tracker):
    receive(tracker)
    step(tracker, "start_processing", at(9, 2, 10))
    with pytest.raises(VersionMismatchError) as refused:
        tracker.log_step(CODE, {"type": "resolve", "at": at(9, 2, 11)}, actor="chuyen-vien", expected_version=1)
    assert (refused.value.reason, refused.value.errors) == ("version_mismatch", {"version": 2})
    dossier = tracker.log_step(CODE, {"type": "resolve", "at": at(9, 2, 11)}, actor="chuyen-vien", expected_version=2)
    assert (dossier.state, dossier.version) == ("resolved", 3)


def test_a_code_is_received_once(tracker):
    receive(tracker)
    with pytest.raises(DuplicateDossierError) as refused:
        receive(tracker, received_at=at(10, 2, 9))
    assert refused.value.reason == "duplicate_dossier"
    assert tracker.get_dossier(CODE).received_at == RECEIVED_AT


def test_codes_are_generated_per_agency_and_day(tracker):
    codes = [receive(tracker, code=None).code for _ in range(3)]
    assert codes == ["G09.20-20260209-00001", "G09.20-20260209-00002", "G09.20-20260209-00003"]
    assert receive(tracker, code=None, received_at=at(10, 2, 9)).code == "G09.20-20260210-00001"
    assert receive(tracker, code=None, agency="Sở Tư pháp tỉnh Khánh Hòa").code == "G09-20260209-00001"
    # a code given by hand that takes the next number is skipped
    receive(tracker, code="G09.20-20260209-00004")
    assert receive(tracker, code=None).code == "G09.20-20260209-00005"


def test_an_unknown_dossier_is_not_found(tracker):
    with pytest.raises(DossierNotFoundError) as refused:
        step(tracker, "resolve", NEXT_AT, code="G09.20-NONE")
    assert refused.value.reason == "dossier_not_found"


# ---- catalog and registry -------------------------------------------------------------------------------

def test_an_unknown_procedure_is_refused(tracker):
    with pytest.raises(ProcedureNotActiveError) as refused:
        receive(tracker, procedure_code="9.999999")
    assert refused.value.reason == "unknown_procedure"


def test_an_abolished_procedure_is_refused_after_and_accepted_before_its_end(tracker):
    with pytest.raises(ProcedureNotActiveError) as refused:
        receive(tracker, procedure_code=ABOLISHED, received_at=at(1, 7, 7, 30, year=2025))
    assert refused.value.reason == "procedure_not_active"
    dossier = receive(tracker, procedure_code=ABOLISHED, received_at=at(30, 6, 16, year=2025))
    assert (dossier.state, dossier.procedure) == ("received", {"code": ABOLISHED, "name": f"Thủ tục {ABOLISHED}",
                                                               "field": "Hộ tịch"})


def test_an_agency_not_valid_on_the_receipt_date_is_refused(tracker):
    with pytest.raises(UnknownAgencyError) as refused:
        receive(tracker, agency="H32.12", received_at=at(1, 7, 9, year=2025))
    assert refused.value.reason == "unknown_agency"
    assert receive(tracker, agency="H32.12", received_at=at(30, 6, 9, year=2025)).agency == {
        "code": "H32.12", "name": "UBND xã Vĩnh Lương"}


def test_a_processing_time_is_required_from_the_receipt_or_the_catalog(tracker):
    with pytest.raises(InvalidDossierError) as refused:
        receive(tracker, procedure_code=WITHOUT_TIME)
    assert (refused.value.reason, refused.value.errors) == ("processing_time_required", {
        "processing_time": ["Trường này là bắt buộc khi thủ tục không có thời hạn giải quyết."]})
    dossier = receive(tracker, procedure_code=WITHOUT_TIME, processing_time={"value": 2, "unit": "working_days"})
    assert dossier.due_at.isoformat() == "2026-02-11T09:00:00+07:00"  # Mon 9/2 → Tue 10, Wed 11


# ---- replay ---------------------------------------------------------------------------------------------

def test_reloading_a_dossier_replays_the_same_state(tracker):
    receive(tracker, applicant={"name": "Nguyễn Văn A", "phone": "0905000000"})
    step(tracker, "start_processing", at(9, 2, 10), handler="Nguyễn Thị Bình")
    step(tracker, "request_supplement", at(9, 2, 14), reason="Thiếu ảnh")
    step(tracker, "receive_supplement", at(10, 2, 9))
    step(tracker, "transfer", at(10, 2, 10), to_agency="G09")
    step(tracker, "apologize", at(12, 2, 8), new_appointment_at=at(13, 2, 16), reason="Chờ xác minh")
    saved = step(tracker, "resolve", at(13, 2, 9), note="Đã ký")
    loaded = tracker.get_dossier(CODE)
    projection = DossierProjection(tracker)
    assert projection.row_of(loaded) == projection.row_of(saved)
    assert loaded.clock_history == saved.clock_history
    assert (loaded.state, loaded.version, loaded.outcome, loaded.handling_agency["code"]) == (
        "resolved", 7, "late", "G09")
    # paused 3 h Mon 9 + 1.5 h Tue 10 = 4.5 h: Thu 12/2 09:00 → 15:00
    assert (loaded.due_at.isoformat(), loaded.appointment_at.isoformat()) == (
        "2026-02-12T15:00:00+07:00", "2026-02-13T16:00:00+07:00")


# ---- bulk import ----------------------------------------------------------------------------------------

def line(code, received_at=RECEIVED_AT, steps=(), **fields):
    body = {"procedure_code": PROCEDURE, "agency": "G09.20", "channel": "online", "received_at": received_at,
            "steps": [{"type": type, "at": moment, **extra} for type, moment, extra in steps], **fields}
    return body if code is None else {"code": code, **body}


UNKNOWN_H32 = "Không có đơn vị “H32.12” có hiệu lực vào ngày 09/02/2026."
RESOLVED_LINE = line("IMP-1", steps=[("start_processing", at(9, 2, 10), {}), ("resolve", at(11, 2, 9), {})])


def test_an_import_applies_each_line_whole_or_not_at_all(tracker):
    unreadable = InvalidDossierError("Dòng không phải JSON.", reason="malformed_line")
    report = tracker.import_dossiers([
        (1, RESOLVED_LINE),
        (2, line("IMP-2", steps=[("resolve", at(9, 2, 10), {}),
                                 ("request_supplement", at(9, 2, 11), {"reason": "Thiếu ảnh"})])),
        (3, unreadable),
        (4, line("IMP-4", procedure_code="9.999999")),
        (5, line("IMP-5", agency="H32.12")),
    ], actor="nhap-lieu")
    assert (report.imported, report.skipped, report.failed) == (1, 0, 4)
    assert report.errors == [  # in line order
        {"line": 2, "reason": "illegal_transition", "errors": {"allowed": ["deliver"]},
         "message": "Không thể thực hiện bước request_supplement khi hồ sơ IMP-2 đang ở trạng thái \"Đã xử lý xong\"."},
        {"line": 3, "reason": "malformed_line", "message": "Dòng không phải JSON."},
        {"line": 4, "reason": "unknown_procedure",
         "errors": {"procedure_code": ["Không có thủ tục 9.999999 trong danh mục."]},
         "message": "Thủ tục 9.999999 không có trong danh mục."},
        {"line": 5, "reason": "unknown_agency", "errors": {"agency": [UNKNOWN_H32]}, "message": UNKNOWN_H32},
    ]
    imported = tracker.get_dossier("IMP-1")
    assert (imported.state, imported.outcome, imported.version, imported.received_by) == (
        "resolved", "early", 3, "nhap-lieu")
    for code in ("IMP-2", "IMP-4", "IMP-5"):
        with pytest.raises(DossierNotFoundError):
            tracker.get_dossier(code)


def test_importing_the_same_file_again_skips_every_line(tracker):
    lines = [(1, RESOLVED_LINE), (2, line("IMP-2")), (3, line(None, received_at=at(10, 2, 8)))]
    first = tracker.import_dossiers(lines, actor="nhap-lieu")
    again = tracker.import_dossiers(lines, actor="nhap-lieu")
    assert (first.imported, first.skipped, first.failed) == (3, 0, 0)
    assert (again.imported, again.skipped, again.failed, again.errors) == (0, 3, 0, [])
    assert tracker.get_dossier("IMP-1").version == 3


def test_an_imported_line_without_a_code_gets_a_stable_code_from_its_content(tracker):
    body = line(None, received_at=at(10, 2, 8))
    report = tracker.import_dossiers([(1, body)], actor="nhap-lieu")
    code = content_code(body)
    assert re.fullmatch(r"IMP-20260210-[0-9a-f]{12}", code)
    assert content_code(dict(body)) == code
    assert (report.imported, tracker.get_dossier(code).due_at.isoformat()) == (1, "2026-02-13T08:00:00+07:00")
    # Tue 10/2 08:00 → Wed 11, Thu 12, Fri 13


def test_the_same_code_twice_in_one_file_imports_the_first_line(tracker):
    report = tracker.import_dossiers([(1, line("IMP-1", channel="postal")), (2, line("IMP-1", channel="online"))],
                                     actor="nhap-lieu")
    assert (report.imported, report.skipped, report.failed) == (1, 1, 0)
    assert tracker.get_dossier("IMP-1").channel == "postal"


def test_a_failed_line_does_not_take_its_code_from_a_later_line(tracker):
    report = tracker.import_dossiers([(1, line("IMP-1", channel="fax")), (2, line("IMP-1", channel="online"))],
                                     actor="nhap-lieu")
    assert (report.imported, report.skipped, report.failed) == (1, 0, 1)
    assert [(error["line"], error["reason"]) for error in report.errors] == [(1, "validation_failed")]
    assert tracker.get_dossier("IMP-1").channel == "online"


def test_an_import_skips_a_code_already_received(tracker):
    receive(tracker, code="IMP-1")
    report = tracker.import_dossiers([(1, RESOLVED_LINE)], actor="nhap-lieu")
    assert (report.imported, report.skipped, report.failed) == (0, 1, 0)
    assert tracker.get_dossier("IMP-1").state == "received"


# ---- projection: timeline and clock segments ------------------------------------------------------------

def test_the_timeline_begins_with_the_receipt_and_describes_every_step(tracker):
    receive(tracker)
    step(tracker, "request_supplement", at(9, 2, 14), reason="Thiếu ảnh")
    dossier = step(tracker, "receive_supplement", at(10, 2, 9), note="Đã nhận ảnh")
    projection = DossierProjection(tracker)
    timeline = projection.timeline_of(dossier)
    for entry in timeline:
        assert {"type", "at", "recorded_at", "actor", "note", "state", "due_at"} <= set(entry)
    assert [entry.pop("recorded_at") for entry in timeline] == [
        projection.moment(dossier.created_on), *(projection.moment(s.timestamp) for s in dossier.steps)]
    assert timeline == [
        {"type": "receive", "at": "2026-02-09T09:00:00+07:00", "actor": "mot-cua", "note": None,
         "state": "received", "due_at": DUE_AT, "channel": "in_person",
         "agency": {"code": "G09.20", "name": "UBND phường Lộc Thọ"}},
        {"type": "request_supplement", "at": "2026-02-09T14:00:00+07:00", "actor": "chuyen-vien", "note": None,
         "state": "awaiting_supplement", "due_at": DUE_AT, "reason": "Thiếu ảnh"},
        # paused 3 h Mon 9 + 1.5 h Tue 10 = 4.5 h: Thu 12/2 09:00 + 2.5 h, lunch, + 2 h
        {"type": "receive_supplement", "at": "2026-02-10T09:00:00+07:00", "actor": "chuyen-vien",
         "note": "Đã nhận ảnh", "state": "processing", "due_at": "2026-02-12T15:00:00+07:00"},
    ]


def segment(start_on, end_on, clock, state, due_at):
    return {"code": CODE, "start_on": start_on, "end_on": end_on, "clock": clock, "state": state,
            "due_at": due_at, "due_on": dt.date.fromisoformat(due_at[:10])}


def test_segments_keep_each_days_last_state_until_closure(tracker):
    receive(tracker)  # Mon 9/2 09:00: due Thu 12/2 09:00
    step(tracker, "start_processing", at(9, 2, 10))
    step(tracker, "request_supplement", at(9, 2, 14), reason="Thiếu ảnh")  # Monday ends awaiting the supplement
    step(tracker, "receive_supplement", at(10, 2, 9))  # paused 3 h + 1.5 h: due Thu 12/2 15:00
    step(tracker, "transfer", at(10, 2, 10), to_agency="G09")
    step(tracker, "transfer", at(11, 2, 9), to_agency="G09.20")  # Wednesday ends as Tuesday did: no new segment
    step(tracker, "suspend", at(12, 2, 16), reason="Chờ ý kiến Sở Tư pháp")
    # paused 1 h Thu 12 + 8 h Fri 13 + Tết 16–20 + 2.5 h Mon 23 = 11.5 h:
    # Thu 12/2 15:00 + 2 h, Fri 13 8 h, Mon 23/2 07:30 + 1.5 h
    step(tracker, "resume", at(23, 2, 10))
    resolved = step(tracker, "resolve", at(24, 2, 8))
    assert (resolved.due_at.isoformat(), resolved.outcome) == ("2026-02-23T09:00:00+07:00", "late")
    dossier = step(tracker, "deliver", at(25, 2, 9), method="in_person")  # after closure: no effect
    D = dt.date
    assert DossierProjection(tracker).segments_of(dossier) == [
        segment(D(2026, 2, 9), D(2026, 2, 10), "paused", "awaiting_supplement", DUE_AT),
        segment(D(2026, 2, 10), D(2026, 2, 12), "running", "processing", "2026-02-12T15:00:00+07:00"),
        segment(D(2026, 2, 12), D(2026, 2, 23), "paused", "suspended", "2026-02-12T15:00:00+07:00"),
        segment(D(2026, 2, 23), D(2026, 2, 24), "running", "processing", "2026-02-23T09:00:00+07:00"),
    ]


def test_a_day_that_resumes_and_resolves_ends_resolved(tracker):
    receive(tracker)  # due Thu 12/2 09:00
    step(tracker, "suspend", at(10, 2, 9), reason="Chờ xác minh")
    step(tracker, "resume", at(11, 2, 9))
    dossier = step(tracker, "resolve", at(11, 2, 15))
    # paused 8 h Tue 10/2 09:00 → Wed 11/2 09:00: due Fri 13/2 09:00; Wednesday ended resolved
    assert (dossier.due_at.isoformat(), dossier.outcome) == ("2026-02-13T09:00:00+07:00", "early")
    assert DossierProjection(tracker).segments_of(dossier) == [
        segment(dt.date(2026, 2, 9), dt.date(2026, 2, 10), "running", "received", DUE_AT),
        segment(dt.date(2026, 2, 10), dt.date(2026, 2, 11), "paused", "suspended", DUE_AT),
    ]


def test_an_open_dossiers_last_segment_has_no_end(tracker):
    receive(tracker)
    dossier = step(tracker, "start_processing", at(10, 2, 9))
    assert DossierProjection(tracker).segments_of(dossier) == [
        segment(dt.date(2026, 2, 9), dt.date(2026, 2, 10), "running", "received", DUE_AT),
        segment(dt.date(2026, 2, 10), None, "running", "processing", DUE_AT),
    ]


def test_a_withdrawal_while_paused_ends_the_last_segment_on_its_date(tracker):
    receive(tracker)
    step(tracker, "suspend", at(10, 2, 9), reason="Chờ xác minh")
    dossier = step(tracker, "withdraw", at(13, 2, 9))
    assert DossierProjection(tracker).segments_of(dossier) == [
        segment(dt.date(2026, 2, 9), dt.date(2026, 2, 10), "running", "received", DUE_AT),
        segment(dt.date(2026, 2, 10), dt.date(2026, 2, 13), "paused", "suspended", DUE_AT),
    ]


def test_a_dossier_received_and_resolved_the_same_day_has_no_segments(tracker):
    receive(tracker)
    step(tracker, "resolve", at(9, 2, 16))
    dossier = step(tracker, "deliver", at(10, 2, 9), method="in_person")
    assert DossierProjection(tracker).segments_of(dossier) == []

