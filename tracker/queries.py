"""Queries over the tracker's read models: one dossier, lists, the near-due list and the period results.

They read only read-model tables, so their cost grows with the answer, not with the history. Dates are
business dates in Asia/Ho_Chi_Minh; ``working_days_left`` comes from the working calendar (rule 9 of
``tracker/calendar.py``: 0 when due today, negative when overdue).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.engine import Connection

from tracker.calendar import WorkingCalendar
from tracker.domain import PAUSED, RUNNING, DossierNotFoundError
from tracker.read_models import dossier_segment_view, dossier_view

d, s = dossier_view.c, dossier_segment_view.c

# report group key → (column grouped on, column shown beside it as its name, or None)
GROUP_KEYS = {"level": (d.level, None), "agency": (d.agency_code, d.agency_name), "field": (d.field, None),
              "procedure": (d.procedure_code, d.procedure_name)}
RESULT_COLUMNS = ("received", "carried_over", "new_online", "new_in_person", "new_postal", "resolved",
                  "resolved_early", "resolved_on_time", "resolved_late", "in_progress", "in_progress_on_time",
                  "in_progress_overdue", "returned", "paused", "on_time_rate")


def days_left(calendar: WorkingCalendar, today: dt.date, due_on: dt.date) -> int:
    """Working days from ``today`` to ``due_on``: 0 when due today, 1 when due on the next working day; when
    overdue, minus the working days from the due date up to yesterday, so that a dossier due on the last
    working day before today is -1 even when today is a day off (rule 9 of ``tracker/calendar.py``; api.md:
    negative when overdue). On working days this equals ``working_days_between(today, due_on)``."""
    if due_on < today:
        day = dt.timedelta(days=1)
        return -calendar.working_days_between(due_on - day, today - day)
    return calendar.working_days_between(today, due_on)


def working_days_left(row, calendar: WorkingCalendar, today: dt.date) -> int | None:
    """Working days from ``today`` to the due date while the clock runs; frozen at the pause while paused;
    None once the clock has stopped."""
    if row["state"] in RUNNING:
        return days_left(calendar, today, row["due_on"])
    if row["state"] in PAUSED:
        return days_left(calendar, dt.date.fromisoformat(row["paused_at"][:10]), row["due_on"])
    return None


def dossier_dict(row, calendar: WorkingCalendar, today: dt.date) -> dict[str, Any]:
    """The contract's dossier: ``{code, procedure, agency, level, channel, received_at, due_at, …, timeline}``."""
    handling = next((step["to_agency"] for step in reversed(row["timeline"]) if step["type"] == "transfer"), None)
    return {
        "code": row["code"],
        "procedure": {"code": row["procedure_code"], "name": row["procedure_name"], "field": row["field"]},
        "agency": {"code": row["agency_code"], "name": row["agency_name"]},
        "handling_agency": handling or {"code": row["agency_code"], "name": row["agency_name"]},
        "level": row["level"], "channel": row["channel"], "received_at": row["received_at"],
        "due_at": row["due_at"], "appointment_at": row["appointment_at"], "state": row["state"],
        "status_code": row["status_code"], "version": row["version"],
        "working_days_left": working_days_left(row, calendar, today), "resolved_at": row["resolved_at"],
        "outcome": row["outcome"], "processing_time": row["processing_time"], "rule_version": row["rule_version"],
        "applicant": row["applicant"], "timeline": row["timeline"],
    }


def get_dossier(conn: Connection, code: str, calendar: WorkingCalendar, today: dt.date) -> dict[str, Any]:
    """Return one dossier. Raises :class:`DossierNotFoundError`."""
    row = conn.execute(select(dossier_view).where(d.code == code)).mappings().first()
    if row is None:
        raise DossierNotFoundError(f"Không tìm thấy hồ sơ {code}.")
    return dossier_dict(row, calendar, today)


def dossier_agencies(conn: Connection, code: str) -> list[str]:
    """Return ``[receiving agency code, current handling agency code]`` of a dossier. Raises
    :class:`DossierNotFoundError`."""
    row = conn.execute(select(d.agency_code, d.handling_agency_code).where(d.code == code)).first()
    if row is None:
        raise DossierNotFoundError(f"Không tìm thấy hồ sơ {code}.")
    return [row.agency_code, row.handling_agency_code]


def list_dossiers(conn: Connection, calendar: WorkingCalendar, today: dt.date, *, page: int = 1, per_page: int = 50,
                  state: str | None = None, agency: str | None = None, level: str | None = None,
                  procedure_code: str | None = None, received_from: dt.date | None = None,
                  received_to: dt.date | None = None) -> dict[str, Any]:
    """Return a page ``{items, total, page, per_page}`` of dossiers, latest receipt first.

    ``agency`` is an agency code (receiving or current handling agency); dates bound the receipt date.
    """
    query = select(dossier_view)
    for column, value in ((d.state, state), (d.level, level), (d.procedure_code, procedure_code)):
        if value:
            query = query.where(column == value)
    if agency:
        query = query.where(or_(d.agency_code == agency, d.handling_agency_code == agency))
    if received_from:
        query = query.where(d.received_on >= received_from)
    if received_to:
        query = query.where(d.received_on <= received_to)
    total = conn.scalar(select(func.count()).select_from(query.subquery()))
    rows = conn.execute(query.order_by(d.received_at.desc(), d.code).limit(per_page)
                        .offset((page - 1) * per_page)).mappings().all()
    return {"items": [dossier_dict(r, calendar, today) for r in rows], "total": total, "page": page,
            "per_page": per_page}


def covering(day: dt.date):
    """The segment a dossier was in at the end of ``day``."""
    return and_(s.start_on <= day, or_(s.end_on.is_(None), s.end_on > day))


def due(conn: Connection, calendar: WorkingCalendar, *, as_of: dt.date, within: int, agency: str | None = None,
        level: str | None = None, agencies: Collection[str] | None = None,
        levels: Collection[str] | None = None) -> dict[str, Any]:
    """Return ``{as_of, within, overdue: [...], due: [...], paused: N}`` (api.md, "near deadline").

    Lists the dossiers whose clock ran at the end of ``as_of``: ``overdue`` when their due date is before
    ``as_of``, ``due`` when it is within ``within`` working days after it (0: due on ``as_of``); both sorted
    by due moment. ``paused`` counts those waiting on the applicant or another authority. ``agency`` is the
    receiving agency's code; ``agencies`` and ``levels`` keep the dossiers of any of those receiving
    agencies and levels (the digest's groups).
    """
    limit = calendar.add_working_days(as_of, within)
    filters = [covering(as_of)]
    if agency:
        filters.append(d.agency_code == agency)
    if level:
        filters.append(d.level == level)
    if agencies:
        filters.append(d.agency_code.in_(sorted(agencies)))
    if levels:
        filters.append(d.level.in_(sorted(levels)))
    joined = dossier_segment_view.join(dossier_view, d.code == s.code)
    rows = conn.execute(
        select(s.code, s.due_at, s.due_on, s.state, d.procedure_code, d.procedure_name, d.agency_code,
               d.agency_name, d.level)
        .select_from(joined).where(*filters, s.clock == "running", s.due_on <= limit)
        .order_by(s.due_at, s.code)).mappings().all()
    paused = conn.scalar(select(func.count()).select_from(joined).where(*filters, s.clock == "paused"))
    result: dict[str, Any] = {"as_of": as_of, "within": within, "overdue": [], "due": [], "paused": paused}
    for row in rows:
        item = {"code": row["code"], "procedure_code": row["procedure_code"], "procedure_name": row["procedure_name"],
                "agency": {"code": row["agency_code"], "name": row["agency_name"]}, "level": row["level"],
                "due_at": row["due_at"], "working_days_left": days_left(calendar, as_of, row["due_on"]),
                "state": row["state"]}
        result["overdue" if row["due_on"] < as_of else "due"].append(item)
    return result


def dossier_results(conn: Connection, *, start: dt.date, end: dt.date, by: list[str]) -> dict[str, Any]:
    """Return the Biểu II.06a results of ``[start, end]`` (inclusive) grouped by ``by`` keys.

    ``{"from", "to", "by", "totals": {column: N}, "groups": [{key: value, …, column: N}]}`` with the columns
    of ``RESULT_COLUMNS``; every row satisfies ``received = resolved + in_progress + returned + paused``.
    A dossier counts when received by ``end`` and not closed (resolved, withdrawn, rejected) before
    ``start``; its state at the end of ``end`` comes from its clock segments.
    """
    def count(*conditions):
        return func.coalesce(func.sum(case((and_(*conditions), 1), else_=0)), 0)

    new = d.received_on >= start
    closed_in = and_(d.closed_on >= start, d.closed_on <= end)
    measures = [
        count(d.received_on < start).label("carried_over"),
        count(new, d.channel == "online").label("new_online"),
        count(new, d.channel == "in_person").label("new_in_person"),
        count(new, d.channel == "postal").label("new_postal"),
        count(closed_in, d.outcome == "early").label("resolved_early"),
        count(closed_in, d.outcome == "on_time").label("resolved_on_time"),
        count(closed_in, d.outcome == "late").label("resolved_late"),
        count(closed_in, d.outcome == "returned").label("returned"),
        count(s.clock == "running", s.due_on > end).label("in_progress_on_time"),
        count(s.clock == "running", s.due_on <= end).label("in_progress_overdue"),
        count(s.clock == "paused").label("paused"),
    ]
    keys = [(key, *GROUP_KEYS[key]) for key in by]
    group_columns = [column.label(key) for key, column, _ in keys]
    name_columns = [func.max(name).label(f"{key}_name") for key, _, name in keys if name is not None]
    query = (select(*group_columns, *name_columns, *measures)
             .select_from(dossier_view.outerjoin(dossier_segment_view, and_(s.code == d.code, covering(end))))
             .where(d.received_on <= end, or_(d.closed_on.is_(None), d.closed_on >= start)))
    if group_columns:
        query = query.group_by(*(column for _, column, _ in keys)).order_by(*(column for _, column, _ in keys))
    rows = [dict(row) for row in conn.execute(query).mappings()]
    groups = [_with_totals(row) for row in rows] if by else []
    totals = _with_totals({name: sum(row[name] for row in rows) for name in (m.name for m in measures)})
    return {"from": start, "to": end, "by": by, "totals": totals, "groups": groups}


def _with_totals(row: dict[str, Any]) -> dict[str, Any]:
    row["received"] = row["carried_over"] + row["new_online"] + row["new_in_person"] + row["new_postal"]
    row["resolved"] = row["resolved_early"] + row["resolved_on_time"] + row["resolved_late"]
    row["in_progress"] = row["in_progress_on_time"] + row["in_progress_overdue"]
    row["on_time_rate"] = (round((row["resolved_early"] + row["resolved_on_time"]) / row["resolved"], 4)
                           if row["resolved"] else None)
    return row
