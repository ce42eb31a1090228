"""End to end: recording, publishing and retracting Quyết định công bố through ``/api/decisions``.

Every rule of ``POST /api/decisions`` in ``shared/api.md`` (section "Catalog") with its exact status,
``reason`` and error paths, and the error shape of the conventions.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.conftest import STORES, application, migrated_database

PROVINCE = "UBND tỉnh Khánh Hòa"
MINISTRY = "Bộ Tư pháp"
ERROR_KEYS = {"code", "status", "reason", "message", "errors"}
STATUS_TEXT = {400: "Bad Request", 404: "Not Found", 409: "Conflict", 422: "Unprocessable Entity"}


def new(code: str, name: str = "Đăng ký khai sinh", **extra) -> dict:
    return {"action": "new", "code": code, "name": name, "field": "Hộ tịch", "levels": ["commune"],
            "authority": "central", **extra}


def amended(code: str, **changes) -> dict:
    return {"action": "amended", "code": code, **changes}


def abolished(code: str) -> dict:
    return {"action": "abolished", "code": code}


def decision(number: str, signed_on: str = "2024-04-16", entries: list[dict] | None = None,
             issuer: str = PROVINCE, **extra) -> dict:
    return {"number": number, "issuer": issuer, "signed_on": signed_on,
            "entries": entries if entries is not None else [new("1.000001")], **extra}


def record(client, body: dict) -> dict:
    response = client.post("/api/decisions", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def error_of(response, code: int, reason: str) -> dict:
    """Assert the contract's error shape, status and reason; return ``errors``."""
    body = response.get_json()
    assert response.status_code == code, body
    assert set(body) == ERROR_KEYS
    assert body["code"] == code
    assert body["status"] == STATUS_TEXT[code]
    assert body["reason"] == reason
    assert isinstance(body["message"], str) and body["message"]
    return body["errors"]


def total(client, path: str, **params) -> int:
    response = client.get(path, query_string=params)
    assert response.status_code == 200
    return response.get_json()["total"]


def procedure(client, code: str, **params):
    return client.get(f"/api/procedures/{code}", query_string=params)


def active_codes(client) -> list[str]:
    body = client.get("/api/procedures", query_string={"per_page": 500}).get_json()
    return sorted(item["code"] for item in body["items"])


# -- stores ----------------------------------------------------------------------------------------
# Creating and migrating a database for every test (conftest's ``client``) costs most of a second on
# PostgreSQL. This module migrates one database per store and, before each test, deletes its rows and
# builds a new application on it: every test still starts from an empty catalog and fresh services, on
# SQLite and (when configured) PostgreSQL.

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


@pytest.fixture(scope="module", params=STORES)
def database(request, tmp_path_factory):
    with migrated_database(request.param, tmp_path_factory.mktemp("decisions")) as url:
        yield url


@pytest.fixture
def client(database, tmp_path):
    """A test client on an empty catalog (shadows conftest's ``client``; see the note above)."""
    delete_every_row(database)
    with application(database, tmp_path) as app:
        yield app.test_client()


LISTED = [
    ("10/QĐ-UBND", PROVINCE, "2024-03-31", "1.000010"),
    ("11/QĐ-UBND", PROVINCE, "2024-04-01", "1.000011"),
    ("12/QĐ-BTP", MINISTRY, "2024-04-15", "1.000012"),
    ("13/QĐ-UBND", PROVINCE, "2024-04-30", "1.000013"),
    ("14/QĐ-BTP", MINISTRY, "2024-05-01", "1.000014"),
]


@pytest.fixture(scope="module", params=STORES)
def listed(request, tmp_path_factory):
    """A client on a store holding the five decisions of ``LISTED``, shared by tests that never write.

    Tests that are refused on it check that the totals did not move.
    """
    tmp_path = tmp_path_factory.mktemp("listed")
    with migrated_database(request.param, tmp_path) as url, application(url, tmp_path) as app:
        client = app.test_client()
        for number, issuer, signed_on, code in LISTED:
            record(client, decision(number, signed_on, [new(code)], issuer=issuer))
        yield client


# -- recording ---------------------------------------------------------------------------------------


def test_a_recorded_decision_is_returned_with_its_id_status_and_entries(client):
    body = decision("1001/QĐ-UBND", entries=[
        new("1.012345", name="Đăng ký khai sinh có yếu tố nước ngoài", kind="external", online="full",
            agency="UBND cấp xã", processing_time={"value": 5, "unit": "working_days"}),
        new("1.012346", name="Thủ tục nội bộ về phê duyệt kế hoạch", levels=["province", "commune"],
            authority="local", kind="internal"),
    ])

    response = client.post("/api/decisions", json=body)

    assert response.status_code == 201
    created = response.get_json()
    assert str(uuid.UUID(created["id"])) == created["id"]
    assert {key: created[key] for key in ("number", "issuer", "signed_on", "effective_on", "publicised_on",
                                          "status")} == {
        "number": "1001/QĐ-UBND", "issuer": "UBND tỉnh Khánh Hòa", "signed_on": "2024-04-16",
        "effective_on": "2024-04-16",  # defaults to signed_on
        "publicised_on": None, "status": "recorded",
    }
    assert [(e["action"], e["code"], e["replaces"]) for e in created["entries"]] == [
        ("new", "1.012345", None), ("new", "1.012346", None)]
    assert client.get(f"/api/decisions/{created['id']}").get_json() == created


def test_a_recorded_decision_starts_its_procedures_with_the_stated_attributes_and_defaults(client):
    record(client, decision("1001/QĐ-UBND", entries=[
        new("1.012345", name="Đăng ký khai sinh có yếu tố nước ngoài", agency="UBND cấp xã",
            processing_time={"value": 5, "unit": "working_days"}),
    ]))

    shown = procedure(client, "1.012345").get_json()

    assert {key: shown[key] for key in ("code", "name", "field", "levels", "authority", "kind", "online",
                                        "agency", "processing_time", "status", "since")} == {
        "code": "1.012345", "name": "Đăng ký khai sinh có yếu tố nước ngoài", "field": "Hộ tịch",
        "levels": ["commune"], "authority": "central",
        "kind": "external", "online": "none",  # the defaults
        "agency": "UBND cấp xã", "processing_time": {"value": 5, "unit": "working_days"},
        "status": "active", "since": "2024-04-16",
    }


def test_the_same_number_and_issuer_cannot_be_recorded_twice(client):
    record(client, decision("1001/QĐ-UBND"))

    response = client.post("/api/decisions", json=decision("1001/QĐ-UBND", entries=[new("1.000002")]))

    assert error_of(response, 409, "duplicate_decision") == {}
    assert total(client, "/api/decisions") == 1
    assert procedure(client, "1.000002").status_code == 404


def test_the_same_number_from_another_issuer_is_another_decision(client):
    record(client, decision("1001/QĐ", issuer=PROVINCE, entries=[new("1.000001")]))

    record(client, decision("1001/QĐ", issuer=MINISTRY, entries=[new("1.000002")]))

    assert total(client, "/api/decisions") == 2


def test_new_is_refused_for_a_code_that_is_active(client):
    record(client, decision("1/QĐ-UBND", "2024-04-01", [new("1.000001")]))

    response = client.post("/api/decisions", json=decision("2/QĐ-UBND", "2024-04-10", [new("1.000001")]))

    errors = error_of(response, 409, "procedure_already_active")
    assert list(errors) == ["entries"]
    assert list(errors["entries"]) == ["0"]
    assert errors["entries"]["0"]["reason"] == "procedure_already_active"
    assert errors["entries"]["0"]["code"] == "1.000001"


@pytest.mark.parametrize("entry", [amended("9.999999", online="full"), abolished("9.999999")],
                         ids=["amended", "abolished"])
def test_amending_or_abolishing_an_unknown_code_is_refused(listed, entry):
    response = listed.post("/api/decisions", json=decision("1/QĐ-UBND", entries=[entry]))

    errors = error_of(response, 409, "procedure_not_active")
    assert errors["entries"]["0"]["reason"] == "procedure_not_active"
    assert errors["entries"]["0"]["code"] == "9.999999"
    assert total(listed, "/api/decisions") == len(LISTED)


@pytest.mark.parametrize("entry", [amended("1.000001", online="full"), abolished("1.000001")],
                         ids=["amended", "abolished"])
def test_amending_or_abolishing_an_abolished_code_is_refused(client, entry):
    record(client, decision("1/QĐ-UBND", "2024-04-01", [new("1.000001")]))
    record(client, decision("2/QĐ-UBND", "2024-04-05", [abolished("1.000001")]))

    response = client.post("/api/decisions", json=decision("3/QĐ-UBND", "2024-04-10", [entry]))

    errors = error_of(response, 409, "procedure_not_active")
    assert errors["entries"]["0"]["code"] == "1.000001"


def test_rules_are_checked_against_the_catalog_as_of_the_effective_date(client):
    record(client, decision("1/QĐ-UBND", "2024-04-01", [new("1.000001")]))
    record(client, decision("2/QĐ-UBND", "2024-04-02", [abolished("1.000001")], effective_on="2024-05-01"))

    still_active = client.post("/api/decisions", json=decision(
        "3/QĐ-UBND", "2024-04-20", [amended("1.000001", online="partial")]))
    already_ended = client.post("/api/decisions", json=decision(
        "4/QĐ-UBND", "2024-04-20", [amended("1.000001", online="full")], effective_on="2024-05-10"))

    assert still_active.status_code == 201
    assert error_of(already_ended, 409, "procedure_not_active")["entries"]["0"]["code"] == "1.000001"


def test_an_abolished_code_can_be_issued_again_as_new(client):
    record(client, decision("1/QĐ-UBND", "2024-04-01", [new("1.000001")]))
    record(client, decision("2/QĐ-UBND", "2024-04-05", [abolished("1.000001")]))

    record(client, decision("3/QĐ-UBND", "2024-04-10", [new("1.000001", name="Đăng ký khai sinh lưu động")]))

    shown = procedure(client, "1.000001").get_json()
    assert (shown["status"], shown["name"], shown["since"]) == ("active", "Đăng ký khai sinh lưu động",
                                                                "2024-04-10")
    assert [h["action"] for h in shown["history"]] == ["new", "abolished", "new"]


def test_replacing_by_another_code_ends_the_replaced_procedure_and_starts_the_new_one(client):
    first = record(client, decision("1/QĐ-UBND", "2024-04-01", [new("1.004227", name="Cấp bản sao trích lục")]))
    replacement = record(client, decision("2/QĐ-UBND", "2024-04-10", [
        new("1.012346", name="Cấp bản sao trích lục hộ tịch", levels=["province"], authority="local",
            replaces="1.004227") | {"action": "replaced"},
    ]))

    old = procedure(client, "1.004227").get_json()
    started = procedure(client, "1.012346").get_json()

    assert (old["status"], old["since"]) == ("abolished", "2024-04-10")
    assert [(h["action"], h["decision"]["id"]) for h in old["history"]] == [
        ("new", first["id"]), ("replaced", replacement["id"])]
    assert (started["status"], started["since"], started["name"], started["levels"], started["authority"]) == (
        "active", "2024-04-10", "Cấp bản sao trích lục hộ tịch", ["province"], "local")
    assert [(h["action"], h["decision"]["id"]) for h in started["history"]] == [("replaced", replacement["id"])]
    assert active_codes(client) == ["1.012346"]


def test_replacing_a_procedure_by_the_same_code_restates_it(client):
    record(client, decision("1/QĐ-UBND", "2024-04-01", [new("1.004227", name="Cấp bản sao trích lục",
                                                            online="full")]))
    record(client, decision("2/QĐ-UBND", "2024-04-10", [{
        "action": "replaced", "code": "1.004227", "replaces": "1.004227", "name": "Cấp bản sao trích lục hộ tịch",
        "field": "Hộ tịch", "levels": ["province", "commune"], "authority": "local"}]))

    shown = procedure(client, "1.004227").get_json()

    assert (shown["status"], shown["name"], shown["levels"], shown["authority"]) == (
        "active", "Cấp bản sao trích lục hộ tịch", ["province", "commune"], "local")
    assert [h["action"] for h in shown["history"]] == ["new", "replaced"]
    assert active_codes(client) == ["1.004227"]


def test_replacing_a_procedure_that_is_not_active_is_refused(listed):
    response = listed.post("/api/decisions", json=decision("1/QĐ-UBND", entries=[
        new("1.012346", replaces="1.004227") | {"action": "replaced"}]))

    errors = error_of(response, 409, "procedure_not_active")
    assert list(errors["entries"]) == ["0"]
    assert errors["entries"]["0"]["code"] == "1.004227"
    assert active_codes(listed) == sorted(code for *_, code in LISTED)


def test_replacing_with_a_code_that_is_already_active_is_refused(client):
    record(client, decision("1/QĐ-UBND", "2024-04-01", [new("1.004227"), new("1.012346")]))

    response = client.post("/api/decisions", json=decision("2/QĐ-UBND", "2024-04-10", [
        new("1.012346", replaces="1.004227") | {"action": "replaced"}]))

    assert error_of(response, 409, "procedure_already_active")["entries"]["0"]["code"] == "1.012346"
    assert procedure(client, "1.004227").get_json()["status"] == "active"


def test_a_decision_with_one_failing_entry_records_nothing(client):
    record(client, decision("1/QĐ-UBND", "2024-04-01", [
        new("1.000001", processing_time={"value": 5, "unit": "working_days"})]))

    response = client.post("/api/decisions", json=decision("2/QĐ-UBND", "2024-04-10", [
        amended("1.000001", processing_time={"value": 1, "unit": "working_days"}),
        new("1.000002"),
        abolished("9.999999"),
    ]))

    errors = error_of(response, 409, "procedure_not_active")
    assert list(errors) == ["entries"]
    assert list(errors["entries"]) == ["2"]
    assert (errors["entries"]["2"]["reason"], errors["entries"]["2"]["code"]) == ("procedure_not_active",
                                                                                  "9.999999")
    assert total(client, "/api/decisions") == 1
    assert total(client, "/api/procedures", status="all") == 1
    assert procedure(client, "1.000002").status_code == 404
    assert procedure(client, "1.000001").get_json()["processing_time"] == {"value": 5, "unit": "working_days"}


def test_a_refusal_lists_every_failing_entry(client):
    record(client, decision("1/QĐ-UBND", "2024-04-01", [new("1.000001")]))

    response = client.post("/api/decisions", json=decision("2/QĐ-UBND", "2024-04-10", [
        amended("9.000001", online="full"),
        new("1.000002"),
        abolished("9.000002"),
        amended("1.000001", online="full"),
        abolished("9.000003"),
    ]))

    errors = error_of(response, 409, "procedure_not_active")
    assert {index: (e["reason"], e["code"]) for index, e in errors["entries"].items()} == {
        "0": ("procedure_not_active", "9.000001"),
        "2": ("procedure_not_active", "9.000002"),
        "4": ("procedure_not_active", "9.000003"),
    }
    assert total(client, "/api/decisions") == 1


# -- validation --------------------------------------------------------------------------------------

VALID = decision("1/QĐ-UBND", entries=[new("1.000001")])
WITHOUT_START_ATTRIBUTES = {"action": "new", "code": "1.000002"}

# (body, error paths, reason): schema errors are "validation_failed"; content rules "invalid_decision".
INVALID_BODIES = {
    "missing number": ({k: v for k, v in VALID.items() if k != "number"}, ["number"], "validation_failed"),
    "missing issuer": ({k: v for k, v in VALID.items() if k != "issuer"}, ["issuer"], "validation_failed"),
    "missing signed_on": ({k: v for k, v in VALID.items() if k != "signed_on"}, ["signed_on"],
                          "validation_failed"),
    "missing entries": ({k: v for k, v in VALID.items() if k != "entries"}, ["entries"], "validation_failed"),
    "empty entries": ({**VALID, "entries": []}, ["entries"], "validation_failed"),
    "unknown field": ({**VALID, "signed_by": "Chủ tịch"}, ["signed_by"], "validation_failed"),
    "unknown entry field": ({**VALID, "entries": [new("1.000001", colour="đỏ")]}, ["entries.0.colour"],
                            "validation_failed"),
    "unknown action": ({**VALID, "entries": [{"action": "renamed", "code": "1.000001"}]}, ["entries.0.action"],
                       "validation_failed"),
    "unknown level": ({**VALID, "entries": [new("1.000001", levels=["ward"])]}, ["entries.0.levels.0"],
                      "validation_failed"),
    "impossible date": ({**VALID, "signed_on": "2024-02-30"}, ["signed_on"], "validation_failed"),
    "effective_on before signed_on": ({**VALID, "effective_on": "2024-04-15"}, ["effective_on"],
                                      "invalid_decision"),
    "same code twice": ({**VALID, "entries": [new("1.000001"), amended("1.000001", online="full")]},
                        ["entries.1.code"], "invalid_decision"),
    "replaces on an amended entry": ({**VALID, "entries": [new("1.000001"), amended("1.000002", replaces="1.0")]},
                                     ["entries.1.replaces"], "invalid_decision"),
    "replaced without replaces": ({**VALID, "entries": [new("1.000001") | {"action": "replaced"}]},
                                  ["entries.0.replaces"], "invalid_decision"),
    "new without name, field, levels, authority": (
        {**VALID, "entries": [new("1.000001"), WITHOUT_START_ATTRIBUTES]},
        ["entries.1.name", "entries.1.field", "entries.1.levels", "entries.1.authority"], "invalid_decision"),
    "replaced without name, field, levels, authority": (
        {**VALID, "entries": [{"action": "replaced", "code": "1.000002", "replaces": "1.000003"}]},
        ["entries.0.name", "entries.0.field", "entries.0.levels", "entries.0.authority"], "invalid_decision"),
}


@pytest.mark.parametrize("body, paths, reason", list(INVALID_BODIES.values()), ids=list(INVALID_BODIES))
def test_an_invalid_decision_is_rejected_with_the_json_path_of_each_error(listed, body, paths, reason):
    response = listed.post("/api/decisions", json=body)

    errors = error_of(response, 422, reason)
    assert sorted(errors) == sorted(paths)
    assert all(isinstance(messages, list) and messages for messages in errors.values())
    assert total(listed, "/api/decisions") == len(LISTED)
    assert total(listed, "/api/procedures", status="all") == len(LISTED)


def test_malformed_json_is_a_bad_request(listed):
    response = listed.post("/api/decisions", data='{"number": "1/QĐ-UBND", ', content_type="application/json")

    error_of(response, 400, "malformed_json")
    assert total(listed, "/api/decisions") == len(LISTED)


# -- idempotency (Conventions: POST commands accept an Idempotency-Key header) -------------------------


def test_the_same_idempotency_key_and_body_replays_the_first_response(client):
    headers = {"Idempotency-Key": "9b1c7f0e-quyet-dinh-1001"}
    first = client.post("/api/decisions", json=VALID, headers=headers)

    again = client.post("/api/decisions", json=VALID, headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert total(client, "/api/decisions") == 1


def test_the_same_idempotency_key_with_another_body_is_rejected(client):
    headers = {"Idempotency-Key": "9b1c7f0e-quyet-dinh-1001"}
    record_response = client.post("/api/decisions", json=VALID, headers=headers)
    assert record_response.status_code == 201

    response = client.post("/api/decisions", json=decision("2/QĐ-UBND", entries=[new("1.000002")]),
                           headers=headers)

    error_of(response, 422, "idempotency_key_reused")
    assert total(client, "/api/decisions") == 1


# -- retraction --------------------------------------------------------------------------------------


def test_a_retracted_decision_keeps_both_facts_in_its_history(client):
    recorded = record(client, decision("1/QĐ-UBND", "2024-04-01", [new("1.000001")]))

    response = client.post(f"/api/decisions/{recorded['id']}/retraction", json={"reason": "Ghi nhầm số hiệu"})

    assert response.status_code == 200
    retracted = response.get_json()
    assert (retracted["id"], retracted["status"]) == (recorded["id"], "retracted")
    assert [item["event"] for item in retracted["history"]] == ["recorded", "retracted"]
    assert retracted["history"][1]["reason"] == "Ghi nhầm số hiệu"
    for item in retracted["history"]:
        assert item["actor"]
        assert dt.datetime.fromisoformat(item["at"]).utcoffset() is not None
    assert client.get(f"/api/decisions/{recorded['id']}").get_json() == retracted


def test_retracting_a_decision_removes_the_procedures_it_introduced_from_the_catalog_and_reports(client):
    record(client, decision("1/QĐ-UBND", "2024-04-01", [new("1.000001")]))
    mistaken = record(client, decision("2/QĐ-UBND", "2024-04-10", [new("1.000002"), new("1.000003")]))
    assert active_codes(client) == ["1.000001", "1.000002", "1.000003"]

    client.post(f"/api/decisions/{mistaken['id']}/retraction", json={"reason": "Ghi nhầm"})

    assert active_codes(client) == ["1.000001"]
    assert total(client, "/api/procedures", status="all") == 1
    error_of(procedure(client, "1.000002"), 404, "procedure_not_found")
    error_of(procedure(client, "1.000003", as_of="2024-04-10"), 404, "procedure_not_found")
    report = client.get("/api/reports/procedure-changes", query_string={"from": "2024-04-01", "to": "2024-04-30"})
    assert report.get_json()["totals"] == {"decisions": 1, "new": 1, "amended": 0, "replaced": 0, "abolished": 0}


def test_retracting_an_abolition_makes_the_procedure_active_again(client):
    record(client, decision("1/QĐ-UBND", "2024-04-01", [new("1.000001")]))
    mistaken = record(client, decision("2/QĐ-UBND", "2024-04-10", [abolished("1.000001")]))

    client.post(f"/api/decisions/{mistaken['id']}/retraction", json={"reason": "Bãi bỏ nhầm"})

    shown = procedure(client, "1.000001").get_json()
    assert (shown["status"], shown["since"]) == ("active", "2024-04-01")
    assert [h["action"] for h in shown["history"]] == ["new"]


def test_retraction_is_refused_while_a_later_decision_amends_a_procedure_it_introduced(client):
    first = record(client, decision("1/QĐ-UBND", "2024-04-01", [new("1.000001"), new("1.000002")]))
    later = record(client, decision("7/QĐ-BTP", "2024-04-10", [amended("1.000001", online="full")],
                                    issuer=MINISTRY))

    response = client.post(f"/api/decisions/{first['id']}/retraction", json={"reason": "Ghi nhầm"})

    errors = error_of(response, 409, "decision_has_dependents")
    assert [d["number"] for d in errors["dependents"]] == ["7/QĐ-BTP"]
    assert errors["dependents"] == [{"code": "1.000001", "decision_id": later["id"], "number": "7/QĐ-BTP",
                                     "issuer": MINISTRY}]
    assert client.get(f"/api/decisions/{first['id']}").get_json()["status"] == "recorded"
    assert active_codes(client) == ["1.000001", "1.000002"]


def test_retraction_is_allowed_once_the_dependent_decision_is_retracted(client):
    first = record(client, decision("1/QĐ-UBND", "2024-04-01", [new("1.000001")]))
    later = record(client, decision("2/QĐ-UBND", "2024-04-10", [amended("1.000001", online="full")]))

    assert client.post(f"/api/decisions/{later['id']}/retraction", json={"reason": "x"}).status_code == 200
    response = client.post(f"/api/decisions/{first['id']}/retraction", json={"reason": "x"})

    assert response.status_code == 200
    assert active_codes(client) == []


def test_retracting_a_decision_twice_is_refused(client):
    recorded = record(client, decision("1/QĐ-UBND"))
    client.post(f"/api/decisions/{recorded['id']}/retraction", json={"reason": "Ghi nhầm"})

    response = client.post(f"/api/decisions/{recorded['id']}/retraction", json={"reason": "Ghi nhầm"})

    error_of(response, 409, "decision_retracted")
    history = client.get(f"/api/decisions/{recorded['id']}").get_json()["history"]
    assert [item["event"] for item in history] == ["recorded", "retracted"]


def test_retracting_an_unknown_decision_is_not_found(listed):
    response = listed.post(f"/api/decisions/{uuid.uuid4()}/retraction", json={"reason": "Ghi nhầm"})

    error_of(response, 404, "decision_not_found")


def test_a_retraction_needs_a_reason(client):
    recorded = record(client, decision("1/QĐ-UBND"))

    response = client.post(f"/api/decisions/{recorded['id']}/retraction", json={})

    assert sorted(error_of(response, 422, "validation_failed")) == ["reason"]
    assert client.get(f"/api/decisions/{recorded['id']}").get_json()["status"] == "recorded"


# -- publication -------------------------------------------------------------------------------------


def test_recording_the_publication_sets_publicised_on(client):
    recorded = record(client, decision("1/QĐ-UBND", "2024-04-16"))

    response = client.post(f"/api/decisions/{recorded['id']}/publication", json={"publicised_on": "2024-04-20"})

    assert response.status_code == 200
    assert response.get_json()["publicised_on"] == "2024-04-20"
    shown = client.get(f"/api/decisions/{recorded['id']}").get_json()
    assert (shown["publicised_on"], shown["status"]) == ("2024-04-20", "recorded")
    assert [item["event"] for item in shown["history"]] == ["recorded", "publicised"]


def test_a_publication_on_the_signing_day_is_accepted(client):
    recorded = record(client, decision("1/QĐ-UBND", "2024-04-16"))

    response = client.post(f"/api/decisions/{recorded['id']}/publication", json={"publicised_on": "2024-04-16"})

    assert (response.status_code, response.get_json()["publicised_on"]) == (200, "2024-04-16")


def test_a_publication_before_the_signing_date_is_refused(client):
    recorded = record(client, decision("1/QĐ-UBND", "2024-04-16"))

    response = client.post(f"/api/decisions/{recorded['id']}/publication", json={"publicised_on": "2024-04-15"})

    error_of(response, 409, "publicised_before_signed")
    assert client.get(f"/api/decisions/{recorded['id']}").get_json()["publicised_on"] is None


def test_publication_of_an_unknown_decision_is_not_found(listed):
    response = listed.post(f"/api/decisions/{uuid.uuid4()}/publication", json={"publicised_on": "2024-04-20"})

    error_of(response, 404, "decision_not_found")


def test_showing_an_unknown_decision_is_not_found(listed):
    error_of(listed.get(f"/api/decisions/{uuid.uuid4()}"), 404, "decision_not_found")


# -- listing -----------------------------------------------------------------------------------------


def numbers(client, **params) -> list[str]:
    response = client.get("/api/decisions", query_string=params)
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == len(body["items"])
    return sorted(item["number"] for item in body["items"])


def test_decisions_are_listed_by_signing_date_within_an_inclusive_period(listed):
    assert numbers(listed, **{"from": "2024-04-01", "to": "2024-04-30"}) == [
        "11/QĐ-UBND", "12/QĐ-BTP", "13/QĐ-UBND"]
    assert numbers(listed, **{"from": "2024-04-30"}) == ["13/QĐ-UBND", "14/QĐ-BTP"]
    assert numbers(listed, to="2024-03-31") == ["10/QĐ-UBND"]


def test_decisions_are_filtered_by_issuer(listed):
    assert numbers(listed, issuer=MINISTRY) == ["12/QĐ-BTP", "14/QĐ-BTP"]


@pytest.mark.parametrize("q, expected", [
    ("qd-ubnd", ["10/QĐ-UBND", "11/QĐ-UBND", "13/QĐ-UBND"]),
    ("QĐ-BTP", ["12/QĐ-BTP", "14/QĐ-BTP"]),
    ("khanh hoa", ["10/QĐ-UBND", "11/QĐ-UBND", "13/QĐ-UBND"]),
    ("bo tu phap", ["12/QĐ-BTP", "14/QĐ-BTP"]),
    ("hà nội", []),
])
def test_decisions_are_searched_by_number_and_issuer_without_accents(listed, q, expected):
    assert numbers(listed, q=q) == expected


def test_decisions_are_paginated(listed):
    pages = [listed.get("/api/decisions", query_string={"page": page, "per_page": 2}).get_json()
             for page in (1, 2, 3, 4)]

    assert [(p["page"], p["per_page"], p["total"], len(p["items"])) for p in pages] == [
        (1, 2, 5, 2), (2, 2, 5, 2), (3, 2, 5, 1), (4, 2, 5, 0)]
    seen = [item["number"] for p in pages for item in p["items"]]
    assert sorted(seen) == ["10/QĐ-UBND", "11/QĐ-UBND", "12/QĐ-BTP", "13/QĐ-UBND", "14/QĐ-BTP"]


@pytest.mark.parametrize("params, path", [({"per_page": 501}, "per_page"), ({"page": 0}, "page"),
                                          ({"from": "2024-04-31"}, "from")])
def test_invalid_list_parameters_are_rejected(listed, params, path):
    response = listed.get("/api/decisions", query_string=params)

    assert sorted(error_of(response, 422, "validation_failed")) == [path]


def test_a_retracted_decision_can_be_recorded_again_under_its_real_number(client):
    mistaken = record(client, decision("1/QĐ-UBND", "2024-04-01", [new("1.000001")]))
    client.post(f"/api/decisions/{mistaken['id']}/retraction", json={"reason": "Nhập sai"})

    response = client.post("/api/decisions", json=decision("1/QĐ-UBND", "2024-04-01", [new("1.000002")]))

    assert response.status_code == 201
    assert response.get_json()["id"] != mistaken["id"]
    statuses = {item["id"]: item["status"] for item in client.get("/api/decisions").get_json()["items"]}
    assert statuses == {mistaken["id"]: "retracted", response.get_json()["id"]: "recorded"}
    assert active_codes(client) == ["1.000002"]
