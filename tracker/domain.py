"""Tracker domain: the dossier (hồ sơ) and its clock, from receipt (tiếp nhận) to the returned result.

A dossier's history is its steps. Each public method is a command (``request_supplement``): it checks the
transition and the step's moment, decides the dates (a due moment is computed once, here, with the working
calendar given to the command, and stored in the event) and triggers one past-tense event
(``Dossier.SupplementRequested``) whose only job is to assign state, because it runs again on every load.

Clock rules (domain.md, "Dossier clock"; api.md, "Tracker"):

- ``received`` and ``processing`` run the clock; ``awaiting_supplement``, ``awaiting_payment`` and
  ``suspended`` pause it; ``resolved``, ``delivered``, ``withdrawn`` and ``rejected`` stop it.
- Leaving a pause moves ``due_at`` later by the office time spent paused, except that a supplement received
  for a procedure whose ``supplement_restarts_clock`` is set counts the full processing time again from the
  receipt of the supplement (both rules exist in sector law, e.g. NĐ 61/2018 Art. 19 and the land-law
  procedures that restart the time limit).
- An apology slip (Phiếu xin lỗi và hẹn lại ngày trả kết quả, NĐ 61/2018 Art. 19(4)) moves
  ``appointment_at``; ``due_at`` does not move, so the dossier still counts as late.
- A resolution is early, on time or late by comparing its local date with the due moment's local date.
- Dossiers received from 1/7/2025 follow NĐ 118/2025/NĐ-CP, earlier ones NĐ 61/2018/NĐ-CP (``rule_version``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

NAMESPACE = uuid5(NAMESPACE_URL, "https://tthc.gov.vn/tracker")

RUNNING = ("received", "processing")
PAUSED = ("awaiting_supplement", "awaiting_payment", "suspended")
STOPPED = ("resolved", "delivered", "withdrawn", "rejected")
STATES = RUNNING + PAUSED + STOPPED
OPEN = RUNNING + PAUSED
CLOSED = ("resolved", "withdrawn", "rejected")  # states that end a dossier's time in the period reports

# Trạng thái hồ sơ synchronised with the national portal (Cổng Dịch vụ công quốc gia), codes 1–10.
STATUS_CODES = {"received": 2, "rejected": 3, "processing": 4, "awaiting_supplement": 5, "awaiting_payment": 6,
                "withdrawn": 7, "suspended": 8, "resolved": 9, "delivered": 10}
STATE_NAMES = {"received": "Đã tiếp nhận", "processing": "Đang xử lý", "awaiting_supplement": "Yêu cầu bổ sung",
               "awaiting_payment": "Chờ thực hiện nghĩa vụ tài chính", "suspended": "Dừng xử lý",
               "resolved": "Đã xử lý xong", "delivered": "Đã trả kết quả", "withdrawn": "Rút hồ sơ",
               "rejected": "Từ chối giải quyết"}

CHANNELS = ("in_person", "online", "postal")
LEVELS = ("central", "province", "district", "commune")
TIME_UNITS = ("working_days", "calendar_days", "working_hours")
OUTCOMES = ("early", "on_time", "late")

# step type → (states it may be logged from, state it leads to; None keeps the state)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "start_processing": (("received",), "processing"),
    "transfer": (RUNNING, "processing"),
    "request_supplement": (RUNNING, "awaiting_supplement"),
    "receive_supplement": (("awaiting_supplement",), "processing"),
    "request_payment": (("processing",), "awaiting_payment"),
    "receive_payment": (("awaiting_payment",), "processing"),
    "suspend": (RUNNING, "suspended"),
    "resume": (("suspended",), "processing"),
    "apologize": (RUNNING, None),
    "resolve": (RUNNING, "resolved"),
    "deliver": (("resolved",), "delivered"),
    "withdraw": (OPEN, "withdrawn"),
    "reject": (("received", "processing", "awaiting_supplement"), "rejected"),
}
STEP_TYPES = tuple(TRANSITIONS)
# step type → the fields it carries beside ``type``, ``at`` and ``note``; and those it cannot go without
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    "start_processing": ("handler",), "transfer": ("to_agency",), "request_supplement": ("reason",),
    "receive_supplement": (), "request_payment": ("amount",), "receive_payment": (), "suspend": ("reason",),
    "resume": (), "apologize": ("new_appointment_at", "reason"), "resolve": (), "deliver": ("method",),
    "withdraw": ("reason",), "reject": ("reason",),
}
STEP_REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "transfer": ("to_agency",), "request_supplement": ("reason",), "suspend": ("reason",),
    "apologize": ("new_appointment_at", "reason"), "deliver": ("method",), "reject": ("reason",),
}

NEW_RULES_FROM = dt.date(2025, 7, 1)  # NĐ 118/2025/NĐ-CP replaced NĐ 61/2018/NĐ-CP
FUTURE_TOLERANCE = dt.timedelta(minutes=2)  # clocks of desks and server differ a little


def dossier_id(code: str) -> UUID:
    """Return the dossier's id, derived from its code (mã hồ sơ), so a code is received once."""
    return uuid5(NAMESPACE, f"dossier/{code.strip()}")


def rule_version(received_on: dt.date) -> str:
    """Return the decree governing a dossier received on ``received_on``."""
    return "NĐ 118/2025/NĐ-CP" if received_on >= NEW_RULES_FROM else "NĐ 61/2018/NĐ-CP"


class Calendar(Protocol):
    """What the dossier needs of ``tracker.calendar.WorkingCalendar`` (see its rules 3–9)."""

    def local(self, at: dt.datetime) -> dt.datetime: ...
    def add(self, start: dt.datetime, value: int, unit: str, *, cutoff: dt.time | None = None) -> dt.datetime: ...
    def add_working_time(self, at: dt.datetime, amount: dt.timedelta) -> dt.datetime: ...
    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta: ...


# -- refusals --------------------------------------------------------------------------------------------

class TrackerError(Exception):
    """Base of the tracker's refusals: ``reason`` is stable, ``message`` Vietnamese, ``errors`` details."""

    reason = "tracker_error"

    def __init__(self, message: str, errors: dict[str, Any] | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        if reason:
            self.reason = reason


class InvalidDossierError(TrackerError):
    """Raised when a receipt or a step is malformed: a naive or future moment, a step dated before the
    previous one (``step_before_previous``), a missing processing time, an unknown channel or method."""

    reason = "invalid_dossier"


class IllegalTransitionError(TrackerError):
    """Raised when a step is not allowed from the dossier's state; ``errors["allowed"]`` lists those that are."""

    reason = "illegal_transition"


class DuplicateDossierError(TrackerError):
    """Raised when a dossier with the same code was already received."""

    reason = "duplicate_dossier"


class DossierNotFoundError(TrackerError):
    """Raised when no dossier has the code."""

    reason = "dossier_not_found"


class ProcedureNotActiveError(TrackerError):
    """Raised when the procedure is unknown (``unknown_procedure``) or not active on the receipt date."""

    reason = "procedure_not_active"


class VersionMismatchError(TrackerError):
    """Raised when ``If-Match`` names another version than the dossier's."""

    reason = "version_mismatch"


# -- the aggregate ---------------------------------------------------------------------------------------

class Dossier(Aggregate):
    """A hồ sơ: one application for one procedure, received at one agency, with every step until the end.

    State: ``code``, ``procedure`` ``{code, name, field}``, ``agency`` and ``handling_agency``
    ``{code, name}``, ``level``, ``channel``, ``received_at``, ``due_at``, ``appointment_at`` (aware
    datetimes), ``state`` (one of ``STATES``), ``paused_at`` (while paused), ``resolved_at``, ``outcome``
    (``early``/``on_time``/``late`` once resolved), ``closed_at``, ``steps`` (the events after receipt) and
    ``clock_history``: ``[(at, state, due_at)]`` after the receipt and after each step.
    """

    TOPIC = "tthc.tracker/Dossier"

    class Created(Aggregate.Created):  # never triggered; the library wants a topic on every nested event
        TOPIC = "tthc.tracker/Dossier.Created"

    class Received(Aggregate.Created):
        TOPIC = "tthc.tracker/Dossier.Received.v1"
        code: str
        procedure: dict
        agency: dict
        level: str
        channel: str
        received_at: dt.datetime
        applicant: dict
        processing_time: dict
        cutoff: dt.time | None
        supplement_restarts_clock: bool
        due_at: dt.datetime
        rule_version: str
        actor: str

    class Step(Aggregate.Event):
        """Common fields of every step: when it happened (``at``), who logged it, an optional note."""

        TOPIC = "tthc.tracker/Dossier.Step"
        at: dt.datetime
        note: str | None
        actor: str

        def apply(self, aggregate: Dossier) -> None:
            aggregate._apply_step(self)

    class ProcessingStarted(Step):
        TOPIC = "tthc.tracker/Dossier.ProcessingStarted.v1"
        handler: str | None

    class Transferred(Step):
        TOPIC = "tthc.tracker/Dossier.Transferred.v1"
        to_agency: dict

    class SupplementRequested(Step):
        TOPIC = "tthc.tracker/Dossier.SupplementRequested.v1"
        reason: str

    class SupplementReceived(Step):
        TOPIC = "tthc.tracker/Dossier.SupplementReceived.v1"
        due_at: dt.datetime

    class PaymentRequested(Step):
        TOPIC = "tthc.tracker/Dossier.PaymentRequested.v1"
        amount: int | None

    class PaymentReceived(Step):
        TOPIC = "tthc.tracker/Dossier.PaymentReceived.v1"
        due_at: dt.datetime

    class Suspended(Step):
        TOPIC = "tthc.tracker/Dossier.Suspended.v1"
        reason: str

    class Resumed(Step):
        TOPIC = "tthc.tracker/Dossier.Resumed.v1"
        due_at: dt.datetime

    class Apologized(Step):
        TOPIC = "tthc.tracker/Dossier.Apologized.v1"
        new_appointment_at: dt.datetime
        reason: str

    class Resolved(Step):
        TOPIC = "tthc.tracker/Dossier.Resolved.v1"
        outcome: str

    class Delivered(Step):
        TOPIC = "tthc.tracker/Dossier.Delivered.v1"
        method: str

    class Withdrawn(Step):
        TOPIC = "tthc.tracker/Dossier.Withdrawn.v1"
        reason: str | None

    class Rejected(Step):
        TOPIC = "tthc.tracker/Dossier.Rejected.v1"
        reason: str

    @staticmethod
    def create_id(code: str, **_: Any) -> UUID:
        return dossier_id(code)

    # -- receipt ---------------------------------------------------------------------------------------

    @classmethod
    def receive(cls, *, code: str, procedure: dict, agency: dict, level: str, channel: str,
                received_at: dt.datetime, applicant: dict, processing_time: dict, cutoff: dt.time | None,
                supplement_restarts_clock: bool, calendar: Calendar, actor: str, now: dt.datetime) -> Dossier:
        """Receive a dossier (tiếp nhận) and compute its due moment.

        ``procedure``: ``{code, name, field}`` as the catalog held it on the receipt date; ``agency``:
        ``{code, name}``; ``processing_time``: ``{value, unit}`` (``unit`` in ``TIME_UNITS``); ``cutoff``: the
        procedure's same-day cut-off. Raises :class:`InvalidDossierError` for an unknown channel or level, a
        naive or future ``received_at`` (beyond a two-minute tolerance) or a bad processing time.
        """
        errors: dict[str, Any] = {}
        if channel not in CHANNELS:
            errors["channel"] = [f"Kênh tiếp nhận phải là một trong: {', '.join(CHANNELS)}."]
        if level not in LEVELS:
            errors["level"] = [f"Cấp phải là một trong: {', '.join(LEVELS)}."]
        if processing_time.get("unit") not in TIME_UNITS or not isinstance(processing_time.get("value"), int) \
                or processing_time["value"] < 0:
            errors["processing_time"] = ["Thời hạn giải quyết phải có value ≥ 0 và unit hợp lệ."]
        errors.update(_moment_errors("received_at", received_at, now))
        if errors:
            raise InvalidDossierError("Hồ sơ không hợp lệ.", errors, reason="validation_failed")
        due_at = calendar.add(received_at, processing_time["value"], processing_time["unit"], cutoff=cutoff)
        return cls._create(
            cls.Received, id=dossier_id(code), code=code, procedure=procedure, agency=agency, level=level,
            channel=channel, received_at=received_at, applicant=applicant, processing_time=processing_time,
            cutoff=cutoff, supplement_restarts_clock=supplement_restarts_clock, due_at=due_at,
            rule_version=rule_version(calendar.local(received_at).date()), actor=actor,
        )

    def __init__(self, *, code: str, procedure: dict, agency: dict, level: str, channel: str,
                 received_at: dt.datetime, applicant: dict, processing_time: dict, cutoff: dt.time | None,
                 supplement_restarts_clock: bool, due_at: dt.datetime, rule_version: str, actor: str) -> None:
        self.code = code
        self.procedure = procedure
        self.agency = agency
        self.handling_agency = agency
        self.level = level
        self.channel = channel
        self.received_at = received_at
        self.applicant = applicant
        self.processing_time = processing_time
        self.cutoff = cutoff
        self.supplement_restarts_clock = supplement_restarts_clock
        self.due_at = due_at
        self.appointment_at = due_at
        self.rule_version = rule_version
        self.received_by = actor
        self.state = "received"
        self.paused_at: dt.datetime | None = None
        self.resolved_at: dt.datetime | None = None
        self.closed_at: dt.datetime | None = None
        self.outcome: str | None = None
        self.last_at = received_at
        self.steps: list[Dossier.Step] = []
        self.clock_history: list[tuple[dt.datetime, str, dt.datetime]] = [(received_at, "received", due_at)]

    # -- queries ---------------------------------------------------------------------------------------

    @property
    def status_code(self) -> int:
        """The national portal's status code (1–10) of the current state."""
        return STATUS_CODES[self.state]

    def allowed_steps(self) -> list[str]:
        """Return the step types that may be logged now, in contract order."""
        return [step for step, (sources, _) in TRANSITIONS.items() if self.state in sources]

    # -- commands: one per step type (api.md, "log a step") -------------------------------------------

    def start_processing(self, *, at: dt.datetime, actor: str, now: dt.datetime, note: str | None = None,
                         handler: str | None = None) -> None:
        """Start processing (received → processing)."""
        self._check("start_processing", at, now)
        self._trigger(self.ProcessingStarted, at=at, note=note, actor=actor, handler=handler)

    def transfer(self, *, at: dt.datetime, actor: str, now: dt.datetime, to_agency: dict,
                 note: str | None = None) -> None:
        """Transfer to another agency (liên thông); the clock keeps running. ``to_agency``: ``{code, name}``."""
        self._check("transfer", at, now)
        self._trigger(self.Transferred, at=at, note=note, actor=actor, to_agency=to_agency)

    def request_supplement(self, *, at: dt.datetime, actor: str, now: dt.datetime, reason: str,
                           note: str | None = None) -> None:
        """Ask the applicant for a supplement (yêu cầu bổ sung); the clock pauses."""
        self._check("request_supplement", at, now, reason=reason)
        self._trigger(self.SupplementRequested, at=at, note=note, actor=actor, reason=reason)

    def receive_supplement(self, *, at: dt.datetime, actor: str, now: dt.datetime, calendar: Calendar,
                           note: str | None = None) -> None:
        """Receive the supplement; the clock runs again, restarting when the procedure says so."""
        self._check("receive_supplement", at, now)
        if self.supplement_restarts_clock:
            due_at = calendar.add(at, self.processing_time["value"], self.processing_time["unit"], cutoff=self.cutoff)
        else:
            due_at = self._due_after_pause(at, calendar)
        self._trigger(self.SupplementReceived, at=at, note=note, actor=actor, due_at=due_at)

    def request_payment(self, *, at: dt.datetime, actor: str, now: dt.datetime, amount: int | None = None,
                        note: str | None = None) -> None:
        """Ask the applicant to meet a financial obligation (nghĩa vụ tài chính, ``amount`` in VND)."""
        self._check("request_payment", at, now)
        if amount is not None and (not isinstance(amount, int) or amount < 0):
            raise InvalidDossierError("Số tiền phải là số nguyên VNĐ không âm.", {"amount": ["Số tiền không hợp lệ."]},
                                      reason="validation_failed")
        self._trigger(self.PaymentRequested, at=at, note=note, actor=actor, amount=amount)

    def receive_payment(self, *, at: dt.datetime, actor: str, now: dt.datetime, calendar: Calendar,
                        note: str | None = None) -> None:
        """Record the payment; the clock runs again, the due moment moved by the paused office time."""
        self._check("receive_payment", at, now)
        self._trigger(self.PaymentReceived, at=at, note=note, actor=actor, due_at=self._due_after_pause(at, calendar))

    def suspend(self, *, at: dt.datetime, actor: str, now: dt.datetime, reason: str, note: str | None = None) -> None:
        """Stop processing (dừng xử lý: waiting on another authority, force majeure); the clock pauses."""
        self._check("suspend", at, now, reason=reason)
        self._trigger(self.Suspended, at=at, note=note, actor=actor, reason=reason)

    def resume(self, *, at: dt.datetime, actor: str, now: dt.datetime, calendar: Calendar,
               note: str | None = None) -> None:
        """Resume processing; the due moment moves later by the paused office time."""
        self._check("resume", at, now)
        self._trigger(self.Resumed, at=at, note=note, actor=actor, due_at=self._due_after_pause(at, calendar))

    def apologize(self, *, at: dt.datetime, actor: str, now: dt.datetime, new_appointment_at: dt.datetime,
                  reason: str, note: str | None = None) -> None:
        """Issue an apology slip with a new appointment; ``due_at`` does not move."""
        self._check("apologize", at, now, reason=reason)
        if is_naive(new_appointment_at) or new_appointment_at <= at:
            raise InvalidDossierError("Ngày hẹn trả mới phải sau thời điểm xin lỗi.",
                                      {"new_appointment_at": ["Ngày hẹn trả mới phải sau thời điểm xin lỗi."]},
                                      reason="validation_failed")
        self._trigger(self.Apologized, at=at, note=note, actor=actor, new_appointment_at=new_appointment_at,
                      reason=reason)

    def resolve(self, *, at: dt.datetime, actor: str, now: dt.datetime, calendar: Calendar,
                note: str | None = None) -> None:
        """Record the result (đã xử lý xong); classified early, on time or late against ``due_at``'s date."""
        self._check("resolve", at, now)
        resolved_on, due_on = calendar.local(at).date(), calendar.local(self.due_at).date()
        outcome = "early" if resolved_on < due_on else "on_time" if resolved_on == due_on else "late"
        self._trigger(self.Resolved, at=at, note=note, actor=actor, outcome=outcome)

    def deliver(self, *, at: dt.datetime, actor: str, now: dt.datetime, method: str, note: str | None = None) -> None:
        """Return the result to the applicant (trả kết quả) ``in_person``, ``online`` or ``postal``."""
        self._check("deliver", at, now)
        if method not in CHANNELS:
            raise InvalidDossierError("Hình thức trả kết quả không hợp lệ.",
                                      {"method": [f"Phải là một trong: {', '.join(CHANNELS)}."]},
                                      reason="validation_failed")
        self._trigger(self.Delivered, at=at, note=note, actor=actor, method=method)

    def withdraw(self, *, at: dt.datetime, actor: str, now: dt.datetime, reason: str | None = None,
                 note: str | None = None) -> None:
        """Record that the applicant withdrew the dossier (rút hồ sơ)."""
        self._check("withdraw", at, now)
        self._trigger(self.Withdrawn, at=at, note=note, actor=actor, reason=reason)

    def reject(self, *, at: dt.datetime, actor: str, now: dt.datetime, reason: str, note: str | None = None) -> None:
        """Refuse to resolve the dossier (từ chối giải quyết), giving the reason."""
        self._check("reject", at, now, reason=reason)
        self._trigger(self.Rejected, at=at, note=note, actor=actor, reason=reason)

    # -- rules -----------------------------------------------------------------------------------------

    def check_allowed(self, step: str) -> None:
        """Raise :class:`IllegalTransitionError` (``errors["allowed"]``) unless ``step`` may be logged now."""
        if self.state not in TRANSITIONS[step][0]:
            raise IllegalTransitionError(
                f"Không thể thực hiện bước {step} khi hồ sơ {self.code} đang ở trạng thái "
                f"\"{STATE_NAMES[self.state]}\".", {"allowed": self.allowed_steps()})

    def _check(self, step: str, at: dt.datetime, now: dt.datetime, **required: Any) -> None:
        self.check_allowed(step)
        errors = _moment_errors("at", at, now)
        if not errors and at < self.last_at:
            errors["at"] = [f"Thời điểm của bước không được sớm hơn bước trước ({self.last_at.isoformat()})."]
            raise InvalidDossierError("Bước xử lý ghi lùi thời gian so với bước trước.", errors,
                                      reason="step_before_previous")
        for name, value in required.items():
            if not (isinstance(value, str) and value.strip()):
                errors[name] = ["Trường này là bắt buộc."]
        if errors:
            raise InvalidDossierError("Bước xử lý không hợp lệ.", errors, reason="validation_failed")

    def _due_after_pause(self, at: dt.datetime, calendar: Calendar) -> dt.datetime:
        return calendar.add_working_time(self.due_at, calendar.working_time_between(self.paused_at, at))

    # -- state assignment (runs on every load) ---------------------------------------------------------

    def _apply_step(self, step: Dossier.Step) -> None:
        _, target = TRANSITIONS[STEP_OF[type(step)]]
        self.last_at = step.at
        self.steps.append(step)
        if target is None:
            self.appointment_at = step.new_appointment_at
        else:
            self._move_to(target, step)
        self.clock_history.append((step.at, self.state, self.due_at))

    def _move_to(self, target: str, step: Dossier.Step) -> None:
        self.paused_at = step.at if target in PAUSED else None
        if isinstance(step, (Dossier.SupplementReceived, Dossier.PaymentReceived, Dossier.Resumed)):
            self.due_at = step.due_at
        if isinstance(step, Dossier.Transferred):
            self.handling_agency = step.to_agency
        if isinstance(step, Dossier.Resolved):
            self.resolved_at, self.outcome = step.at, step.outcome
        if target in CLOSED:
            self.closed_at = step.at
        self.state = target

    def _trigger(self, cls: type[Dossier.Step], **fields: Any) -> None:
        self.trigger_event(cls, **fields)


def is_naive(at: Any) -> bool:
    """True unless ``at`` is a datetime with a UTC offset (api.md: a naive datetime is refused)."""
    return not isinstance(at, dt.datetime) or at.tzinfo is None or at.utcoffset() is None


def _moment_errors(name: str, at: dt.datetime, now: dt.datetime) -> dict[str, list[str]]:
    if is_naive(at):
        return {name: ["Thời điểm phải có múi giờ, ví dụ 2024-04-15T09:30:00+07:00."]}
    if at > now + FUTURE_TOLERANCE:
        return {name: ["Thời điểm không được ở tương lai."]}
    return {}


STEP_OF: dict[type, str] = {
    Dossier.ProcessingStarted: "start_processing", Dossier.Transferred: "transfer",
    Dossier.SupplementRequested: "request_supplement", Dossier.SupplementReceived: "receive_supplement",
    Dossier.PaymentRequested: "request_payment", Dossier.PaymentReceived: "receive_payment",
    Dossier.Suspended: "suspend", Dossier.Resumed: "resume", Dossier.Apologized: "apologize",
    Dossier.Resolved: "resolve", Dossier.Delivered: "deliver", Dossier.Withdrawn: "withdraw",
    Dossier.Rejected: "reject",
}
