"""End to end: ``GET /api/reports/procedure-changes`` counts what decisions recorded through HTTP changed.

One scenario, recorded through the API alone, is read with every ``by`` key, a combination, both bases and
the three formats. Every expected number is worked out by hand below, following ``shared/api.md``:
``amended`` counts amended **or** replaced entries and ``replaced`` is that subset; with ``level`` an entry
counts once under each level of the procedure (after the change; for ``abolished``, before it);
``decisions`` is the number of distinct decisions with an entry in the row; ``totals`` count each entry
once; retracted decisions never count.
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.conftest import migrated_app

REPORT = "/api/reports/procedure-changes"
PERIOD = {"from": "2024-04-05", "to": "2024-04-20"}  # inclusive on both ends

PROVINCE = "UBND tỉnh Khánh Hòa"
MINISTRY = "Bộ Tư pháp"

COUNT_HEADERS = ["Số quyết định", "Ban hành mới", "Sửa đổi, bổ sung, thay thế", "Trong đó: thay thế", "Bãi bỏ"]
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def start(action: str, code: str, name: str, field: str, levels: list[str], authority: str,
          kind: str = "external", **extra) -> dict:
    return {"action": action, "code": code, "name": name, "field": field, "levels": levels,
            "authority": authority, "kind": kind, **extra}


def record(client, number: str, issuer: str, signed_on: str, entries: list[dict],
           effective_on: str | None = None) -> dict:
    body = {"number": number, "issuer": issuer, "signed_on": signed_on, "entries": entries}
    if effective_on:
        body["effective_on"] = effective_on
    response = client.post("/api/decisions", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def counts(decisions: int, new: int, amended: int, replaced: int, abolished: int) -> dict:
    return {"decisions": decisions, "new": new, "amended": amended, "replaced": replaced, "abolished": abolished}


def report(client, **params) -> dict:
    response = client.get(REPORT, query_string={**PERIOD, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def normalised(body: dict) -> dict:
    """The body with its groups in key order and rows of zeros left out (the contract allows either)."""
    groups = [g for g in body["groups"] if any(g[name] for name in counts(0, 0, 0, 0, 0))]
    return {**body, "groups": sorted(groups, key=lambda g: [g[key] for key in body["by"]])}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def scenario(request, tmp_path_factory):
    """A test client on a store holding :func:`record_scenario`, shared by this module's read-only tests.

    The same stores as conftest's ``client`` (SQLite, and PostgreSQL when configured), recorded once per
    store to keep the module fast: the tests using it only read.
    """
    with migrated_app(request.param, tmp_path_factory.mktemp("report")) as app:
        client = app.test_client()
        record_scenario(client)
        yield client


def record_scenario(client) -> None:
    """Record the decisions below through HTTP; period 05/04/2024–20/04/2024.

    D0 100/QĐ-UBND (province) signed 10/03, outside the period: issues P1…P6.
    D4 50/QĐ-BTP (ministry) signed 28/03, effective 06/04: in the period only by effective_on.
        abolished P6 (Chứng thực, district+commune, central, external — its levels before the change)
        new N4 (Chứng thực, commune, central, external)
    D1 200/QĐ-UBND (province) signed and effective 05/04 (first day of the period):
        new N1 (Hộ tịch, province+commune, central, external)
        new N2 (Đất đai, province, local, internal)
        amended P1 (Hộ tịch, commune, central, external)
        abolished P4 (Đất đai, province, local, external)
    D2 300/QĐ-BTP (ministry) signed and effective 10/04:
        replaced R1 replacing P2 (another code): R1 is Hộ tịch, commune, central, external
            (P2 was province+commune, local: the report counts R1's attributes, after the change)
        replaced P3 replacing itself: now Hộ tịch, province+commune, central, internal
            (it was district, external)
        amended P5: levels province → commune (Đầu tư, local, external)
    D3 400/QĐ-UBND (province) signed 20/04 (last day), effective 02/05: in the period only by signed_on.
        new N3 (Đầu tư, district, local, external)
    D5 500/QĐ-UBND (province) signed 15/04, then retracted: never counts.
        new N5, abolished N2
    D6 600/QĐ-UBND (province) signed 10/05, outside the period: amended N1.
    """
    record(client, "100/QĐ-UBND", PROVINCE, "2024-03-10", [
        start("new", "1.000001", "Đăng ký khai sinh", "Hộ tịch", ["commune"], "central"),
        start("new", "1.000002", "Đăng ký lại khai sinh", "Hộ tịch", ["province", "commune"], "local"),
        start("new", "1.000003", "Đăng ký kết hôn có yếu tố nước ngoài", "Hộ tịch", ["district"], "central"),
        start("new", "1.000004", "Giao đất không thông qua đấu giá", "Đất đai", ["province"], "local"),
        start("new", "1.000005", "Cấp giấy chứng nhận đăng ký đầu tư", "Đầu tư", ["province"], "local"),
        start("new", "1.000006", "Chứng thực bản sao từ bản chính", "Chứng thực", ["district", "commune"],
              "central"),
    ])
    record(client, "50/QĐ-BTP", MINISTRY, "2024-03-28", [
        {"action": "abolished", "code": "1.000006"},
        start("new", "2.000004", "Chứng thực chữ ký", "Chứng thực", ["commune"], "central"),
    ], effective_on="2024-04-06")
    record(client, "200/QĐ-UBND", PROVINCE, "2024-04-05", [
        start("new", "2.000001", "Đăng ký khai sinh có yếu tố nước ngoài", "Hộ tịch", ["province", "commune"],
              "central"),
        start("new", "2.000002", "Thẩm định hồ sơ giao đất", "Đất đai", ["province"], "local", kind="internal"),
        {"action": "amended", "code": "1.000001", "processing_time": {"value": 3, "unit": "working_days"}},
        {"action": "abolished", "code": "1.000004"},
    ])
    record(client, "300/QĐ-BTP", MINISTRY, "2024-04-10", [
        start("replaced", "2.000010", "Đăng ký lại khai sinh (liên thông)", "Hộ tịch", ["commune"], "central",
              replaces="1.000002"),
        start("replaced", "1.000003", "Đăng ký kết hôn có yếu tố nước ngoài", "Hộ tịch", ["province", "commune"],
              "central", kind="internal", replaces="1.000003"),
        {"action": "amended", "code": "1.000005", "levels": ["commune"]},
    ])
    record(client, "400/QĐ-UBND", PROVINCE, "2024-04-20", [
        start("new", "2.000003", "Cấp quyết định chủ trương đầu tư", "Đầu tư", ["district"], "local"),
    ], effective_on="2024-05-02")
    d5 = record(client, "500/QĐ-UBND", PROVINCE, "2024-04-15", [
        start("new", "2.000005", "Đăng ký khai tử", "Hộ tịch", ["commune"], "central"),
        {"action": "abolished", "code": "2.000002"},
    ])
    record(client, "600/QĐ-UBND", PROVINCE, "2024-05-10", [
        {"action": "amended", "code": "2.000001", "online": "full"},
    ])
    retraction = client.post(f"/api/decisions/{d5['id']}/retraction", json={"reason": "Ghi nhầm"})
    assert retraction.status_code == 200, retraction.get_json()


# Signed-on basis: D1, D2, D3 are in the period (D4 was signed before it, D5 is retracted).
# 8 entries: new N1 N2 N3; amended P1 P5 + replaced R1 P3 (amended 4, replaced 2); abolished P4.
SIGNED_TOTALS = counts(3, 3, 4, 2, 1)

# Effective-on basis: D4, D1, D2 are in the period (D3 takes effect on 02/05).
# 9 entries: new N1 N2 N4; amended P1 P5 + replaced R1 P3 (amended 4, replaced 2); abolished P4 P6.
EFFECTIVE_TOTALS = counts(3, 3, 4, 2, 2)


def test_totals_count_each_entry_once_and_ignore_retracted_and_outside_decisions(scenario):
    body = report(scenario)

    assert body == {"from": "2024-04-05", "to": "2024-04-20", "basis": "signed_on", "by": [],
                    "totals": SIGNED_TOTALS, "groups": []}


def test_effective_on_basis_counts_decisions_by_their_effective_date(scenario):
    body = report(scenario, basis="effective_on")

    assert body == {"from": "2024-04-05", "to": "2024-04-20", "basis": "effective_on", "by": [],
                    "totals": EFFECTIVE_TOTALS, "groups": []}


def test_by_authority_counts_each_entry_under_the_authority_after_the_change(scenario):
    body = report(scenario, by="authority")

    assert normalised(body) == {
        "from": "2024-04-05", "to": "2024-04-20", "basis": "signed_on", "by": ["authority"],
        "totals": SIGNED_TOTALS,
        "groups": [
            # N1 new (D1), P1 amended (D1), R1 and P3 replaced (D2): R1 is central although P2 was local
            {"authority": "central", **counts(2, 1, 3, 2, 0)},
            # N2 new (D1), P4 abolished (D1), P5 amended (D2), N3 new (D3)
            {"authority": "local", **counts(3, 2, 1, 0, 1)},
        ],
    }


def test_by_level_counts_an_entry_once_under_each_level_of_the_procedure(scenario):
    body = report(scenario, by="level")

    assert normalised(body) == {
        "from": "2024-04-05", "to": "2024-04-20", "basis": "signed_on", "by": ["level"],
        "totals": SIGNED_TOTALS,
        "groups": [
            # N1 new, P1 amended (D1); R1, P3 replaced, P5 amended to commune (D2)
            {"level": "commune", **counts(2, 1, 4, 2, 0)},
            # N3 new (D3); P3 was district before its replacement and does not count here
            {"level": "district", **counts(1, 1, 0, 0, 0)},
            # N1, N2 new and P4 abolished (D1); P3 replaced (D2); P5 left province and does not count here
            {"level": "province", **counts(2, 2, 1, 1, 1)},
        ],
    }


def test_by_field_counts_each_entry_under_the_procedure_field(scenario):
    body = report(scenario, by="field")

    assert normalised(body) == {
        "from": "2024-04-05", "to": "2024-04-20", "basis": "signed_on", "by": ["field"],
        "totals": SIGNED_TOTALS,
        "groups": [
            # N1 new, P1 amended (D1); R1, P3 replaced (D2)
            {"field": "Hộ tịch", **counts(2, 1, 3, 2, 0)},
            # N2 new, P4 abolished (D1)
            {"field": "Đất đai", **counts(1, 1, 0, 0, 1)},
            # P5 amended (D2), N3 new (D3)
            {"field": "Đầu tư", **counts(2, 1, 1, 0, 0)},
        ],
    }


def test_by_kind_counts_each_entry_under_the_kind_after_the_change(scenario):
    body = report(scenario, by="kind")

    assert normalised(body) == {
        "from": "2024-04-05", "to": "2024-04-20", "basis": "signed_on", "by": ["kind"],
        "totals": SIGNED_TOTALS,
        "groups": [
            # N1 new, P1 amended, P4 abolished (D1); R1 replaced, P5 amended (D2); N3 new (D3)
            {"kind": "external", **counts(3, 2, 3, 1, 1)},
            # N2 new (D1); P3 replaced, internal after its replacement (D2)
            {"kind": "internal", **counts(2, 1, 1, 1, 0)},
        ],
    }


def test_by_issuer_counts_each_entry_under_the_decision_issuer(scenario):
    body = report(scenario, by="issuer")

    assert normalised(body) == {
        "from": "2024-04-05", "to": "2024-04-20", "basis": "signed_on", "by": ["issuer"],
        "totals": SIGNED_TOTALS,
        "groups": [
            # D2: R1, P3 replaced, P5 amended
            {"issuer": MINISTRY, **counts(1, 0, 3, 2, 0)},
            # D1: N1, N2 new, P1 amended, P4 abolished; D3: N3 new (D5 is retracted)
            {"issuer": PROVINCE, **counts(2, 3, 1, 0, 1)},
        ],
    }


def test_by_authority_and_level_counts_each_combination(scenario):
    body = report(scenario, by="authority,level")

    assert normalised(body) == {
        "from": "2024-04-05", "to": "2024-04-20", "basis": "signed_on", "by": ["authority", "level"],
        "totals": SIGNED_TOTALS,
        "groups": [
            # N1 new, P1 amended (D1); R1, P3 replaced (D2)
            {"authority": "central", "level": "commune", **counts(2, 1, 3, 2, 0)},
            # N1 new (D1); P3 replaced (D2)
            {"authority": "central", "level": "province", **counts(2, 1, 1, 1, 0)},
            # P5 amended (D2)
            {"authority": "local", "level": "commune", **counts(1, 0, 1, 0, 0)},
            # N3 new (D3)
            {"authority": "local", "level": "district", **counts(1, 1, 0, 0, 0)},
            # N2 new, P4 abolished (D1)
            {"authority": "local", "level": "province", **counts(1, 1, 0, 0, 1)},
        ],
    }


def test_effective_on_basis_by_level_counts_an_abolished_entry_under_its_levels_before_the_change(
        scenario):
    body = report(scenario, by="level", basis="effective_on")

    assert normalised(body) == {
        "from": "2024-04-05", "to": "2024-04-20", "basis": "effective_on", "by": ["level"],
        "totals": EFFECTIVE_TOTALS,
        "groups": [
            # N1 new, P1 amended (D1); R1, P3 replaced, P5 amended (D2); P6 abolished, N4 new (D4)
            {"level": "commune", **counts(3, 2, 4, 2, 1)},
            # P6 abolished (D4), a district and commune procedure before it was abolished
            {"level": "district", **counts(1, 0, 0, 0, 1)},
            # N1, N2 new, P4 abolished (D1); P3 replaced (D2)
            {"level": "province", **counts(2, 2, 1, 1, 1)},
        ],
    }


def test_effective_on_basis_by_authority_and_issuer_include_the_decision_signed_before_the_period(
        scenario):
    by_authority = report(scenario, by="authority", basis="effective_on")
    by_issuer = report(scenario, by="issuer", basis="effective_on")

    assert normalised(by_authority)["groups"] == [
        # N1 new, P1 amended (D1); R1, P3 replaced (D2); P6 abolished, N4 new (D4)
        {"authority": "central", **counts(3, 2, 3, 2, 1)},
        # N2 new, P4 abolished (D1); P5 amended (D2)
        {"authority": "local", **counts(2, 1, 1, 0, 1)},
    ]
    assert normalised(by_issuer)["groups"] == [
        # D2: R1, P3 replaced, P5 amended; D4: P6 abolished, N4 new
        {"issuer": MINISTRY, **counts(2, 1, 3, 2, 1)},
        # D1 only: D3 takes effect after the period
        {"issuer": PROVINCE, **counts(1, 2, 1, 0, 1)},
    ]
    assert by_authority["totals"] == by_issuer["totals"] == EFFECTIVE_TOTALS


def test_a_decision_counts_until_it_is_retracted(client):
    decision = record(client, "700/QĐ-UBND", PROVINCE, "2024-04-12", [
        start("new", "3.000001", "Đăng ký thường trú", "Cư trú", ["commune"], "central"),
    ])
    assert report(client, by="field")["groups"] == [{"field": "Cư trú", **counts(1, 1, 0, 0, 0)}]

    retraction = client.post(f"/api/decisions/{decision['id']}/retraction", json={"reason": "Ghi nhầm số"})
    assert retraction.status_code == 200

    body = report(client, by="field")
    assert body["totals"] == counts(0, 0, 0, 0, 0)
    assert normalised(body)["groups"] == []


def test_after_a_retraction_later_entries_count_under_the_levels_the_procedure_has_without_it(client):
    record(client, "1/QĐ-UBND", PROVINCE, "2024-04-01", [
        start("new", "3.000002", "Đăng ký tạm trú", "Cư trú", ["commune"], "central")])
    mistaken = record(client, "2/QĐ-UBND", PROVINCE, "2024-04-10", [
        {"action": "amended", "code": "3.000002", "levels": ["province"]}])
    record(client, "3/QĐ-UBND", PROVINCE, "2024-04-15", [
        {"action": "amended", "code": "3.000002", "online": "full"}])

    retraction = client.post(f"/api/decisions/{mistaken['id']}/retraction", json={"reason": "Ghi nhầm cấp"})

    assert retraction.status_code == 200
    assert client.get("/api/procedures/3.000002").get_json()["levels"] == ["commune"]
    # As if 2/QĐ-UBND had never been recorded: 3/QĐ-UBND amended a commune procedure.
    body = report(client, **{"from": "2024-04-15", "to": "2024-04-15"}, by="level")
    assert normalised(body)["groups"] == [{"level": "commune", **counts(1, 0, 1, 0, 0)}]


def test_a_decision_recorded_late_moves_later_entries_to_the_levels_it_set(client):
    record(client, "1/QĐ-UBND", PROVINCE, "2024-04-01", [
        start("new", "3.000003", "Đăng ký tạm trú", "Cư trú", ["commune"], "central")])
    record(client, "3/QĐ-UBND", PROVINCE, "2024-04-15", [
        {"action": "amended", "code": "3.000003", "online": "full"}])

    record(client, "2/QĐ-UBND", PROVINCE, "2024-04-10", [  # entered after 3/QĐ-UBND, in force before it
        {"action": "amended", "code": "3.000003", "levels": ["province"]}])

    shown = client.get("/api/procedures/3.000003", query_string={"as_of": "2024-04-15"}).get_json()
    assert shown["levels"] == ["province"]
    # 3/QĐ-UBND amended a procedure whose level, after that change, is the province.
    body = report(client, **{"from": "2024-04-15", "to": "2024-04-15"}, by="level")
    assert normalised(body)["groups"] == [{"level": "province", **counts(1, 0, 1, 0, 0)}]


def test_csv_export_has_vietnamese_headers_one_row_per_group_and_a_total_row(scenario):
    response = scenario.get(REPORT, query_string={**PERIOD, "by": "authority,level", "format": "csv"})

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["Thẩm quyền ban hành", "Cấp thực hiện", *COUNT_HEADERS]
    assert sorted(rows[1:-1]) == sorted([
        ["Trung ương", "Cấp xã", "2", "1", "3", "2", "0"],
        ["Trung ương", "Cấp tỉnh", "2", "1", "1", "1", "0"],
        ["Địa phương", "Cấp xã", "1", "0", "1", "0", "0"],
        ["Địa phương", "Cấp huyện", "1", "1", "0", "0", "0"],
        ["Địa phương", "Cấp tỉnh", "1", "1", "0", "0", "1"],
    ])
    assert rows[-1] == ["Tổng cộng", "", "3", "3", "4", "2", "1"]


def test_csv_export_without_groups_is_the_totals_row(scenario):
    response = scenario.get(REPORT, query_string={**PERIOD, "basis": "effective_on", "format": "csv"})

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows == [COUNT_HEADERS, ["3", "3", "4", "2", "2"]]


def test_xlsx_export_holds_the_same_table_as_numbers(scenario):
    response = scenario.get(REPORT, query_string={**PERIOD, "by": "field", "format": "xlsx"})

    assert response.status_code == 200
    assert response.mimetype == XLSX_MIME
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Lĩnh vực", *COUNT_HEADERS]
    assert sorted(rows[1:-1]) == sorted([
        ["Hộ tịch", 2, 1, 3, 2, 0],
        ["Đất đai", 1, 1, 0, 0, 1],
        ["Đầu tư", 2, 1, 1, 0, 0],
    ])
    assert rows[-1] == ["Tổng cộng", 3, 3, 4, 2, 1]


def test_xlsx_export_by_two_keys_leaves_the_second_key_blank_on_the_total_row(scenario):
    response = scenario.get(REPORT, query_string={**PERIOD, "by": "kind,issuer", "format": "xlsx"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Loại TTHC", "Cơ quan công bố", *COUNT_HEADERS]
    assert sorted(rows[1:-1]) == sorted([
        ["TTHC", MINISTRY, 1, 0, 2, 1, 0],           # R1 replaced, P5 amended (D2)
        ["TTHC", PROVINCE, 2, 2, 1, 0, 1],           # N1 new, P1 amended, P4 abolished (D1); N3 new (D3)
        ["TTHC nội bộ", MINISTRY, 1, 0, 1, 1, 0],    # P3 replaced (D2)
        ["TTHC nội bộ", PROVINCE, 1, 1, 0, 0, 0],    # N2 new (D1)
    ])
    assert rows[-1] == ["Tổng cộng", None, 3, 3, 4, 2, 1]


def test_an_empty_period_reports_zeros(scenario):
    body = report(scenario, **{"from": "2023-01-01", "to": "2023-12-31"}, by="level")

    assert normalised(body) == {"from": "2023-01-01", "to": "2023-12-31", "basis": "signed_on",
                                "by": ["level"], "totals": counts(0, 0, 0, 0, 0), "groups": []}


def assert_validation_error(response, paths: list[str]) -> None:
    assert response.status_code == 422
    body = response.get_json()
    assert set(body) == {"code", "status", "reason", "message", "errors"}
    assert body["code"] == 422
    assert body["status"] == "Unprocessable Entity"
    assert body["reason"] == "validation_failed"
    assert sorted(body["errors"]) == sorted(paths)


def test_a_period_that_ends_before_it_starts_is_rejected(scenario):
    response = scenario.get(REPORT, query_string={"from": "2024-04-21", "to": "2024-04-20"})

    assert_validation_error(response, ["from"])


def test_an_unknown_group_key_is_rejected(scenario):
    response = scenario.get(REPORT, query_string={**PERIOD, "by": "authority,agency"})

    assert_validation_error(response, ["by"])


def test_a_period_without_start_is_rejected(scenario):
    response = scenario.get(REPORT, query_string={"to": "2024-04-20"})

    assert_validation_error(response, ["from"])


def test_an_unknown_basis_is_rejected(scenario):
    response = scenario.get(REPORT, query_string={**PERIOD, "basis": "publicised_on"})

    assert_validation_error(response, ["basis"])
