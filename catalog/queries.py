"""Queries over the catalog's read models: decisions, procedures as of a date, change counts.

They read only read-model tables (never replay aggregates), so their cost grows with the answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from sqlalchemy import and_, case, distinct, func, or_, select
from sqlalchemy.engine import Connection

from catalog.domain import DecisionNotFoundError, ProcedureNotFoundError
from catalog.read_models import (
    decision_view,
    procedure_change_level_view,
    procedure_change_view,
    procedure_history_view,
    procedure_version_view,
)
from events.search import terms

ACTION_COLUMNS = ("new", "amended", "replaced", "abolished")


def paginate(conn: Connection, query, page: int, per_page: int) -> tuple[list[Any], int]:
    total = conn.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = conn.execute(query.limit(per_page).offset((page - 1) * per_page)).mappings().all()
    return list(rows), total


def decision_dict(row) -> dict[str, Any]:
    return {key: row[key] for key in ("id", "number", "issuer", "signed_on", "effective_on", "publicised_on",
                                      "status", "entries", "history")}


def list_decisions(conn: Connection, *, page: int = 1, per_page: int = 50, from_: dt.date | None = None,
                   to: dt.date | None = None, issuer: str | None = None, q: str | None = None) -> dict[str, Any]:
    """Return a page of decisions ``{items, total, page, per_page}``, newest signing date first.

    ``from_``/``to`` bound ``signed_on`` (inclusive); ``issuer`` matches exactly; ``q`` searches number and
    issuer without accents.
    """
    query = select(decision_view)
    if from_:
        query = query.where(decision_view.c.signed_on >= from_)
    if to:
        query = query.where(decision_view.c.signed_on <= to)
    if issuer:
        query = query.where(decision_view.c.issuer == issuer)
    for word in terms(q or ""):
        query = query.where(decision_view.c.search_text.contains(word, autoescape=True))
    query = query.order_by(decision_view.c.signed_on.desc(), decision_view.c.number)
    rows, total = paginate(conn, query, page, per_page)
    return {"items": [decision_dict(r) for r in rows], "total": total, "page": page, "per_page": per_page}


def get_decision(conn: Connection, id: UUID) -> dict[str, Any]:
    """Return one decision. Raises :class:`DecisionNotFoundError`."""
    row = conn.execute(select(decision_view).where(decision_view.c.id == id)).mappings().first()
    if row is None:
        raise DecisionNotFoundError(f"Không tìm thấy quyết định {id}.")
    return decision_dict(row)


def valid_on(as_of: dt.date):
    v = procedure_version_view.c
    return and_(v.valid_from <= as_of, or_(v.valid_to.is_(None), v.valid_to > as_of))


def procedure_dict(row) -> dict[str, Any]:
    result = {key: row[key] for key in ("code", "name", "field", "authority", "kind", "online", "agency",
                                        "processing_time", "cutoff", "supplement_restarts_clock", "status", "since")}
    result["levels"] = [level for level in row["levels"].split(",") if level]
    return result


def list_procedures(conn: Connection, *, as_of: dt.date, page: int = 1, per_page: int = 50,
                    status: str = "active", field: str | None = None, level: str | None = None,
                    authority: str | None = None, kind: str | None = None, online: str | None = None,
                    q: str | None = None) -> dict[str, Any]:
    """Return a page of procedures as they were on ``as_of``, ordered by code.

    ``status``: ``active`` (default), ``abolished`` or ``all``. ``q``: every word must occur in the code
    or name, accents ignored ("khai sinh" finds "Đăng ký khai sinh").
    """
    v = procedure_version_view.c
    query = select(procedure_version_view).where(valid_on(as_of))
    if status != "all":
        query = query.where(v.status == status)
    for column, value in (("field", field), ("authority", authority), ("kind", kind), ("online", online)):
        if value:
            query = query.where(v[column] == value)
    if level:
        query = query.where(v.levels.contains(f",{level},"))
    for word in terms(q or ""):
        query = query.where(v.search_text.contains(word, autoescape=True))
    rows, total = paginate(conn, query.order_by(v.code), page, per_page)
    return {"items": [procedure_dict(r) for r in rows], "total": total, "page": page, "per_page": per_page}


def get_procedure(conn: Connection, code: str, as_of: dt.date) -> dict[str, Any]:
    """Return the procedure on ``as_of`` with its history up to that date.

    Raises :class:`ProcedureNotFoundError` when it did not exist then.
    """
    row = conn.execute(
        select(procedure_version_view).where(procedure_version_view.c.code == code, valid_on(as_of))
    ).mappings().first()
    if row is None:
        raise ProcedureNotFoundError(f"Không tìm thấy thủ tục {code} vào ngày {as_of:%d/%m/%Y}.")
    h = procedure_history_view.c
    history = conn.execute(
        select(procedure_history_view).where(h.code == code, h.effective_on <= as_of).order_by(h.seq)
    ).mappings().all()
    result = procedure_dict(row)
    result["history"] = [{
        "action": r["action"],
        "decision": {"id": r["decision_id"], "number": r["number"], "issuer": r["issuer"],
                     "signed_on": r["signed_on"], "effective_on": r["effective_on"]},
        "changes": r["changes"], "replaces": r["replaces"], "replaced_by": r["replaced_by"],
    } for r in history]
    return result


def procedure_changes(conn: Connection, *, from_: dt.date, to: dt.date, by: list[str],
                      basis: str = "signed_on") -> dict[str, Any]:
    """Count how many procedures changed in ``[from_, to]`` (section 1.3 of the monthly TTHC report).

    A decision counts when its ``basis`` date (``signed_on`` or ``effective_on``) is in the period; retracted
    decisions never count. ``amended`` counts amended and replaced entries, ``replaced`` only the latter.
    With ``level`` in ``by`` an entry counts once under each of its levels; ``totals`` count each entry once.
    Returns ``{from, to, basis, by, totals, groups}``; groups are sorted by their keys.
    """
    c = procedure_change_view.c
    in_period = c[basis].between(from_, to)
    totals = _counts(conn, select().select_from(procedure_change_view).where(in_period), [])
    source = procedure_change_view
    if "level" in by:
        source = procedure_change_view.join(
            procedure_change_level_view,
            and_(procedure_change_level_view.c.decision_id == c.decision_id,
                 procedure_change_level_view.c.code == c.code),
        )
    groups = _counts(conn, select().select_from(source).where(in_period), by) if by else []
    return {"from": from_, "to": to, "basis": basis, "by": by,
            "totals": totals[0] if totals else dict.fromkeys(("decisions", *ACTION_COLUMNS), 0),
            "groups": groups}


def _counts(conn: Connection, base, by: list[str]) -> list[dict[str, Any]]:
    c = procedure_change_view.c
    keys = [procedure_change_level_view.c.level if key == "level" else c[key] for key in by]
    counts = [
        func.count(distinct(c.decision_id)).label("decisions"),
        func.sum(_is(c.action == "new")).label("new"),
        func.sum(_is(c.action.in_(("amended", "replaced")))).label("amended"),
        func.sum(_is(c.action == "replaced")).label("replaced"),
        func.sum(_is(c.action == "abolished")).label("abolished"),
    ]
    query = base.add_columns(*[k.label(name) for k, name in zip(keys, by, strict=True)], *counts)
    if keys:
        query = query.group_by(*keys).order_by(*keys)
    rows = conn.execute(query).mappings().all()
    result = []
    for row in rows:
        if not row["decisions"]:
            continue
        item = {name: row[name] for name in by}
        item.update({"decisions": row["decisions"], **{a: int(row[a] or 0) for a in ACTION_COLUMNS}})
        result.append(item)
    return result


def _is(condition):
    return case((condition, 1), else_=0)
