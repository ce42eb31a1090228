"""The projection that keeps the tracker's read models (``tracker/read_models.py``) up to date.

Each batch replays the touched dossiers with the aggregate's own code (new ones from the batch's events,
others from their stored events up to the batch), then replaces their rows: so the rows are a function of
the dossier's events, and a rebuild writes exactly what the incremental path wrote.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert
from sqlalchemy.engine import Connection

from events.application import load_aggregates
from events.projection import Projection
from tracker.domain import PAUSED, RUNNING, STEP_OF, Dossier
from tracker.read_models import dossier_segment_view, dossier_view

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
BASE_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic"}


class DossierProjection(Projection):
    """Dossier rows and clock segments, rewritten from each touched dossier's whole history."""

    name = "dossiers"
    tables = (dossier_segment_view, dossier_view)

    def __init__(self, application: Any, timezone: dt.tzinfo = VIETNAM) -> None:
        super().__init__(application)
        self.tz = timezone

    def process(self, conn: Connection, events: Sequence[Any]) -> None:
        groups: dict[UUID, list[Any]] = {}
        for e in events:
            groups.setdefault(e.originator_id, []).append(e)
        earlier = {id: evs[0].originator_version - 1 for id, evs in groups.items()
                   if not isinstance(evs[0], Dossier.Received)}
        loaded = load_aggregates(self.application, earlier) if earlier else {}
        dossiers = []
        for id, evs in groups.items():
            dossier = loaded.get(id)
            for e in evs:
                dossier = e.mutate(dossier)
            dossiers.append(dossier)
        if earlier:
            codes = [d.code for d in dossiers if d.id in earlier]
            conn.execute(delete(dossier_segment_view).where(dossier_segment_view.c.code.in_(codes)))
            conn.execute(delete(dossier_view).where(dossier_view.c.code.in_(codes)))
        conn.execute(insert(dossier_view), [self.row_of(d) for d in dossiers])
        segments = [segment for d in dossiers for segment in self.segments_of(d)]
        if segments:
            conn.execute(insert(dossier_segment_view), segments)

    def moment(self, at: dt.datetime | None) -> str | None:
        return None if at is None else at.astimezone(self.tz).isoformat()

    def day(self, at: dt.datetime | None) -> dt.date | None:
        return None if at is None else at.astimezone(self.tz).date()

    def row_of(self, d: Dossier) -> dict[str, Any]:
        """The ``dossier_view`` row of dossier ``d``."""
        outcome = d.outcome if d.state in ("resolved", "delivered") else "returned" if d.closed_at else None
        return {
            "code": d.code, "id": d.id, "procedure_code": d.procedure["code"], "procedure_name": d.procedure["name"],
            "field": d.procedure["field"], "agency_code": d.agency["code"], "agency_name": d.agency["name"],
            "handling_agency_code": d.handling_agency["code"], "level": d.level, "channel": d.channel,
            "received_at": self.moment(d.received_at), "received_on": self.day(d.received_at),
            "due_at": self.moment(d.due_at), "due_on": self.day(d.due_at),
            "appointment_at": self.moment(d.appointment_at), "state": d.state, "status_code": d.status_code,
            "version": d.version, "paused_at": self.moment(d.paused_at), "resolved_at": self.moment(d.resolved_at),
            "outcome": outcome, "closed_on": self.day(d.closed_at), "rule_version": d.rule_version,
            "processing_time": d.processing_time, "applicant": d.applicant, "timeline": self.timeline_of(d),
        }

    def timeline_of(self, d: Dossier) -> list[dict[str, Any]]:
        """``[{type, at, recorded_at, actor, note, state, due_at, …the step's own fields}]``, receipt first."""
        _, _, first_due = d.clock_history[0]
        timeline = [{"type": "receive", "at": self.moment(d.received_at), "recorded_at": self.moment(d.created_on),
                     "actor": d.received_by, "note": None, "state": "received", "due_at": self.moment(first_due),
                     "channel": d.channel, "agency": d.agency}]
        for step, (_, state, due_at) in zip(d.steps, d.clock_history[1:], strict=True):
            entry = {"type": STEP_OF[type(step)], "at": self.moment(step.at), "recorded_at": self.moment(step.timestamp),
                     "actor": step.actor, "note": step.note, "state": state, "due_at": self.moment(due_at)}
            for name, value in step.__dict__.items():
                if name not in BASE_FIELDS and name not in entry:
                    entry[name] = self.moment(value) if isinstance(value, dt.datetime) else value
            timeline.append(entry)
        return timeline

    def segments_of(self, d: Dossier) -> list[dict[str, Any]]:
        """The ``dossier_segment_view`` rows of ``d``: the state each date ended in, until it closed."""
        by_day: dict[dt.date, tuple[str, dt.datetime]] = {}
        for at, state, due_at in d.clock_history:
            by_day[self.day(at)] = (state, due_at)  # a later step the same day wins
        segments: list[dict[str, Any]] = []
        for day, (state, due_at) in by_day.items():
            clock = "running" if state in RUNNING else "paused" if state in PAUSED else None
            if segments and segments[-1]["end_on"] is None and clock is not None \
                    and (segments[-1]["state"], segments[-1]["due_at"]) == (state, self.moment(due_at)):
                continue
            if segments:
                segments[-1]["end_on"] = day
            if clock is None:
                break
            segments.append({"code": d.code, "start_on": day, "end_on": None, "clock": clock, "state": state,
                             "due_at": self.moment(due_at), "due_on": self.day(due_at)})
        return segments


def tracker_projections(tracker: Any, timezone: dt.tzinfo) -> list[Projection]:
    """The tracker's projections, in the order the projector runs them."""
    return [DossierProjection(tracker, timezone)]
