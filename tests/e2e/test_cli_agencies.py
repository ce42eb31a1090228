"""The `tthc agencies` commands: add, close, list and the CSV import with its line-numbered refusals."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine

from config.cli import cli
from tracker.agencies import AgencyRegistry

TTHC = str(Path(sys.executable).with_name("tthc"))
HEADER = "CODE             LEVEL     FROM       TO         PARENT           NAME"


@pytest.fixture
def tthc(database_url, monkeypatch):
    monkeypatch.setenv("TTHC_DATABASE_URL", database_url)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args))


@pytest.fixture
def registry(database_url):
    engine = create_engine(database_url)
    yield AgencyRegistry(engine)
    engine.dispose()


def test_add_close_and_list_agencies(tthc, registry):
    added = tthc("agencies", "add", "G09", "UBND tỉnh Khánh Hòa", "--level", "province")
    assert (added.exit_code, added.stdout) == (0, "added G09 (province): UBND tỉnh Khánh Hòa\n")
    tthc("agencies", "add", "G09.20", "UBND phường Lộc Thọ", "--level", "commune", "--parent", "G09")
    added = tthc("agencies", "add", "G09.99", "UBND phường Nha Trang", "--level", "commune", "--parent", "G09",
                 "--valid-from", "01/07/2025", "--actor", "kstt")
    assert (added.exit_code, added.stdout) == (0, "added G09.99 (commune): UBND phường Nha Trang\n")
    closed = tthc("agencies", "close", "G09.20", "--on", "2025-06-30", "--successor", "G09.99")
    assert (closed.exit_code, closed.stdout) == (0, "closed G09.20: last day 30/06/2025, successor G09.99\n")
    assert [(a.code, a.actor, a.closed_by) for a in registry.list(status="all").items] == [
        ("G09", "cli", None), ("G09.20", "cli", "cli"), ("G09.99", "kstt", None)]

    listed = tthc("agencies", "list")
    assert (listed.exit_code, listed.stdout.splitlines()) == (0, [
        HEADER,
        "G09              province                                         UBND tỉnh Khánh Hòa",
        "G09.99           commune   01/07/2025            G09              UBND phường Nha Trang"])
    listed = tthc("agencies", "list", "--all", "--level", "commune")
    assert listed.stdout.splitlines() == [
        HEADER,
        "G09.20           commune              30/06/2025 G09              UBND phường Lộc Thọ  → G09.99",
        "G09.99           commune   01/07/2025            G09              UBND phường Nha Trang"]
    assert tthc("agencies", "list", "--level", "district").stdout == "no agencies\n"


def test_refusals_fail_with_one_line(tthc):
    tthc("agencies", "add", "G09", "UBND tỉnh Khánh Hòa", "--level", "province")
    refused = tthc("agencies", "add", "G09", "UBND tỉnh Khánh Hoà", "--level", "province")
    assert (refused.exit_code, refused.stderr) == (
        1, "Error: Mã đơn vị G09 đã được dùng cho “UBND tỉnh Khánh Hòa”; mã đơn vị không bao giờ được dùng lại.\n")
    refused = tthc("agencies", "add", "G09.20", "UBND phường Lộc Thọ", "--level", "commune", "--parent", "G77")
    assert (refused.exit_code, refused.stderr) == (1, "Error: Không có đơn vị cha mã G77.\n")
    refused = tthc("agencies", "close", "G77", "--on", "2025-06-30")
    assert (refused.exit_code, refused.stderr) == (1, "Error: Không tìm thấy đơn vị có mã G77.\n")
    tthc("agencies", "close", "G09", "--on", "2025-06-30")
    refused = tthc("agencies", "close", "G09", "--on", "2025-07-31")
    assert (refused.exit_code, refused.stderr) == (
        1, "Error: Đơn vị G09 đã được ghi nhận ngừng hoạt động sau ngày 30/06/2025.\n")
    wrong = tthc("agencies", "add", "G10", "UBND tỉnh Phú Yên", "--level", "ward")
    assert wrong.exit_code == 2 and "Invalid value for '--level'" in wrong.stderr


ENGLISH = """code,name,level,parent,valid_from,valid_to,successor
G09.20,UBND phường Lộc Thọ,commune,G09.1,,2025-06-30,G09.99
G09.1,UBND thành phố Nha Trang,district,G09,,30/06/2025,
G09,UBND tỉnh Khánh Hòa,province,,,,
G09.21,UBND phường Xương Huân,ward,G09.1,,,

G09.99,UBND phường Nha Trang,commune,G09,2025-07-01,,
G09.22,UBND phường Vĩnh Nguyên,commune,G77,,,
G09.23,UBND phường Phước Tiến,commune,G09.1,2025-13-01,,
"""


def test_import_adds_the_good_rows_and_reports_each_bad_one_by_line(tthc, tmp_path, registry):
    file = tmp_path / "agencies.csv"
    file.write_text(ENGLISH, encoding="utf-8")
    result = tthc("agencies", "import", str(file))
    assert result.exit_code == 1
    assert result.stdout == "added 4, unchanged 0, failed 3\n"
    assert result.stderr.splitlines() == [
        "line 5: Cấp không hợp lệ: ward; chọn trong central, province, district, commune.",
        "line 8: Không có đơn vị cha mã G77.",
        "line 9: Ngày không hợp lệ: 2025-13-01 (YYYY-MM-DD hoặc DD/MM/YYYY).",
        "Error: agencies.csv: 3 rows failed (listed above); the others were imported"]
    stored = {a.code: (a.parent, a.valid_from, a.valid_to, a.successor, a.actor)
              for a in registry.list(status="all").items}
    assert stored == {"G09": (None, None, None, None, "cli"),
                      "G09.1": ("G09", None, dt.date(2025, 6, 30), None, "cli"),
                      "G09.20": ("G09.1", None, dt.date(2025, 6, 30), "G09.99", "cli"),
                      "G09.99": ("G09", dt.date(2025, 7, 1), None, None, "cli")}

    again = tthc("agencies", "import", str(file))
    assert (again.exit_code, again.stdout) == (1, "added 0, unchanged 4, failed 3\n")


def test_import_reads_vietnamese_headers_with_a_bom_and_tells_changed_rows(tthc, tmp_path):
    file = tmp_path / "don-vi.csv"
    file.write_text("Mã,Tên,Cấp,Đơn vị cha,Hiệu lực từ,Hiệu lực đến,Đơn vị kế thừa\n"
                    "G09,UBND tỉnh Khánh Hòa,Cấp tỉnh,,,,\n"
                    "G09.20,UBND phường Lộc Thọ,Xã,G09,,,\n", encoding="utf-8-sig")
    result = tthc("agencies", "import", str(file), "--actor", "kstt")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "added 2, unchanged 0, failed 0\n", "")
    file.write_text("Mã,Tên,Cấp,Đơn vị cha\nG09,UBND tỉnh Khánh Hòa,province,\n"
                    "G09.20,UBND phường Lộc Thọ (mới),commune,G09\n", encoding="utf-8-sig")
    result = tthc("agencies", "import", str(file))
    assert (result.exit_code, result.stdout) == (1, "added 0, unchanged 1, failed 1\n")
    assert result.stderr.splitlines()[0] == (
        "line 3: Đơn vị G09.20 đã đăng ký với thông tin khác "
        "(name: đã đăng ký “UBND phường Lộc Thọ”, trong tệp “UBND phường Lộc Thọ (mới)”).")


def test_import_refuses_rows_that_name_each_other_in_a_circle(tthc, tmp_path):
    file = tmp_path / "circle.csv"
    file.write_text("code,name,level,parent\nA,Đơn vị A,commune,B\nB,Đơn vị B,district,A\nC,Đơn vị C,province,\n",
                    encoding="utf-8")
    result = tthc("agencies", "import", str(file))
    assert (result.exit_code, result.stdout) == (1, "added 1, unchanged 0, failed 2\n")
    assert result.stderr.splitlines()[:2] == [
        "line 2: Đơn vị cha hoặc đơn vị kế thừa tham chiếu vòng tròn trong tệp.",
        "line 3: Đơn vị cha hoặc đơn vị kế thừa tham chiếu vòng tròn trong tệp."]


@pytest.mark.parametrize("content, message", [
    ("code,name,colour\nG09,UBND,red\n",
     ("Error: bad.csv: header must name the columns code,name,level,parent,valid_from,valid_to,successor (or "
     "Mã,Tên,Cấp,Đơn vị cha,Hiệu lực từ,Hiệu lực đến,Đơn vị kế thừa); code, name and level are required; "
     "unknown: colour\n")),
    ("", ("Error: bad.csv: header must name the columns code,name,level,parent,valid_from,valid_to,successor (or "
         "Mã,Tên,Cấp,Đơn vị cha,Hiệu lực từ,Hiệu lực đến,Đơn vị kế thừa); code, name and level are required\n")),
])
def test_import_of_a_file_without_the_header_fails_with_one_line(tthc, tmp_path, content, message):
    file = tmp_path / "bad.csv"
    file.write_text(content, encoding="utf-8")
    result = tthc("agencies", "import", str(file))
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", message)


def test_import_of_a_file_that_is_not_utf8_fails_with_one_line(tthc, tmp_path):
    file = tmp_path / "utf16.csv"
    file.write_bytes("code,name,level\nG09,UBND tỉnh Khánh Hòa,province\n".encode("utf-16"))
    result = tthc("agencies", "import", str(file))
    assert (result.exit_code, result.stderr) == (1, ("Error: utf16.csv is not UTF-8 text (byte 0): save it as "
                                                    "CSV UTF-8\n"))


def test_agency_commands_on_a_database_not_migrated_ask_for_an_upgrade(tmp_path, monkeypatch):
    monkeypatch.setenv("TTHC_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = CliRunner().invoke(cli, ["agencies", "list"])
    assert (result.exit_code, result.stderr) == (
        1, "Error: the database has no agency table: run `tthc db upgrade` first\n")


def test_the_console_script_exits_1_after_an_import_with_a_bad_row(sqlite_url, tmp_path):
    file = tmp_path / "agencies.csv"
    file.write_text("code,name,level,parent\nG09,UBND tỉnh Khánh Hòa,province,\nG09.20,UBND phường,commune,G77\n",
                    encoding="utf-8")
    result = subprocess.run([TTHC, "agencies", "import", str(file)], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "TTHC_DATABASE_URL": sqlite_url}, check=False)
    assert (result.returncode, result.stdout) == (1, "added 1, unchanged 0, failed 1\n")
    assert result.stderr.splitlines() == [
        "line 3: Không có đơn vị cha mã G77.",
        "Error: agencies.csv: 1 row failed (listed above); the others were imported"]


@pytest.mark.parametrize("args", [["agencies", "--help"], ["agencies", "add", "--help"], ["agencies", "list", "--help"],
                                  ["agencies", "close", "--help"], ["agencies", "import", "--help"]])
def test_every_agency_command_has_help(args):
    result = CliRunner().invoke(cli, args, prog_name="tthc")
    assert (result.exit_code, result.output.startswith("Usage: tthc")) == (0, True)
