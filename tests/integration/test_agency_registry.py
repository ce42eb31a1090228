"""The agency registry on SQLite and PostgreSQL: codes never reused, names unique among current agencies,
closures with successors, resolving a code or a name on a day, and the table matching its migration."""

import datetime as dt
import threading
import unicodedata

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, event, insert, inspect
from sqlalchemy.exc import IntegrityError

from config import migrate
from tracker.agencies import (
    Agency,
    AgencyAlreadyClosedError,
    AgencyNotFoundError,
    AgencyRegistry,
    DuplicateAgencyError,
    InvalidAgencyError,
    UnknownAgencyError,
    agency,
)

ICT = dt.timezone(dt.timedelta(hours=7))
NOON_UTC = dt.datetime(2026, 11, 22, 5, 0, tzinfo=dt.UTC)
LAST_DAY = dt.date(2025, 6, 30)  # the day before the two-level local government (1/7/2025)
REFORM = dt.date(2025, 7, 1)


@pytest.fixture
def engine(database_url):
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def registry(engine):
    return AgencyRegistry(engine)


@pytest.fixture
def province(registry):
    """Khánh Hòa with a district, two communes of that district and the ward that replaces them."""
    registry.add("G09", "UBND tỉnh Khánh Hòa", "province", actor="kstt")
    registry.add("G09.1", "UBND thành phố Nha Trang", "district", parent="G09", actor="kstt")
    registry.add("G09.20", "UBND phường Lộc Thọ", "commune", parent="G09.1", actor="kstt")
    registry.add("G09.21", "UBND phường Xương Huân", "commune", parent="G09.1", actor="kstt")
    registry.add("G09.99", "UBND phường Nha Trang", "commune", parent="G09", valid_from=REFORM, actor="kstt")
    return registry


def test_an_added_agency_is_stored_as_given_with_its_actor_and_time(registry):
    added = registry.add("  G09.20 ", " UBND phường Lộc Thọ ", "commune", valid_from=dt.date(2020, 1, 1),
                         actor="kstt", recorded_at=NOON_UTC.astimezone(ICT))
    expected = Agency(code="G09.20", name="UBND phường Lộc Thọ", level="commune", parent=None,
                      valid_from=dt.date(2020, 1, 1), valid_to=None, successor=None, recorded_at=NOON_UTC,
                      actor="kstt", closed_at=None, closed_by=None)
    assert added == expected
    assert registry.get("G09.20") == expected
    assert registry.get("G09.20").recorded_at.utcoffset() == dt.timedelta(0)
    assert expected.status == "current"


def test_a_name_is_stored_in_nfc(registry):
    decomposed = unicodedata.normalize("NFD", "UBND phường Lộc Thọ")
    assert registry.add("G09.20", decomposed, "commune", actor="kstt").name == "UBND phường Lộc Thọ"
    assert registry.get("G09.20").name == unicodedata.normalize("NFC", decomposed)


def test_a_code_is_never_reused_even_after_its_agency_closed(province):
    province.close("G09.20", LAST_DAY, "G09.99", actor="kstt")
    with pytest.raises(DuplicateAgencyError) as refused:
        province.add("G09.20", "UBND phường Lộc Thọ mới", "commune", valid_from=REFORM, actor="kstt")
    assert (refused.value.reason, refused.value.message, refused.value.errors) == (
        "duplicate_agency",
        "Mã đơn vị G09.20 đã được dùng cho “UBND phường Lộc Thọ”; mã đơn vị không bao giờ được dùng lại.",
        {"code": ["Mã đơn vị đã được dùng."]})


def test_an_exact_name_is_unique_among_current_agencies(province):
    with pytest.raises(DuplicateAgencyError) as refused:
        province.add("G09.30", "UBND phường Lộc Thọ", "commune", actor="kstt")
    assert refused.value.message == "Tên “UBND phường Lộc Thọ” đã thuộc đơn vị G09.20 (hiệu lực không giới hạn)."
    assert refused.value.errors == {"name": ["Tên đơn vị đã được dùng trong cùng thời gian."]}
    assert province.add("G09.30", "UBND phường Lộc thọ", "commune", actor="kstt").name == "UBND phường Lộc thọ"


def test_a_closed_agencys_name_may_be_given_to_an_agency_that_starts_after_its_last_day(province):
    province.close("G09.20", LAST_DAY, actor="kstt")
    renamed = province.add("G09.50", "UBND phường Lộc Thọ", "commune", valid_from=REFORM, actor="kstt")
    assert (renamed.code, renamed.valid_from, renamed.valid_to) == ("G09.50", REFORM, None)
    assert [a.code for a in province.list(q="Lộc Thọ", status="all").items] == ["G09.20", "G09.50"]


@pytest.mark.parametrize("valid_from", [None, LAST_DAY])
def test_a_closed_agencys_name_is_refused_to_an_agency_valid_on_its_days(province, valid_from):
    province.close("G09.20", LAST_DAY, actor="kstt")
    with pytest.raises(DuplicateAgencyError) as refused:
        province.add("G09.50", "UBND phường Lộc Thọ", "commune", valid_from=valid_from, actor="kstt")
    assert refused.value.message == ("Tên “UBND phường Lộc Thọ” đã thuộc đơn vị G09.20 (hiệu lực đến hết "
                                     "30/06/2025); đơn vị mới cùng tên phải có hiệu lực từ sau ngày 30/06/2025.")


def test_the_database_refuses_two_current_agencies_of_one_name(engine, registry):
    registry.add("G09.20", "UBND phường Lộc Thọ", "commune", actor="kstt")
    row = {"code": "G09.30", "name": "UBND phường Lộc Thọ", "name_folded": "ubnd phuong loc tho", "level": "commune",
           "recorded_at": NOON_UTC, "actor": "x"}
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(agency).values(**row))


def test_concurrent_adds_of_one_code_record_one_and_refuse_the_others(registry):
    barrier, outcomes = threading.Barrier(6), []

    def add(number):
        barrier.wait()
        try:
            outcomes.append(registry.add("G09.20", f"UBND phường số {number}", "commune", actor="kstt"))
        except DuplicateAgencyError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=add, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(type(o).__name__ for o in outcomes) == ["Agency"] + ["DuplicateAgencyError"] * 5
    assert registry.list().total == 1


def test_the_parent_must_be_a_known_agency(registry):
    with pytest.raises(UnknownAgencyError) as refused:
        registry.add("G09.20", "UBND phường Lộc Thọ", "commune", parent="G09", actor="kstt")
    assert (refused.value.reason, refused.value.message, refused.value.errors) == (
        "unknown_agency", "Không có đơn vị cha mã G09.", {"parent": ["Không có đơn vị cha mã G09."]})
    assert registry.list(status="all").total == 0


@pytest.mark.parametrize("fields, errors", [
    ({"code": "G 09"}, {"code": ["Mã đơn vị gồm 1 đến 64 ký tự, không có khoảng trắng."]}),
    ({"code": " "}, {"code": ["Mã đơn vị gồm 1 đến 64 ký tự, không có khoảng trắng."]}),
    ({"name": "  "}, {"name": ["Tên đơn vị gồm 1 đến 500 ký tự."]}),
    ({"level": "ward"}, {"level": ["Cấp không hợp lệ: ward; chọn trong central, province, district, commune."]}),
    ({"parent": "G09.20"}, {"parent": ["Đơn vị không thể là đơn vị cha của chính nó."]}),
    ({"valid_from": dt.date(2025, 7, 1), "valid_to": dt.date(2025, 6, 30)},
     {"valid_to": ["Ngày hết hiệu lực 30/06/2025 trước ngày bắt đầu hiệu lực 01/07/2025."]}),
    ({"valid_from": dt.datetime(2025, 7, 1, tzinfo=ICT)},
     {"valid_from": ["Cần một ngày (YYYY-MM-DD), không kèm giờ."]}),
    ({"successor": "G09"}, {"successor": ["Chỉ đơn vị đã ngừng hoạt động (có valid_to) mới có đơn vị kế thừa."]}),
    ({"valid_to": LAST_DAY, "successor": "G09.20"}, {"successor": ["Đơn vị không thể là đơn vị kế thừa của chính nó."]}),
    ({"actor": " "}, {"actor": ["Cần ghi người ghi nhận."]}),
])
def test_malformed_agencies_are_refused_with_every_field_named(registry, fields, errors):
    args = {"code": "G09.20", "name": "UBND phường Lộc Thọ", "level": "commune", "actor": "kstt", **fields}
    with pytest.raises(InvalidAgencyError) as refused:
        registry.add(**args)
    assert (refused.value.reason, refused.value.errors) == ("invalid_agency", errors)
    assert refused.value.message == " ".join(errors[name][0] for name in errors)


def test_an_agency_already_closed_may_be_registered_with_its_successor(province):
    old = province.add("G09.3", "UBND huyện Diên Khánh", "district", parent="G09", valid_to=LAST_DAY,
                       successor="G09.99", actor="import")
    assert (old.status, old.valid_to, old.successor, old.closed_at) == ("ended", LAST_DAY, "G09.99", None)


def test_closing_records_the_last_day_the_successor_and_who_closed_it(province):
    closed = province.close("G09.20", LAST_DAY, " G09.99 ", actor="kstt", recorded_at=NOON_UTC)
    assert (closed.valid_to, closed.successor, closed.status, closed.closed_at, closed.closed_by, closed.actor) == (
        LAST_DAY, "G09.99", "ended", NOON_UTC, "kstt", "kstt")
    assert province.get("G09.20") == closed
    assert (closed.valid_on(LAST_DAY), closed.valid_on(REFORM)) == (True, False)


def test_closing_twice_is_refused(province):
    province.close("G09.20", LAST_DAY, actor="kstt")
    with pytest.raises(AgencyAlreadyClosedError) as refused:
        province.close("G09.20", dt.date(2025, 7, 31), actor="kstt")
    assert (refused.value.reason, refused.value.message) == (
        "agency_already_closed", "Đơn vị G09.20 đã được ghi nhận ngừng hoạt động sau ngày 30/06/2025.")
    assert province.get("G09.20").valid_to == LAST_DAY


def test_closing_an_unknown_agency_is_not_found(registry):
    with pytest.raises(AgencyNotFoundError) as refused:
        registry.close("G77", LAST_DAY, actor="kstt")
    assert (refused.value.reason, refused.value.message) == ("agency_not_found", "Không tìm thấy đơn vị có mã G77.")


def test_closing_before_the_first_day_is_refused(province):
    with pytest.raises(InvalidAgencyError) as refused:
        province.close("G09.99", LAST_DAY, actor="kstt")
    assert refused.value.errors == {
        "valid_to": ["Ngày hết hiệu lực 30/06/2025 trước ngày bắt đầu hiệu lực 01/07/2025."]}
    assert province.get("G09.99").valid_to is None


@pytest.mark.parametrize("successor, message", [
    ("G77", "Không có đơn vị kế thừa mã G77."),
    ("G09.21", None),
])
def test_the_successor_must_be_known_and_valid_the_day_after(province, successor, message):
    province.close("G09.21", dt.date(2025, 3, 31), actor="kstt")
    message = message or ("Đơn vị kế thừa G09.21 không có hiệu lực vào ngày 01/07/2025 "
                          "(hiệu lực đến hết 31/03/2025).")
    with pytest.raises(UnknownAgencyError) as refused:
        province.close("G09.20", LAST_DAY, successor, actor="kstt")
    assert (refused.value.reason, refused.value.message, refused.value.errors) == (
        "unknown_agency", message, {"successor": [message]})
    assert province.get("G09.20").valid_to is None


def test_resolve_finds_an_agency_by_code_or_exact_name(province):
    day = dt.date(2024, 4, 15)
    assert province.resolve("G09.20", day).name == "UBND phường Lộc Thọ"
    assert province.resolve("UBND phường Lộc Thọ", day).code == "G09.20"
    assert province.resolve(unicodedata.normalize("NFD", "  UBND phường Lộc Thọ "), day).code == "G09.20"


def test_resolve_prefers_a_code_to_a_name(province):
    province.add("Q1", "G09.20", "commune", actor="kstt")  # a name that is another agency's code
    assert province.resolve("G09.20", dt.date(2024, 4, 15)).code == "G09.20"
    assert province.resolve(" G09.20", dt.date(2024, 4, 15)).code == "G09.20"


def test_resolve_tells_a_name_given_again_by_the_day(province):
    province.close("G09.20", LAST_DAY, "G09.99", actor="kstt")
    province.add("G09.50", "UBND phường Lộc Thọ", "commune", valid_from=REFORM, actor="kstt")
    assert province.resolve("UBND phường Lộc Thọ", LAST_DAY).code == "G09.20"
    assert province.resolve("UBND phường Lộc Thọ", REFORM).code == "G09.50"


@pytest.mark.parametrize("ref, day, message", [
    ("G77", dt.date(2024, 4, 15), "Không có đơn vị “G77” có hiệu lực vào ngày 15/04/2024."),
    ("UBND phường Lộc thọ", dt.date(2024, 4, 15),
     "Không có đơn vị “UBND phường Lộc thọ” có hiệu lực vào ngày 15/04/2024."),
    ("G09.99", LAST_DAY, ("Không có đơn vị “G09.99” có hiệu lực vào ngày 30/06/2025 "
                         "(đơn vị G09.99 “UBND phường Nha Trang” có hiệu lực từ 01/07/2025).")),
    ("UBND phường Lộc Thọ", REFORM, ("Không có đơn vị “UBND phường Lộc Thọ” có hiệu lực vào ngày 01/07/2025 "
                                    "(đơn vị G09.20 “UBND phường Lộc Thọ” có hiệu lực đến hết 30/06/2025; "
                                    "đơn vị kế thừa: G09.99).")),
])
def test_resolve_refuses_an_agency_unknown_or_not_valid_on_the_day(province, ref, day, message):
    province.close("G09.20", LAST_DAY, "G09.99", actor="kstt")
    with pytest.raises(UnknownAgencyError) as refused:
        province.resolve(ref, day)
    assert (refused.value.reason, refused.value.message, refused.value.errors) == (
        "unknown_agency", message, {"agency": [message]})
    with pytest.raises(UnknownAgencyError) as refused:
        province.resolve(ref, day, field="to_agency")
    assert refused.value.errors == {"to_agency": [message]}


def test_resolve_wants_the_local_date_not_a_datetime(province):
    with pytest.raises(TypeError, match="local date"):
        province.resolve("G09.20", dt.datetime(2024, 4, 15, 9, 30, tzinfo=ICT))


def count_queries(engine):
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    return statements


def test_resolve_is_one_query(engine, province):
    statements = count_queries(engine)
    province.resolve("UBND phường Lộc Thọ", dt.date(2024, 4, 15))
    assert len(statements) == 1


def test_a_memoized_registry_answers_each_ref_and_day_once(engine, province):
    memo = province.memoized()
    statements = count_queries(engine)
    day = dt.date(2024, 4, 15)
    for _ in range(3):
        assert memo.resolve("G09.20", day).code == "G09.20"
        with pytest.raises(UnknownAgencyError, match="G77"):
            memo.resolve("G77", day, field="to_agency")
    assert memo.resolve("G09.20", dt.date(2024, 4, 16)).code == "G09.20"
    assert len(statements) == 4  # G09.20's candidates; G77's (none), then its refusal and explanation
    with pytest.raises(UnknownAgencyError) as refused:
        memo.resolve("G77", day, field="to_agency")
    assert refused.value.errors == {"to_agency": ["Không có đơn vị “G77” có hiệu lực vào ngày 15/04/2024."]}


def test_a_memoized_registry_forgets_its_answers_when_it_writes(province):
    memo, day = province.memoized(), dt.date(2025, 8, 1)
    assert memo.resolve("G09.21", day).code == "G09.21"
    province.close("G09.21", LAST_DAY, actor="kstt")  # by someone else: not seen during the import
    assert memo.resolve("G09.21", day).code == "G09.21"
    memo.close("G09.20", LAST_DAY, actor="kstt")
    with pytest.raises(UnknownAgencyError):
        memo.resolve("G09.21", day)


def codes(page):
    return [a.code for a in page.items]


def test_list_shows_current_agencies_by_code_and_filters(province):
    province.close("G09.20", LAST_DAY, "G09.99", actor="kstt")
    assert codes(province.list()) == ["G09", "G09.1", "G09.21", "G09.99"]
    assert codes(province.list(status="ended")) == ["G09.20"]
    assert codes(province.list(status="all", level="commune")) == ["G09.20", "G09.21", "G09.99"]
    assert codes(province.list(parent="G09.1")) == ["G09.21"]
    assert codes(province.list(q="loc tho")) == []
    assert codes(province.list(q="loc tho", status="all")) == ["G09.20"]
    assert codes(province.list(q="phuong, nha trang")) == ["G09.99"]
    assert codes(province.list(q="g09.2", status="all")) == ["G09.20", "G09.21"]
    assert codes(province.list(as_of=LAST_DAY)) == ["G09", "G09.1", "G09.20", "G09.21"]
    assert codes(province.list(as_of=REFORM)) == ["G09", "G09.1", "G09.21", "G09.99"]
    page = province.list(status="all", page=2, per_page=2)
    assert (codes(page), page.total, page.page, page.per_page) == (["G09.20", "G09.21"], 5, 2, 2)


def test_the_table_matches_its_migration(engine):
    target = MetaData(naming_convention=agency.metadata.naming_convention)
    agency.to_metadata(target)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "include_name": lambda name, type_, parents: type_ != "table" or name == "agency"})
        assert compare_metadata(context, target) == []
    indexes = {index["name"]: (index["column_names"], bool(index["unique"]))
               for index in inspect(engine).get_indexes("agency")}
    assert indexes == {"ix_agency_name": (["name"], False), "ix_agency_parent": (["parent"], False),
                       "uq_agency_current_name": (["name"], True)}


def test_downgrading_past_it_drops_the_agency_table(database_url):
    command.downgrade(migrate.alembic_config(database_url), "0002_calendar")
    engine = create_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert "agency" not in tables and "calendar_override" in tables
    finally:
        engine.dispose()
    migrate.upgrade(database_url)
