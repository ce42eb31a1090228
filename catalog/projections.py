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
from events.application import load_aggregates
from events.projection import Projection
from events.search import fold


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


class ProcedureProjection(Projection):
    """Each procedure's versions, history and counted changes, rewritten from its whole timeline.

    A change counts under the procedure's attributes after it (before it for an abolition), so a decision
    recorded late or retracted recounts the later changes of the procedures it touches.
    """

    name = "procedures"
    tables = (procedure_change_level_view, procedure_change_view, procedure_version_view, procedure_history_view)
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
        for table in self.tables:
            conn.execute(delete(table).where(table.c.code.in_(codes)))
        rows = {table: [] for table in self.tables}
        for procedure in procedures:
            rows[procedure_version_view] += version_rows(procedure)
            rows[procedure_history_view] += history_rows(procedure)
            changes, levels = change_rows(procedure)
            rows[procedure_change_view] += changes
            rows[procedure_change_level_view] += levels
        for table, table_rows in rows.items():
            if table_rows:
                conn.execute(insert(table), table_rows)


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


def change_rows(procedure: Procedure) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return the ``procedure_change_view`` rows of a procedure and their levels.

    One row per change in force, except the ending side of a replacement: a ``replaced`` entry counts once,
    under the procedure it starts.
    """
    changes, levels = [], []
    for change, state in procedure.changes_with_state():
        if change.replaced_by is not None:
            continue
        a = state.attributes
        key = {"decision_id": change.decision.id, "code": procedure.code}
        changes.append({**key, "action": change.action, "issuer": change.decision.issuer,
                        "signed_on": change.decision.signed_on, "effective_on": change.decision.effective_on,
                        "authority": a["authority"], "field": a["field"], "kind": a["kind"]})
        levels += [{**key, "level": level} for level in a["levels"]]
    return changes, levels


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
    return [DecisionProjection(catalog), ProcedureProjection(catalog)]
