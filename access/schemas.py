"""Marshmallow schemas of the access API: sign-in, accounts, tokens, the audit and the access log."""

from __future__ import annotations

from marshmallow import fields, validate

from access.roles import ROLES
from events.schemas import Page, StrictSchema

ROLE = validate.OneOf(ROLES)


class SignInIn(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=1000))


class SessionOut(StrictSchema):
    account = fields.String()
    roles = fields.List(fields.String())
    agencies = fields.List(fields.String())
    via = fields.String(metadata={"description": "`session` or `token`"})
    csrf_token = fields.String(allow_none=True, metadata={"description": "send it as `X-CSRF-Token` on changes"})


class AccountIn(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    roles = fields.List(fields.String(validate=ROLE), required=True, validate=validate.Length(min=1))
    agencies = fields.List(fields.String(validate=validate.Length(min=1, max=64)), load_default=list)
    password = fields.String(load_only=True, allow_none=True, load_default=None,
                             metadata={"description": "omitted: the account signs in with tokens only"})


class GrantIn(StrictSchema):
    roles = fields.List(fields.String(validate=ROLE), load_default=list)
    agencies = fields.List(fields.String(validate=validate.Length(min=1, max=64)), load_default=list)


class PasswordIn(StrictSchema):
    password = fields.String(required=True, load_only=True)


class PasswordChangeIn(PasswordIn):
    current_password = fields.String(required=True, load_only=True)


class AccountOut(StrictSchema):
    name = fields.String()
    roles = fields.List(fields.String())
    agencies = fields.List(fields.String())
    has_password = fields.Boolean()
    created_at = fields.AwareDateTime()
    created_by = fields.String()
    password_changed_at = fields.AwareDateTime(allow_none=True)
    failures = fields.Integer(metadata={"description": "consecutive failed sign-ins"})
    locked_until = fields.AwareDateTime(allow_none=True, metadata={"description": "sign-in locked until then"})


class AccountList(StrictSchema):
    items = fields.List(fields.Nested(AccountOut))


class TokenIn(StrictSchema):
    label = fields.String(required=True, validate=validate.Length(min=1, max=200))
    expires_in_days = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=1, max=3650))
    account = fields.String(load_default=None, validate=validate.Length(min=1, max=64),
                            metadata={"description": "admins only: issue it for another (integration) account"})


class TokenOut(StrictSchema):
    id = fields.Integer()
    account = fields.String()
    label = fields.String()
    created_at = fields.AwareDateTime()
    created_by = fields.String()
    expires_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)
    last_used_at = fields.AwareDateTime(allow_none=True)


class IssuedTokenOut(TokenOut):
    token = fields.String(metadata={"description": "the secret, shown this once and stored nowhere"})


class TokenList(StrictSchema):
    items = fields.List(fields.Nested(TokenOut))


class AuditQuery(Page):
    actor = fields.String(validate=validate.Length(max=200))
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    aggregate = fields.String(validate=validate.Length(max=200),
                              metadata={"description": "decision number, procedure or dossier code, or id"})


class AggregateOut(StrictSchema):
    kind = fields.String()
    key = fields.String(allow_none=True)
    id = fields.String()


class AuditEntryOut(StrictSchema):
    recorded_at = fields.AwareDateTime()
    occurred_at = fields.AwareDateTime(allow_none=True)
    actor = fields.String()
    application = fields.String()
    aggregate = fields.Nested(AggregateOut)
    event = fields.String()
    version = fields.Integer()


class AuditPage(StrictSchema):
    items = fields.List(fields.Nested(AuditEntryOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class AccessLogQuery(Page):
    account = fields.String(validate=validate.Length(max=64))
    actor = fields.String(validate=validate.Length(max=200))
    from_ = fields.Date(data_key="from")
    to = fields.Date()


class AccessLogEntryOut(StrictSchema):
    id = fields.Integer()
    at = fields.AwareDateTime()
    actor = fields.String()
    action = fields.String()
    account = fields.String()
    detail = fields.Dict()


class AccessLogPage(StrictSchema):
    items = fields.List(fields.Nested(AccessLogEntryOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
