"""Authentication and authorization of every request, in one place.

Every view declares what it needs with :func:`requires` (routes the team does not write — the OpenAPI
document, Swagger UI and its assets — are declared in ``DECLARED``). One ``before_request`` hook
authenticates the request (``Authorization: Bearer <token>``, else the session cookie), checks the CSRF
header on cookie-authenticated changes, and refuses a missing account (401), a missing role (403) or an
undeclared route (403). Views read the account with :func:`principal` and record :func:`actor`.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app, g, request, session
from flask_smorest import Api, Blueprint
from flask_wtf.csrf import CSRFProtect

from access.accounts import Account
from access.errors import (
    ForbiddenAgencyError,
    ForbiddenError,
    InvalidTokenError,
    NotSignedInError,
)
from access.masking import masked_applicant
from access.roles import Permission, allows, roles_for
from access.scope import AgencyScope, agency_scope, may_act_on, may_see_personal_data
from config.settings import Settings

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SESSION_COOKIE = "tthc_session"
# endpoints registered by libraries, declared here because their views cannot carry ``requires``
DECLARED: dict[str, Permission] = {
    "api-docs.openapi_json": Permission.SIGNED_IN,
    "api-docs.openapi_swagger_ui": Permission.SIGNED_IN,
    "static": Permission.SIGNED_IN,
}
SECURITY = [{"bearerAuth": []}, {"sessionCookie": []}]
_docs = Blueprint("access_docs", __name__)  # only to document 401/403 with flask-smorest's own decorator
csrf = CSRFProtect()


def requires(permission: Permission):
    """Declare what a view (function or MethodView method) needs, and document it in OpenAPI: ``security``,
    ``x-roles`` and the 401/403 responses. ``Permission.PUBLIC`` routes need no account."""

    def decorator(func):
        if permission is Permission.PUBLIC:
            func = Blueprint.doc(security=[], **{"x-roles": []})(func)
        else:
            roles = list(roles_for(permission))
            func = Blueprint.doc(security=SECURITY, **{"x-roles": roles})(func)
            func = _docs.alt_response(401, response="UNAUTHORIZED")(func)
            func = _docs.alt_response(403, response="FORBIDDEN")(func)
        func.permission = permission
        return func

    return decorator


@dataclass
class Principal:
    """The signed-in account of the request and how it signed in (``token`` or ``session``)."""

    account: Account
    via: str
    _scope: AgencyScope | None = field(default=None, repr=False)

    @property
    def scope(self) -> AgencyScope:
        if self._scope is None:
            self._scope = agency_scope(self.account.agencies, _services().agencies.with_subunits)
        return self._scope


def _services():
    return current_app.extensions["tthc"]


def declared_permission(endpoint: str | None) -> Permission | None:
    """The permission the endpoint's view declares for the request's method, or None when undeclared."""
    if endpoint in DECLARED:
        return DECLARED[endpoint]
    view = current_app.view_functions.get(endpoint)
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        method = request.method.lower()
        handler = getattr(view_class, "get" if method == "head" else method, None)
        if handler is None:  # OPTIONS and the like: any account
            return Permission.SIGNED_IN
        return getattr(handler, "permission", None)
    return getattr(view, "permission", None)


def authenticate() -> Principal | None:
    """The request's account from its bearer token, else its session; None when it carries neither.

    Raises ``InvalidTokenError`` for an unknown, expired or revoked token or another auth scheme."""
    services = _services()
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise InvalidTokenError()
        account = services.accounts.find(services.tokens.authenticate(secret.strip()))
        if account is None:
            raise InvalidTokenError()
        return Principal(account, "token")
    name = session.get("account")
    if name is None:
        return None
    account = services.accounts.find(name)
    signed_in_at = session.get("signed_in_at", 0)
    if account is None or (account.password_changed_at and signed_in_at < account.password_changed_at.timestamp()):
        session.clear()  # the account is gone or its password changed since: the session is void
        return None
    return Principal(account, "session")


def enforce() -> None:
    """The ``before_request`` hook: authenticate, check CSRF and the endpoint's declared permission."""
    if request.endpoint is None:  # 404/405: nothing to protect
        return
    permission = declared_permission(request.endpoint)
    if permission is Permission.PUBLIC:  # health answers even when the database cannot check credentials
        g.principal = None
        return
    g.principal = authenticate()
    if g.principal is None:
        raise NotSignedInError()
    if g.principal.via == "session" and request.method in UNSAFE_METHODS:
        csrf.protect()
    if permission is None or not allows(g.principal.account.roles, permission):
        raise ForbiddenError()


def principal() -> Principal:
    """The signed-in account of the current request (every non-public route has one)."""
    if g.get("principal") is None:
        raise NotSignedInError()
    return g.principal


def actor() -> str:
    """The name recorded as the ``actor`` of the current request's commands: the signed-in account."""
    return principal().account.name


def authorize_agencies(agency_codes: list[str]) -> None:
    """Refuse (403 ``forbidden_agency``) an account that may not act on a dossier of ``agency_codes``."""
    who = principal()
    if not may_act_on(who.account.roles, who.scope, agency_codes):
        raise ForbiddenAgencyError()


def admits_agency(agency_code: str) -> bool:
    """Whether the current account may receive a dossier at ``agency_code`` (for bulk import lines)."""
    who = principal()
    return may_act_on(who.account.roles, who.scope, [agency_code])


def presented(dossier: dict) -> dict:
    """The dossier as the current account may see it: the applicant masked unless it may see personal data."""
    who = principal()
    codes = [dossier["agency"]["code"], dossier["handling_agency"]["code"]]
    if may_see_personal_data(who.account.roles, who.scope, codes):
        return dossier
    return dict(dossier, applicant=masked_applicant(dossier.get("applicant")))


def secret_key(settings: Settings) -> str:
    """``TTHC_SECRET_KEY``, else a key generated once into ``<instance>/secret_key`` (mode 0600); never in
    the database, so a stolen database cannot forge sessions."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process wrote it first
            return path.read_text().strip()
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
    return path.read_text().strip()


def init_app(app: Flask, api: Api, settings: Settings) -> None:
    """Configure sessions and CSRF, document the security schemes, and install :func:`enforce` (before any
    other ``before_request`` hook, so nothing runs for a refused request)."""
    app.config.update(
        SECRET_KEY=secret_key(settings), SESSION_COOKIE_NAME=SESSION_COOKIE, SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=settings.cookie_secure,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=settings.session_hours),
        WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_HEADERS=["X-CSRF-Token"], WTF_CSRF_TIME_LIMIT=None,
    )
    csrf.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer",
                                                       "description": "A token from `tthc tokens create` or "
                                                                      "`POST /api/tokens`"})
    api.spec.components.security_scheme("sessionCookie", {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE,
                                                          "description": "From `POST /api/session`; changes "
                                                                         "need the `X-CSRF-Token` header"})
    app.before_request_funcs.setdefault(None, []).insert(0, enforce)
