"""Marshmallow schemas of the tracker API: JSON in → typed values, registry records → JSON out."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from events.schemas import GroupKeys, Page, ReportPeriodQuery, StrictSchema
from tracker.agencies import LEVELS, MAX_CODE, MAX_NAME, STATUSES
from tracker.domain import (
    CHANNELS,
    STATES,
    STEP_FIELDS,
    STEP_REQUIRED_FIELDS,
    STEP_TYPES,
    TIME_UNITS,
    InvalidDossierError,
)
from tracker.queries import GROUP_KEYS

CODE = validate.Regexp(rf"^\S{{1,{MAX_CODE}}}$", error=f"Mã đơn vị gồm 1 đến {MAX_CODE} ký tự, không có khoảng trắng.")
NAME = validate.Length(min=1, max=MAX_NAME, error=f"Tên đơn vị gồm 1 đến {MAX_NAME} ký tự.")
LEVEL = validate.OneOf(LEVELS, error="Cấp không hợp lệ; chọn trong {choices}.")


def period_in_order(data) -> None:
    """Refuse a ``valid_to`` before ``valid_from`` (both given)."""
    if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
        raise ValidationError("Ngày hết hiệu lực phải sau hoặc bằng ngày bắt đầu hiệu lực.", "valid_to")


class AgencyIn(StrictSchema):
    """A new agency; ``valid_to`` and ``successor`` register one already closed (history)."""

    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=NAME)
    level = fields.String(required=True, validate=LEVEL)
    parent = fields.String(allow_none=True, validate=CODE)
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    successor = fields.String(allow_none=True, validate=CODE)

    @validates_schema
    def check_period(self, data, **kwargs):
        period_in_order(data)


class ClosureIn(StrictSchema):
    """The last day the agency is valid, and the agency that takes over its dossiers."""

    valid_to = fields.Date(required=True)
    successor = fields.String(allow_none=True, validate=CODE)


class AgencyQuery(Page):
    level = fields.String(validate=LEVEL)
    parent = fields.String()
    q = fields.String(metadata={"description": "name (accents ignored) or code"})
    status = fields.String(validate=validate.OneOf(STATUSES, error="Chọn một trong: {choices}."),
                           metadata={"description": "`current` (default), `ended` or `all` (default with `as_of`)"})
    as_of = fields.Date(metadata={"description": "only the agencies valid on that date"})


class AgencyOut(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.String()
    parent = fields.String(allow_none=True)
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True, metadata={"description": "last day valid; null while current"})
    successor = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "`current` or `ended` (closed)"})
    recorded_at = fields.DateTime()
    actor = fields.String()
    closed_at = fields.DateTime(allow_none=True)
    closed_by = fields.String(allow_none=True)


class AgencyPage(Schema):
    items = fields.List(fields.Nested(AgencyOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


# -- dossiers ----------------------------------------------------------------------------------------------

MOMENT = {"description": "ISO 8601 with an offset, e.g. `2024-04-15T09:30:00+07:00`"}


class Moment(fields.AwareDateTime):
    """An ISO 8601 datetime with an offset; a naive one is refused (api.md, Conventions)."""

    default_error_messages = {"invalid": "Thời điểm không hợp lệ: dùng ISO 8601 có múi giờ, ví dụ 2024-04-15T09:30:00+07:00.",
                              "invalid_awareness": "Thời điểm phải có múi giờ, ví dụ 2024-04-15T09:30:00+07:00."}

    def __init__(self, **kwargs) -> None:
        super().__init__(format="iso", metadata=MOMENT, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> dt.datetime:
        # datetime.fromisoformat reads ISO 8601 twenty times faster than marshmallow's regex (bulk imports)
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise self.make_error("invalid") from None
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise self.make_error("invalid_awareness")
        return moment


class ProcessingTimeIn(StrictSchema):
    value = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=3650))
    unit = fields.String(required=True, validate=validate.OneOf(TIME_UNITS))


class ApplicantIn(StrictSchema):
    """Người nộp hồ sơ: personal data, shown on the dossier and never in group messages."""

    name = fields.String(validate=validate.Length(max=300))
    id_number = fields.String(validate=validate.Length(max=32))
    phone = fields.String(validate=validate.Length(max=32))
    email = fields.String(validate=validate.Length(max=200))
    address = fields.String(validate=validate.Length(max=1000))
    organization = fields.String(validate=validate.Length(max=500))


class DossierIn(StrictSchema):
    code = fields.String(validate=[validate.Length(min=1, max=64), validate.Regexp(r"^\S+$", error="Mã hồ sơ không được chứa khoảng trắng.")])
    procedure_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    agency = fields.String(required=True, validate=validate.Length(min=1, max=300),
                           metadata={"description": "agency code or exact name"})
    level = fields.String(validate=validate.OneOf(LEVELS))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    received_at = Moment(required=True)
    applicant = fields.Nested(ApplicantIn)
    processing_time = fields.Nested(ProcessingTimeIn, allow_none=True)


class StepIn(StrictSchema):
    type = fields.String(required=True, validate=validate.OneOf(STEP_TYPES))
    at = Moment(required=True)
    note = fields.String(validate=validate.Length(max=2000), allow_none=True)
    handler = fields.String(validate=validate.Length(min=1, max=300))
    to_agency = fields.String(validate=validate.Length(min=1, max=300))
    reason = fields.String(validate=validate.Length(min=1, max=2000))
    amount = fields.Integer(strict=True, validate=validate.Range(min=0), metadata={"description": "VND"})
    new_appointment_at = Moment()
    method = fields.String(validate=validate.OneOf(CHANNELS))

    @validates_schema
    def fields_of_the_type(self, data, **kwargs):
        kind = data.get("type")
        if kind not in STEP_FIELDS:
            return
        errors = {name: ["Trường này là bắt buộc với bước này."] for name in STEP_REQUIRED_FIELDS.get(kind, ())
                  if name not in data}
        errors.update({name: [f"Bước {kind} không có trường này."] for name in data
                       if name not in ("type", "at", "note", *STEP_FIELDS[kind])})
        if errors:
            raise ValidationError(errors)


class ImportLine(DossierIn):
    steps = fields.List(fields.Nested(StepIn), load_default=list)


class AgencyRef(Schema):
    code = fields.String()
    name = fields.String()


class DossierProcedure(Schema):
    code = fields.String()
    name = fields.String()
    field = fields.String()


class DossierOut(Schema):
    code = fields.String()
    procedure = fields.Nested(DossierProcedure)
    agency = fields.Nested(AgencyRef, metadata={"description": "receiving agency"})
    handling_agency = fields.Nested(AgencyRef, metadata={"description": "agency handling it now (after transfers)"})
    level = fields.String()
    channel = fields.String()
    received_at = fields.String(metadata=MOMENT)
    due_at = fields.String(metadata=MOMENT)
    appointment_at = fields.String(metadata=MOMENT)
    state = fields.String()
    status_code = fields.Integer(metadata={"description": "national portal status code 1–10"})
    version = fields.Integer(metadata={"description": "for `If-Match`"})
    working_days_left = fields.Integer(allow_none=True)
    resolved_at = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={"description": "early, on_time, late or returned"})
    processing_time = fields.Nested(ProcessingTimeIn)
    rule_version = fields.String()
    applicant = fields.Dict()
    timeline = fields.List(fields.Dict())


class DossierQuery(Page):
    state = fields.String(validate=validate.OneOf(STATES))
    agency = fields.String()
    level = fields.String(validate=validate.OneOf(LEVELS))
    procedure_code = fields.String()
    received_from = fields.Date()
    received_to = fields.Date()


class DossierPage(Schema):
    items = fields.List(fields.Nested(DossierOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class DueQuery(Schema):
    within = fields.Integer(load_default=2, validate=validate.Range(min=0, max=60))
    as_of = fields.Date()
    agency = fields.String()
    level = fields.String(validate=validate.OneOf(LEVELS))


class DueItem(Schema):
    code = fields.String()
    procedure_code = fields.String()
    procedure_name = fields.String()
    agency = fields.Nested(AgencyRef)
    level = fields.String()
    due_at = fields.String(metadata=MOMENT)
    working_days_left = fields.Integer()
    state = fields.String()


class DueOut(Schema):
    as_of = fields.Date()
    within = fields.Integer()
    overdue = fields.List(fields.Nested(DueItem))
    due = fields.List(fields.Nested(DueItem))
    paused = fields.Integer()


class ResultsQuery(ReportPeriodQuery):
    by = GroupKeys(tuple(GROUP_KEYS), load_default=[])


class ResultCounts(Schema):
    received = fields.Integer()
    carried_over = fields.Integer()
    new_online = fields.Integer()
    new_in_person = fields.Integer()
    new_postal = fields.Integer()
    resolved = fields.Integer()
    resolved_early = fields.Integer()
    resolved_on_time = fields.Integer()
    resolved_late = fields.Integer()
    in_progress = fields.Integer()
    in_progress_on_time = fields.Integer()
    in_progress_overdue = fields.Integer()
    returned = fields.Integer()
    paused = fields.Integer()
    on_time_rate = fields.Float(allow_none=True)


class ResultGroup(ResultCounts):
    level = fields.String()
    agency = fields.String()
    agency_name = fields.String()
    field = fields.String()
    procedure = fields.String()
    procedure_name = fields.String()


class ResultsOut(Schema):
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    by = fields.List(fields.String())
    totals = fields.Nested(ResultCounts)
    groups = fields.List(fields.Nested(ResultGroup))


class ImportError_(Schema):
    line = fields.Integer()
    reason = fields.String()
    message = fields.String()
    errors = fields.Dict()


class ImportOut(Schema):
    imported = fields.Integer()
    skipped = fields.Integer()
    failed = fields.Integer()
    errors = fields.List(fields.Nested(ImportError_))


def read_import_lines(lines: Iterable[bytes | str]) -> Iterator[tuple[int, dict[str, Any] | InvalidDossierError]]:
    """Parse NDJSON: yield ``(line number, body)`` per non-blank line, or the error that refuses the line
    (malformed JSON, or the fields of ``ImportLine`` not valid)."""
    schema = ImportLine()
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError:
            yield number, InvalidDossierError(f"Dòng {number} không phải UTF-8.", reason="malformed_json")
            continue
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except ValueError as error:
            yield number, InvalidDossierError(f"Dòng {number} không phải JSON hợp lệ: {error.msg}.", reason="malformed_json")
            continue
        if not isinstance(obj, dict):
            yield number, InvalidDossierError(f"Dòng {number} phải là một đối tượng JSON.", reason="malformed_json")
            continue
        try:
            yield number, schema.load(obj)
        except ValidationError as error:
            yield number, InvalidDossierError(f"Dòng {number}: dữ liệu không hợp lệ.", error.messages,
                                              reason="validation_failed")


class DigestPreviewQuery(Schema):
    date = fields.Date(metadata={"description": "The digest's date (default: today, Asia/Ho_Chi_Minh)"})


class DigestMessage(Schema):
    group = fields.String()
    channel = fields.String()
    text = fields.String(metadata={"description": "At most 2,000 characters; a long digest is several messages"})


class DigestPreviewOut(Schema):
    date = fields.Date()
    messages = fields.List(fields.Nested(DigestMessage))
