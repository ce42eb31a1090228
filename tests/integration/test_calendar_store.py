"""Calendar overrides on SQLite and PostgreSQL: stored, refused when they change nothing, replaced, applied
by the calendar built from them, and managed from the command line."""

import datetime as dt
import threading

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import create_engine, insert, inspect
from sqlalchemy.exc import IntegrityError

from config import migrate
from config.cli import cli
from tracker.calendar import DAY_OFF, WORKING_DAY, CalendarError, Override
from tracker.calendar_store import (
    OverrideRefusedError,
    StoredOverride,
    add_override,
    calendar_override,
    list_overrides,
    load_calendar,
)

ICT = dt.timezone(dt.timedelta(hours=7))
NOON_UTC = dt.datetime(2026, 11, 22, 5, 0, tzinfo=dt.timezone.utc)


def at(day: int, month: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=ICT)


@pytest.fixture
def engine(database_url):
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def test_an_override_is_stored_with_its_source_actor_and_time(engine):
    done = add_override(engine, dt.date(2026, 12, 25), DAY_OFF, "  Thông báo 99/TB-UBND  ", actor="kstt",
                        recorded_at=NOON_UTC.astimezone(ICT))
    stored = StoredOverride(dt.date(2026, 12, 25), DAY_OFF, "Thông báo 99/TB-UBND", NOON_UTC, "kstt")
    assert (done.override, done.replaced) == (stored, None)
    assert list_overrides(engine) == [stored]
    assert list_overrides(engine)[0].recorded_at.utcoffset() == dt.timedelta(0)


def test_overrides_are_listed_by_date_and_by_year(engine):
    add_override(engine, dt.date(2027, 1, 4), DAY_OFF, "TB 3", actor="kstt")
    add_override(engine, dt.date(2026, 12, 26), WORKING_DAY, "TB 2", actor="kstt")
    add_override(engine, dt.date(2026, 12, 25), DAY_OFF, "TB 1", actor="kstt")
    assert [o.day.isoformat() for o in list_overrides(engine)] == ["2026-12-25", "2026-12-26", "2027-01-04"]
    assert [o.source for o in list_overrides(engine, 2026)] == ["TB 1", "TB 2"]
    assert list_overrides(engine, 2025) == []


@pytest.mark.parametrize("day, kind, message", [
    (dt.date(2026, 9, 2), DAY_OFF,
     "Ngày 02/09/2026 (Thứ Tư) đã là ngày nghỉ (ngày lễ: Quốc khánh): không có gì để thay đổi."),
    (dt.date(2026, 8, 31), DAY_OFF, "Ngày 31/08/2026 (Thứ Hai) đã là ngày nghỉ "
     "(ngày lễ: Ngày nghỉ (thay cho ngày 22/08/2026)): không có gì để thay đổi."),
    (dt.date(2026, 11, 29), DAY_OFF,
     "Ngày 29/11/2026 (Chủ Nhật) đã là ngày nghỉ (Chủ Nhật): không có gì để thay đổi."),
    (dt.date(2026, 11, 17), WORKING_DAY,
     "Ngày 17/11/2026 (Thứ Ba) đã là ngày làm việc (ngày thường): không có gì để thay đổi."),
    (dt.date(2026, 8, 22), WORKING_DAY,
     "Ngày 22/08/2026 (Thứ Bảy) đã là ngày làm việc (ngày làm bù): không có gì để thay đổi."),
])
def test_an_override_that_changes_nothing_is_refused(engine, day, kind, message):
    with pytest.raises(OverrideRefusedError) as refused:
        add_override(engine, day, kind, "Thông báo 99/TB-UBND", actor="kstt")
    assert refused.value.message == message
    assert list_overrides(engine) == []


def test_a_second_override_of_a_date_replaces_the_first(engine):
    first = add_override(engine, dt.date(2026, 12, 25), DAY_OFF, "TB 1", actor="kstt").override
    done = add_override(engine, dt.date(2026, 12, 25), WORKING_DAY, "TB 2 (đính chính)", actor="lead")
    assert done.replaced == first
    assert [(o.kind, o.source, o.actor) for o in list_overrides(engine)] == [(WORKING_DAY, "TB 2 (đính chính)",
                                                                             "lead")]


def test_repeating_the_current_override_is_refused(engine):
    add_override(engine, dt.date(2026, 12, 25), DAY_OFF, "TB 1", actor="kstt")
    with pytest.raises(OverrideRefusedError, match=r"đã là ngày nghỉ \(nghỉ theo TB 1\)"):
        add_override(engine, dt.date(2026, 12, 25), DAY_OFF, "TB 1 again", actor="kstt")


@pytest.mark.parametrize("kwargs, message", [
    ({"kind": "holiday"}, "Loại ghi đè"),
    ({"source": " "}, "văn bản nguồn"),
    ({"actor": ""}, "người ghi nhận"),
    ({"day": dt.datetime(2026, 12, 25, tzinfo=ICT)}, "expected a date"),
])
def test_malformed_overrides_are_refused(engine, kwargs, message):
    args = {"day": dt.date(2026, 12, 25), "kind": DAY_OFF, "source": "TB 1", "actor": "kstt", **kwargs}
    with pytest.raises(CalendarError, match=message):
        add_override(engine, args.pop("day"), args.pop("kind"), args.pop("source"), **args)


def test_the_table_refuses_an_unknown_kind(engine):
    row = {"day": dt.date(2026, 12, 25), "kind": "holiday", "source": "TB", "recorded_at": NOON_UTC,
           "actor": "x"}
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(calendar_override).values(**row))


def test_the_loaded_calendar_applies_the_overrides(engine):
    add_override(engine, dt.date(2026, 12, 25), DAY_OFF, "TB 1", actor="kstt")
    add_override(engine, dt.date(2026, 11, 24), WORKING_DAY, "TB 2", actor="kstt")
    calendar = load_calendar(engine, office_hours=((dt.time(7, 30), dt.time(11, 30)),
                                                   (dt.time(13), dt.time(17))), timezone="Asia/Ho_Chi_Minh")
    assert calendar.overrides == {dt.date(2026, 12, 25): Override(DAY_OFF, "TB 1"),
                                  dt.date(2026, 11, 24): Override(WORKING_DAY, "TB 2")}
    # Thu 24/12 + 1: Fri 25/12 off by TB 1, the weekend → Mon 28/12
    assert calendar.add(at(24, 12, 10), 1, "working_days") == at(28, 12, 10)
    # Mon 23/11 + 1: Cultural Day worked by TB 2 → Tue 24/11
    assert calendar.add(at(23, 11, 10), 1, "working_days") == at(24, 11, 10)


def test_downgrading_drops_only_the_override_table(database_url):
    command.downgrade(migrate.alembic_config(database_url), "0001_catalog")
    engine = create_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert "calendar_override" not in tables and "catalog_events" in tables
    finally:
        engine.dispose()
    migrate.upgrade(database_url)


# ---- command line ---------------------------------------------------------------------------------------

@pytest.fixture
def tthc(database_url, monkeypatch):
    monkeypatch.setenv("TTHC_DATABASE_URL", database_url)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args))


def test_add_day_off_and_working_day_from_the_command_line(tthc, engine):
    added = tthc("calendar", "add-day-off", "2026-12-25", "--source", "Thông báo 99/TB-UBND", "--actor", "kstt")
    assert (added.exit_code, added.stdout) == (0, "recorded day_off 25/12/2026 (Thứ Sáu): Thông báo 99/TB-UBND\n")
    added = tthc("calendar", "add-working-day", "26/12/2026", "--source", "Thông báo 99/TB-UBND")
    assert (added.exit_code, added.stdout) == (0, "recorded working_day 26/12/2026 (Thứ Bảy): "
                                                  "Thông báo 99/TB-UBND\n")
    assert [(o.day.isoformat(), o.kind, o.actor) for o in list_overrides(engine)][0] == ("2026-12-25", DAY_OFF,
                                                                                          "kstt")


def test_a_replacing_override_says_what_it_replaces(tthc):
    tthc("calendar", "add-day-off", "2026-12-25", "--source", "TB 1")
    replaced = tthc("calendar", "add-working-day", "2026-12-25", "--source", "TB 2")
    assert (replaced.exit_code, replaced.stdout) == (
        0, "recorded working_day 25/12/2026 (Thứ Sáu): TB 2 (replaces day_off: TB 1)\n")


def test_a_refused_override_fails_with_one_line(tthc):
    refused = tthc("calendar", "add-day-off", "2026-09-02", "--source", "TB 1")
    assert refused.exit_code == 1
    assert refused.stderr == ("Error: Ngày 02/09/2026 (Thứ Tư) đã là ngày nghỉ (ngày lễ: Quốc khánh): "
                              "không có gì để thay đổi.\n")
    missing = tthc("calendar", "add-day-off", "2026-12-25")
    assert missing.exit_code == 2 and "Missing option '--source'" in missing.stderr


def test_list_shows_the_years_holidays_make_up_days_and_overrides(tthc):
    tthc("calendar", "add-working-day", "2026-09-02", "--source", "TB 1/TB-UBND")
    tthc("calendar", "add-day-off", "2026-12-31", "--source", "TB 2/TB-UBND")
    tthc("calendar", "add-day-off", "2027-01-04", "--source", "TB 3/TB-UBND")
    listed = tthc("calendar", "list", "--year", "2026")
    assert listed.exit_code == 0
    assert listed.stdout.splitlines() == [
        "01/01/2026  Thứ Năm   holiday      Tết Dương lịch",
        "16/02/2026  Thứ Hai   holiday      Giao thừa Tết Nguyên Đán",
        "17/02/2026  Thứ Ba    holiday      Tết Nguyên Đán",
        "18/02/2026  Thứ Tư    holiday      Mùng hai Tết Nguyên Đán",
        "19/02/2026  Thứ Năm   holiday      Mùng ba Tết Nguyên Đán",
        "20/02/2026  Thứ Sáu   holiday      Mùng bốn Tết Nguyên Đán",
        "26/04/2026  Chủ Nhật  holiday      Ngày Giỗ Tổ Hùng Vương",
        "27/04/2026  Thứ Hai   holiday      Ngày Giỗ Tổ Hùng Vương (nghỉ bù)",
        "30/04/2026  Thứ Năm   holiday      Ngày Chiến thắng",
        "01/05/2026  Thứ Sáu   holiday      Ngày Quốc tế Lao động",
        "22/08/2026  Thứ Bảy   make_up_day  Ngày làm bù cho ngày nghỉ 31/08/2026",
        "31/08/2026  Thứ Hai   holiday      Ngày nghỉ (thay cho ngày 22/08/2026)",
        "01/09/2026  Thứ Ba    holiday      Quốc khánh",
        "02/09/2026  Thứ Tư    holiday      Quốc khánh",
        "02/09/2026  Thứ Tư    working_day  TB 1/TB-UBND",
        "24/11/2026  Thứ Ba    holiday      Ngày Văn hóa Việt Nam",
        "31/12/2026  Thứ Năm   day_off      TB 2/TB-UBND",
    ]


def test_list_of_a_year_across_a_year_end_swap(tthc):
    listed = tthc("calendar", "list", "--year", "2014")
    assert "27/12/2014  Thứ Bảy   make_up_day  Ngày làm bù cho ngày nghỉ 02/01/2015" in listed.stdout.splitlines()


def test_calendar_commands_on_a_database_not_migrated_ask_for_an_upgrade(tmp_path, monkeypatch):
    monkeypatch.setenv("TTHC_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = CliRunner().invoke(cli, ["calendar", "list", "--year", "2026"])
    assert (result.exit_code, result.stderr) == (
        1, "Error: the database has no calendar_override table: run `tthc db upgrade` first\n")


def test_concurrent_overrides_of_one_date_record_one_and_refuse_the_others(engine):
    barrier, outcomes = threading.Barrier(6), []

    def add():
        barrier.wait()
        try:
            outcomes.append(add_override(engine, dt.date(2026, 12, 25), DAY_OFF, "TB 1", actor="kstt"))
        except OverrideRefusedError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=add) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(type(o).__name__ for o in outcomes) == ["OverrideRecorded"] + ["OverrideRefusedError"] * 5
    assert len(list_overrides(engine)) == 1
