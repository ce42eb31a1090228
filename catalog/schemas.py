"""Marshmallow schemas of the catalog API: JSON in → typed values, read-model rows → JSON out."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from catalog.domain import ACTIONS, AUTHORITIES, KINDS, LEVELS, ONLINE, TIME_UNITS
from events.schemas import GroupKeys, Page, ReportPeriodQuery, StrictSchema

CUTOFF = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Giờ dạng HH:MM, ví dụ 15:00.")
REPORT_KEYS = ("authority", "level", "field", "kind", "issuer")


class ProcessingTime(StrictSchema):
    value = fields.Integer(required=True, validate=validate.Range(min=0, max=3650))
    unit = fields.String(required=True, validate=validate.OneOf(TIME_UNITS))


class Entry(StrictSchema):
    """One entry of a decision: what it does to one procedure."""

    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    replaces = fields.String(validate=validate.Length(min=1, max=64), allow_none=True)
    name = fields.String(validate=validate.Length(min=1, max=2000))
    field = fields.String(validate=validate.Length(min=1, max=300))
    levels = fields.List(fields.String(validate=validate.OneOf(LEVELS)), validate=validate.Length(min=1))
    authority = fields.String(validate=validate.OneOf(AUTHORITIES))
    kind = fields.String(validate=validate.OneOf(KINDS))
    online = fields.String(validate=validate.OneOf(ONLINE))
    agency = fields.String(validate=validate.Length(max=1000), allow_none=True)
    processing_time = fields.Nested(ProcessingTime, allow_none=True)
    cutoff = fields.String(validate=CUTOFF, allow_none=True)
    supplement_restarts_clock = fields.Boolean()


class DecisionIn(StrictSchema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=120))
    issuer = fields.String(required=True, validate=validate.Length(min=1, max=300))
    signed_on = fields.Date(required=True)
    effective_on = fields.Date(allow_none=True)
    publicised_on = fields.Date(allow_none=True)
    entries = fields.List(fields.Nested(Entry), required=True, validate=validate.Length(min=1, max=5000))


class PublicationIn(StrictSchema):
    publicised_on = fields.Date(required=True)


class RetractionIn(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class DecisionQuery(Page):
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    issuer = fields.String()
    q = fields.String()


class DecisionOut(Schema):
    id = fields.UUID()
    number = fields.String()
    issuer = fields.String()
    signed_on = fields.Date()
    effective_on = fields.Date()
    publicised_on = fields.Date(allow_none=True)
    status = fields.String(metadata={"description": "`recorded` or `retracted`"})
    entries = fields.List(fields.Dict())
    history = fields.List(fields.Dict(), metadata={"description": "recorded, publicised, retracted: who and when"})


class DecisionPage(Schema):
    items = fields.List(fields.Nested(DecisionOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class ProcedureQuery(Page):
    status = fields.String(load_default="active", validate=validate.OneOf(("active", "abolished", "all")))
    field = fields.String()
    level = fields.String(validate=validate.OneOf(LEVELS))
    authority = fields.String(validate=validate.OneOf(AUTHORITIES))
    kind = fields.String(validate=validate.OneOf(KINDS))
    online = fields.String(validate=validate.OneOf(ONLINE))
    q = fields.String()
    as_of = fields.Date()


class AsOfQuery(Schema):
    as_of = fields.Date()


class DecisionSummary(Schema):
    id = fields.UUID()
    number = fields.String()
    issuer = fields.String()
    signed_on = fields.Date()
    effective_on = fields.Date()


class HistoryItem(Schema):
    action = fields.String()
    decision = fields.Nested(DecisionSummary)
    changes = fields.Dict()
    replaces = fields.String(allow_none=True)
    replaced_by = fields.String(allow_none=True)


class ProcedureOut(Schema):
    code = fields.String()
    name = fields.String()
    field = fields.String()
    levels = fields.List(fields.String())
    authority = fields.String()
    kind = fields.String()
    online = fields.String()
    agency = fields.String(allow_none=True)
    processing_time = fields.Nested(ProcessingTime, allow_none=True)
    cutoff = fields.String(allow_none=True)
    supplement_restarts_clock = fields.Boolean()
    status = fields.String(metadata={"description": "`active` or `abolished` on the date asked"})
    since = fields.Date(metadata={"description": "date the procedure entered its status"})
    history = fields.List(fields.Nested(HistoryItem))


class ProcedureSummary(ProcedureOut):
    class Meta:
        exclude = ("history",)


class ProcedurePage(Schema):
    items = fields.List(fields.Nested(ProcedureSummary))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class ChangeReportQuery(ReportPeriodQuery):
    by = GroupKeys(REPORT_KEYS, load_default=[])
    basis = fields.String(load_default="signed_on", validate=validate.OneOf(("signed_on", "effective_on")))


class ChangeCounts(Schema):
    decisions = fields.Integer()
    new = fields.Integer()
    amended = fields.Integer(metadata={"description": "sửa đổi, bổ sung or thay thế entries (replaced included)"})
    replaced = fields.Integer()
    abolished = fields.Integer()


class ChangeGroup(Schema):
    authority = fields.String()
    level = fields.String()
    field = fields.String()
    kind = fields.String()
    issuer = fields.String()
    decisions = fields.Integer()
    new = fields.Integer()
    amended = fields.Integer()
    replaced = fields.Integer()
    abolished = fields.Integer()


class ChangeReport(Schema):
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    basis = fields.String()
    by = fields.List(fields.String())
    totals = fields.Nested(ChangeCounts)
    groups = fields.List(fields.Nested(ChangeGroup))
