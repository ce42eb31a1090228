"""The national portal's real exports (``shared/data/tthc-dvcqg``), each recorded as one decision.

The files are read where they lie beside the repository (never copied into it); the tests skip when the
folder is absent. Every procedure of the seven exports has its own code: no code repeats within a file or
across files, so all of them can be recorded in one catalog.
"""

import datetime as dt
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from catalog.domain import (
    DecisionNotFoundError,
    DecisionRefusedError,
    ProcedureNotFoundError,
    decision_id,
)
from catalog.importer import ImportFileError, entries_for, infer_levels, read_export
from catalog.read_models import procedure_version_view
from config.cli import cli

EXPORTS = {  # file → procedures in it
    "danh-sach-tthc-BoCongAn.xlsx": 339,
    "danh-sach-tthc-BoTaiChinh.xlsx": 706,
    "danh-sach-tthc-BoTuPhap.xlsx": 271,
    "danh-sach-tthc-BoXayDung.xlsx": 525,
    "danh-sach-tthc-NganhangNhanuocVietNam.xlsx": 261,
    "danh-sach-tthc-NongNghiepvaMoiTruong.xlsx": 537,
    "toa-an-nhan-dan.xlsx": 3,
}
# rows whose Cơ quan thực hiện (blank, or bodies such as "Chi cục Hải quan khu vực") and name do not tell
# the level: a ministry's export needs ``--level central`` for them
LEVEL_NOT_TOLD = {
    "danh-sach-tthc-BoCongAn.xlsx": 149,
    "danh-sach-tthc-BoTaiChinh.xlsx": 232,
    "danh-sach-tthc-BoTuPhap.xlsx": 96,
    "danh-sach-tthc-BoXayDung.xlsx": 141,
    "danh-sach-tthc-NganhangNhanuocVietNam.xlsx": 76,
    "danh-sach-tthc-NongNghiepvaMoiTruong.xlsx": 130,
    "toa-an-nhan-dan.xlsx": 0,
}
SIGNED_ON = dt.date(2026, 1, 5)
JUSTICE = "danh-sach-tthc-BoTuPhap.xlsx"
COURTS = "toa-an-nhan-dan.xlsx"


def record_export(catalog, path, number, issuer="Cổng Dịch vụ công quốc gia"):
    rows = read_export(path)
    decision = catalog.record_decision(number=number, issuer=issuer, signed_on=SIGNED_ON, actor="kstt",
                                       entries=entries_for(rows, levels=["central"]))
    return rows, decision


def test_every_export_is_recorded_as_one_decision_with_all_its_procedures(services, shared_data):
    recorded, samples = {}, []
    for index, name in enumerate(EXPORTS, start=1):
        rows, decision = record_export(services.catalog, shared_data / name, f"{index}/QĐ-DVCQG")
        recorded[name] = len(decision.entries)
        assert {entry["action"] for entry in decision.entries} == {"new"}
        assert {entry["procedure"]["authority"] for entry in decision.entries} == {"central"}
        samples += [rows[0], rows[len(rows) // 2], rows[-1]]
    assert recorded == EXPORTS
    assert sum(recorded.values()) == 2642
    with services.projector.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(procedure_version_view)) == 2642
    for row in samples:
        state = services.catalog.procedure_as_of(row.code, SIGNED_ON)
        a = state.attributes
        assert (state.status, state.since) == ("active", SIGNED_ON)
        assert (a["name"], a["field"], a["agency"], a["authority"], a["kind"], a["online"]) == (
            row.name, row.field, row.agency or None, "central", "external", "none")
        assert a["levels"] == (infer_levels(row.agency, row.name) or ["central"])
        with pytest.raises(ProcedureNotFoundError):
            services.catalog.procedure_as_of(row.code, SIGNED_ON - dt.timedelta(days=1))


def test_no_code_repeats_within_an_export_or_across_exports(shared_data):
    codes = [row.code for name in EXPORTS for row in read_export(shared_data / name)]
    assert (len(codes), len(set(codes))) == (2642, 2642)


@pytest.mark.parametrize("name", EXPORTS)
def test_rows_that_do_not_tell_their_level_are_bad_rows_without_a_level_option(shared_data, name):
    rows = read_export(shared_data / name)
    if not LEVEL_NOT_TOLD[name]:
        assert len(entries_for(rows)) == EXPORTS[name]
        return
    with pytest.raises(ImportFileError) as refused:
        entries_for(rows)
    assert len(refused.value.bad_rows) == LEVEL_NOT_TOLD[name]
    assert all(bad.message.startswith("không xác định được cấp thực hiện từ Cơ quan thực hiện")
               for bad in refused.value.bad_rows)


def test_reimporting_an_export_is_refused_and_records_nothing(services, shared_data):
    record_export(services.catalog, shared_data / JUSTICE, "1/QĐ-DVCQG")
    head = services.catalog.recorder.max_notification_id()
    with pytest.raises(DecisionRefusedError) as refused:
        record_export(services.catalog, shared_data / JUSTICE, "2/QĐ-DVCQG")
    assert refused.value.reason == "procedure_already_active"
    assert len(refused.value.errors["entries"]) == 271
    assert services.catalog.recorder.max_notification_id() == head
    with pytest.raises(DecisionNotFoundError):
        services.catalog.get_decision(decision_id("2/QĐ-DVCQG", "Cổng Dịch vụ công quốc gia"))


# -- the command line ------------------------------------------------------------------------------------

def tthc(settings, *args):
    env = {"TTHC_DATABASE_URL": settings.database_url, "TTHC_INSTANCE_PATH": str(settings.instance_path)}
    return CliRunner().invoke(cli, list(args), env=env)


def import_args(path, number, *options):
    return ("catalog", "import", str(path), "--decision", number, "--issuer", "Bộ Tư pháp",
            "--signed-on", SIGNED_ON.isoformat(), *options)


def test_the_cli_records_an_export_and_prints_a_summary(settings, services, shared_data):
    result = tthc(settings, *import_args(shared_data / JUSTICE, "1/QĐ-BTP", "--level", "central", "--actor", "kstt"))
    assert (result.exit_code, result.stdout) == (0, "recorded decision 1/QĐ-BTP: 271 procedures\n")
    decision = services.catalog.get_decision(decision_id("1/QĐ-BTP", "Bộ Tư pháp"))
    assert (len(decision.entries), decision.signed_on, decision.effective_on) == (271, SIGNED_ON, SIGNED_ON)
    assert [event.actor for event in services.catalog.events.get(decision.id)] == ["kstt"]
    first = read_export(shared_data / JUSTICE)[0]
    assert services.catalog.procedure_as_of(first.code, SIGNED_ON).attributes["name"] == first.name


def test_the_cli_lists_every_bad_row_and_records_nothing(settings, services, shared_data):
    head = services.catalog.recorder.max_notification_id()
    result = tthc(settings, *import_args(shared_data / JUSTICE, "1/QĐ-BTP"))
    lines = result.stderr.splitlines()
    assert result.exit_code == 1
    assert len(lines) == 96 + 1
    assert all(re.fullmatch(r"line \d+: không xác định được cấp thực hiện từ Cơ quan thực hiện .+", line)
               for line in lines[:-1])
    assert lines[-1] == ("Error: danh-sach-tthc-BoTuPhap.xlsx: 96 bad rows, nothing recorded "
                         "(--authority, --level and --field fill in what the file does not tell)")
    assert services.catalog.recorder.max_notification_id() == head


def test_the_cli_reports_codes_already_active(settings, services, shared_data):
    assert tthc(settings, *import_args(shared_data / COURTS, "1/QĐ-TANDTC")).exit_code == 0
    result = tthc(settings, *import_args(shared_data / COURTS, "2/QĐ-TANDTC"))
    rows = read_export(shared_data / COURTS)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        *(f"line {row.line}: Thủ tục {row.code} đang có hiệu lực vào ngày 05/01/2026, không thể ban hành mới."
          for row in rows),
        "Error: decision refused (procedure_already_active): 3 of 3 procedures, nothing recorded",
    ]


def test_the_cli_reads_a_csv_and_reports_a_wrong_header_in_one_line(settings, services, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("\ufeffMã số,Tên,Cơ quan ban hành,Cơ quan thực hiện,Lĩnh vực\n"
                    "9.000001,Thủ tục thử,UBND tỉnh Quảng Nam,Ủy ban nhân dân cấp xã,Hộ tịch\n", encoding="utf-8")
    result = tthc(settings, *import_args(good, "9/QĐ-UBND"))
    assert (result.exit_code, result.stdout) == (0, "recorded decision 9/QĐ-UBND: 1 procedures\n")
    state = services.catalog.procedure_as_of("9.000001", SIGNED_ON)
    assert (state.attributes["authority"], state.attributes["levels"]) == ("local", ["commune"])
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("code,name\n9.000002,x\n", encoding="utf-8")
    result = tthc(settings, *import_args(wrong, "10/QĐ-UBND"))
    assert (result.exit_code, result.stderr) == (1, (
        "Error: Tệp wrong.csv không có dòng tiêu đề “Mã số | Tên | Cơ quan ban hành | Cơ quan thực hiện | "
        "Lĩnh vực” trong 10 dòng đầu.\n"))
