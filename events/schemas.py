"""Schema helpers both contexts' APIs share: strict input, pagination, comma-separated group keys."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate


class StrictSchema(Schema):
    """Refuses unknown fields (422), so a misspelt field is never silently ignored."""

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
