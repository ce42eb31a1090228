"""The access log: who created, granted, revoked, reset, locked or unlocked an account, or created or revoked a
token, and when. Rows hold names, roles, agency codes, token ids and labels, never a secret."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from access.tables import access_log
from access.times import local

ACTIONS = ("account_created", "granted", "revoked", "password_set", "locked", "unlocked", "token_created",
           "token_revoked")


def record(conn: Connection, *, at: dt.datetime, actor: str, action: str, account: str, **detail: Any) -> None:
    """Append one row (``action`` from ``ACTIONS``) in the caller's transaction."""
    conn.execute(insert(access_log).values(at=at, actor=actor, action=action, account=account, detail=detail))


def entries(conn: Connection, *, account: str | None = None, actor: str | None = None,
            start: dt.datetime | None = None, end: dt.datetime | None = None, page: int = 1,
            per_page: int = 50, tz: dt.tzinfo = dt.UTC) -> dict[str, Any]:
    """A page ``{items: [{id, at, actor, action, account, detail}], total, page, per_page}``, newest first;
    ``start`` inclusive, ``end`` exclusive; ``at`` in ``tz`` (the service's, Asia/Ho_Chi_Minh)."""
    query = select(access_log)
    if account:
        query = query.where(access_log.c.account == account)
    if actor:
        query = query.where(access_log.c.actor == actor)
    if start:
        query = query.where(access_log.c.at >= start)
    if end:
        query = query.where(access_log.c.at < end)
    total = conn.scalar(select(func.count()).select_from(query.subquery()))
    rows = conn.execute(query.order_by(access_log.c.id.desc()).limit(per_page)
                        .offset((page - 1) * per_page)).mappings().all()
    return {"items": [dict(row, at=local(row["at"], tz)) for row in rows], "total": total, "page": page,
            "per_page": per_page}
