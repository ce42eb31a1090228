"""Schema helpers both contexts' APIs share: strict input, pagination, comma-separated group keys."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

# Vietnamese for the messages people meet most (marshmallow's are English); set before any field is built,
# since a field collects its messages when it is constructed.
VIETNAMESE_MESSAGES = {
    fields.Field: {"required": "Trường này là bắt buộc.", "null": "Trường này không được để trống (null).",
                   "validator_failed": "Giá trị không hợp lệ."},
    fields.String: {"invalid": "Phải là một chuỗi ký tự."},
    fields.Integer: {"invalid": "Phải là một số nguyên."},
    fields.Number: {"invalid": "Phải là một số."},
    fields.Boolean: {"invalid": "Phải là true hoặc false."},
    fields.Date: {"invalid": "Ngày không hợp lệ: dùng YYYY-MM-DD."},
    fields.List: {"invalid": "Phải là một danh sách."},
    fields.Nested: {"type": "Phải là một đối tượng JSON."},
    fields.Dict: {"invalid": "Phải là một đối tượng JSON."},
}
for _field, _messages in VIETNAMESE_MESSAGES.items():
    _field.default_error_messages = {**_field.default_error_messages, **_messages}
validate.OneOf.default_message = "Phải là một trong: {choices}."
validate.Length.message_min = "Độ dài tối thiểu là {min}."
validate.Length.message_max = "Độ dài tối đa là {max}."
validate.Length.message_all = "Độ dài phải từ {min} đến {max}."
validate.Range.message_min = "Phải {min_op} {{min}}."
validate.Range.message_max = "Phải {max_op} {{max}}."
validate.Range.message_all = "Phải {min_op} {{min}} và {max_op} {{max}}."
validate.Range.message_gte, validate.Range.message_gt = "lớn hơn hoặc bằng", "lớn hơn"
validate.Range.message_lte, validate.Range.message_lt = "nhỏ hơn hoặc bằng", "nhỏ hơn"


class StrictSchema(Schema):
    """Refuses unknown fields (422), so a misspelt field is never silently ignored."""

    error_messages = {"unknown": "Trường không được hỗ trợ.", "type": "Phải là một đối tượng JSON."}

    class Meta:
        unknown = "raise"


class Page(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class GroupKeys(fields.String):
    """A comma-separated list of group keys, e.g. ``authority,level``."""

    def __init__(self, allowed: tuple[str, ...], **kwargs) -> None:
        super().__init__(**kwargs)
        self.allowed = allowed

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        keys = [key.strip() for key in text.split(",") if key.strip()]
        unknown = [key for key in keys if key not in self.allowed]
        if unknown:
            raise ValidationError(f"Khóa không hợp lệ: {', '.join(unknown)}; chọn trong {', '.join(self.allowed)}.")
        if len(set(keys)) != len(keys):
            raise ValidationError("Mỗi khóa chỉ được dùng một lần.")
        return keys


class ReportPeriodQuery(Schema):
    """``from``/``to`` (inclusive dates, ``from`` ≤ ``to``) and ``format`` (``json``, ``csv``, ``xlsx``) of a report."""

    from_ = fields.Date(data_key="from", required=True)
    to = fields.Date(required=True)
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv", "xlsx")))

    @validates_schema
    def period_in_order(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.", "from")
