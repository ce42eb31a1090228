"""The Tracker application: the use cases of one-stop officers (Bộ phận Một cửa) on dossiers.

It reads the catalog and the agency registry through two ports built in ``config/`` (design.md: the
tracker never imports the catalog) and the working calendar through a provider, so an override staff add
takes effect on the next command without a restart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError

from events.application import BaseApplication, existing_ids
from events.errors import ConcurrentUpdateError
from tracker.agencies import AgencyError
from tracker.calendar import CalendarError, WorkingCalendar
from tracker.domain import (
    STEP_FIELDS,
    STEP_REQUIRED_FIELDS,
    Dossier,
    DossierNotFoundError,
    DuplicateDossierError,
    InvalidDossierError,
    TrackerError,
    VersionMismatchError,
    dossier_id,
    is_naive,
)

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# Every number a desk loses to a concurrent receipt is won by another desk, so N desks racing at one agency
# and day all get numbers within N attempts; the bound only stops a loop that could not otherwise end.
GENERATED_CODE_ATTEMPTS = 50
IMPORT_CHUNK = 500


def now_in_vietnam() -> dt.datetime:
    return dt.datetime.now(VIETNAM)


@dataclass(frozen=True)
class ProcedureTerms:
    """What a dossier takes from the catalog as of its receipt date.

    ``processing_time``: ``{"value": int, "unit": "working_days" | "calendar_days" | "working_hours"}`` or
    None; ``cutoff``: same-day cut-off (local time) or None.
    """

    code: str
    name: str
    field: str
    processing_time: dict | None
    cutoff: dt.time | None
    supplement_restarts_clock: bool


class ProcedureLookup(Protocol):
    """Port to the catalog: the procedure ``code`` as active on ``on``.

    Raises ``ProcedureNotActiveError`` (reason ``unknown_procedure`` or ``procedure_not_active``).
    """

    def __call__(self, code: str, on: dt.date) -> ProcedureTerms: ...


class AgencyLookup(Protocol):
    """Port to the agency registry: ``resolve(code or exact name, date)`` → an agency with ``code``, ``name``
    and ``level``, valid on that date; raises ``UnknownAgencyError`` (422 ``unknown_agency``)."""

    def resolve(self, ref: str, on: dt.date, *, field: str = "agency") -> Any: ...


@dataclass
class ImportReport:
    """Outcome of a bulk import: counts and, per failed line, ``{"line", "reason", "message"}``."""

    imported: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def fail(self, line: int, reason: str, message: str, errors: dict | None = None) -> None:
        self.failed += 1
        self.errors.append({"line": line, "reason": reason, "message": message, **({"errors": errors} if errors else {})})


class Tracker(BaseApplication):
    """Receives dossiers and logs their steps; every command returns the saved dossier.

    ``procedures`` and ``agencies`` are the ports above; ``calendar`` returns the current
    ``WorkingCalendar``; ``clock`` gives "now" (aware, Asia/Ho_Chi_Minh). ``followers`` are called after
    each save (read-your-writes, wired in ``config/services.py``).
    """

    name = "Tracker"

    def __init__(self, database_url: str = "memory://", *, procedures: ProcedureLookup, agencies: AgencyLookup,
                 calendar: Callable[[], WorkingCalendar], clock: Callable[[], dt.datetime] = now_in_vietnam) -> None:
        super().__init__(database_url)
        self.procedures = procedures
        self.agencies = agencies
        self.calendar = calendar
        self.clock = clock
        self.followers: list[Callable[[], Any]] = []

    def save(self, *objs: Any, **kwargs: Any):
        recordings = super().save(*objs, **kwargs)
        for follower in self.followers:
            follower()
        return recordings

    # -- commands --------------------------------------------------------------------------------------

    def receive_dossier(self, *, procedure_code: str, agency: str, channel: str, received_at: dt.datetime,
                        actor: str, code: str | None = None, level: str | None = None,
                        applicant: dict | None = None, processing_time: dict | None = None) -> Dossier:
        """Receive a dossier (tiếp nhận) and return it with its ``due_at``.

        ``agency``: code or exact name, valid on the receipt date; ``processing_time`` ``{value, unit}``
        defaults to the procedure's. Without ``code`` one is generated, ``<agency code>-<yyyymmdd>-<nnnnn>``
        numbered per agency and day. Raises ``ProcedureNotActiveError`` (409), ``UnknownAgencyError`` (422),
        :class:`InvalidDossierError` (422), :class:`DuplicateDossierError` (409).
        """
        calendar = self.calendar()
        dossier = self._build(dict(code=code, procedure_code=procedure_code, agency=agency, channel=channel,
                                   received_at=received_at, level=level, applicant=applicant,
                                   processing_time=processing_time),
                              calendar, actor, self.procedures, self.agencies, self.clock(),
                              generate_code=code is None)
        if code is not None:
            if self._exists(dossier.id):
                raise DuplicateDossierError(f"Hồ sơ {code} đã được tiếp nhận.")
            try:
                self.save(dossier)
            except ConcurrentUpdateError:
                raise DuplicateDossierError(f"Hồ sơ {code} đã được tiếp nhận.") from None
            return dossier
        for _ in range(GENERATED_CODE_ATTEMPTS):  # another desk may take the same number meanwhile
            try:
                self.save(dossier)
                return dossier
            except ConcurrentUpdateError:
                dossier = self._build(dict(dossier_fields(dossier), code=None, agency=dossier.agency["code"]),
                                      calendar, actor, self.procedures, self.agencies, self.clock(),
                                      generate_code=True)
        raise ConcurrentUpdateError("could not allocate a dossier number")

    def log_step(self, code: str, step: dict[str, Any], *, actor: str, expected_version: int | None = None) -> Dossier:
        """Log one step ``{"type", "at", "note", …type's fields}`` (api.md, "log a step") and return the dossier.

        Raises :class:`DossierNotFoundError` (404), :class:`VersionMismatchError` (412) when
        ``expected_version`` differs, ``IllegalTransitionError`` (409, ``errors.allowed``),
        :class:`InvalidDossierError` (422), ``UnknownAgencyError`` (422) and ``ConcurrentUpdateError``
        (409) when another officer logged a step first.
        """
        dossier = self.get_dossier(code)
        if expected_version is not None and expected_version != dossier.version:
            raise VersionMismatchError(
                f"Hồ sơ {code} đang ở phiên bản {dossier.version}, không phải {expected_version}.",
                {"version": dossier.version})
        apply_step(dossier, step, calendar=self.calendar(), agencies=self.agencies, actor=actor, now=self.clock())
        self.save(dossier)
        return dossier

    def import_dossiers(self, lines: Iterable[tuple[int, dict[str, Any] | TrackerError]], *, actor: str,
                        progress: Callable[[int], Any] | None = None,
                        admit: Callable[[str], bool] | None = None) -> ImportReport:
        """Receive many dossiers, each with its ``steps``, applying each line whole or not at all.

        ``lines`` yields ``(line number, body)`` where body is a receipt (as ``receive_dossier`` takes it)
        plus ``"steps": [step, …]``, or the error that made the line unreadable. A line whose code exists
        (already imported, or earlier in the file) is skipped; a line without a code gets one derived from
        its content, so a second run of the same file imports nothing. Lines are saved 500 at a time, one
        transaction each. ``progress(n)`` is called after each chunk with the lines it handled. ``admit(agency
        code)``, when given, says whether the importing account may receive at the line's agency; a line it
        refuses fails with reason ``forbidden_agency``.
        """
        report = ImportReport()
        procedures = _memoized(self.procedures)
        agencies = getattr(self.agencies, "memoized", lambda: self.agencies)()
        calendar = self.calendar()
        seen: set[str] = set()
        for chunk in _chunks(iter(lines), IMPORT_CHUNK):
            bodies = []
            for line, body in chunk:
                if isinstance(body, TrackerError):
                    report.fail(line, body.reason, body.message, body.errors)
                    continue
                body = dict(body, code=body.get("code") or content_code(body))
                bodies.append((line, body))
            existing = existing_ids(self, [dossier_id(b["code"]) for _, b in bodies])
            built: list[tuple[int, Dossier]] = []
            for line, body in bodies:
                if body["code"] in seen or dossier_id(body["code"]) in existing:
                    report.skipped += 1
                    continue
                try:
                    dossier = self._build(body, calendar, actor, procedures, agencies, self.clock())
                    if admit is not None and not admit(dossier.agency["code"]):
                        report.fail(line, "forbidden_agency",
                                    f"Tài khoản không được giao tiếp nhận hồ sơ của đơn vị {dossier.agency['code']}.")
                        continue
                    for step in body.get("steps") or ():
                        apply_step(dossier, step, calendar=calendar, agencies=agencies, actor=actor, now=self.clock())
                except (TrackerError, AgencyError, CalendarError) as error:
                    report.fail(line, error.reason, getattr(error, "message", str(error)),
                                getattr(error, "errors", None))
                    continue
                seen.add(body["code"])  # only a line that will be saved takes its code from later lines
                built.append((line, dossier))
            self._save_chunk(built, report)
            if progress:
                progress(len(chunk))
        report.errors.sort(key=lambda error: error["line"])  # unreadable lines are reported first in a chunk
        return report

    # -- queries ---------------------------------------------------------------------------------------

    def get_dossier(self, code: str) -> Dossier:
        """Return the dossier with every step. Raises :class:`DossierNotFoundError`."""
        try:
            return self.repository.get(dossier_id(code))
        except AggregateNotFoundError:
            raise DossierNotFoundError(f"Không tìm thấy hồ sơ {code}.") from None

    # -- internals -------------------------------------------------------------------------------------

    def _build(self, body: dict[str, Any], calendar: WorkingCalendar, actor: str, procedures: ProcedureLookup,
               agencies: AgencyLookup, now: dt.datetime, generate_code: bool = False) -> Dossier:
        received_at = body["received_at"]
        if is_naive(received_at):
            raise InvalidDossierError("Hồ sơ không hợp lệ.", {"received_at": ["Thời điểm phải có múi giờ."]},
                                      reason="validation_failed")
        received_on = calendar.local(received_at).date()
        terms = procedures(body["procedure_code"], received_on)
        agency = agencies.resolve(body["agency"], received_on)
        processing_time = body.get("processing_time") or terms.processing_time
        if processing_time is None:
            raise InvalidDossierError(
                f"Thủ tục {terms.code} chưa có thời hạn giải quyết trong danh mục; hãy ghi processing_time.",
                {"processing_time": ["Trường này là bắt buộc khi thủ tục không có thời hạn giải quyết."]},
                reason="processing_time_required")
        code = body.get("code")
        if generate_code:
            code = self._next_code(agency.code, received_on)
        return Dossier.receive(
            code=code, procedure={"code": terms.code, "name": terms.name, "field": terms.field},
            agency={"code": agency.code, "name": agency.name}, level=body.get("level") or agency.level,
            channel=body["channel"], received_at=received_at, applicant=body.get("applicant") or {},
            processing_time=dict(processing_time), cutoff=terms.cutoff,
            supplement_restarts_clock=terms.supplement_restarts_clock, calendar=calendar, actor=actor, now=now)

    def _next_code(self, agency_code: str, received_on: dt.date) -> str:
        """Return the first free ``<agency>-<yyyymmdd>-<nnnnn>``: numbers are taken densely from 1, so an
        exponential then binary search finds the end of the taken run in about 2·log₂(n) lookups."""
        def code(n: int) -> str:
            return f"{agency_code}-{received_on:%Y%m%d}-{n:05d}"

        high = 1
        while self._exists(dossier_id(code(high))):
            high *= 2
        low = high // 2  # taken (or 0)
        while high - low > 1:
            middle = (low + high) // 2
            if self._exists(dossier_id(code(middle))):
                low = middle
            else:
                high = middle
        return code(high)

    def _exists(self, id) -> bool:
        return bool(existing_ids(self, [id]))

    def _save_chunk(self, built: list[tuple[int, Dossier]], report: ImportReport) -> None:
        if not built:
            return
        # a save collects (and so removes) the dossiers' pending events even when it fails: keep them, so
        # the one-by-one retry below saves each dossier's events and not an empty list
        events = [dossier.collect_events() for _, dossier in built]
        try:
            self.save(*(event for dossier_events in events for event in dossier_events))
            report.imported += len(built)
            return
        except ConcurrentUpdateError:
            pass  # another import saved some of these codes meanwhile: save one by one
        for dossier_events in events:
            try:
                self.save(*dossier_events)
                report.imported += 1
            except ConcurrentUpdateError:
                report.skipped += 1


NEEDS_CALENDAR = ("receive_supplement", "receive_payment", "resume", "resolve")


def apply_step(dossier: Dossier, step: dict[str, Any], *, calendar: WorkingCalendar, agencies: AgencyLookup,
               actor: str, now: dt.datetime) -> None:
    """Call the dossier's command for ``step["type"]`` with the step's fields (resolving ``to_agency``)."""
    kind = step.get("type")
    if kind not in STEP_FIELDS:
        raise InvalidDossierError("Loại bước xử lý không hợp lệ.",
                                  {"type": [f"Phải là một trong: {', '.join(STEP_FIELDS)}."]}, reason="validation_failed")
    dossier.check_allowed(kind)
    at = step.get("at")
    if is_naive(at):
        raise InvalidDossierError("Bước xử lý không hợp lệ.", {"at": ["Thời điểm phải có múi giờ."]},
                                  reason="validation_failed")
    kwargs: dict[str, Any] = {name: step.get(name) for name in STEP_FIELDS[kind] if step.get(name) is not None}
    missing = {name: ["Trường này là bắt buộc."] for name in STEP_REQUIRED_FIELDS.get(kind, ()) if name not in kwargs}
    if missing:
        raise InvalidDossierError("Bước xử lý thiếu thông tin bắt buộc.", missing, reason="validation_failed")
    if kind == "transfer":
        target = agencies.resolve(kwargs["to_agency"], calendar.local(at).date(), field="to_agency")
        kwargs["to_agency"] = {"code": target.code, "name": target.name}
    if kind in NEEDS_CALENDAR:
        kwargs["calendar"] = calendar
    getattr(dossier, kind)(at=at, actor=actor, now=now, note=step.get("note"), **kwargs)


def dossier_fields(dossier: Dossier) -> dict[str, Any]:
    """The receipt of ``dossier`` as ``receive_dossier`` takes it."""
    return {"procedure_code": dossier.procedure["code"], "agency": dossier.agency["code"], "channel": dossier.channel,
            "received_at": dossier.received_at, "level": dossier.level, "applicant": dossier.applicant,
            "processing_time": dossier.processing_time}


def content_code(body: dict[str, Any]) -> str:
    """Derive a stable code for an imported line without one: ``IMP-<yyyymmdd>-<12 hex digits>`` of a hash of
    the line's content, so importing the same file twice finds the same codes."""
    content = {key: value for key, value in body.items() if key != "code"}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()
    received = body.get("received_at")
    day = received.strftime("%Y%m%d") if isinstance(received, dt.datetime) else "00000000"
    return f"IMP-{day}-{digest[:12]}"


def _memoized(procedures: ProcedureLookup) -> ProcedureLookup:
    memo = getattr(procedures, "memoized", None)
    return memo() if memo else procedures


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(items, size)):
        yield chunk
