"""End to end: ``POST /api/dossiers/import``, the NDJSON bulk import (api.md → Tracker → Bulk import).

One dossier per line: the body of ``POST /api/dossiers`` plus its ``steps``. Each line is applied whole or
not at all; a line whose code exists is skipped; a bad line is reported with its line number and reason
while the others go in. The catalog and the agencies come from ``dossier_scenario``, recorded through HTTP.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import STORES, migrated_database
from tests.e2e.dossier_scenario import (
    CAM_LAM,
    CHUNG_THUC,
    DAT_DAI,
    KHAI_SINH,
    NHA_TRANG,
    at,
    province_client,
    step,
)

IMPORT = "/api/dossiers/import"


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


def line(code: str | None, procedure=KHAI_SINH, agency=NHA_TRANG.code, channel="in_person",
         received_at: str = at(5, 10, 9), steps: list[dict] | None = None) -> str:
    body = {"procedure_code": procedure.code, "agency": agency, "channel": channel, "received_at": received_at,
            "steps": steps or []}
    return json.dumps(body if code is None else {"code": code, **body}, ensure_ascii=False)


def post_import(client, lines: list[str]) -> dict:
    response = client.post(IMPORT, data="\n".join(lines).encode("utf-8") + b"\n",
                           content_type="application/x-ndjson")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# Mon 5/10 09:00 + 3 working days: 6, 7, 8 → 8/10 09:00; resolved 7/10: early.
RESOLVED = line("IMP-01", steps=[step("start_processing", at(5, 10, 10)), step("resolve", at(7, 10, 15))])
# Mon 12/10 14:00 + 1 working day → 13/10 14:00; resolved 13/10 15:00: on time (by date). No code: one is
# derived from the line's content.
WITHOUT_CODE = line(None, procedure=CHUNG_THUC, channel="online", received_at=at(12, 10, 14),
                    steps=[step("resolve", at(13, 10, 15))])
# Wed 14/10 09:00 + 3 working days: 15, 16, 19 → 19/10 09:00; still received: overdue from 20/10.
OPEN = line("IMP-08", agency=CAM_LAM.name, channel="postal", received_at=at(14, 10, 9))
# A supplement is awaited; resolving is not allowed from there: the third step is illegal.
ILLEGAL_THIRD_STEP = line("IMP-04", procedure=DAT_DAI, steps=[
    step("start_processing", at(5, 10, 10)), step("request_supplement", at(6, 10, 9), reason="Thiếu sơ đồ"),
    step("resolve", at(7, 10, 9))])
STEP_BEFORE_PREVIOUS = line("IMP-06", steps=[step("start_processing", at(6, 10, 9)),
                                             step("resolve", at(6, 10, 8))])
UNKNOWN_PROCEDURE = json.dumps({"code": "IMP-03", "procedure_code": "9.999999", "agency": NHA_TRANG.code,
                                "channel": "online", "received_at": at(5, 10, 9)})
NAIVE_STEP = line("IMP-09", steps=[step("resolve", "2026-10-06T09:00:00")])

BODY = [RESOLVED, '{"code": "IMP-02", "procedure_code": ', UNKNOWN_PROCEDURE, ILLEGAL_THIRD_STEP, WITHOUT_CODE,
        STEP_BEFORE_PREVIOUS, "", OPEN, NAIVE_STEP]
ERRORS = [
    {"line": 2, "reason": "malformed_json",
     "message": "Dòng 2 không phải JSON hợp lệ: Expecting value."},
    {"line": 3, "reason": "unknown_procedure",
     "message": "Thủ tục 9.999999 không có trong danh mục.",
     "errors": {"procedure_code": ["Không có thủ tục 9.999999 trong danh mục."]}},
    {"line": 4, "reason": "illegal_transition",
     "message": "Không thể thực hiện bước resolve khi hồ sơ IMP-04 đang ở trạng thái \"Yêu cầu bổ sung\".",
     "errors": {"allowed": ["receive_supplement", "withdraw", "reject"]}},
    {"line": 6, "reason": "step_before_previous", "message": "Bước xử lý ghi lùi thời gian so với bước trước.",
     "errors": {"at": ["Thời điểm của bước không được sớm hơn bước trước (2026-10-06T09:00:00+07:00)."]}},
    {"line": 9, "reason": "validation_failed", "message": "Dòng 9: dữ liệu không hợp lệ.",
     "errors": {"steps": {"0": {"at": ["Thời điểm phải có múi giờ, ví dụ 2024-04-15T09:30:00+07:00."]}}}},
]


def codes(client) -> list[str]:
    return sorted(item["code"] for item in client.get("/api/dossiers", query_string={"per_page": 500})
                  .get_json()["items"])


def test_good_lines_go_in_and_each_bad_line_is_reported_with_its_number_and_reason(province):
    result = post_import(province, BODY)

    assert result == {"imported": 3, "skipped": 0, "failed": 5, "errors": ERRORS}
    [derived] = [code for code in codes(province) if code not in ("IMP-01", "IMP-08")]
    assert re.fullmatch(r"IMP-20261012-[0-9a-f]{12}", derived)
    assert codes(province) == sorted(["IMP-01", "IMP-08", derived])


def test_imported_dossiers_have_their_steps_and_due_moments(province):
    post_import(province, BODY)

    resolved = province.get("/api/dossiers/IMP-01").get_json()
    open_ = province.get("/api/dossiers/IMP-08").get_json()
    assert (resolved["state"], resolved["status_code"], resolved["version"], resolved["due_at"],
            resolved["resolved_at"], resolved["outcome"]) == (
        "resolved", 9, 3, "2026-10-08T09:00:00+07:00", "2026-10-07T15:00:00+07:00", "early")
    assert [entry["type"] for entry in resolved["timeline"]] == ["receive", "start_processing", "resolve"]
    assert (open_["state"], open_["agency"], open_["level"], open_["channel"], open_["due_at"]) == (
        "received", {"code": CAM_LAM.code, "name": CAM_LAM.name}, "commune", "postal", "2026-10-19T09:00:00+07:00")


def test_a_line_is_applied_whole_or_not_at_all(province):
    post_import(province, [ILLEGAL_THIRD_STEP])

    response = province.get("/api/dossiers/IMP-04")
    assert (response.status_code, response.get_json()["reason"]) == (404, "dossier_not_found")
    assert province.get("/api/dossiers").get_json()["total"] == 0


def test_posting_the_same_body_again_skips_every_line_already_imported(province):
    post_import(province, BODY)
    before = {code: province.get(f"/api/dossiers/{code}").get_json() for code in codes(province)}

    again = post_import(province, BODY)

    assert again == {"imported": 0, "skipped": 3, "failed": 5, "errors": ERRORS}
    assert {code: province.get(f"/api/dossiers/{code}").get_json() for code in codes(province)} == before


def test_a_clean_body_posted_twice_is_all_skipped_the_second_time(province):
    body = [RESOLVED, WITHOUT_CODE, OPEN]

    assert post_import(province, body) == {"imported": 3, "skipped": 0, "failed": 0, "errors": []}
    assert post_import(province, body) == {"imported": 0, "skipped": 3, "failed": 0, "errors": []}
    assert province.get("/api/dossiers").get_json()["total"] == 3


def test_a_code_received_over_the_api_or_repeated_in_the_body_is_skipped(province):
    received = province.post("/api/dossiers", json={"code": "IMP-01", "procedure_code": KHAI_SINH.code,
                                                    "agency": NHA_TRANG.code, "channel": "online",
                                                    "received_at": at(1, 10, 9)})
    assert received.status_code == 201

    result = post_import(province, [RESOLVED, OPEN, OPEN.replace("postal", "online")])

    assert result == {"imported": 1, "skipped": 2, "failed": 0, "errors": []}
    shown = province.get("/api/dossiers/IMP-01").get_json()
    assert (shown["received_at"], shown["state"]) == ("2026-10-01T09:00:00+07:00", "received")
    assert province.get("/api/dossiers/IMP-08").get_json()["channel"] == "postal"


def test_imported_dossiers_appear_in_the_near_due_list_and_the_results(province):
    post_import(province, BODY)
    derived = next(code for code in codes(province) if code not in ("IMP-01", "IMP-08"))

    near = province.get("/api/dossiers/due", query_string={"as_of": "2026-10-20", "within": 2}).get_json()
    results = province.get("/api/reports/dossier-results",
                           query_string={"from": "2026-10-01", "to": "2026-10-20", "by": "procedure"}).get_json()

    assert near == {"as_of": "2026-10-20", "within": 2, "paused": 0, "due": [], "overdue": [
        {"code": "IMP-08", "procedure_code": KHAI_SINH.code, "procedure_name": KHAI_SINH.name,
         "agency": {"code": CAM_LAM.code, "name": CAM_LAM.name}, "level": "commune",
         "due_at": "2026-10-19T09:00:00+07:00", "working_days_left": -1, "state": "received"}]}
    # IMP-01 new in person, early; IMP-08 new postal, overdue at the end of 20/10; the derived line new online,
    # on time
    assert results["totals"] == {
        "received": 3, "carried_over": 0, "new_online": 1, "new_in_person": 1, "new_postal": 1, "resolved": 2,
        "resolved_early": 1, "resolved_on_time": 1, "resolved_late": 0, "in_progress": 1, "in_progress_on_time": 0,
        "in_progress_overdue": 1, "returned": 0, "paused": 0, "on_time_rate": 1.0}
    assert sorted((g["procedure"], g["received"], g["resolved"], g["in_progress_overdue"])
                  for g in results["groups"]) == [(KHAI_SINH.code, 2, 1, 1), (CHUNG_THUC.code, 1, 1, 0)]
    assert province.get(f"/api/dossiers/{derived}").get_json()["outcome"] == "on_time"


def test_an_empty_body_imports_nothing(province):
    response = province.post(IMPORT, data=b"", content_type="application/x-ndjson")

    assert (response.status_code, response.get_json()) == (200, {"imported": 0, "skipped": 0, "failed": 0,
                                                                 "errors": []})
