"""Marshmallow schemas of the tracker API: JSON in → typed values, registry records → JSON out."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from tracker.agencies import LEVELS, MAX_CODE, MAX_NAME, STATUSES

CODE = validate.Regexp(rf"^\S{{1,{MAX_CODE}}}$", error=f"Mã đơn vị gồm 1 đến {MAX_CODE} ký tự, không có khoảng trắng.")
NAME = validate.Length(min=1, max=MAX_NAME, error=f"Tên đơn vị gồm 1 đến {MAX_NAME} ký tự.")
LEVEL = validate.OneOf(LEVELS, error="Cấp không hợp lệ; chọn trong {choices}.")


class StrictSchema(Schema):
    class Meta:
        unknown = "raise"


class Page(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


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
