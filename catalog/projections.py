"""Projections that keep the catalog's read models (``catalog/read_models.py``) up to date."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy.engine import Connection

from catalog.domain import Procedure, PublishingDecision
from catalog.read_models import (
    decision_view,
    procedure_change_level_view,
    procedure_change_view,
    procedure_history_view,
    procedure_version_view,
)
from catalog.search import fold
from events.application import load_aggregates
from events.projection import Projection


class DecisionProjection(Projection):
    """Decisions as listed and shown by the API, with their own history (recorded, publicised, retracted)."""

    name = "decisions"
    tables = (decision_view,)
    topics = (
        PublishingDecision.Recorded.TOPIC,
        PublishingDecision.Publicised.TOPIC,
        PublishingDecision.Retracted.TOPIC,
    )

    def process(self, conn: Connection, events: Sequence[Any]) -> None:
        for e in events:
            fact = {"at": e.occurred_at.isoformat(), "actor": e.actor, "recorded_at": e.timestamp.isoformat()}
            if isinstance(e, PublishingDecision.Recorded):
                conn.execute(insert(decision_view).values(
                    id=e.originator_id, number=e.number, issuer=e.issuer, signed_on=e.signed_on,
                    effective_on=e.effective_on, publicised_on=e.publicised_on, status="recorded",
                    entry_count=len(e.entries), entries=e.entries,
                    history=[{"event": "recorded", **fact}],
                    search_text=fold(f"{e.number} {e.issuer}"), recorded_at=e.timestamp,
                ))
                continue
            history = conn.scalar(decision_view.select().with_only_columns(decision_view.c.history)
                                  .where(decision_view.c.id == e.originator_id))
            if isinstance(e, PublishingDecision.Publicised):
                values = {"publicised_on": e.publicised_on,
                          "history": [*history, {"event": "publicised", "publicised_on": e.publicised_on.isoformat(), **fact}]}
            else:
                values = {"status": "retracted",
                          "history": [*history, {"event": "retracted", "reason": e.reason, **fact}]}
            conn.execute(update(decision_view).where(decision_view.c.id == e.originator_id).values(**values))


class ProcedureChangeProjection(Projection):
    """One row per entry of every decision in force: what ``procedure-changes`` reports count."""

    name = "procedure_changes"
    tables = (procedure_change_level_view, procedure_change_view)
    topics = (PublishingDecision.Recorded.TOPIC, PublishingDecision.Retracted.TOPIC)

    def process(self, conn: Connection, events: Sequence[Any]) -> None:
        for e in events:
            if isinstance(e, PublishingDecision.Retracted):
                for table in self.tables:
                    conn.execute(delete(table).where(table.c.decision_id == e.originator_id))
                continue
            rows, level_rows = [], []
            for index, entry in enumerate(e.entries):
                procedure = entry["procedure"]
                rows.append({
                    "decision_id": e.originator_id, "entry_index": index, "action": entry["action"],
                    "code": entry["code"], "issuer": e.issuer, "signed_on": e.signed_on,
                    "effective_on": e.effective_on, "authority": procedure.get("authority"),
                    "field": procedure.get("field"), "kind": procedure.get("kind"),
                })
                level_rows += [{"decision_id": e.originator_id, "entry_index": index, "level": level}
                               for level in procedure.get("levels") or []]
            conn.execute(insert(procedure_change_view), rows)
            if level_rows:
                conn.execute(insert(procedure_change_level_view), level_rows)


class ProcedureProjection(Projection):
    """Each procedure's versions (state over time) and history, rewritten from the aggregate on change."""

    name = "procedures"
    tables = (procedure_version_view, procedure_history_view)
    topics = (
        Procedure.Registered.TOPIC,
        Procedure.Changed.TOPIC,
        Procedure.ChangeRetracted.TOPIC,
    )

    def process(self, conn: Connection, events: Sequence[Any]) -> None:
        latest: dict[Any, int] = {}
        for e in events:  # a batch touching a procedure many times rewrites it once
            latest[e.originator_id] = e.originator_version
        procedures = load_aggregates(self.application, latest).values()
        codes = [p.code for p in procedures]
        conn.execute(delete(procedure_version_view).where(procedure_version_view.c.code.in_(codes)))
        conn.execute(delete(procedure_history_view).where(procedure_history_view.c.code.in_(codes)))
        versions = [row for p in procedures for row in version_rows(p)]
        history = [row for p in procedures for row in history_rows(p)]
        if versions:
            conn.execute(insert(procedure_version_view), versions)
        if history:
            conn.execute(insert(procedure_history_view), history)


def version_rows(procedure: Procedure) -> list[dict[str, Any]]:
    """Return the ``procedure_version_view`` rows of a procedure: one per state, with its validity."""
    code = procedure.code
    versions = procedure.versions()
    rows = []
    for index, (valid_from, state) in enumerate(versions):
        valid_to = versions[index + 1][0] if index + 1 < len(versions) else None
        a = state.attributes
        rows.append({
            "code": code, "valid_from": valid_from, "valid_to": valid_to, "status": state.status,
            "since": state.since, "name": a["name"], "field": a["field"],
            "levels": "," + ",".join(a["levels"]) + ",", "authority": a["authority"], "kind": a["kind"],
            "online": a["online"], "agency": a["agency"], "processing_time": a["processing_time"],
            "cutoff": a["cutoff"], "supplement_restarts_clock": bool(a["supplement_restarts_clock"]),
            "search_text": fold(f"{code} {a['name']}"),
        })
    return rows


def history_rows(procedure: Procedure) -> list[dict[str, Any]]:
    """Return the ``procedure_history_view`` rows of a procedure, in timeline order."""
    return [{
        "code": procedure.code, "seq": seq, "action": change.action, "decision_id": change.decision.id,
        "number": change.decision.number, "issuer": change.decision.issuer,
        "signed_on": change.decision.signed_on, "effective_on": change.decision.effective_on,
        "changes": change.attributes, "replaces": change.replaces, "replaced_by": change.replaced_by,
    } for seq, change in enumerate(procedure.history())]


def catalog_projections(catalog) -> list[Projection]:
    """Return every projection of the catalog, bound to the application."""
    return [DecisionProjection(catalog), ProcedureChangeProjection(catalog), ProcedureProjection(catalog)]
