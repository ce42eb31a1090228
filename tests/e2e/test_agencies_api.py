"""End to end: the agency registry over HTTP (``shared/api.md`` → Tracker → Agencies)."""

import datetime as dt

import pytest

PROVINCE = {"code": "G09", "name": "UBND tỉnh Khánh Hòa", "level": "province"}
WARD = {"code": "G09.20", "name": "UBND phường Lộc Thọ", "level": "commune", "parent": "G09"}


def post(client, body, path="/api/agencies", **headers):
    return client.post(path, json=body, headers=headers)


@pytest.fixture
def province(client):
    """A province, a district, two wards of the district and the ward that replaces them on 1/7/2025."""
    for body in [PROVINCE, {"code": "G09.1", "name": "UBND thành phố Nha Trang", "level": "district", "parent": "G09"},
                 {**WARD, "parent": "G09.1"},
                 {"code": "G09.21", "name": "UBND phường Xương Huân", "level": "commune", "parent": "G09.1"},
                 {"code": "G09.99", "name": "UBND phường Nha Trang", "level": "commune", "parent": "G09",
                  "valid_from": "2025-07-01"}]:
        assert post(client, body).status_code == 201
    return client


def test_registering_an_agency_answers_201_with_it(client):
    post(client, PROVINCE)
    response = post(client, WARD)
    assert response.status_code == 201
    body = response.get_json()
    recorded_at = dt.datetime.fromisoformat(body.pop("recorded_at"))
    assert body == {"code": "G09.20", "name": "UBND phường Lộc Thọ", "level": "commune", "parent": "G09",
                    "valid_from": None, "valid_to": None, "successor": None, "status": "current", "actor": "tester",
                    "closed_at": None, "closed_by": None}
    assert recorded_at.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.UTC) - recorded_at) < dt.timedelta(minutes=1)
    shown = client.get("/api/agencies/G09.20")
    assert (shown.status_code, shown.get_json()["name"]) == (200, "UBND phường Lộc Thọ")


def test_a_code_already_used_is_409_duplicate_agency(client):
    post(client, PROVINCE)
    response = post(client, {**PROVINCE, "name": "UBND tỉnh Khánh Hoà"})
    assert response.status_code == 409
    assert response.get_json() == {
        "code": 409, "status": "Conflict", "reason": "duplicate_agency",
        "message": "Mã đơn vị G09 đã được dùng cho “UBND tỉnh Khánh Hòa”; mã đơn vị không bao giờ được dùng lại.",
        "errors": {"code": ["Mã đơn vị đã được dùng."]}}


def test_a_name_of_a_current_agency_is_409_duplicate_agency(client):
    post(client, PROVINCE)
    response = post(client, {**PROVINCE, "code": "G10"})
    assert response.status_code == 409
    assert response.get_json() == {
        "code": 409, "status": "Conflict", "reason": "duplicate_agency",
        "message": "Tên “UBND tỉnh Khánh Hòa” đã thuộc đơn vị G09 (hiệu lực không giới hạn).",
        "errors": {"name": ["Tên đơn vị đã được dùng trong cùng thời gian."]}}


def test_an_unknown_parent_is_422_unknown_agency(client):
    response = post(client, WARD)
    assert response.status_code == 422
    assert response.get_json() == {
        "code": 422, "status": "Unprocessable Entity", "reason": "unknown_agency",
        "message": "Không có đơn vị cha mã G09.", "errors": {"parent": ["Không có đơn vị cha mã G09."]}}


def test_malformed_bodies_are_422_with_each_field_named(client):
    response = post(client, {"code": "G 09", "name": "", "level": "ward", "valid_from": "01/07/2025",
                             "colour": "red"})
    assert response.status_code == 422
    body = response.get_json()
    assert (body["reason"], body["message"]) == ("validation_failed", "Dữ liệu không hợp lệ.")
    assert body["errors"] == {
        "code": ["Mã đơn vị gồm 1 đến 64 ký tự, không có khoảng trắng."],
        "name": ["Tên đơn vị gồm 1 đến 500 ký tự."],
        "level": ["Cấp không hợp lệ; chọn trong central, province, district, commune."],
        "valid_from": ["Ngày không hợp lệ: dùng YYYY-MM-DD."],
        "colour": ["Trường không được hỗ trợ."]}
    missing = post(client, {"code": "G09"}).get_json()["errors"]
    assert sorted(missing) == ["level", "name"]


def test_a_period_ending_before_it_starts_is_422(client):
    response = post(client, {**PROVINCE, "valid_from": "2025-07-01", "valid_to": "2025-06-30"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "valid_to": ["Ngày hết hiệu lực phải sau hoặc bằng ngày bắt đầu hiệu lực."]}


def test_an_unknown_code_is_404(client):
    response = client.get("/api/agencies/G77")
    assert response.status_code == 404
    assert response.get_json() == {"code": 404, "status": "Not Found", "reason": "agency_not_found",
                                   "message": "Không tìm thấy đơn vị có mã G77.", "errors": {}}


def codes(client, query=""):
    response = client.get(f"/api/agencies{query}")
    assert response.status_code == 200
    return [item["code"] for item in response.get_json()["items"]]


def test_the_list_is_paginated_by_code(province):
    body = province.get("/api/agencies?page=2&per_page=2").get_json()
    assert ([item["code"] for item in body["items"]], body["total"], body["page"], body["per_page"]) == (
        ["G09.20", "G09.21"], 5, 2, 2)
    assert province.get("/api/agencies").get_json()["per_page"] == 50
    assert province.get("/api/agencies?per_page=501").status_code == 422


def test_the_list_filters_by_level_parent_text_status_and_date(province):
    assert post(province, {"valid_to": "2025-06-30", "successor": "G09.99"},
                "/api/agencies/G09.20/closure").status_code == 200
    assert codes(province) == ["G09", "G09.1", "G09.21", "G09.99"]
    assert codes(province, "?level=commune") == ["G09.21", "G09.99"]
    assert codes(province, "?parent=G09.1&status=all") == ["G09.20", "G09.21"]
    assert codes(province, "?q=xuong huan") == ["G09.21"]
    assert codes(province, "?q=loc%20tho&status=all") == ["G09.20"]
    assert codes(province, "?status=ended") == ["G09.20"]
    assert codes(province, "?as_of=2025-06-30") == ["G09", "G09.1", "G09.20", "G09.21"]
    assert codes(province, "?as_of=2025-07-01&level=commune") == ["G09.21", "G09.99"]
    assert province.get("/api/agencies?level=ward").status_code == 422
    assert province.get("/api/agencies?status=open").status_code == 422


def test_a_closure_records_the_last_day_and_the_successor(province):
    response = post(province, {"valid_to": "2025-06-30", "successor": "G09.99"}, "/api/agencies/G09.20/closure")
    assert response.status_code == 200
    body = response.get_json()
    assert {key: body[key] for key in ("code", "valid_to", "successor", "status", "closed_by", "actor")} == {
        "code": "G09.20", "valid_to": "2025-06-30", "successor": "G09.99", "status": "ended", "closed_by": "tester",
        "actor": "tester"}
    assert dt.datetime.fromisoformat(body["closed_at"]).utcoffset() == dt.timedelta(0)
    assert province.get("/api/agencies/G09.20").get_json() == body


def test_closing_twice_is_409_agency_already_closed(province):
    post(province, {"valid_to": "2025-06-30"}, "/api/agencies/G09.20/closure")
    response = post(province, {"valid_to": "2025-07-31"}, "/api/agencies/G09.20/closure")
    assert response.status_code == 409
    assert response.get_json() == {
        "code": 409, "status": "Conflict", "reason": "agency_already_closed",
        "message": "Đơn vị G09.20 đã được ghi nhận ngừng hoạt động sau ngày 30/06/2025.", "errors": {}}


def test_a_closure_naming_an_unknown_successor_is_422_unknown_agency(province):
    response = post(province, {"valid_to": "2025-06-30", "successor": "G77"}, "/api/agencies/G09.20/closure")
    assert response.status_code == 422
    assert response.get_json() == {
        "code": 422, "status": "Unprocessable Entity", "reason": "unknown_agency",
        "message": "Không có đơn vị kế thừa mã G77.", "errors": {"successor": ["Không có đơn vị kế thừa mã G77."]}}
    assert province.get("/api/agencies/G09.20").get_json()["status"] == "current"


def test_a_closure_before_the_first_day_is_422(province):
    response = post(province, {"valid_to": "2025-06-30"}, "/api/agencies/G09.99/closure")
    assert response.status_code == 422
    assert response.get_json() == {
        "code": 422, "status": "Unprocessable Entity", "reason": "invalid_agency",
        "message": "Ngày hết hiệu lực 30/06/2025 trước ngày bắt đầu hiệu lực 01/07/2025.",
        "errors": {"valid_to": ["Ngày hết hiệu lực 30/06/2025 trước ngày bắt đầu hiệu lực 01/07/2025."]}}


def test_closing_an_unknown_agency_is_404_and_a_closure_needs_its_day(province):
    assert post(province, {"valid_to": "2025-06-30"}, "/api/agencies/G77/closure").status_code == 404
    response = post(province, {"successor": "G09.99"}, "/api/agencies/G09.20/closure")
    assert (response.status_code, response.get_json()["errors"]) == (
        422, {"valid_to": ["Trường này là bắt buộc."]})


def test_a_name_comes_free_for_an_agency_starting_after_the_closed_ones_last_day(province):
    post(province, {"valid_to": "2025-06-30"}, "/api/agencies/G09.20/closure")
    response = post(province, {**WARD, "code": "G09.50", "valid_from": "2025-07-01"})
    assert (response.status_code, response.get_json()["valid_from"]) == (201, "2025-07-01")


def test_a_repeated_registration_with_the_same_idempotency_key_is_replayed(client):
    first = post(client, PROVINCE, **{"Idempotency-Key": "agency-g09"})
    again = post(client, PROVINCE, **{"Idempotency-Key": "agency-g09"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    other = post(client, {**PROVINCE, "code": "G10"}, **{"Idempotency-Key": "agency-g09"})
    assert (other.status_code, other.get_json()["reason"]) == (422, "idempotency_key_reused")


def test_the_openapi_document_describes_the_agency_paths(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert set(paths["/api/agencies"]) >= {"get", "post"}
    assert "get" in paths["/api/agencies/{code}"]
    assert set(paths["/api/agencies/{code}/closure"]["post"]["responses"]) >= {"200", "404", "409", "422"}


def test_a_refused_calendar_override_is_409_with_its_own_reason(app):
    from access.roles import Permission
    from config.auth import requires
    from tracker.calendar_store import OverrideRefusedError

    def refuse():
        raise OverrideRefusedError("Ngày 02/09/2026 (Thứ Tư) đã là ngày nghỉ (ngày lễ: Quốc khánh): không có gì "
                                   "để thay đổi.")

    app.add_url_rule("/api/test-override", "test_override", requires(Permission.SIGNED_IN)(refuse), methods=["POST"])
    response = app.test_client().post("/api/test-override")
    assert response.status_code == 409
    assert response.get_json() == {
        "code": 409, "status": "Conflict", "reason": "override_changes_nothing",
        "message": "Ngày 02/09/2026 (Thứ Tư) đã là ngày nghỉ (ngày lễ: Quốc khánh): không có gì để thay đổi.",
        "errors": {}}
