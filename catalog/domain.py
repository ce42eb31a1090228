"""Catalog domain: Quyết định công bố (publishing decisions) and the procedures (TTHC) they change.

A procedure's whole history is the ordered list of changes that decisions made to it. Its state on any date
is a fold over the changes in force on that date (not retracted, effective on or before it), so a decision
recorded late, or retracted, never rewrites history: it adds a fact and the fold reads it.

Legal basis: Nghị định 63/2010/NĐ-CP Art. 15 (công bố TTHC), as amended by NĐ 48/2013/NĐ-CP; Art. 24
(publication on the national TTHC database).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

ACTIONS = ("new", "amended", "replaced", "abolished")
LEVELS = ("central", "province", "district", "commune")
AUTHORITIES = ("central", "local")
KINDS = ("external", "internal")
ONLINE = ("none", "partial", "full")
TIME_UNITS = ("working_days", "calendar_days", "working_hours")

# Attributes a procedure carries; ``new`` and ``replaced`` entries set them, ``amended`` entries change some.
ATTRIBUTES = (
    "name", "field", "levels", "authority", "kind", "online", "agency",
    "processing_time", "cutoff", "supplement_restarts_clock",
)
REQUIRED_FOR_START = ("name", "field", "levels", "authority")
DEFAULTS = {"kind": "external", "online": "none", "agency": None, "processing_time": None,
            "cutoff": None, "supplement_restarts_clock": False}

NAMESPACE = uuid5(NAMESPACE_URL, "https://tthc.gov.vn/catalog")


class CatalogError(Exception):
    """Base of the catalog's refusals."""

    reason = "catalog_error"

    def __init__(self, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class InvalidDecisionError(CatalogError):
    """Raised when a decision's content is malformed: missing attributes, a code twice, dates out of order."""

    reason = "invalid_decision"


class DuplicateDecisionError(CatalogError):
    """Raised when a decision with the same number and issuer is already recorded."""

    reason = "duplicate_decision"


class DecisionRefusedError(CatalogError):
    """Raised when entries break the catalog's rules; ``errors["entries"][index]`` says why, per entry.

    ``reason`` is the first failing entry's reason (``procedure_already_active``,
    ``procedure_not_active`` or ``procedure_history_conflict``).
    """

    def __init__(self, message: str, errors: dict[str, Any], reason: str) -> None:
        super().__init__(message, errors)
        self.reason = reason


class DecisionHasDependentsError(CatalogError):
    """Raised when retracting a decision that a later decision builds on (``errors["dependents"]``)."""

    reason = "decision_has_dependents"


class DecisionRetractedError(CatalogError):
    """Raised when a command needs a decision that has been retracted."""

    reason = "decision_retracted"


class PublicationBeforeSigningError(CatalogError):
    """Raised when a decision's publication date on the national database precedes its signing date."""

    reason = "publicised_before_signed"


class DecisionNotFoundError(CatalogError):
    """Raised when no decision has the given id."""

    reason = "decision_not_found"


class ProcedureNotFoundError(CatalogError):
    """Raised when no procedure has the given code (or it did not exist on the given date)."""

    reason = "procedure_not_found"


def decision_id(number: str, issuer: str, recording: int = 0) -> UUID:
    """Return the decision's id, derived from its number and issuer (unique together).

    ``recording`` counts earlier recordings of the same decision that were retracted: a decision recorded
    in error and retracted can be recorded again, correctly, under its real number.
    """
    key = f"decision/{number.strip().casefold()}|{issuer.strip().casefold()}"
    return uuid5(NAMESPACE, key if recording == 0 else f"{key}#{recording}")


def procedure_id(code: str) -> UUID:
    """Return the procedure's id, derived from its code (mã TTHC)."""
    return uuid5(NAMESPACE, f"procedure/{code.strip()}")


@dataclass(frozen=True)
class DecisionRef:
    """What a procedure's history says of the decision behind a change."""

    id: UUID
    number: str
    issuer: str
    signed_on: dt.date
    effective_on: dt.date

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "issuer": self.issuer,
                "signed_on": self.signed_on, "effective_on": self.effective_on}


@dataclass
class Change:
    """One decision's change to one procedure.

    ``action`` is the entry's action. For a ``replaced`` entry the replaced procedure's change has
    ``replaced_by`` (it ends) and the replacing procedure's has ``replaces`` (it starts, or is restated
    in full when it replaces itself).
    """

    code: str
    decision: DecisionRef
    action: str
    attributes: dict[str, Any] = field(default_factory=dict)
    replaces: str | None = None
    replaced_by: str | None = None
    retracted: bool = False

    @property
    def effect(self) -> str:
        """``start``, ``restate``, ``amend`` or ``end``: what the change does to the procedure."""
        if self.action == "new":
            return "start"
        if self.action == "amended":
            return "amend"
        if self.action == "abolished" or self.replaced_by is not None:
            return "end"
        return "restate" if self.replaces == self.code else "start"


@dataclass(frozen=True)
class ProcedureState:
    """A procedure on a date: ``status`` is ``active`` or ``abolished``; ``since`` is when it became so."""

    code: str
    status: str
    since: dt.date
    attributes: dict[str, Any]


def precondition_failure(effect: str, active: bool) -> str | None:
    """Return the refusal reason of a change with ``effect`` on a procedure (``active`` or not), or None."""
    if effect == "start" and active:
        return "procedure_already_active"
    if effect in ("amend", "end", "restate") and not active:
        return "procedure_not_active"
    return None


class Procedure(Aggregate):
    """A thủ tục hành chính, identified by its code, with every change decisions made to it."""

    TOPIC = "tthc.catalog/Procedure"

    class Created(Aggregate.Created):  # never triggered; the library wants a topic on every nested event
        TOPIC = "tthc.catalog/Procedure.Created"

    class Registered(Aggregate.Created):
        TOPIC = "tthc.catalog/Procedure.Registered.v1"
        code: str
        occurred_at: dt.datetime
        actor: str

    class Changed(Aggregate.Event):
        TOPIC = "tthc.catalog/Procedure.Changed.v1"
        decision: dict
        action: str
        attributes: dict
        replaces: str | None
        replaced_by: str | None
        occurred_at: dt.datetime
        actor: str

    class ChangeRetracted(Aggregate.Event):
        TOPIC = "tthc.catalog/Procedure.ChangeRetracted.v1"
        decision_id: UUID
        occurred_at: dt.datetime
        actor: str

    @staticmethod
    def create_id(code: str) -> UUID:
        return procedure_id(code)

    @event(Registered)
    def __init__(self, code: str, occurred_at: dt.datetime, actor: str) -> None:
        self.code = code
        self.changes: list[Change] = []

    # -- queries ---------------------------------------------------------------------------------------

    def in_force(self, as_of: dt.date | None = None, without: UUID | None = None) -> list[Change]:
        """Return the changes in force on ``as_of`` (all dates if None), in timeline order.

        Timeline order is effective date, then recording order. ``without`` leaves one decision out.
        """
        chosen = [
            c for c in self.changes
            if not c.retracted and c.decision.id != without
            and (as_of is None or c.decision.effective_on <= as_of)
        ]
        return sorted(chosen, key=lambda c: c.decision.effective_on)  # stable: keeps recording order

    def state_as_of(self, as_of: dt.date) -> ProcedureState | None:
        """Return the procedure's state on ``as_of``, or None if it had not been issued by then."""
        return fold(self.code, self.in_force(as_of))

    def versions(self) -> list[tuple[dt.date, ProcedureState]]:
        """Return ``[(valid_from, state)]``: each state the procedure had and the date it began.

        Several changes on one day leave only the day's last state: only that one is ever visible.
        """
        result: list[tuple[dt.date, ProcedureState]] = []
        for change, state in self.changes_with_state():
            if result and result[-1][0] == change.decision.effective_on:
                result[-1] = (change.decision.effective_on, state)
            else:
                result.append((change.decision.effective_on, state))
        return result

    def changes_with_state(self) -> list[tuple[Change, ProcedureState]]:
        """Return each change in force with the procedure's state right after it, in timeline order.

        After an abolition or a replacement by another code the state keeps the attributes it ended with.
        """
        timeline = self.in_force()
        result = []
        for index, change in enumerate(timeline):
            state = fold(self.code, timeline[: index + 1])
            if state is not None:
                result.append((change, state))
        return result

    def history(self) -> list[Change]:
        """Return the changes in force, in timeline order (retracted decisions left out)."""
        return self.in_force()

    def refusal(self, change: Change) -> str | None:
        """Return why ``change`` cannot be recorded, or None.

        The change must suit the procedure as of its effective date, and must not break a change already
        recorded with a later effective date (``procedure_history_conflict``).
        """
        state = self.state_as_of(change.decision.effective_on)
        reason = precondition_failure(change.effect, state is not None and state.status == "active")
        if reason:
            return reason
        timeline = sorted(self.in_force() + [change], key=lambda c: c.decision.effective_on)
        if first_invalid(timeline) is not None:
            return "procedure_history_conflict"
        return None

    def dependents_without(self, decision: UUID) -> Change | None:
        """Return the first change that would break if ``decision`` were retracted, or None."""
        return first_invalid(self.in_force(without=decision))

    # -- commands --------------------------------------------------------------------------------------

    def record_change(self, change: Change, occurred_at: dt.datetime, actor: str) -> None:
        """Record ``change`` (already checked with :meth:`refusal`)."""
        self._changed(
            decision=change.decision.as_dict(), action=change.action, attributes=dict(change.attributes),
            replaces=change.replaces, replaced_by=change.replaced_by, occurred_at=occurred_at, actor=actor,
        )

    @event(Changed)
    def _changed(self, decision: dict, action: str, attributes: dict, replaces: str | None,
                 replaced_by: str | None, occurred_at: dt.datetime, actor: str) -> None:
        ref = DecisionRef(**decision)
        self.changes.append(Change(self.code, ref, action, dict(attributes), replaces, replaced_by))

    def retract_change(self, decision: UUID, occurred_at: dt.datetime, actor: str) -> None:
        """Take the change of ``decision`` out of force (its record stays)."""
        self._change_retracted(decision_id=decision, occurred_at=occurred_at, actor=actor)

    @event(ChangeRetracted)
    def _change_retracted(self, decision_id: UUID, occurred_at: dt.datetime, actor: str) -> None:
        for change in self.changes:
            if change.decision.id == decision_id:
                change.retracted = True


def fold(code: str, timeline: list[Change]) -> ProcedureState | None:
    """Return the state after applying ``timeline`` in order (None if never issued)."""
    state: ProcedureState | None = None
    for change in timeline:
        effect = change.effect
        when = change.decision.effective_on
        if effect == "start":
            attributes = {**DEFAULTS, **change.attributes}
            state = ProcedureState(code, "active", when, attributes)
        elif effect == "restate" and state is not None:
            state = ProcedureState(code, "active", state.since, {**DEFAULTS, **change.attributes})
        elif effect == "amend" and state is not None:
            state = ProcedureState(code, state.status, state.since, {**state.attributes, **change.attributes})
        elif effect == "end" and state is not None:
            state = ProcedureState(code, "abolished", when, state.attributes)
    return state


def first_invalid(timeline: list[Change]) -> Change | None:
    """Return the first change of ``timeline`` whose precondition fails, or None if all hold."""
    active = False
    for change in timeline:
        if precondition_failure(change.effect, active):
            return change
        if change.effect == "start" or change.effect == "restate":
            active = True
        elif change.effect == "end":
            active = False
    return None


class PublishingDecision(Aggregate):
    """A Quyết định công bố danh mục TTHC: its entries, when it was publicised, whether it was retracted.

    ``entries`` are dicts ``{action, code, replaces, changes, procedure}``: ``changes`` is what the entry
    stated; ``procedure`` the procedure's resulting ``name, field, levels, authority, kind`` (before the
    change for ``abolished``), fixed when recorded so reports never replay procedures.
    """

    TOPIC = "tthc.catalog/PublishingDecision"

    class Created(Aggregate.Created):  # never triggered; the library wants a topic on every nested event
        TOPIC = "tthc.catalog/PublishingDecision.Created"

    class Recorded(Aggregate.Created):
        TOPIC = "tthc.catalog/PublishingDecision.Recorded.v1"
        number: str
        issuer: str
        signed_on: dt.date
        effective_on: dt.date
        publicised_on: dt.date | None
        entries: list
        recording: int
        occurred_at: dt.datetime
        actor: str

    class Publicised(Aggregate.Event):
        TOPIC = "tthc.catalog/PublishingDecision.Publicised.v1"
        publicised_on: dt.date
        occurred_at: dt.datetime
        actor: str

    class Retracted(Aggregate.Event):
        TOPIC = "tthc.catalog/PublishingDecision.Retracted.v1"
        reason: str
        occurred_at: dt.datetime
        actor: str

    @staticmethod
    def create_id(number: str, issuer: str, recording: int) -> UUID:
        return decision_id(number, issuer, recording)

    @event(Recorded)
    def __init__(self, number: str, issuer: str, signed_on: dt.date, effective_on: dt.date,
                 publicised_on: dt.date | None, entries: list, recording: int, occurred_at: dt.datetime,
                 actor: str) -> None:
        self.number = number
        self.issuer = issuer
        self.signed_on = signed_on
        self.effective_on = effective_on
        self.publicised_on = publicised_on
        self.entries = entries
        self.recording = recording
        self.retracted = False

    @property
    def ref(self) -> DecisionRef:
        return DecisionRef(self.id, self.number, self.issuer, self.signed_on, self.effective_on)

    @property
    def codes(self) -> list[str]:
        """Every procedure code the decision touches (entry codes and replaced codes), in entry order."""
        codes: list[str] = []
        for entry in self.entries:
            for code in (entry["code"], entry.get("replaces")):
                if code and code not in codes:
                    codes.append(code)
        return codes

    def record_publication(self, publicised_on: dt.date, occurred_at: dt.datetime, actor: str) -> None:
        """Record the date of publication on the national TTHC database (NĐ 63/2010 Art. 24).

        Raises :class:`DecisionRetractedError` or :class:`PublicationBeforeSigningError`.
        """
        if self.retracted:
            raise DecisionRetractedError(f"Quyết định {self.number} đã bị thu hồi.")
        if publicised_on < self.signed_on:
            raise PublicationBeforeSigningError(
                f"Ngày công khai {publicised_on:%d/%m/%Y} trước ngày ký {self.signed_on:%d/%m/%Y}.",
                {"publicised_on": ["Ngày công khai không được trước ngày ký."]},
            )
        self._publicised(publicised_on=publicised_on, occurred_at=occurred_at, actor=actor)

    @event(Publicised)
    def _publicised(self, publicised_on: dt.date, occurred_at: dt.datetime, actor: str) -> None:
        self.publicised_on = publicised_on

    def retract(self, reason: str, occurred_at: dt.datetime, actor: str) -> None:
        """Withdraw the decision as recorded in error. Raises :class:`DecisionRetractedError` if already so."""
        if self.retracted:
            raise DecisionRetractedError(f"Quyết định {self.number} đã bị thu hồi trước đó.")
        self._retracted(reason=reason, occurred_at=occurred_at, actor=actor)

    @event(Retracted)
    def _retracted(self, reason: str, occurred_at: dt.datetime, actor: str) -> None:
        self.retracted = True
