"""End to end: ``GET /api/reports/dossier-results`` (Biểu II.06a) over the scenario's province.

Two periods that are not calendar months: MONTH 21/9/2026–20/10/2026 and QUARTER 15/6/2026–14/9/2026. Every
number below is derived by hand from ``tests/e2e/dossier_scenario.py`` (api.md → Tracker): a dossier counts
when received by ``to`` and not closed (resolved, withdrawn, rejected) before ``from``; ``carried_over`` when
received before ``from``; ``resolved_*`` and ``returned`` when closed in the period; ``in_progress`` and
``paused`` from its state at the end of ``to`` (overdue: due date on or before ``to``); agencies are the
receiving ones.

MONTH (17 dossiers):

| code  | agency | field      | procedure | in MONTH                               |
|-------|--------|------------|-----------|----------------------------------------|
| KH-01 | G09.99 | Hộ tịch    | 1.001193  | carried over, resolved on time on 21/9 |
| KH-03 | G09.01 | Đất đai    | 1.004227  | carried over, resolved late            |
| KH-04 | G09.99 | Đất đai    | 1.004227  | carried over, resolved early           |
| KH-05 | G09.01 | Đầu tư     | 1.009645  | carried over, in progress overdue      |
| KH-28 | G09.01 | Đầu tư     | 1.009645  | carried over, paused (suspended)       |
| KH-06 | G09.99 | Chứng thực | 2.000815  | new in person, resolved on time        |
| KH-07 | G09.99 | Chứng thực | 2.000815  | new online, resolved early             |
| KH-08 | G09.98 | Hộ tịch    | 1.001193  | new postal, resolved late              |
| KH-09 | G09.98 | Hộ tịch    | 1.001193  | new online, in progress overdue        |
| KH-10 | G09.98 | Hộ tịch    | 1.001193  | new in person, in progress on time     |
| KH-11 | G09.01 | Đất đai    | 1.004227  | new online, returned (withdrawn)       |
| KH-12 | G09.99 | Đất đai    | 1.004227  | new in person, returned (rejected)     |
| KH-13 | G09.01 | Đầu tư     | 1.009645  | new postal, paused (payment)           |
| KH-14 | G09.99 | Hộ tịch    | 1.000894  | new online, paused (suspended)         |
| KH-15 | G09.99 | Đất đai    | 1.004227  | new in person, paused (supplement)     |
| KH-16 | G09.98 | Hộ tịch    | 1.001193  | new in person, in progress on time     |
| KH-19 | G09.98 | Chứng thực | 2.000815  | new online, resolved early             |

Not in MONTH: KH-02 (withdrawn 20/9, the day before), KH-17 (received 21/10, the day after), and the
dossiers closed before 21/9 (KH-21…27, KH-29, KH-32, KH-33) or received after (KH-30, KH-31).

QUARTER (11 dossiers):

| code  | agency | field      | procedure | in QUARTER                              |
|-------|--------|------------|-----------|-----------------------------------------|
| KH-21 | G09.99 | Hộ tịch    | 1.001193  | carried over, resolved late             |
| KH-23 | G09.01 | Đất đai    | 1.004227  | carried over, returned (rejected 15/6)  |
| KH-02 | G09.99 | Hộ tịch    | 1.000894  | new in person, in progress on time      |
| KH-03 | G09.01 | Đất đai    | 1.004227  | new in person, in progress on time      |
| KH-04 | G09.99 | Đất đai    | 1.004227  | new postal, paused (supplement)         |
| KH-24 | G09.01 | Đầu tư     | 1.009645  | new in person, resolved early           |
| KH-25 | G09.99 | Hộ tịch    | 1.001193  | new postal, resolved on time            |
| KH-26 | G09.99 | Chứng thực | 2.000815  | new online, resolved on time            |
| KH-27 | G09.98 | Hộ tịch    | 1.001193  | new online, in progress overdue (14/9)  |
| KH-28 | G09.01 | Đầu tư     | 1.009645  | new online, paused (suspended)          |
| KH-29 | G09.01 | Đất đai    | 1.004227  | new in person, resolved on time         |

Not in QUARTER: KH-22 (withdrawn 14/6, the day before), KH-01 and later (received after 14/9), KH-32,
KH-33 (closed in February).
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.conftest import STORES
from tests.e2e.dossier_scenario import MONTH, QUARTER, scenario_client

REPORT = "/api/reports/dossier-results"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = ("received", "carried_over", "new_online", "new_in_person", "new_postal", "resolved", "resolved_early",
           "resolved_on_time", "resolved_late", "in_progress", "in_progress_on_time", "in_progress_overdue",
           "returned", "paused", "on_time_rate")
TITLES = ["Tổng số hồ sơ tiếp nhận", "Kỳ trước chuyển qua", "Mới tiếp nhận trực tuyến", "Mới tiếp nhận trực tiếp",
          "Mới tiếp nhận qua bưu chính công ích", "Đã giải quyết", "Giải quyết trước hạn", "Giải quyết đúng hạn",
          "Giải quyết quá hạn", "Đang giải quyết", "Đang giải quyết trong hạn", "Đang giải quyết quá hạn",
          "Trả lại / rút hồ sơ", "Tạm dừng (bổ sung, nghĩa vụ tài chính, dừng xử lý)", "Tỷ lệ đúng hạn"]
CENTRE = {"agency": "G09.01", "agency_name": "Trung tâm Phục vụ hành chính công tỉnh Khánh Hòa"}
CAM_LAM = {"agency": "G09.98", "agency_name": "UBND xã Cam Lâm"}
NHA_TRANG = {"agency": "G09.99", "agency_name": "UBND phường Nha Trang"}
KET_HON = {"procedure": "1.000894", "procedure_name": "Đăng ký kết hôn"}
KHAI_SINH = {"procedure": "1.001193", "procedure_name": "Đăng ký khai sinh"}
DAT_DAI = {"procedure": "1.004227", "procedure_name": "Đăng ký biến động quyền sử dụng đất"}
DAU_TU = {"procedure": "1.009645", "procedure_name": "Cấp Giấy chứng nhận đăng ký đầu tư"}
CHUNG_THUC = {"procedure": "2.000815", "procedure_name": "Chứng thực bản sao từ bản chính"}


@pytest.fixture(scope="module", params=STORES)
def scenario(request, tmp_path_factory):
    """A test client on the whole scenario, recorded once per store for this module's read-only tests."""
    with scenario_client(request.param, tmp_path_factory.mktemp("scenario")) as client:
        yield client


def counts(received: int, carried_over: int, online: int, in_person: int, postal: int, early: int, on_time: int,
           late: int, running_on_time: int, running_overdue: int, returned: int, paused: int,
           on_time_rate: float | None) -> dict:
    """A row of the report from its hand-counted parts; ``received`` is counted by hand too, and must be both
    the sum of its sources and of its outcomes."""
    assert received == carried_over + online + in_person + postal
    assert received == early + on_time + late + running_on_time + running_overdue + returned + paused
    return {"received": received, "carried_over": carried_over, "new_online": online, "new_in_person": in_person,
            "new_postal": postal, "resolved": early + on_time + late, "resolved_early": early,
            "resolved_on_time": on_time, "resolved_late": late, "in_progress": running_on_time + running_overdue,
            "in_progress_on_time": running_on_time, "in_progress_overdue": running_overdue, "returned": returned,
            "paused": paused, "on_time_rate": on_time_rate}


def report(client, period: tuple[str, str], **params) -> dict:
    response = client.get(REPORT, query_string={"from": period[0], "to": period[1], **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def in_key_order(body: dict) -> dict:
    """The body with its groups sorted by their keys (api.md does not fix the order of the rows)."""
    return {**body, "groups": sorted(body["groups"], key=lambda g: [g[key] for key in body["by"]])}


# counts(received, carried_over, online, in_person, postal, early, on_time, late, running on time, running overdue,
#        returned, paused, on_time_rate)
MONTH_TOTALS = counts(17, 5, 5, 5, 2, 3, 2, 2, 2, 2, 2, 4, 0.7143)  # 5/7
MONTH_GROUPS = {
    "level": [
        # KH-03, 05, 11, 13, 28
        {"level": "commune", **counts(12, 2, 4, 5, 1, 3, 2, 1, 2, 1, 1, 2, 0.8333)},  # 5/6
        {"level": "province", **counts(5, 3, 1, 0, 1, 0, 0, 1, 0, 1, 1, 2, 0.0)},
    ],
    "agency": [
        {**CENTRE, **counts(5, 3, 1, 0, 1, 0, 0, 1, 0, 1, 1, 2, 0.0)},  # KH-03, 05, 11, 13, 28
        {**CAM_LAM, **counts(5, 0, 2, 2, 1, 1, 0, 1, 2, 1, 0, 0, 0.5)},  # KH-08, 09, 10, 16, 19
        {**NHA_TRANG, **counts(7, 2, 2, 3, 0, 2, 2, 0, 0, 0, 1, 2, 1.0)},  # KH-01, 04, 06, 07, 12, 14, 15
    ],
    "field": [
        {"field": "Chứng thực", **counts(3, 0, 2, 1, 0, 2, 1, 0, 0, 0, 0, 0, 1.0)},  # KH-06, 07, 19
        {"field": "Hộ tịch", **counts(6, 1, 2, 2, 1, 0, 1, 1, 2, 1, 0, 1, 0.5)},  # KH-01, 08, 09, 10, 14, 16
        {"field": "Đất đai", **counts(5, 2, 1, 2, 0, 1, 0, 1, 0, 0, 2, 1, 0.5)},  # KH-03, 04, 11, 12, 15
        {"field": "Đầu tư", **counts(3, 2, 0, 0, 1, 0, 0, 0, 0, 1, 0, 2, None)},  # KH-05, 13, 28: none resolved
    ],
    "procedure": [
        {**KET_HON, **counts(1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, None)},  # KH-14
        {**KHAI_SINH, **counts(5, 1, 1, 2, 1, 0, 1, 1, 2, 1, 0, 0, 0.5)},  # KH-01, 08, 09, 10, 16
        {**DAT_DAI, **counts(5, 2, 1, 2, 0, 1, 0, 1, 0, 0, 2, 1, 0.5)},
        {**DAU_TU, **counts(3, 2, 0, 0, 1, 0, 0, 0, 0, 1, 0, 2, None)},
        {**CHUNG_THUC, **counts(3, 0, 2, 1, 0, 2, 1, 0, 0, 0, 0, 0, 1.0)},
    ],
    "agency,field": [
        {**CENTRE, "field": "Đất đai", **counts(2, 1, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0.0)},  # KH-03, 11
        {**CENTRE, "field": "Đầu tư", **counts(3, 2, 0, 0, 1, 0, 0, 0, 0, 1, 0, 2, None)},  # KH-05, 13, 28
        {**CAM_LAM, "field": "Chứng thực", **counts(1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1.0)},  # KH-19
        {**CAM_LAM, "field": "Hộ tịch", **counts(4, 0, 1, 2, 1, 0, 0, 1, 2, 1, 0, 0, 0.0)},  # KH-08, 09, 10, 16
        {**NHA_TRANG, "field": "Chứng thực", **counts(2, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1.0)},  # KH-06, 07
        {**NHA_TRANG, "field": "Hộ tịch", **counts(2, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1.0)},  # KH-01, 14
        {**NHA_TRANG, "field": "Đất đai", **counts(3, 1, 0, 2, 0, 1, 0, 0, 0, 0, 1, 1, 1.0)},  # KH-04, 12, 15
    ],
}

QUARTER_TOTALS = counts(11, 2, 3, 4, 2, 1, 3, 1, 2, 1, 1, 2, 0.8)  # 4/5
QUARTER_GROUPS = {
    "level": [
        # KH-02, 04, 21, 25, 26, 27
        {"level": "commune", **counts(6, 1, 2, 1, 2, 0, 2, 1, 1, 1, 0, 1, 0.6667)},  # 2/3
        # KH-03, 23, 24, 28, 29
        {"level": "province", **counts(5, 1, 1, 3, 0, 1, 1, 0, 1, 0, 1, 1, 1.0)},
    ],
    "agency": [
        {**CENTRE, **counts(5, 1, 1, 3, 0, 1, 1, 0, 1, 0, 1, 1, 1.0)},
        {**CAM_LAM, **counts(1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, None)},  # KH-27
        {**NHA_TRANG, **counts(5, 1, 1, 1, 2, 0, 2, 1, 1, 0, 0, 1, 0.6667)},  # KH-02, 04, 21, 25, 26
    ],
    "field": [
        {"field": "Chứng thực", **counts(1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1.0)},  # KH-26
        {"field": "Hộ tịch", **counts(4, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 0, 0.5)},  # KH-02, 21, 25, 27
        {"field": "Đất đai", **counts(4, 1, 0, 2, 1, 0, 1, 0, 1, 0, 1, 1, 1.0)},  # KH-03, 04, 23, 29
        {"field": "Đầu tư", **counts(2, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1.0)},  # KH-24, 28
    ],
    "procedure": [
        {**KET_HON, **counts(1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, None)},  # KH-02
        {**KHAI_SINH, **counts(3, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 0.5)},  # KH-21, 25, 27
        {**DAT_DAI, **counts(4, 1, 0, 2, 1, 0, 1, 0, 1, 0, 1, 1, 1.0)},
        {**DAU_TU, **counts(2, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1.0)},
        {**CHUNG_THUC, **counts(1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1.0)},
    ],
    "agency,field": [
        {**CENTRE, "field": "Đất đai", **counts(3, 1, 0, 2, 0, 0, 1, 0, 1, 0, 1, 0, 1.0)},  # KH-03, 23, 29
        {**CENTRE, "field": "Đầu tư", **counts(2, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1.0)},  # KH-24, 28
        {**CAM_LAM, "field": "Hộ tịch", **counts(1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, None)},  # KH-27
        {**NHA_TRANG, "field": "Chứng thực", **counts(1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1.0)},  # KH-26
        {**NHA_TRANG, "field": "Hộ tịch", **counts(3, 1, 0, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0.5)},  # KH-02, 21, 25
        {**NHA_TRANG, "field": "Đất đai", **counts(1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, None)},  # KH-04
    ],
}

PERIODS = {"month": (MONTH, MONTH_TOTALS, MONTH_GROUPS), "quarter": (QUARTER, QUARTER_TOTALS, QUARTER_GROUPS)}


@pytest.mark.parametrize("period", PERIODS)
def test_totals_only_when_by_is_empty(scenario, period):
    (start, end), totals, _ = PERIODS[period]

    assert report(scenario, (start, end)) == {"from": start, "to": end, "by": [], "totals": totals, "groups": []}
    assert report(scenario, (start, end), by="") == {"from": start, "to": end, "by": [], "totals": totals,
                                                     "groups": []}


@pytest.mark.parametrize("by", ["level", "agency", "field", "procedure", "agency,field"])
@pytest.mark.parametrize("period", PERIODS)
def test_groups_by_every_key(scenario, period, by):
    (start, end), totals, groups = PERIODS[period]

    body = report(scenario, (start, end), by=by)

    assert in_key_order(body) == {"from": start, "to": end, "by": by.split(","), "totals": totals,
                                  "groups": groups[by]}


@pytest.mark.parametrize("by", ["", "level", "agency", "field", "procedure", "agency,field", "field,level"])
@pytest.mark.parametrize("period", PERIODS)
def test_every_row_satisfies_received_equals_resolved_in_progress_returned_and_paused(scenario, period, by):
    body = report(scenario, PERIODS[period][0], by=by)

    for row in [body["totals"], *body["groups"]]:
        assert row["received"] == row["resolved"] + row["in_progress"] + row["returned"] + row["paused"]
        assert row["received"] == row["carried_over"] + row["new_online"] + row["new_in_person"] + row["new_postal"]
        assert row["resolved"] == row["resolved_early"] + row["resolved_on_time"] + row["resolved_late"]
        assert row["in_progress"] == row["in_progress_on_time"] + row["in_progress_overdue"]
    for column in COLUMNS[:-1]:
        assert sum(row[column] for row in body["groups"]) == (body["totals"][column] if by else 0)


def test_a_dossier_closed_on_from_is_carried_over_and_one_closed_the_day_before_is_not(scenario):
    # MONTH moved one day earlier, to Sun 20/9: KH-02, withdrawn that evening, now counts as carried over and
    # returned; KH-01, resolved 21/9, still counts as carried over and resolved on time.
    body = report(scenario, ("2026-09-20", MONTH[1]), by="procedure")

    assert body["totals"] == counts(18, 6, 5, 5, 2, 3, 2, 2, 2, 2, 3, 4, 0.7143)
    assert in_key_order(body)["groups"][:2] == [
        {**KET_HON, **counts(2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, None)},  # KH-02, KH-14
        {**KHAI_SINH, **counts(5, 1, 1, 2, 1, 0, 1, 1, 2, 1, 0, 0, 0.5)},  # as in MONTH
    ]


def test_a_one_day_period_counts_the_state_at_the_end_of_that_day(scenario):
    # Tue 22/9: KH-03 (overdue since 16/9), KH-05, KH-06 (due 23/9) and KH-04 (its supplement received that
    # morning) are running; KH-07 was received and resolved that day (early); KH-28 is suspended.
    body = report(scenario, ("2026-09-22", "2026-09-22"), by="field")

    assert body["totals"] == counts(6, 5, 1, 0, 0, 1, 0, 0, 3, 1, 0, 1, 1.0)
    assert in_key_order(body)["groups"] == [
        {"field": "Chứng thực", **counts(2, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1.0)},  # KH-06, 07
        {"field": "Đất đai", **counts(2, 2, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, None)},  # KH-03 overdue, KH-04
        {"field": "Đầu tư", **counts(2, 2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, None)},  # KH-05, KH-28
    ]


def test_a_period_without_dossiers_reports_zeros_and_no_rate(scenario):
    body = report(scenario, ("2025-01-01", "2025-12-31"), by="agency")

    assert body == {"from": "2025-01-01", "to": "2025-12-31", "by": ["agency"],
                    "totals": counts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, None), "groups": []}


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_csv_by_agency_and_field_has_vietnamese_headers_one_row_per_group_and_a_total_row(scenario):
    response = scenario.get(REPORT, query_string={"from": MONTH[0], "to": MONTH[1], "by": "agency,field",
                                                  "format": "csv"})

    assert (response.status_code, response.mimetype) == (200, "text/csv")
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="ket-qua-giai-quyet-ho-so-20260921-20261020.csv"'
    rows = csv_rows(response)
    assert rows[0] == ["Đơn vị", "Tên đơn vị", "Lĩnh vực", *TITLES]
    assert sorted(rows[1:-1]) == sorted([
        [g["agency"], g["agency_name"], g["field"], *("" if g[c] is None else str(g[c]) for c in COLUMNS)]
        for g in MONTH_GROUPS["agency,field"]])
    assert rows[1][:6] == ["G09.01", "Trung tâm Phục vụ hành chính công tỉnh Khánh Hòa", "Đất đai", "2", "1", "1"]
    assert rows[-1] == ["Tổng cộng", "", "", "17", "5", "5", "5", "2", "7", "3", "2", "2", "4", "2", "2", "2", "4",
                        "0.7143"]


def test_csv_by_level_names_the_levels_in_vietnamese_and_leaves_no_rate_blank(scenario):
    response = scenario.get(REPORT, query_string={"from": MONTH[0], "to": MONTH[1], "by": "level", "format": "csv"})

    assert csv_rows(response) == [
        ["Cấp", *TITLES],
        ["Cấp xã", "12", "2", "4", "5", "1", "6", "3", "2", "1", "3", "2", "1", "1", "2", "0.8333"],
        ["Cấp tỉnh", "5", "3", "1", "0", "1", "1", "0", "0", "1", "1", "0", "1", "1", "2", "0.0"],
        ["Tổng cộng", "17", "5", "5", "5", "2", "7", "3", "2", "2", "4", "2", "2", "2", "4", "0.7143"],
    ]


def test_csv_without_groups_is_the_header_and_the_totals(scenario):
    response = scenario.get(REPORT, query_string={"from": "2025-01-01", "to": "2025-12-31", "format": "csv"})

    assert csv_rows(response) == [TITLES, ["0"] * 14 + [""]]


def test_xlsx_holds_the_same_table_as_numbers(scenario):
    response = scenario.get(REPORT, query_string={"from": QUARTER[0], "to": QUARTER[1], "by": "level",
                                                  "format": "xlsx"})

    assert (response.status_code, response.mimetype) == (200, XLSX_MIME)
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="ket-qua-giai-quyet-ho-so-20260615-20260914.xlsx"'
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.title == "Kết quả giải quyết hồ sơ"
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["Cấp", *TITLES],
        ["Cấp xã", 6, 1, 2, 1, 2, 3, 0, 2, 1, 2, 1, 1, 0, 1, 0.6667],
        ["Cấp tỉnh", 5, 1, 1, 3, 0, 2, 1, 1, 0, 1, 1, 0, 1, 1, 1],
        ["Tổng cộng", 11, 2, 3, 4, 2, 5, 1, 3, 1, 3, 2, 1, 1, 2, 0.8],
    ]
    assert all(cell.font.bold for cell in sheet[1])


def test_xlsx_by_procedure_shows_code_and_name_and_an_empty_rate_cell_when_nothing_was_resolved(scenario):
    response = scenario.get(REPORT, query_string={"from": MONTH[0], "to": MONTH[1], "by": "procedure",
                                                  "format": "xlsx"})

    rows = [[cell.value for cell in row] for row in load_workbook(io.BytesIO(response.data)).active.iter_rows()]
    assert rows[0][:3] == ["Thủ tục", "Tên thủ tục", "Tổng số hồ sơ tiếp nhận"]
    assert sorted(rows[1:-1]) == sorted([
        [g["procedure"], g["procedure_name"], *(g[c] for c in COLUMNS)] for g in MONTH_GROUPS["procedure"]])
    assert rows[1] == ["1.000894", "Đăng ký kết hôn", 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, None]
    assert rows[-1] == ["Tổng cộng", None, 17, 5, 5, 5, 2, 7, 3, 2, 2, 4, 2, 2, 2, 4, 0.7143]


def error(response) -> tuple[int, str, list[str]]:
    body = response.get_json()
    return response.status_code, body["reason"], sorted(body["errors"])


def test_a_period_ending_before_it_starts_is_422(scenario):
    response = scenario.get(REPORT, query_string={"from": "2026-10-21", "to": "2026-10-20"})

    assert error(response) == (422, "validation_failed", ["from"])
    assert response.get_json()["errors"] == {"from": ["Ngày bắt đầu phải trước hoặc bằng ngày kết thúc."]}


@pytest.mark.parametrize("by", ["channel", "level,authority", "level,level"])
def test_an_unknown_or_repeated_group_key_is_422(scenario, by):
    response = scenario.get(REPORT, query_string={"from": MONTH[0], "to": MONTH[1], "by": by})

    assert error(response) == (422, "validation_failed", ["by"])


def test_a_period_needs_both_ends_and_a_known_format(scenario):
    assert error(scenario.get(REPORT, query_string={"to": "2026-10-20"})) == (422, "validation_failed", ["from"])
    assert error(scenario.get(REPORT, query_string={"from": "2026-09-21"})) == (422, "validation_failed", ["to"])
    assert error(scenario.get(REPORT, query_string={"from": MONTH[0], "to": MONTH[1], "format": "pdf"})) == (
        422, "validation_failed", ["format"])
