"""Composing the near-due digest from fixed data on a fixed date: the text, the split at 2,000 characters,
the tail summary, and no personal data. Dossiers come from the real Tracker on the in-memory store, with
applicants, and their near-due items carry the whole dossier (applicant included) into ``compose``.
"""

import datetime as dt

from tests.unit.tracker_fakes import (
    Agencies,
    Agency,
    Procedures,
    at,
    procedure,
    tracker_with,
)
from tracker.calendar import WorkingCalendar
from tracker.digest import EMPTY_LINE, MAX_CHARACTERS, DigestGroup, compose, title_line
from tracker.queries import days_left

MONDAY = dt.date(2026, 11, 23)
BIRTH = "1.001193"
LOC_THO, NHA_TRANG = "G09.20", "G09.21"
APPLICANT = {"name": "Nguyễn Văn An", "id_number": "079201001234", "phone": "0905123456",
             "address": "12 Trần Phú, Lộc Thọ"}
GROUP = DigestGroup(name="lanh-dao", channels=("console",), title="Hồ sơ cần đôn đốc", within=2)


def tracker():
    agencies = Agencies([Agency(LOC_THO, "UBND phường Lộc Thọ", "commune"),
                         Agency(NHA_TRANG, "UBND phường Nha Trang", "commune")])
    return tracker_with(Procedures(dict([procedure(BIRTH, 3)])), agencies)


def received(tracker, code, agency, moment):
    return tracker.receive_dossier(code=code, procedure_code=BIRTH, agency=agency, channel="in_person",
                                   received_at=moment, applicant=APPLICANT, actor="mot-cua")


def near_due(dossiers, on, paused=0):
    """The shape of ``tracker.queries.due`` for ``dossiers`` (all running), each item the whole dossier."""
    calendar = WorkingCalendar()
    items = []
    for dossier in dossiers:
        items.append({**vars(dossier), "procedure_code": dossier.procedure["code"],
                      "procedure_name": dossier.procedure["name"], "due_at": dossier.due_at.isoformat(),
                      "working_days_left": days_left(calendar, on, dossier.due_at.date())})
    items.sort(key=lambda item: item["due_at"])
    return {"as_of": on, "within": 2, "paused": paused,
            "overdue": [i for i in items if i["working_days_left"] < 0],
            "due": [i for i in items if i["working_days_left"] >= 0]}


def week_of_dossiers():
    t = tracker()
    return [
        received(t, "G09.21-0001", NHA_TRANG, at(13, 11, 9)),  # due Wed 18/11 09:00: 3 working days late
        received(t, "G09.21-0003", NHA_TRANG, at(12, 11, 15)),  # due Tue 17/11 15:00: 4 late
        received(t, "G09.20-0001", LOC_THO, at(16, 11, 9)),  # due Thu 19/11 09:00: 2 late
        received(t, "G09.20-0002", LOC_THO, at(18, 11, 10)),  # due Mon 23/11 10:00: today
        received(t, "G09.20-0003", LOC_THO, at(19, 11, 14)),  # due Wed 25/11 14:00 (24/11 a holiday): 1 left
        received(t, "G09.21-0002", NHA_TRANG, at(20, 11, 8)),  # due Thu 26/11 08:00: 2 left
    ]


def synthetic(count, agency=LOC_THO, name="Cấp giấy chứng nhận quyền sử dụng đất lần đầu cho hộ gia đình"):
    """``count`` overdue dossiers of one unit, one working day late each, a day apart."""
    items = [{"code": f"{agency}-{n:05d}", "procedure_code": BIRTH, "procedure_name": name,
              "agency": {"code": agency, "name": "UBND phường Lộc Thọ"}, "level": "commune",
              "due_at": (dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC) + dt.timedelta(hours=n)).isoformat(),
              "working_days_left": -1, "state": "processing"} for n in range(count)]
    return {"as_of": MONDAY, "within": 2, "overdue": items, "due": [], "paused": 0}


def test_a_digest_gives_the_title_the_counts_then_the_dossiers_by_unit_most_overdue_first():
    texts = compose(GROUP, near_due(week_of_dossiers(), MONDAY, paused=4), MONDAY)

    assert texts == ["\n".join([
        "Hồ sơ cần đôn đốc – Thứ Hai, 23/11/2026",
        "Quá hạn: 3",
        "Đến hạn hôm nay: 1",
        "Đến hạn trong 2 ngày làm việc tới: 2",
        "Tạm dừng (chờ bổ sung, nghĩa vụ tài chính…): 4",
        "",
        "UBND phường Nha Trang (G09.21)",
        "- G09.21-0003 · Thủ tục 1.001193 · hạn 17/11 · trễ 4 ngày làm việc",
        "- G09.21-0001 · Thủ tục 1.001193 · hạn 18/11 · trễ 3 ngày làm việc",
        "- G09.21-0002 · Thủ tục 1.001193 · hạn 26/11 · còn 2 ngày làm việc",
        "",
        "UBND phường Lộc Thọ (G09.20)",
        "- G09.20-0001 · Thủ tục 1.001193 · hạn 19/11 · trễ 2 ngày làm việc",
        "- G09.20-0002 · Thủ tục 1.001193 · hạn 23/11 · hạn hôm nay",
        "- G09.20-0003 · Thủ tục 1.001193 · hạn 25/11 · còn 1 ngày làm việc",
    ])]


def test_no_applicant_name_id_number_phone_or_address_reaches_the_message():
    dossiers = week_of_dossiers()
    assert all(d.applicant == APPLICANT for d in dossiers)  # the data handed to compose has them

    text = "\n".join(compose(GROUP, near_due(dossiers, MONDAY), MONDAY,
                             dossier_url="https://dichvucong.khanhhoa.gov.vn/ho-so/{code}"))

    for value in APPLICANT.values():
        assert value not in text
    assert "Nguyễn" not in text and "0905" not in text and "079201" not in text


def test_each_dossier_gets_a_link_line_when_a_public_url_template_is_configured():
    text = compose(GROUP, near_due(week_of_dossiers()[:1], MONDAY), MONDAY,
                   dossier_url="https://dichvucong.khanhhoa.gov.vn/ho-so/{code}")[0]

    assert text.splitlines()[-2:] == ["- G09.21-0001 · Thủ tục 1.001193 · hạn 18/11 · trễ 3 ngày làm việc",
                                      "  https://dichvucong.khanhhoa.gov.vn/ho-so/G09.21-0001"]


def test_a_long_procedure_name_is_cut_to_eighty_characters_with_an_ellipsis():
    name = "Thủ tục " + "rất dài " * 20
    line = compose(GROUP, synthetic(1, name=name), MONDAY)[0].splitlines()[-1]

    shown = line.split(" · ")[1]
    assert len(shown) == 80 and shown.endswith("…") and name.startswith(shown[:-1])


def test_a_day_with_nothing_due_sends_nothing_unless_the_group_asks_for_a_short_line():
    nothing = {"as_of": MONDAY, "within": 2, "overdue": [], "due": [], "paused": 3}
    asking = DigestGroup(name="lanh-dao", channels=("console",), send_when_empty=True)

    assert compose(GROUP, nothing, MONDAY) == []
    assert compose(asking, nothing, MONDAY) == [f"Hồ sơ cần đôn đốc – Thứ Hai, 23/11/2026\n{EMPTY_LINE}"]


def test_the_title_names_the_vietnamese_weekday_of_every_day():
    days = [title_line("T", MONDAY + dt.timedelta(days=n)) for n in range(7)]

    assert days == ["T – Thứ Hai, 23/11/2026", "T – Thứ Ba, 24/11/2026", "T – Thứ Tư, 25/11/2026",
                    "T – Thứ Năm, 26/11/2026", "T – Thứ Sáu, 27/11/2026", "T – Thứ Bảy, 28/11/2026",
                    "T – Chủ Nhật, 29/11/2026"]


def test_a_long_digest_is_split_at_line_boundaries_into_numbered_parts_of_at_most_2000_characters():
    texts = compose(GROUP, synthetic(40), MONDAY)

    assert len(texts) == 3
    assert all(len(text) <= MAX_CHARACTERS for text in texts)
    assert [text.splitlines()[0] for text in texts] == [
        f"Hồ sơ cần đôn đốc – Thứ Hai, 23/11/2026 ({n}/3)" for n in (1, 2, 3)]
    assert [text.splitlines()[1] for text in texts[1:]] == ["UBND phường Lộc Thọ (G09.20) (tiếp)"] * 2
    shown = [line.split(" · ")[0][2:] for text in texts for line in text.splitlines() if line.startswith("- ")]
    assert shown == [f"G09.20-{n:05d}" for n in range(40)]  # each once, in order, none cut in half


def test_beyond_the_last_allowed_part_the_tail_is_summarised_with_the_count_left_out():
    texts = compose(GROUP, synthetic(200), MONDAY)

    assert len(texts) == 3 and all(len(text) <= MAX_CHARACTERS for text in texts)
    shown = sum(1 for text in texts for line in text.splitlines() if line.startswith("- "))
    assert texts[-1].splitlines()[-1] == f"… và {200 - shown} hồ sơ khác"
    assert texts[-1].splitlines()[0].endswith("(3/3)")


def test_a_group_allowed_one_message_gets_one_message_ending_with_the_tail():
    one = DigestGroup(name="lanh-dao", channels=("console",), max_parts=1)

    texts = compose(one, synthetic(100), MONDAY)

    assert len(texts) == 1 and len(texts[0]) <= MAX_CHARACTERS
    assert texts[0].splitlines()[0] == "Hồ sơ cần đôn đốc – Thứ Hai, 23/11/2026"
    assert texts[0].splitlines()[1] == "Quá hạn: 100"
    assert texts[0].endswith("hồ sơ khác")


def test_characters_outside_the_basic_plane_never_reach_a_message():
    text = compose(GROUP, synthetic(1, name="Thủ tục 🚀 khẩn"), MONDAY)[0]

    assert all(ord(c) <= 0xFFFF for c in text) and "Thủ tục ? khẩn" in text
