"""End to end: ``GET /api/procedures`` and ``GET /api/procedures/{code}`` over a catalog recorded through HTTP.

Filters, accent-insensitive search, the state on a date (``as_of``), pagination and each procedure's
history, as in ``shared/api.md`` (section "Catalog").
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.conftest import migrated_app

PROVINCE = "UBND tỉnh Khánh Hòa"
MINISTRY = "Bộ Tư pháp"
CONTRACT_KEYS = ("code", "name", "field", "levels", "authority", "kind", "online", "agency", "processing_time",
                 "status", "since")

BIRTH = {"action": "new", "code": "1.000001", "name": "Đăng ký khai sinh", "field": "Hộ tịch",
         "levels": ["commune"], "authority": "central", "kind": "external", "online": "full",
         "agency": "UBND cấp xã", "processing_time": {"value": 5, "unit": "working_days"}}
MARRIAGE = {"action": "new", "code": "1.000002", "name": "Đăng ký kết hôn", "field": "Hộ tịch",
            "levels": ["province", "commune"], "authority": "central", "online": "partial"}
LAND = {"action": "new", "code": "2.000003", "name": "Cấp giấy chứng nhận quyền sử dụng đất", "field": "Đất đai",
        "levels": ["province"], "authority": "local"}
TRAINING = {"action": "new", "code": "3.000004", "name": "Phê duyệt kế hoạch đào tạo, bồi dưỡng", "field": "Nội vụ",
            "levels": ["province"], "authority": "local", "kind": "internal"}
DEATH = {"action": "new", "code": "1.000005", "name": "Đăng ký khai tử", "field": "Hộ tịch", "levels": ["commune"],
         "authority": "central"}
LAND_CHANGE = {"action": "new", "code": "2.000006", "name": "Đăng ký biến động đất đai", "field": "Đất đai",
               "levels": ["district", "commune"], "authority": "local", "online": "full"}

# Every procedure active today, by code.
ACTIVE = ["1.000001", "1.000002", "2.000003", "2.000006", "3.000004"]


def record(client, number: str, issuer: str, signed_on: str, entries: list[dict], **extra) -> dict:
    body = {"number": number, "issuer": issuer, "signed_on": signed_on, "entries": entries, **extra}
    response = client.post("/api/decisions", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def catalog(request, tmp_path_factory):
    """A catalog recorded through HTTP once per store (SQLite, and PostgreSQL when configured); tests only read.

    10/QĐ-UBND signed 10/01/2024: new 1.000001 (khai sinh, 5 working days), 1.000002 (kết hôn), 2.000003
        (quyền sử dụng đất), 3.000004 (internal), 1.000005 (khai tử).
    20/QĐ-BTP signed 20/02/2024, effective 01/03/2024: 1.000001 now takes 3 working days; 1.000005 abolished.
    40/QĐ-UBND signed 20/03/2024, effective 01/04/2024: 1.000002 online full.
    30/QĐ-UBND recorded after 40/QĐ-UBND but effective before it (01/02/2024): 1.000002 agency changes.
    50/QĐ-UBND signed 01/06/2024: new 2.000006 (biến động đất đai, district and commune).
    """
    with migrated_app(request.param, tmp_path_factory.mktemp("procedures")) as app:
        client = app.test_client()
        decisions = {
            "10": record(client, "10/QĐ-UBND", PROVINCE, "2024-01-10", [BIRTH, MARRIAGE, LAND, TRAINING, DEATH]),
            "20": record(client, "20/QĐ-BTP", MINISTRY, "2024-02-20", [
                {"action": "amended", "code": "1.000001", "processing_time": {"value": 3, "unit": "working_days"}},
                {"action": "abolished", "code": "1.000005"},
            ], effective_on="2024-03-01"),
            "40": record(client, "40/QĐ-UBND", PROVINCE, "2024-03-20", [
                {"action": "amended", "code": "1.000002", "online": "full"}], effective_on="2024-04-01"),
            "30": record(client, "30/QĐ-UBND", PROVINCE, "2024-01-25", [
                {"action": "amended", "code": "1.000002", "agency": "Sở Tư pháp"}], effective_on="2024-02-01"),
            "50": record(client, "50/QĐ-UBND", PROVINCE, "2024-06-01", [LAND_CHANGE]),
        }
        yield SimpleNamespace(client=client, decisions=decisions)


def listing(catalog, **params) -> dict:
    response = catalog.client.get("/api/procedures", query_string={"per_page": 500, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def codes(catalog, **params) -> list[str]:
    body = listing(catalog, **params)
    assert body["total"] == len(body["items"])
    return [item["code"] for item in body["items"]]


def show(catalog, code: str, **params):
    return catalog.client.get(f"/api/procedures/{code}", query_string=params)


def summary(decision: dict) -> dict:
    return {key: decision[key] for key in ("id", "number", "issuer", "signed_on", "effective_on")}


def assert_error(response, code: int, reason: str, paths: list[str] | None = None) -> None:
    body = response.get_json()
    assert response.status_code == code, body
    assert set(body) == {"code", "status", "reason", "message", "errors"}
    assert (body["code"], body["reason"]) == (code, reason)
    if paths is not None:
        assert sorted(body["errors"]) == sorted(paths)


# -- listing and filters -----------------------------------------------------------------------------


def test_procedures_active_today_are_listed_by_default(catalog):
    assert sorted(codes(catalog)) == ACTIVE


@pytest.mark.parametrize("status, expected", [
    ("active", ACTIVE),
    ("abolished", ["1.000005"]),
    ("all", sorted(ACTIVE + ["1.000005"])),
])
def test_procedures_are_filtered_by_status(catalog, status, expected):
    assert sorted(codes(catalog, status=status)) == expected


@pytest.mark.parametrize("params, expected", [
    ({"field": "Hộ tịch"}, ["1.000001", "1.000002"]),
    ({"field": "Đất đai"}, ["2.000003", "2.000006"]),
    ({"level": "province"}, ["1.000002", "2.000003", "3.000004"]),
    ({"level": "district"}, ["2.000006"]),
    ({"level": "commune"}, ["1.000001", "1.000002", "2.000006"]),
    ({"level": "central"}, []),
    ({"authority": "local"}, ["2.000003", "2.000006", "3.000004"]),
    ({"authority": "central"}, ["1.000001", "1.000002"]),
    ({"kind": "internal"}, ["3.000004"]),
    ({"kind": "external"}, ["1.000001", "1.000002", "2.000003", "2.000006"]),
    ({"online": "full"}, ["1.000001", "1.000002", "2.000006"]),  # 1.000002 became full on 01/04/2024
    ({"online": "partial"}, []),
    ({"online": "none"}, ["2.000003", "3.000004"]),  # the default
    ({"field": "Đất đai", "level": "commune"}, ["2.000006"]),
    ({"field": "Hộ tịch", "status": "abolished"}, ["1.000005"]),
], ids=lambda value: ",".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else None)
def test_procedures_are_filtered_by_their_attributes(catalog, params, expected):
    assert sorted(codes(catalog, **params)) == expected


@pytest.mark.parametrize("q, expected", [
    ("khai sinh", ["1.000001"]),
    ("dang ky khai sinh", ["1.000001"]),
    ("Đăng ký khai sinh", ["1.000001"]),
    ("ĐĂNG KÝ", ["1.000001", "1.000002", "2.000006"]),
    ("đăng   KY  kết hôn", ["1.000002"]),
    ("quyen su dung dat", ["2.000003"]),
    ("khai", ["1.000001"]),  # khai tử is abolished
    ("1.00000", ["1.000001", "1.000002"]),  # codes too
    ("3.000004", ["3.000004"]),
    ("hộ chiếu", []),
])
def test_procedures_are_searched_by_name_and_code_without_accents(catalog, q, expected):
    assert sorted(codes(catalog, q=q)) == expected


def test_search_combines_with_status(catalog):
    assert sorted(codes(catalog, q="khai", status="all")) == ["1.000001", "1.000005"]


def test_procedures_are_paginated(catalog):
    pages = [listing(catalog, page=page, per_page=2) for page in (1, 2, 3, 4)]

    assert [(p["page"], p["per_page"], p["total"], len(p["items"])) for p in pages] == [
        (1, 2, 5, 2), (2, 2, 5, 2), (3, 2, 5, 1), (4, 2, 5, 0)]
    assert sorted(item["code"] for p in pages for item in p["items"]) == ACTIVE


@pytest.mark.parametrize("params, path", [
    ({"per_page": 501}, "per_page"),
    ({"page": 0}, "page"),
    ({"status": "deleted"}, "status"),
    ({"level": "ward"}, "level"),
    ({"authority": "provincial"}, "authority"),
    ({"kind": "public"}, "kind"),
    ({"online": "yes"}, "online"),
    ({"as_of": "2024-02-30"}, "as_of"),
])
def test_invalid_list_parameters_are_rejected(catalog, params, path):
    response = catalog.client.get("/api/procedures", query_string=params)

    assert_error(response, 422, "validation_failed", [path])


# -- one procedure, today and on a date ----------------------------------------------------------------


def test_a_procedure_is_shown_with_its_current_state(catalog):
    response = show(catalog, "1.000001")

    assert response.status_code == 200
    shown = response.get_json()
    assert {key: shown[key] for key in CONTRACT_KEYS} == {
        "code": "1.000001", "name": "Đăng ký khai sinh", "field": "Hộ tịch", "levels": ["commune"],
        "authority": "central", "kind": "external", "online": "full", "agency": "UBND cấp xã",
        "processing_time": {"value": 3, "unit": "working_days"},  # amended by 20/QĐ-BTP
        "status": "active", "since": "2024-01-10",
    }


def test_a_procedure_history_lists_each_change_with_its_decision(catalog):
    history = show(catalog, "1.000001").get_json()["history"]

    assert [{key: item[key] for key in ("action", "decision", "changes")} for item in history] == [
        {"action": "new", "decision": summary(catalog.decisions["10"]),
         "changes": {key: value for key, value in BIRTH.items() if key not in ("action", "code")}},
        {"action": "amended", "decision": summary(catalog.decisions["20"]),
         "changes": {"processing_time": {"value": 3, "unit": "working_days"}}},
    ]
    assert history[1]["decision"] == {"id": catalog.decisions["20"]["id"], "number": "20/QĐ-BTP",
                                      "issuer": "Bộ Tư pháp", "signed_on": "2024-02-20",
                                      "effective_on": "2024-03-01"}


def test_a_procedure_history_is_in_the_order_the_changes_took_effect(catalog):
    history = show(catalog, "1.000002").get_json()["history"]

    # 30/QĐ-UBND was recorded after 40/QĐ-UBND but took effect before it.
    assert [(item["action"], item["decision"]["number"], item["changes"]) for item in history] == [
        ("new", "10/QĐ-UBND", {key: value for key, value in MARRIAGE.items() if key not in ("action", "code")}),
        ("amended", "30/QĐ-UBND", {"agency": "Sở Tư pháp"}),
        ("amended", "40/QĐ-UBND", {"online": "full"}),
    ]


@pytest.mark.parametrize("as_of, processing_days, actions", [
    ("2024-01-10", 5, ["new"]),               # the day it was issued
    ("2024-02-25", 5, ["new"]),               # 20/QĐ-BTP signed but not yet in force
    ("2024-03-01", 3, ["new", "amended"]),    # the day 20/QĐ-BTP takes effect
    ("2025-01-01", 3, ["new", "amended"]),
])
def test_a_procedure_as_of_a_date_shows_its_state_and_history_on_that_date(catalog, as_of, processing_days,
                                                                            actions):
    shown = show(catalog, "1.000001", as_of=as_of).get_json()

    assert shown["processing_time"] == {"value": processing_days, "unit": "working_days"}
    assert (shown["status"], shown["since"]) == ("active", "2024-01-10")
    assert [item["action"] for item in shown["history"]] == actions


def test_the_list_as_of_a_date_shows_the_state_on_that_date(catalog):
    body = listing(catalog, as_of="2024-02-25")

    assert sorted(item["code"] for item in body["items"]) == ["1.000001", "1.000002", "1.000005", "2.000003",
                                                              "3.000004"]
    birth = next(item for item in body["items"] if item["code"] == "1.000001")
    assert birth["processing_time"] == {"value": 5, "unit": "working_days"}
    assert sorted(codes(catalog, as_of="2024-02-25", q="khai")) == ["1.000001", "1.000005"]
    assert sorted(codes(catalog, as_of="2024-03-31", online="full")) == ["1.000001"]
    assert sorted(codes(catalog, as_of="2024-04-01", online="full")) == ["1.000001", "1.000002"]


def test_an_abolished_procedure_is_shown_as_abolished_since_the_decision_took_effect(catalog):
    abolished = show(catalog, "1.000005").get_json()
    before = show(catalog, "1.000005", as_of="2024-02-29").get_json()

    assert (abolished["status"], abolished["since"]) == ("abolished", "2024-03-01")
    assert [item["action"] for item in abolished["history"]] == ["new", "abolished"]
    assert abolished["history"][1]["decision"] == summary(catalog.decisions["20"])
    assert (before["status"], before["since"]) == ("active", "2024-01-10")


def test_a_procedure_is_not_found_before_it_was_issued(catalog):
    assert_error(show(catalog, "1.000001", as_of="2024-01-09"), 404, "procedure_not_found")
    assert_error(show(catalog, "2.000006", as_of="2024-05-31"), 404, "procedure_not_found")
    assert codes(catalog, as_of="2024-01-09", status="all") == []
    assert "2.000006" not in codes(catalog, as_of="2024-05-31", status="all")


def test_an_unknown_procedure_is_not_found(catalog):
    assert_error(show(catalog, "9.999999"), 404, "procedure_not_found")


def test_an_invalid_as_of_is_rejected(catalog):
    assert_error(show(catalog, "1.000001", as_of="01/03/2024"), 422, "validation_failed", ["as_of"])
