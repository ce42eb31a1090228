"""The demonstration province (``tthc demo``): a small catalog, its agencies and a year of dossiers.

Composition code: it drives the public applications exactly as staff and the bulk import do — one
Quyết định công bố through ``Catalog.record_decision``, the units through the agency registry, the dossiers
through ``Tracker.import_dossiers`` — so a demo instance is an ordinary instance, and the same generator
feeds tests and benchmarks (``tthc demo generate``).

The province is Khánh Hòa after the 2025 reform (two-level local government: no cấp huyện from 1/7/2025).
Procedure codes and names are those of the national TTHC database (the exports in
``../shared/data/tthc-dvcqg``), except the three marked illustrative (health, education, labour: ministries
those exports lack) and the local code ``….H32``, which are realistic but invented. Processing times,
agencies and numbers are this fictional decision's own; applicants are invented people.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any

from sqlalchemy import select

from catalog.domain import DecisionNotFoundError, decision_id
from tracker.agencies import AgencyNotFoundError
from tracker.calendar import WorkingCalendar
from tracker.domain import TRANSITIONS
from tracker.read_models import dossier_view

ISSUER = "UBND tỉnh Khánh Hòa"
REFORM_DAY = dt.date(2025, 7, 1)  # cấp huyện abolished; the merged communes start
ACTOR = "demo"


def _entry(code: str, name: str, field: str, level: str, value: int, unit: str, *, agency: str,
           authority: str = "central", online: str = "partial", **clock: Any) -> dict[str, Any]:
    return {"action": "new", "code": code, "name": name, "field": field, "levels": [level],
            "authority": authority, "kind": "external", "online": online, "agency": agency,
            "processing_time": {"value": value, "unit": unit}, **clock}


COMMUNE, PROVINCE = "commune", "province"
WD, CD, WH = "working_days", "calendar_days", "working_hours"

# The keyword arguments of ``Catalog.record_decision`` (without ``actor``), as ``POST /api/decisions`` takes them.
DEMO_DECISION: dict[str, Any] = {
    "number": "1234/QĐ-UBND",
    "issuer": ISSUER,
    "signed_on": REFORM_DAY,
    "effective_on": REFORM_DAY,
    "publicised_on": dt.date(2025, 7, 4),
    "entries": [
        # cấp xã
        _entry("1.001193", "Thủ tục đăng ký khai sinh", "Hộ tịch", COMMUNE, 0, WD, agency="UBND cấp xã",
               online="full", cutoff="15:00"),
        _entry("1.000656", "Thủ tục đăng ký khai tử", "Hộ tịch", COMMUNE, 0, WD, agency="UBND cấp xã", online="full"),
        _entry("1.000894", "Thủ tục đăng ký kết hôn", "Hộ tịch", COMMUNE, 5, WD, agency="UBND cấp xã"),
        _entry("1.004873", "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân", "Hộ tịch", COMMUNE, 3, WD,
               agency="UBND cấp xã", online="full"),
        _entry("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền "
               "của Việt Nam; cơ quan, tổ chức có thẩm quyền của nước ngoài; cơ quan, tổ chức có thẩm quyền của "
               "Việt Nam liên kết với cơ quan, tổ chức có thẩm quyền của nước ngoài cấp hoặc chứng nhận",
               "Chứng thực", COMMUNE, 0, WD, agency="UBND cấp xã", cutoff="15:00"),
        _entry("1.001612", "Đăng ký thành lập hộ kinh doanh", "Thành lập và hoạt động doanh nghiệp (hộ kinh doanh)",
               COMMUNE, 3, WD, agency="UBND cấp xã", online="full"),
        # local (thẩm quyền địa phương), illustrative
        _entry("1.013500.H32", "Hỗ trợ chi phí đào tạo nghề cho lao động nông thôn theo Nghị quyết của Hội đồng "
               "nhân dân tỉnh", "Giáo dục nghề nghiệp", COMMUNE, 10, WD, agency="UBND cấp xã", authority="local"),
        # cấp tỉnh
        _entry("3.000333", "Cấp Phiếu Lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại "
               "Việt Nam, người Việt Nam đang cư trú ở nước ngoài", "Lý lịch tư pháp", PROVINCE, 10, CD,
               agency="Công an tỉnh", online="full"),
        _entry("1.012783", "Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
               "Đất đai", PROVINCE, 5, WD, agency="Văn phòng đăng ký đất đai", supplement_restarts_clock=True),
        _entry("1.003984", "Cấp Giấy chứng nhận kiểm dịch thực vật đối với các lô vật thể vận chuyển từ vùng "
               "nhiễm đối tượng kiểm dịch thực vật", "Trồng trọt và Bảo vệ thực vật", PROVINCE, 24, WH,
               agency="Chi cục Trồng trọt và Bảo vệ thực vật"),
        _entry("1.013236", "Cấp giấy phép xây dựng mới công trình cấp đặc biệt, cấp I, cấp II (Công trình không "
               "theo tuyến/Theo tuyến trong đô thị/Tín ngưỡng, tôn giáo/Tượng đài, tranh hoành tráng/Theo giai "
               "đoạn cho công trình không theo tuyến/Theo giai đoạn cho công trình theo tuyến trong đô thị/Dự án)",
               "Hoạt động xây dựng", PROVINCE, 20, CD, agency="Sở Xây dựng"),
        _entry("1.009645", "Thủ tục chấp thuận chủ trương đầu tư thuộc thẩm quyền của Chủ tịch Uỷ ban nhân dân "
               "cấp tỉnh", "Đầu tư tại Việt Nam", PROVINCE, 17, WD, agency="Sở Tài chính"),
        _entry("2.001130", "Cấp Chứng chỉ hành nghề Quản tài viên đối với luật sư, kiểm toán viên, người có trình "
               "độ cử nhân luật, kinh tế, kế toán, tài chính, ngân hàng và có thời gian công tác trong lĩnh vực "
               "được đào tạo từ 05 năm trở lên", "Quản tài viên", PROVINCE, 6, WD, agency="Sở Tư pháp"),
        # illustrative: health, education, labour
        _entry("1.012270", "Cấp mới giấy phép hành nghề khám bệnh, chữa bệnh đối với chức danh bác sỹ, y sỹ, "
               "điều dưỡng, hộ sinh, kỹ thuật y", "Khám bệnh, chữa bệnh", PROVINCE, 20, WD, agency="Sở Y tế"),
        _entry("1.005088", "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc", "Văn bằng, chứng chỉ", PROVINCE, 2, WD,
               agency="Sở Giáo dục và Đào tạo", online="full"),
        _entry("1.000105", "Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam", "Việc làm",
               PROVINCE, 10, WD, agency="Sở Nội vụ"),
    ],
}

# Relative number of dossiers per procedure: civil status and certification dominate a one-stop desk.
VOLUME = {"1.001193": 30, "1.000656": 6, "1.000894": 8, "1.004873": 12, "2.000815": 40, "1.001612": 8,
          "1.013500.H32": 2, "3.000333": 10, "1.012783": 8, "1.003984": 2, "1.013236": 3, "1.009645": 1,
          "2.001130": 0.5, "1.012270": 3, "1.005088": 4, "1.000105": 3}


def _agency(code: str, name: str, level: str, parent: str | None = "G09", *, fields: Sequence[str] | None = None,
            valid_from: dt.date | None = None, closed: tuple[dt.date, str] | None = None) -> dict[str, Any]:
    return {"code": code, "name": name, "level": level, "parent": parent, "valid_from": valid_from,
            "closed": closed, "fields": list(fields) if fields is not None else None}


# The units of the province. ``fields``: the procedure fields a unit receives dossiers of (None: every field
# of its level, [] none); ``closed``: (last valid day, successor), recorded with ``close`` after the successor exists.
DEMO_AGENCIES: list[dict[str, Any]] = [
    _agency("G09", ISSUER, PROVINCE, None, fields=[]),  # decides, receives no dossier itself
    _agency("G09.01", "Trung tâm Phục vụ hành chính công tỉnh Khánh Hòa", PROVINCE),
    _agency("G09.02", "Sở Tư pháp tỉnh Khánh Hòa", PROVINCE, fields=["Quản tài viên"]),
    _agency("G09.03", "Sở Nông nghiệp và Môi trường tỉnh Khánh Hòa", PROVINCE,
            fields=["Đất đai", "Trồng trọt và Bảo vệ thực vật"]),
    _agency("G09.04", "Sở Xây dựng tỉnh Khánh Hòa", PROVINCE, fields=["Hoạt động xây dựng"]),
    _agency("G09.05", "Sở Tài chính tỉnh Khánh Hòa", PROVINCE, fields=["Đầu tư tại Việt Nam"]),
    _agency("G09.06", "Sở Y tế tỉnh Khánh Hòa", PROVINCE, fields=["Khám bệnh, chữa bệnh"]),
    _agency("G09.07", "Sở Giáo dục và Đào tạo tỉnh Khánh Hòa", PROVINCE, fields=["Văn bằng, chứng chỉ"]),
    _agency("G09.08", "Sở Nội vụ tỉnh Khánh Hòa", PROVINCE, fields=["Việc làm"]),
    _agency("G09.09", "Công an tỉnh Khánh Hòa", PROVINCE, fields=["Lý lịch tư pháp"]),
    _agency("G09.31", "UBND phường Nha Trang", COMMUNE, valid_from=REFORM_DAY),
    _agency("G09.32", "UBND phường Bắc Nha Trang", COMMUNE, valid_from=REFORM_DAY),
    _agency("G09.33", "UBND phường Tây Nha Trang", COMMUNE, valid_from=REFORM_DAY),
    _agency("G09.34", "UBND phường Nam Nha Trang", COMMUNE, valid_from=REFORM_DAY),
    _agency("G09.35", "UBND phường Cam Ranh", COMMUNE, valid_from=REFORM_DAY),
    _agency("G09.36", "UBND xã Diên Khánh", COMMUNE, valid_from=REFORM_DAY),
    _agency("G09.37", "UBND xã Cam Lâm", COMMUNE, valid_from=REFORM_DAY),
    _agency("G09.38", "UBND xã Vạn Ninh", COMMUNE, valid_from=REFORM_DAY),
    # before the reform: a cấp huyện and one of its wards, closed on 30/6/2025 into the new phường Nha Trang
    _agency("G09.20", "UBND thành phố Nha Trang", "district", closed=(REFORM_DAY - dt.timedelta(days=1), "G09.31")),
    _agency("G09.20.01", "UBND phường Lộc Thọ", COMMUNE, "G09.20",
            closed=(REFORM_DAY - dt.timedelta(days=1), "G09.31")),
]


class InstanceNotEmptyError(Exception):
    """Raised when the demo is loaded into an instance that already holds dossiers, the demo decision or
    one of the demo agencies; ``message`` says which."""

    reason = "instance_not_empty"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def demo_period(now: dt.datetime, days: int = 365) -> tuple[dt.date, dt.date]:
    """Return the receipt dates of a demo load at ``now``: the ``days`` days ending yesterday, never before the
    demo decision takes effect (``start``, ``end`` inclusive)."""
    end = now.date() - dt.timedelta(days=1)
    return max(end - dt.timedelta(days=days - 1), DEMO_DECISION["effective_on"]), end


def load_demo(services: Any, *, dossiers: int, seed: int, progress: Callable[[int], Any] | None = None,
              actor: str = ACTOR) -> dict[str, Any]:
    """Fill an empty instance with the demo province and ``dossiers`` dossiers generated from ``seed``.

    ``services``: the composition root's (``catalog``, ``agencies``, ``tracker``); ``progress(n)`` is called
    as dossiers are imported. Returns ``{"decision", "procedures", "agencies", "dossiers": {"imported",
    "skipped", "failed"}, "errors": [first ten failed lines]}``. Raises :class:`InstanceNotEmptyError` before
    writing anything when a dossier, the demo decision or a demo agency code already exists.
    """
    refuse_non_empty(services)
    decision = services.catalog.record_decision(**DEMO_DECISION, actor=actor)
    register_agencies(services.agencies, actor)
    tracker = services.tracker
    now = tracker.clock()
    start, end = demo_period(now)
    lines = generate_dossiers(dossiers, seed=seed, procedures=DEMO_DECISION["entries"], agencies=DEMO_AGENCIES,
                              start=start, end=end, calendar=tracker.calendar(), now=now)
    report = tracker.import_dossiers(enumerate(lines, start=1), actor=actor, progress=progress)
    return {"decision": {"id": str(decision.id), "number": decision.number, "issuer": decision.issuer},
            "procedures": len(DEMO_DECISION["entries"]), "agencies": len(DEMO_AGENCIES),
            "period": {"from": start.isoformat(), "to": end.isoformat()},
            "dossiers": {"imported": report.imported, "skipped": report.skipped, "failed": report.failed},
            "errors": report.errors[:10]}


def refuse_non_empty(services: Any) -> None:
    """Raise :class:`InstanceNotEmptyError` when the instance holds dossiers, the demo decision or a demo agency."""
    found = []
    if has_dossiers(services):
        found.append("hồ sơ")
    try:
        services.catalog.get_decision(decision_id(DEMO_DECISION["number"], ISSUER, 0))
        found.append(f"quyết định {DEMO_DECISION['number']} của {ISSUER}")
    except DecisionNotFoundError:
        pass
    taken = []
    for agency in DEMO_AGENCIES:
        try:
            services.agencies.get(agency["code"])
            taken.append(agency["code"])
        except AgencyNotFoundError:
            pass
    if taken:
        more = f" và {len(taken) - 3} đơn vị mẫu khác" if len(taken) > 3 else ""
        found.append(f"đơn vị {', '.join(taken[:3])}{more}")
    if found:
        raise InstanceNotEmptyError(f"Chỉ nạp dữ liệu mẫu vào một hệ thống trống; đã có: {'; '.join(found)}.")


def has_dossiers(services: Any) -> bool:
    """Return whether any dossier was ever received (read model brought up to date first)."""
    services.projector.catch_up()
    with services.projector.engine.connect() as conn:
        return conn.execute(select(dossier_view.c.code).limit(1)).first() is not None


def register_agencies(registry: Any, actor: str = ACTOR) -> None:
    """Add ``DEMO_AGENCIES`` to the registry, then close the pre-reform ones into their successors."""
    for a in DEMO_AGENCIES:
        registry.add(a["code"], a["name"], a["level"], parent=a["parent"], valid_from=a["valid_from"], actor=actor)
    for a in DEMO_AGENCIES:
        if a["closed"]:
            valid_to, successor = a["closed"]
            registry.close(a["code"], valid_to, successor, actor=actor)


# -- the dossiers ----------------------------------------------------------------------------------------

CHANNELS = ("online", "in_person", "postal")
CHANNEL_SHARES = (50, 40, 10)
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô")
MIDDLE = ("Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh", "Quốc", "Đức", "Thu", "Xuân")
GIVEN = ("An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Lan", "Linh", "Long", "Mai", "Nam",
         "Nga", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến")
SUPPLEMENT_REASONS = ("Thiếu bản sao giấy tờ tùy thân", "Tờ khai chưa ghi đủ thông tin",
                      "Cần bổ sung giấy tờ chứng minh nơi cư trú", "Bản vẽ chưa đúng mẫu quy định")
SUSPEND_REASONS = ("Chờ ý kiến của cơ quan có liên quan", "Chờ kết quả xác minh của cơ quan khác")
REJECT_REASONS = ("Hồ sơ không đủ điều kiện giải quyết theo quy định", "Không thuộc thẩm quyền giải quyết")


def generate_dossiers(count: int, *, seed: int, procedures: Sequence[dict[str, Any]],
                      agencies: Sequence[dict[str, Any]], start: dt.date, end: dt.date,
                      calendar: WorkingCalendar, now: dt.datetime) -> Iterator[dict[str, Any]]:
    """Yield ``count`` bodies of ``Tracker.import_dossiers`` lines, in order of receipt, the same for a ``seed``.

    ``procedures``: decision entries (``code, field, levels, processing_time, cutoff?,
    supplement_restarts_clock?``), active on every day of ``[start, end]``; ``agencies``: ``DEMO_AGENCIES``-shaped
    (``code, level, valid_from, closed, fields``). Receipts fall in office hours of working days, except
    some online ones at any hour; ``end`` must be before ``now``'s date. Steps follow the contract's
    transitions with moments from ``calendar``: about 15 % asked for a supplement (some never supplied, some
    withdrawn), 5 % payment, 3 % suspension, 2 % transfer, 3 % apology, 2 % withdrawn and 2 % rejected;
    resolutions mostly early, some on the due date, about 8 % late. A dossier's planned steps after ``now``
    are cut off, so recent ones are still open and some are overdue. Raises ``ValueError`` for a period
    without working days, ending today or later, or without an agency to receive a procedure.
    """
    if not start <= end < calendar.local(now).date():
        raise ValueError(f"receipts must lie in a period ending before today: {start} … {end}")
    days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    working = [day for day in days if calendar.is_working_day(day)]
    if not working:
        raise ValueError(f"no working day between {start} and {end}")
    rng = random.Random(seed)
    weights = [VOLUME.get(p["code"], 1) for p in procedures]
    receipts = sorted(receipt(rng, calendar, days, working) for _ in range(count))
    numbers: dict[str, int] = {}
    for received_at, channel in receipts:
        procedure = rng.choices(procedures, weights)[0]
        level = rng.choice(procedure["levels"])
        agency = rng.choice(receivers(agencies, level, procedure["field"], received_at.date()))
        number = numbers.get(agency["code"]) or rng.randrange(1, 100_000)  # each desk's running number
        numbers[agency["code"]] = number + 1
        life = Life(rng, calendar, received_at, procedure)
        life.run(channel, partial(transfer_targets, agencies, level, procedure["field"], current=agency["code"]))
        yield {"code": f"{agency['code']}-{received_at:%Y%m%d}-{number:07d}", "procedure_code": procedure["code"],
               "agency": agency["code"], "level": level, "channel": channel, "received_at": received_at,
               "applicant": applicant(rng), "processing_time": dict(procedure["processing_time"]),
               "steps": [step for step in life.steps if step["at"] <= now]}


def receipt(rng: random.Random, calendar: WorkingCalendar, days: list[dt.date],
            working: list[dt.date]) -> tuple[dt.datetime, str]:
    """Return a receipt moment and channel: office hours of a working day, or any hour for some online ones."""
    channel = rng.choices(CHANNELS, CHANNEL_SHARES)[0]
    if channel == "online" and rng.random() < 0.2:
        day, minute = rng.choice(days), rng.randrange(24 * 60)
    else:
        day, minute = rng.choice(working), office_minute(rng, calendar)
    moment = dt.datetime.combine(day, dt.time(minute // 60, minute % 60, rng.randrange(60)), tzinfo=calendar.tz)
    return moment, channel


def office_minute(rng: random.Random, calendar: WorkingCalendar) -> int:
    """Return a minute of the day inside the office hours, uniformly."""
    spans = [(s.hour * 60 + s.minute, e.hour * 60 + e.minute) for s, e in calendar.office_hours]
    offset = rng.randrange(sum(e - s for s, e in spans))
    for s, e in spans:
        if offset < e - s:
            return s + offset
        offset -= e - s
    raise AssertionError("unreachable")


def valid_on(agency: dict[str, Any], day: dt.date) -> bool:
    closed = agency.get("closed")
    return (agency.get("valid_from") or day) <= day and (closed is None or day <= closed[0])


def receivers(agencies: Sequence[dict[str, Any]], level: str, field: str, day: dt.date) -> list[dict[str, Any]]:
    """Return the agencies of ``level`` valid on ``day`` that receive dossiers of ``field``."""
    found = [a for a in agencies if a["level"] == level and valid_on(a, day)
             and (a.get("fields") is None or field in a["fields"])]
    if not found:
        raise ValueError(f"no {level} agency receives {field} dossiers on {day}")
    return found


def transfer_targets(agencies: Sequence[dict[str, Any]], level: str, field: str, day: dt.date,
                     current: str) -> list[dict[str, Any]]:
    """Return where a dossier of ``field`` may be transferred (liên thông) on ``day``: another agency of the same
    level, one handling the field if there is one."""
    others = [a for a in agencies if a["level"] == level and valid_on(a, day) and a["code"] != current
              and a.get("fields") != []]
    handling = [a for a in others if a.get("fields") is not None and field in a["fields"]]
    return handling or others


def person(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def applicant(rng: random.Random) -> dict[str, str]:
    """An invented applicant: a name, a 12-digit citizen id of the province (056…) and a mobile number."""
    return {"name": person(rng), "id_number": f"056{rng.randrange(4)}{rng.randrange(10**8):08d}",
            "phone": f"09{rng.randrange(10**8):08d}"}


class Life:
    """One dossier's steps, planned forward from its receipt with the tracker's clock rules: ``due`` moves
    as the dossier's would, so a resolution chosen early, on time or late comes out so."""

    def __init__(self, rng: random.Random, calendar: WorkingCalendar, received_at: dt.datetime,
                 procedure: dict[str, Any]) -> None:
        self.rng, self.calendar = rng, calendar
        self.time = procedure["processing_time"]
        self.cutoff = dt.time.fromisoformat(procedure["cutoff"]) if procedure.get("cutoff") else None
        self.restarts = bool(procedure.get("supplement_restarts_clock"))
        self.due = calendar.add(received_at, self.time["value"], self.time["unit"], cutoff=self.cutoff)
        self.day = sum((dt.datetime.combine(dt.date.min, e) - dt.datetime.combine(dt.date.min, s)
                        for s, e in calendar.office_hours), dt.timedelta(0))  # office time of one working day
        self.last, self.state = received_at, "received"
        self.steps: list[dict[str, Any]] = []

    def run(self, channel: str, transfer_to: Callable[[dt.date], list[dict[str, Any]]]) -> None:
        """Plan the whole life: processing, the optional detours, then the end (resolution, withdrawal…);
        ``transfer_to(day)`` lists the agencies a transfer may go to on that day."""
        rng = self.rng
        if rng.random() < 0.95:
            self.step("start_processing", self.within(0.02, 0.1), handler=person(rng))
        if rng.random() < 0.02:
            at = self.within(0.05, 0.3)
            found = transfer_to(self.calendar.local(at).date())
            if found:
                self.step("transfer", at, to_agency=rng.choice(found)["code"], note="Chuyển liên thông")
        if rng.random() < 0.15:
            self.step("request_supplement", self.within(0.1, 0.4), reason=rng.choice(SUPPLEMENT_REASONS))
            fate = rng.random()
            if fate < 0.1:
                return  # never supplied: still awaiting the supplement
            if fate < 0.2:
                self.step("withdraw", self.after(3, 15), reason="Không bổ sung được hồ sơ, xin rút hồ sơ")
                return
            self.resume("receive_supplement", self.after(0.5, 7))
        if self.state == "processing" and rng.random() < 0.05:
            self.step("request_payment", self.within(0.3, 0.7), amount=rng.randrange(1, 200) * 50_000)
            self.resume("receive_payment", self.after(0.2, 5))
        if rng.random() < 0.03:
            self.step("suspend", self.within(0.2, 0.6), reason=rng.choice(SUSPEND_REASONS))
            self.resume("resume", self.after(2, 10))
        self.finish(channel)

    def finish(self, channel: str) -> None:
        rng, end = self.rng, self.rng.random()
        if end < 0.02:
            self.step("withdraw", self.within(0.1, 0.8), reason="Công dân đề nghị rút hồ sơ")
            return
        if end < 0.04:
            self.step("reject", self.within(0.2, 0.9), reason=rng.choice(REJECT_REASONS))
            return
        timing = rng.random()
        if rng.random() < 0.03:  # an apology slip before the due date, then a late result
            at = self.within(0.8, 0.98)
            appointment = self.calendar.add_working_time(max(self.due, at), self.day * rng.randint(3, 7))
            self.step("apologize", at, new_appointment_at=appointment, reason="Cần thêm thời gian thẩm định hồ sơ")
            timing = 0.0
        if timing < 0.05:  # with the apologies and the detours that overran, about 8 % late
            overrun = seconds(self.day * min(1 + rng.expovariate(1 / 3), 30))  # working days past the due date
            at = self.calendar.add_working_time(max(self.due, self.last), overrun)
        elif timing < 0.22:
            at = self.on_due_date()
        else:
            at = self.within(0.2, 0.9)
        self.step("resolve", at)
        if rng.random() < 0.92:
            method = channel if channel != "online" or rng.random() < 0.7 else "in_person"
            self.step("deliver", self.after(0, 3), method=method)

    # -- moments -----------------------------------------------------------------------------------------

    def within(self, low: float, high: float) -> dt.datetime:
        """A moment between ``low`` and ``high`` of the working time left until the due moment."""
        left = max(self.calendar.working_time_between(self.last, self.due), dt.timedelta(0))
        return self.calendar.add_working_time(self.last, seconds(left * self.rng.uniform(low, high)))

    def after(self, low: float, high: float) -> dt.datetime:
        """A moment ``low`` to ``high`` working days after the last step."""
        return self.calendar.add_working_time(self.last, seconds(self.day * self.rng.uniform(low, high)))

    def on_due_date(self) -> dt.datetime:
        """A moment on the due date, up to two hours before the due moment (not before its opening)."""
        at = self.due - dt.timedelta(minutes=self.rng.randint(0, 120))
        if at.date() < self.due.date():
            at = self.calendar.next_opening(dt.datetime.combine(self.due.date(), dt.time(), tzinfo=self.calendar.tz))
        return at

    # -- steps -------------------------------------------------------------------------------------------

    def step(self, kind: str, at: dt.datetime, **fields: Any) -> dt.datetime:
        """Append a step at ``at`` (never before the last one); raise ``RuntimeError`` on an illegal transition."""
        sources, target = TRANSITIONS[kind]
        if self.state not in sources:
            raise RuntimeError(f"demo generator bug: {kind} from {self.state}")
        at = max(at, self.last)
        self.steps.append({"type": kind, "at": at, **fields})
        self.last, self.state = at, target or self.state
        return at

    def resume(self, kind: str, at: dt.datetime) -> None:
        """End a pause at ``at``: the due moment moves by the paused office time, or restarts after a supplement
        when the procedure says so (as ``Dossier.receive_supplement`` decides)."""
        paused_at = self.last
        at = self.step(kind, at)
        if kind == "receive_supplement" and self.restarts:
            self.due = self.calendar.add(at, self.time["value"], self.time["unit"], cutoff=self.cutoff)
        else:
            self.due = self.calendar.add_working_time(self.due, self.calendar.working_time_between(paused_at, at))


def seconds(amount: dt.timedelta) -> dt.timedelta:
    """``amount`` rounded to whole seconds (moments in the file read like an officer's)."""
    return dt.timedelta(seconds=round(amount.total_seconds()))
