"""Reading the national portal's "DANH SÁCH THỦ TỤC HÀNH CHÍNH" exports, on small files made here."""

import unicodedata

import openpyxl
import pytest

from catalog.domain import CatalogError
from catalog.importer import (
    BadRow,
    ImportFileError,
    ImportRow,
    entries_for,
    infer_authority,
    infer_levels,
    match_key,
    read_export,
)

BANNER = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập – Tự do – Hạnh phúc\n\nDANH SÁCH THỦ TỤC HÀNH CHÍNH\n"
HEADER = ["Mã số", "Tên", "Cơ quan ban hành", "Cơ quan thực hiện", "Lĩnh vực"]


def xlsx(path, *rows):
    """Write an export like the portal's: banner in row 1, header in row 2, then ``rows`` (None: blank)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách TTHC"
    sheet.append([BANNER])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row if row is not None else [])
    workbook.save(path)
    return path


def csv_file(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def row(line, code, name="Thủ tục A", issuer="Bộ Tư pháp", agency="Ủy ban nhân dân cấp xã", field="Hộ tịch",
        problems=()):
    return ImportRow(line, code, name, issuer, agency, field, problems)


# -- reading xlsx ----------------------------------------------------------------------------------------

def test_reads_the_portal_layout_with_spreadsheet_row_numbers(tmp_path):
    path = xlsx(tmp_path / "export.xlsx",
                ["1.000001", "Đăng ký khai sinh", "Bộ Tư pháp", "Ủy ban nhân dân cấp xã", "Hộ tịch"],
                None,  # a blank row in the middle is skipped, and later rows keep their numbers
                ["1.000002", "Cấp phiếu lý lịch tư pháp", "Bộ Tư pháp", "Sở Tư pháp", "Lý lịch tư pháp"],
                None, None)  # blank trailing rows
    assert read_export(path) == [
        row(3, "1.000001", "Đăng ký khai sinh"),
        row(5, "1.000002", "Cấp phiếu lý lịch tư pháp", agency="Sở Tư pháp", field="Lý lịch tư pháp"),
    ]


def test_finds_the_columns_by_their_names_in_any_order(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Lĩnh vực", "STT", "Tên", "Mã số", "Cơ quan thực hiện", "Cơ quan ban hành"])
    workbook.active.append(["Hộ tịch", 1, "Đăng ký khai sinh", "1.000001", "Ủy ban nhân dân cấp xã", "Bộ Tư pháp"])
    workbook.save(tmp_path / "export.xlsx")
    assert read_export(tmp_path / "export.xlsx") == [row(2, "1.000001", "Đăng ký khai sinh")]


def test_text_is_nfc_with_lines_stripped_and_blank_or_repeated_lines_dropped(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Đăng ký khai sinh")
    path = xlsx(tmp_path / "export.xlsx",
                [" 1.000001 ", f"  {decomposed}\t", "Bộ Tư pháp ",
                 "Tòa án nhân dân cấp cao \n\nSở Tư pháp\n", "Nông nghiệp\nNông nghiệp"])
    [only] = read_export(path)
    assert only == row(3, "1.000001", "Đăng ký khai sinh", agency="Tòa án nhân dân cấp cao\nSở Tư pháp",
                       field="Nông nghiệp")
    assert unicodedata.is_normalized("NFC", only.name)


def test_a_code_stored_as_a_number_is_a_problem_of_its_row(tmp_path):
    path = xlsx(tmp_path / "export.xlsx", [1.00017, "Thủ tục A", "Bộ Tư pháp", "Ủy ban nhân dân cấp xã", "Hộ tịch"])
    [only] = read_export(path)
    assert only.code == "1.00017"
    assert only.problems == ("Mã số 1.00017 được lưu dưới dạng số, có thể đã mất chữ số 0: "
                             "định dạng cột Mã số là văn bản",)


# -- reading CSV -----------------------------------------------------------------------------------------

def test_reads_a_csv_with_bom_and_banner_numbering_records_by_their_first_line(tmp_path):
    path = csv_file(tmp_path / "export.csv", (
        "DANH SÁCH THỦ TỤC HÀNH CHÍNH\r\n"
        "Mã số,Tên,Cơ quan ban hành,Cơ quan thực hiện,Lĩnh vực\r\n"
        '1.000001,Đăng ký khai sinh,Bộ Tư pháp,"Ủy ban nhân dân cấp xã\nSở Tư pháp",Hộ tịch\r\n'
        ",,,,\r\n"
        '1.000002,"Cấp phiếu lý lịch tư pháp, cho công dân",Bộ Tư pháp,Sở Tư pháp,Lý lịch tư pháp\r\n'
    ), encoding="utf-8-sig")
    assert read_export(path) == [
        row(3, "1.000001", "Đăng ký khai sinh", agency="Ủy ban nhân dân cấp xã\nSở Tư pháp"),
        row(6, "1.000002", "Cấp phiếu lý lịch tư pháp, cho công dân", agency="Sở Tư pháp", field="Lý lịch tư pháp"),
    ]


def test_reads_a_csv_without_bom_separated_by_semicolons(tmp_path):
    path = csv_file(tmp_path / "export.csv", (
        "Mã số;Tên;Cơ quan ban hành;Cơ quan thực hiện;Lĩnh vực\n"
        "1.000001;Đăng ký khai sinh;Bộ Tư pháp;Ủy ban nhân dân cấp xã;Hộ tịch\n"
    ))
    assert read_export(path) == [row(2, "1.000001", "Đăng ký khai sinh")]


def test_a_file_is_told_by_its_content_not_its_name(tmp_path):
    path = xlsx(tmp_path / "export.csv", ["1.000001", "Thủ tục A", "Bộ Tư pháp", "Ủy ban nhân dân cấp xã", "Hộ tịch"])
    assert read_export(path) == [row(3, "1.000001")]


def test_progress_wraps_the_rows_being_read(tmp_path):
    path = xlsx(tmp_path / "export.xlsx", ["1.000001", "Thủ tục A", "Bộ Tư pháp", "Ủy ban nhân dân cấp xã", "Hộ tịch"])
    totals = []

    def progress(rows, total):
        totals.append(total)
        return rows

    assert len(read_export(path, progress=progress)) == 1
    assert totals == [3]


# -- files that cannot be used at all --------------------------------------------------------------------

def test_a_wrong_header_is_one_clear_message(tmp_path):
    path = csv_file(tmp_path / "export.csv", "Mã số,Tên,Lĩnh vực\n1.000001,Thủ tục A,Hộ tịch\n")
    with pytest.raises(ImportFileError) as refused:
        read_export(path)
    assert refused.value.message == ("Tệp export.csv không có dòng tiêu đề “Mã số | Tên | Cơ quan ban hành | "
                                     "Cơ quan thực hiện | Lĩnh vực” trong 10 dòng đầu.")
    assert (refused.value.bad_rows, refused.value.errors, refused.value.reason) == ([], {}, "invalid_import_file")
    assert isinstance(refused.value, CatalogError)


@pytest.mark.parametrize("content, message", [
    ("Mã số,Tên\n".encode("utf-16"),
     "Tệp export.csv không phải văn bản UTF-8 (dòng 1): hãy lưu lại với mã UTF-8."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
     "Tệp export.csv là bảng tính .xls cũ: hãy lưu lại thành .xlsx hoặc CSV UTF-8."),
    (b"PK\x03\x04 not really a zip",
     "Không đọc được bảng tính export.csv: File is not a zip file."),
])
def test_an_unreadable_file_is_one_clear_message(tmp_path, content, message):
    (tmp_path / "export.csv").write_bytes(content)
    with pytest.raises(ImportFileError) as refused:
        read_export(tmp_path / "export.csv")
    assert (refused.value.message, refused.value.bad_rows) == (message, [])


def test_a_missing_file_is_one_clear_message(tmp_path):
    with pytest.raises(ImportFileError) as refused:
        read_export(tmp_path / "absent.xlsx")
    assert refused.value.message == "Không đọc được tệp absent.xlsx: No such file or directory."


def test_a_file_with_a_header_and_no_procedure_records_nothing(tmp_path):
    rows = read_export(xlsx(tmp_path / "export.xlsx", None))
    assert rows == []
    with pytest.raises(ImportFileError) as refused:
        entries_for(rows)
    assert refused.value.message == "Tệp không có thủ tục nào."


# -- entries ---------------------------------------------------------------------------------------------

def test_entries_are_new_baseline_entries_with_what_the_file_tells():
    rows = [
        row(3, "1.000001", "Đăng ký khai sinh"),
        row(4, "1.000002", "Cấp phiếu lý lịch tư pháp", issuer="UBND tỉnh Quảng Nam",
            agency="Chủ tịch ủy ban nhân dân cấp tỉnh\nSở Tư Pháp; Bộ Tư pháp", field="Lý lịch tư pháp"),
    ]
    assert entries_for(rows) == [
        {"action": "new", "code": "1.000001", "name": "Đăng ký khai sinh", "field": "Hộ tịch",
         "levels": ["commune"], "authority": "central", "kind": "external", "online": "none",
         "agency": "Ủy ban nhân dân cấp xã"},
        {"action": "new", "code": "1.000002", "name": "Cấp phiếu lý lịch tư pháp", "field": "Lý lịch tư pháp",
         "levels": ["central", "province"], "authority": "local", "kind": "external", "online": "none",
         "agency": "Chủ tịch ủy ban nhân dân cấp tỉnh\nSở Tư Pháp; Bộ Tư pháp"},
    ]


def test_options_fill_in_only_what_the_file_does_not_tell():
    rows = [
        row(3, "1.000001", issuer="", agency="", field=""),
        row(4, "1.000002", issuer="UBND tỉnh Quảng Nam", agency="Ủy ban nhân dân cấp xã", field="Hộ tịch"),
        row(5, "1.000003", issuer="Công ty cổ phần", agency="Chi cục Hải quan khu vực"),
    ]
    entries = entries_for(rows, authority="central", levels=["province", "central"], field="Tư pháp")
    assert [(e["authority"], e["levels"], e["field"], e["agency"]) for e in entries] == [
        ("central", ["central", "province"], "Tư pháp", None),
        ("local", ["commune"], "Hộ tịch", "Ủy ban nhân dân cấp xã"),
        ("central", ["central", "province"], "Hộ tịch", "Chi cục Hải quan khu vực"),
    ]


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_returned(tmp_path):
    path = xlsx(
        tmp_path / "export.xlsx",
        ["1.000001", "Thủ tục A", "Bộ Tư pháp", "Ủy ban nhân dân cấp xã", "Hộ tịch"],                # 3: good
        ["", "Thủ tục B", "Bộ Tư pháp", "Ủy ban nhân dân cấp xã", "Hộ tịch"],                        # 4
        ["1.000003", "", "Bộ Tư pháp", "Ủy ban nhân dân cấp xã", ""],                                # 5
        ["1.000001", "Thủ tục A lần hai", "Bộ Tư pháp", "Ủy ban nhân dân cấp xã", "Hộ tịch"],         # 6
        ["1.000004", "Thủ tục D", "Công ty cổ phần X", "Ủy ban nhân dân cấp xã", "Hộ tịch"],          # 7
        ["1.000005", "Thủ tục E", "", "Chi cục Hải quan khu vực\nThuế cơ sở", "Hải quan"],            # 8
        [1.5, "Thủ tục F", "Bộ Tài chính", "Bộ Tài chính", "Thuế"],                                   # 9
        ["1.000 007", "Thủ tục G", "Bộ Tài chính", "Bộ Tài chính", "Thuế"],                           # 10
        None,
        ["1.000008", "Thủ tục H", "Bộ Tài chính", "", "Thuế"],                                        # 12
    )
    with pytest.raises(ImportFileError) as refused:
        entries_for(read_export(path))
    assert refused.value.bad_rows == [
        BadRow(4, "thiếu Mã số"),
        BadRow(5, "thiếu Tên; thiếu Lĩnh vực"),
        BadRow(6, "Mã số 1.000001 trùng với dòng 3"),
        BadRow(7, "không xác định được thẩm quyền ban hành từ Cơ quan ban hành “Công ty cổ phần X”"),
        BadRow(8, "không xác định được thẩm quyền ban hành từ Cơ quan ban hành (trống); không xác định được "
                  "cấp thực hiện từ Cơ quan thực hiện “Chi cục Hải quan khu vực / Thuế cơ sở”"),
        BadRow(9, "Mã số 1.5 được lưu dưới dạng số, có thể đã mất chữ số 0: định dạng cột Mã số là văn bản"),
        BadRow(10, "Mã số “1.000 007” chứa khoảng trắng"),
        BadRow(12, "không xác định được cấp thực hiện từ Cơ quan thực hiện (trống)"),
    ]
    assert refused.value.message == "Tệp có 8 dòng lỗi; không thủ tục nào được ghi nhận."
    assert refused.value.errors["rows"][:2] == [{"line": 4, "message": "thiếu Mã số"},
                                                {"line": 5, "message": "thiếu Tên; thiếu Lĩnh vực"}]


def test_bad_csv_rows_are_numbered_by_the_line_they_start_on(tmp_path):
    path = csv_file(tmp_path / "export.csv", (
        "Mã số,Tên,Cơ quan ban hành,Cơ quan thực hiện,Lĩnh vực\n"
        '1.000001,Thủ tục A,Bộ Tư pháp,"Sở Tư pháp\nỦy ban nhân dân cấp xã",Hộ tịch\n'
        "1.000001,Thủ tục A,Bộ Tư pháp,Sở Tư pháp,Hộ tịch\n"
        "1.000002,Thủ tục B\n"
    ))
    with pytest.raises(ImportFileError) as refused:
        entries_for(read_export(path))
    assert refused.value.bad_rows == [
        BadRow(4, "Mã số 1.000001 trùng với dòng 2"),
        BadRow(5, "thiếu Lĩnh vực; không xác định được thẩm quyền ban hành từ Cơ quan ban hành (trống); "
                  "không xác định được cấp thực hiện từ Cơ quan thực hiện (trống)"),
    ]


def test_options_outside_the_contract_are_a_programming_error():
    with pytest.raises(ValueError):
        entries_for([row(3, "1.000001")], authority="national")
    with pytest.raises(ValueError):
        entries_for([row(3, "1.000001")], levels=["ward"])


# -- inference -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("issuer, authority", [
    ("Bộ Công an", "central"),
    ("Bộ xây dựng (Giao thông vận tải cũ)", "central"),
    ("Ngân hàng Nhà nước Việt Nam", "central"),
    ("Tòa án nhân dân", "central"),
    ("Toà án nhân dân tối cao", "central"),
    ("Thanh tra Chính phủ", "central"),
    ("Văn phòng Chính phủ", "central"),
    ("Bảo hiểm xã hội Việt Nam", "central"),
    ("UBND tỉnh Quảng Nam", "local"),
    ("Ủy ban nhân dân thành phố Hà Nội", "local"),
    ("Uỷ ban nhân dân tỉnh Khánh Hòa", "local"),
    ("Hội đồng nhân dân tỉnh Lào Cai", "local"),
    ("Bộ phận Một cửa", None),
    ("Công ty cổ phần X", None),
    ("", None),
])
def test_the_authority_is_told_by_the_issuing_body(issuer, authority):
    assert infer_authority(issuer) == authority


@pytest.mark.parametrize("agency, levels", [
    ("Ủy ban nhân dân cấp xã", ["commune"]),
    ("UBND cấp  xã", ["commune"]),
    ("Công an cấp Xã", ["commune"]),
    ("Chủ tịch ủy ban nhân dân cấp tỉnh\nSở Tư Pháp", ["province"]),
    ("Thuế tỉnh, thành phố", ["province"]),
    ("Sở Nông nghiệp và Môi trường - tỉnh An Giang", ["province"]),
    ("Ủy ban nhân dân tỉnh và thành phố trực thuộc Trung ương", ["province"]),
    ("Cơ quan cấp bộ, Ủy ban nhân dân cấp tỉnh, Ban quản lý dự án", ["central", "province"]),
    ("Bộ Tài chính; Ủy ban nhân dân cấp xã", ["central", "commune"]),
    ("Cục Thuế - Bộ tài chính", ["central"]),
    ("Cục y tế-Bộ Công an", ["central"]),
    ("Thủ tướng Chính phủ", ["central"]),
    ("Ngân hàng Nhà nước Việt Nam", ["central"]),
    ("Cơ quan trực tiếp quản lý người thi hành công vụ ở cấp Trung ương", ["central"]),
    ("Tòa án nhân dân cấp cao\nTòa án nhân dân tỉnh, thành phố trực thuộc trung ương\n"
     "Tòa án nhân dân cấp huyện, quận, thị xã, thành phố thuộc tỉnh và tương đương",
     ["central", "province", "district"]),
    ("Công an huyện", ["district"]),
    ("Thuế cơ sở", []),
    ("Chi cục Hải quan khu vực", []),
    ("Ngân hàng Nhà nước Khu vực", []),
    ("Bộ phận Một cửa", []),
    ("", []),
])
def test_levels_are_told_by_the_bodies_that_handle_the_procedure(agency, levels):
    assert infer_levels(agency) == levels


def test_the_name_tells_the_level_only_when_the_bodies_do_not():
    name = "Giải quyết khiếu nại (thực hiện tại cấp Trung ương)"
    assert infer_levels("", name) == ["central"]
    assert infer_levels("Thuế cơ sở", "Thủ tục X (thực hiện tại cấp tỉnh)") == ["province"]
    assert infer_levels("Ủy ban nhân dân cấp xã", "Thủ tục X (thực hiện tại cấp tỉnh)") == ["commune"]


def test_matching_ignores_case_spacing_and_where_the_tone_mark_sits():
    assert match_key("Toà  án") == match_key("tòa án")
    assert match_key("Uỷ ban") == match_key("Ủy ban")
    assert match_key("Thuỷ sản") == match_key("THỦY SẢN")
    assert match_key("tỉnh") != match_key("tính")
