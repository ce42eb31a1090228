"""The audit read model: one ``audit_view`` row per event of every application, saying who (``actor``, the
account) did what (event name) to which aggregate (kind, key, id), when it happened (``occurred_at``) and
when it was recorded. Events carry no secrets; the view copies no payload beyond the aggregate's key.

The projections know no context: ``kinds`` maps an aggregate class name (``"Dossier"``) to the kind listed
(``"dossier"``); the key is the event's ``number`` or ``code`` (decisions; procedures and dossiers), else
the one an earlier event of the same aggregate gave.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection

from access.tables import audit_view
from access.times import local, utc
from events.projection import Projection

KEY_ATTRIBUTES = ("number", "code")
MOMENT_ATTRIBUTES = ("occurred_at", "at", "received_at")


class AuditProjection(Projection):
    """The audit rows of one application (named ``audit_<application>``); a rebuild clears only those."""

    tables = (audit_view,)

    def __init__(self, application: Any, kinds: dict[str, str]) -> None:
        super().__init__(application)
        self.name = f"audit_{application.name.lower()}"
        self.kinds = kinds

    def clear(self, conn: Connection) -> None:
        conn.execute(delete(audit_view).where(audit_view.c.application == self.application.name))

    def process(self, conn: Connection, events: Sequence[Any]) -> None:
        keys: dict[UUID, str | None] = {}
        rows = []
        for event in events:
            aggregate, name = (type(event).__qualname__.split(".") + [""])[:2]
            key = next((str(getattr(event, attr)) for attr in KEY_ATTRIBUTES if getattr(event, attr, None)), None)
            if key is None:
                if event.originator_id not in keys:
                    keys[event.originator_id] = conn.scalar(
                        select(audit_view.c.aggregate_key).where(audit_view.c.aggregate_id == event.originator_id,
                                                                 audit_view.c.aggregate_key.is_not(None)).limit(1))
                key = keys[event.originator_id]
            keys.setdefault(event.originator_id, key)
            occurred = next((getattr(event, attr) for attr in MOMENT_ATTRIBUTES
                             if isinstance(getattr(event, attr, None), dt.datetime)), None)
            rows.append({"aggregate_id": event.originator_id, "version": event.originator_version,
                         "application": self.application.name,
                         "aggregate_kind": self.kinds.get(aggregate, aggregate.lower()), "aggregate_key": key,
                         "event": name, "actor": str(getattr(event, "actor", None) or "unknown"),
                         "occurred_at": utc(occurred), "recorded_at": utc(event.timestamp)})  # SQLite keeps no offset
        if rows:
            conn.execute(insert(audit_view), rows)


def audit_projections(applications: Sequence[Any], kinds: dict[str, str]) -> list[AuditProjection]:
    return [AuditProjection(application, kinds) for application in applications]


def audit_entries(conn: Connection, *, actor: str | None = None, start: dt.datetime | None = None,
                  end: dt.datetime | None = None, aggregate: str | None = None, page: int = 1,
                  per_page: int = 50, tz: dt.tzinfo = dt.UTC) -> dict[str, Any]:
    """A page ``{items, total, page, per_page}`` of audit rows, newest record first. ``start`` inclusive and
    ``end`` exclusive bound ``recorded_at``; ``aggregate`` is a key (decision number, procedure or dossier
    code) or an aggregate id. Moments are given in ``tz`` (the service's, Asia/Ho_Chi_Minh)."""
    query = select(audit_view)
    if actor:
        query = query.where(audit_view.c.actor == actor)
    if start:
        query = query.where(audit_view.c.recorded_at >= start)
    if end:
        query = query.where(audit_view.c.recorded_at < end)
    if aggregate:
        try:
            query = query.where(audit_view.c.aggregate_id == UUID(aggregate))
        except ValueError:
            query = query.where(audit_view.c.aggregate_key == aggregate)
    total = conn.scalar(select(func.count()).select_from(query.subquery()))
    rows = conn.execute(query.order_by(audit_view.c.recorded_at.desc(), audit_view.c.aggregate_id,
                                       audit_view.c.version.desc()).limit(per_page)
                        .offset((page - 1) * per_page)).mappings().all()
    items = [{"recorded_at": local(row["recorded_at"], tz), "occurred_at": local(row["occurred_at"], tz), "actor": row["actor"],
              "application": row["application"], "aggregate": {"kind": row["aggregate_kind"],
                                                              "key": row["aggregate_key"],
                                                              "id": str(row["aggregate_id"])},
              "event": row["event"], "version": row["version"]} for row in rows]
    return {"items": items, "total": total, "page": page, "per_page": per_page}
