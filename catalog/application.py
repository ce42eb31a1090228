"""The Catalog application: the use cases of KSTT staff on the TTHC catalog."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError

from catalog.domain import (
    ATTRIBUTES,
    REQUIRED_FOR_START,
    Change,
    DecisionHasDependentsError,
    DecisionNotFoundError,
    DecisionRef,
    DecisionRefusedError,
    DuplicateDecisionError,
    InvalidDecisionError,
    Procedure,
    ProcedureNotFoundError,
    ProcedureState,
    PublishingDecision,
    decision_id,
    procedure_id,
)
from events.application import BaseApplication, load_aggregates
from events.errors import ConcurrentUpdateError

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

REFUSAL_MESSAGES = {
    "procedure_already_active": "Thủ tục {code} đang có hiệu lực vào ngày {date}, không thể ban hành mới.",
    "procedure_not_active": "Thủ tục {code} không có hiệu lực vào ngày {date}.",
    "procedure_history_conflict": "Thay đổi thủ tục {code} mâu thuẫn với một quyết định đã ghi có hiệu lực sau ngày {date}.",
}


def now_in_vietnam() -> dt.datetime:
    return dt.datetime.now(VIETNAM)


class Catalog(BaseApplication):
    """Records Quyết định công bố and answers what the catalog held on any date.

    Every command takes the ``actor`` (who did it) and returns only after the events are saved; the
    optional ``followers`` are called after each save (the composition root uses them to bring the read
    models up to date before the response: read-your-writes).
    """

    name = "Catalog"

    def __init__(self, database_url: str = "memory://", clock: Callable[[], dt.datetime] = now_in_vietnam) -> None:
        super().__init__(database_url)
        self.clock = clock
        self.followers: list[Callable[[], Any]] = []

    def save(self, *objs: Any, **kwargs: Any):
        recordings = super().save(*objs, **kwargs)
        for follower in self.followers:
            follower()
        return recordings

    # -- commands --------------------------------------------------------------------------------------

    def record_decision(
        self,
        *,
        number: str,
        issuer: str,
        signed_on: dt.date,
        entries: Sequence[dict[str, Any]],
        actor: str,
        effective_on: dt.date | None = None,
        publicised_on: dt.date | None = None,
    ) -> PublishingDecision:
        """Record a Quyết định công bố whole, or nothing of it.

        ``entries``: dicts ``{action, code, replaces?, <attributes>}`` as in the contract; ``new`` and
        ``replaced`` need ``name, field, levels, authority``. Rules are checked against the catalog as of
        ``effective_on`` (default ``signed_on``).

        Raises :class:`InvalidDecisionError` (malformed, 422), :class:`DuplicateDecisionError` (same
        number and issuer, 409), :class:`DecisionRefusedError` (per-entry refusals, 409).
        """
        effective_on = effective_on or signed_on
        check_decision_shape(signed_on, effective_on, publicised_on, entries)
        recording = self._next_recording(number, issuer)
        occurred_at = self.clock()
        ref = DecisionRef(decision_id(number, issuer, recording), number, issuer, signed_on, effective_on)
        changes = [(index, change) for index, entry in enumerate(entries) for change in changes_of(entry, ref)]
        procedures = self._procedures_or_new([change.code for _, change in changes], occurred_at, actor)
        errors: dict[int, dict[str, str]] = {}
        for index, change in changes:
            reason = procedures[change.code].refusal(change)
            if reason and index not in errors:
                date = f"{effective_on:%d/%m/%Y}"
                errors[index] = {"reason": reason, "code": change.code,
                                 "message": REFUSAL_MESSAGES[reason].format(code=change.code, date=date)}
        if errors:
            first = errors[min(errors)]
            raise DecisionRefusedError(
                f"Quyết định không được ghi nhận: {len(errors)} mục không hợp lệ. {first['message']}",
                {"entries": errors}, reason=first["reason"],
            )
        for _, change in changes:
            procedures[change.code].record_change(change, occurred_at, actor)
        resolved = [resolve_entry(entry, procedures, effective_on) for entry in entries]
        decision = PublishingDecision(
            number=number, issuer=issuer, signed_on=signed_on, effective_on=effective_on,
            publicised_on=publicised_on, entries=resolved, recording=recording, occurred_at=occurred_at,
            actor=actor,
        )
        try:
            self.save(decision, *procedures.values())
        except ConcurrentUpdateError:
            if self._exists(decision.id):  # the same decision was recorded at the same moment
                raise DuplicateDecisionError(f"Quyết định {number} của {issuer} đã được ghi nhận.") from None
            raise
        return decision

    def record_publication(self, id: UUID, publicised_on: dt.date, actor: str) -> PublishingDecision:
        """Record when the decision was publicised on the national TTHC database.

        Raises :class:`DecisionNotFoundError`, :class:`DecisionRetractedError`,
        :class:`PublicationBeforeSigningError`.
        """
        decision = self.get_decision(id)
        decision.record_publication(publicised_on, self.clock(), actor)
        self.save(decision)
        return decision

    def retract_decision(self, id: UUID, reason: str, actor: str) -> PublishingDecision:
        """Withdraw a decision recorded in error: the catalog becomes as if it had never been recorded.

        Raises :class:`DecisionNotFoundError`, :class:`DecisionRetractedError` (already retracted),
        :class:`DecisionHasDependentsError` (a later decision builds on its entries; the dependants are
        listed in ``errors["dependents"]``).
        """
        decision = self.get_decision(id)
        occurred_at = self.clock()
        decision.retract(reason, occurred_at, actor)
        procedures = [self.get_procedure(code) for code in decision.codes]
        dependents = []
        for procedure in procedures:
            broken = procedure.dependents_without(decision.id)
            if broken is not None:
                dependents.append({"code": procedure.code, "decision_id": str(broken.decision.id),
                                   "number": broken.decision.number, "issuer": broken.decision.issuer})
        if dependents:
            numbers = ", ".join(sorted({d["number"] for d in dependents}))
            raise DecisionHasDependentsError(
                f"Không thể thu hồi quyết định {decision.number}: quyết định {numbers} dựa trên các mục của nó.",
                {"dependents": dependents},
            )
        for procedure in procedures:
            procedure.retract_change(decision.id, occurred_at, actor)
        self.save(decision, *procedures)
        return decision

    # -- queries ---------------------------------------------------------------------------------------

    def get_decision(self, id: UUID) -> PublishingDecision:
        """Return the decision. Raises :class:`DecisionNotFoundError`."""
        try:
            return self.repository.get(id)
        except AggregateNotFoundError:
            raise DecisionNotFoundError(f"Không tìm thấy quyết định {id}.") from None

    def get_procedure(self, code: str) -> Procedure:
        """Return the procedure with every change ever recorded. Raises :class:`ProcedureNotFoundError`."""
        try:
            return self.repository.get(procedure_id(code))
        except AggregateNotFoundError:
            raise ProcedureNotFoundError(f"Không tìm thấy thủ tục {code}.") from None

    def procedure_as_of(self, code: str, as_of: dt.date) -> ProcedureState:
        """Return the procedure's state on ``as_of``. Raises :class:`ProcedureNotFoundError`."""
        state = self.get_procedure(code).state_as_of(as_of)
        if state is None:
            raise ProcedureNotFoundError(f"Thủ tục {code} chưa được công bố vào ngày {as_of:%d/%m/%Y}.")
        return state

    def _exists(self, id: UUID) -> bool:
        try:
            self.repository.get(id)
        except AggregateNotFoundError:
            return False
        return True

    def _next_recording(self, number: str, issuer: str) -> int:
        """Return how many retracted recordings this decision has. Raises :class:`DuplicateDecisionError`
        when a recording of it is in force."""
        recording = 0
        while True:
            try:
                earlier = self.repository.get(decision_id(number, issuer, recording))
            except AggregateNotFoundError:
                return recording
            if not earlier.retracted:
                raise DuplicateDecisionError(f"Quyết định {number} của {issuer} đã được ghi nhận.")
            recording += 1

    def _procedures_or_new(self, codes: list[str], occurred_at: dt.datetime, actor: str) -> dict[str, Procedure]:
        """Load the procedures with these codes (in few queries), creating those never seen."""
        found = load_aggregates(self, {procedure_id(code): None for code in codes})
        return {code: found.get(procedure_id(code)) or Procedure(code=code, occurred_at=occurred_at, actor=actor)
                for code in codes}


def check_decision_shape(signed_on: dt.date, effective_on: dt.date, publicised_on: dt.date | None,
                         entries: Sequence[dict[str, Any]]) -> None:
    """Raise :class:`InvalidDecisionError` with field errors (JSON paths) when the decision is malformed."""
    errors: dict[str, Any] = {}
    if effective_on < signed_on:
        errors["effective_on"] = ["Ngày hiệu lực không được trước ngày ký."]
    if publicised_on is not None and publicised_on < signed_on:
        errors["publicised_on"] = ["Ngày công khai không được trước ngày ký."]
    if not entries:
        errors["entries"] = ["Quyết định phải có ít nhất một thủ tục."]
    seen: dict[str, int] = {}
    entry_errors: dict[int, dict[str, list[str]]] = {}
    for index, entry in enumerate(entries):
        problems: dict[str, list[str]] = {}
        action = entry["action"]
        if action in ("new", "replaced"):
            for name in REQUIRED_FOR_START:
                if entry.get(name) in (None, "", []):
                    problems[name] = ["Bắt buộc với thủ tục ban hành mới hoặc thay thế."]
        if action == "replaced" and not entry.get("replaces"):
            problems["replaces"] = ["Bắt buộc với thủ tục thay thế."]
        if action != "replaced" and entry.get("replaces"):
            problems["replaces"] = ["Chỉ dùng cho thủ tục thay thế."]
        if action == "abolished" and any(entry.get(name) is not None for name in ATTRIBUTES):
            problems["action"] = ["Thủ tục bãi bỏ không kèm thuộc tính."]
        for code in {entry["code"], entry.get("replaces")} - {None}:
            if code in seen:
                problems.setdefault("code", []).append(
                    f"Mã {code} đã xuất hiện ở mục {seen[code]}: mỗi thủ tục chỉ một lần trong một quyết định.")
            else:
                seen[code] = index
        if problems:
            entry_errors[index] = problems
    if entry_errors:
        errors["entries"] = entry_errors
    if errors:
        raise InvalidDecisionError("Nội dung quyết định không hợp lệ.", errors)


def changes_of(entry: dict[str, Any], ref: DecisionRef) -> list[Change]:
    """Return the procedure changes an entry makes (two for a replacement of another code)."""
    attributes = {name: entry[name] for name in ATTRIBUTES if entry.get(name) is not None}
    if "levels" in attributes:
        attributes["levels"] = list(attributes["levels"])
    action, code, replaces = entry["action"], entry["code"], entry.get("replaces")
    if action != "replaced":
        return [Change(code, ref, action, attributes if action != "abolished" else {})]
    starting = Change(code, ref, action, attributes, replaces=replaces)
    if replaces == code:
        return [starting]
    return [Change(replaces, ref, action, {}, replaced_by=code), starting]


def resolve_entry(entry: dict[str, Any], procedures: dict[str, Procedure], effective_on: dt.date) -> dict[str, Any]:
    """Return the entry as stored: what it stated and the procedure's resulting attributes."""
    code = entry["code"]
    procedure = procedures[code]
    state = procedure.state_as_of(effective_on)  # an ended procedure keeps its last attributes
    attrs = state.attributes if state else {}
    changes = {name: entry[name] for name in ATTRIBUTES if entry.get(name) is not None}
    return {
        "action": entry["action"],
        "code": code,
        "replaces": entry.get("replaces"),
        "changes": changes,
        "procedure": {name: attrs.get(name) for name in ("name", "field", "levels", "authority", "kind")},
    }
