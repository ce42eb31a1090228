"""HTTP API of access control: sign-in sessions, accounts (admins), API tokens, the audit and the access log.

``POST /api/session`` is the only route besides ``/api/health`` that needs no account.
"""

from __future__ import annotations

import datetime as dt
import time

from flask import session
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf

from access import log
from access.audit import audit_entries
from access.errors import ForbiddenError
from access.roles import Permission, allows
from access.schemas import (
    AccessLogPage,
    AccessLogQuery,
    AccountIn,
    AccountList,
    AccountOut,
    AuditPage,
    AuditQuery,
    GrantIn,
    IssuedTokenOut,
    PasswordChangeIn,
    PasswordIn,
    SessionOut,
    SignInIn,
    TokenIn,
    TokenList,
    TokenOut,
)
from config.app import services
from config.auth import actor, principal, requires

blp = Blueprint("access", __name__, url_prefix="/api", description="Đăng nhập, tài khoản, mã truy cập, nhật ký")


def who_am_i() -> dict:
    who = principal()
    return {"account": who.account.name, "roles": list(who.account.roles), "agencies": list(who.account.agencies),
            "via": who.via, "csrf_token": generate_csrf() if who.via == "session" else None}


@blp.route("/session")
class Session(MethodView):
    @requires(Permission.PUBLIC)
    @blp.arguments(SignInIn)
    @blp.response(200, SessionOut)
    @blp.alt_response(401, response="UNAUTHORIZED", description="`invalid_credentials`")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS", description="`sign_in_throttled` or `account_locked`")
    def post(self, body):
        """Sign in with a username and password: sets the session cookie and returns the CSRF token."""
        account = services().accounts.authenticate(body["username"], body["password"])
        session.clear()
        session.permanent = True
        session["account"], session["signed_in_at"] = account.name, time.time()
        return {"account": account.name, "roles": list(account.roles), "agencies": list(account.agencies),
                "via": "session", "csrf_token": generate_csrf()}

    @requires(Permission.SIGNED_IN)
    @blp.response(200, SessionOut)
    def get(self):
        """Who is signed in, with which roles and agencies (and the CSRF token of a cookie session)."""
        return who_am_i()

    @requires(Permission.SIGNED_IN)
    @blp.response(204)
    def delete(self):
        """Sign out: the session cookie is cleared."""
        session.clear()


@blp.route("/session/password", methods=["PUT"])
@requires(Permission.SIGNED_IN)
@blp.arguments(PasswordChangeIn)
@blp.response(200, SessionOut)
@blp.alt_response(401, response="UNAUTHORIZED", description="`invalid_credentials`: the current password is wrong")
@blp.alt_response(429, response="TOO_MANY_REQUESTS", description="`sign_in_throttled` or `account_locked`")
def change_own_password(body):
    """Change your own password (the current one is checked as a sign-in is); your other sessions end, this
    one goes on."""
    name = principal().account.name
    services().accounts.change_own_password(name, body["current_password"], body["password"])
    if principal().via == "session":
        session["signed_in_at"] = time.time()
    return who_am_i()


@blp.route("/users")
class Users(MethodView):
    @requires(Permission.ACCOUNTS_ADMIN)
    @blp.response(200, AccountList)
    def get(self):
        """List accounts with their roles, agencies, failed sign-ins and lock."""
        return {"items": services().accounts.list()}

    @requires(Permission.ACCOUNTS_ADMIN)
    @blp.arguments(AccountIn)
    @blp.response(201, AccountOut)
    @blp.alt_response(409, description="`duplicate_account`")
    def post(self, body):
        """Create an account (without `password` it signs in with tokens only: an integration)."""
        return services().accounts.create(body["name"], roles=body["roles"], agencies=body["agencies"],
                                          password=body["password"], actor=actor())


@blp.route("/users/<string:name>")
@requires(Permission.ACCOUNTS_ADMIN)
@blp.response(200, AccountOut)
def show_user(name: str):
    """Show one account."""
    return services().accounts.get(name)


@blp.route("/users/<string:name>/grant", methods=["POST"])
@requires(Permission.ACCOUNTS_ADMIN)
@blp.arguments(GrantIn)
@blp.response(200, AccountOut)
def grant(body, name: str):
    """Give an account roles and agencies."""
    return services().accounts.grant(name, roles=body["roles"], agencies=body["agencies"], actor=actor())


@blp.route("/users/<string:name>/revoke", methods=["POST"])
@requires(Permission.ACCOUNTS_ADMIN)
@blp.arguments(GrantIn)
@blp.response(200, AccountOut)
def revoke(body, name: str):
    """Take roles and agencies from an account."""
    return services().accounts.revoke(name, roles=body["roles"], agencies=body["agencies"], actor=actor())


@blp.route("/users/<string:name>/password", methods=["PUT"])
@requires(Permission.ACCOUNTS_ADMIN)
@blp.arguments(PasswordIn)
@blp.response(200, AccountOut)
def set_password(body, name: str):
    """Set an account's password (its sessions end; a sign-in lock is lifted)."""
    return services().accounts.set_password(name, body["password"], actor=actor())


@blp.route("/users/<string:name>/lock", methods=["DELETE"])
@requires(Permission.ACCOUNTS_ADMIN)
@blp.response(200, AccountOut)
def unlock(name: str):
    """Lift a sign-in lock and forget the failed sign-ins."""
    return services().accounts.unlock(name, actor=actor())


@blp.route("/tokens")
class Tokens(MethodView):
    @requires(Permission.SIGNED_IN)
    @blp.response(200, TokenList)
    def get(self):
        """List your tokens (admins: every token), never their secrets."""
        is_admin = allows(principal().account.roles, Permission.ACCOUNTS_ADMIN)
        return {"items": services().tokens.list(owner=None if is_admin else actor())}

    @requires(Permission.SIGNED_IN)
    @blp.arguments(TokenIn)
    @blp.response(201, IssuedTokenOut)
    def post(self, body):
        """Create a token for yourself (admins: for any account); the secret is in this response only."""
        owner = body["account"] or actor()
        if owner != actor() and not allows(principal().account.roles, Permission.ACCOUNTS_ADMIN):
            raise ForbiddenError()
        issued = services().tokens.create(owner, label=body["label"], expires_in_days=body["expires_in_days"],
                                          actor=actor())
        return dict(vars(issued.token), token=issued.secret)


@blp.route("/tokens/<int:token_id>", methods=["DELETE"])
@requires(Permission.SIGNED_IN)
@blp.response(200, TokenOut)
@blp.alt_response(404, description="`token_not_found` (or another account's token)")
def revoke_token(token_id: int):
    """Revoke one of your tokens (admins: any token); it is refused from then on."""
    is_admin = allows(principal().account.roles, Permission.ACCOUNTS_ADMIN)
    return services().tokens.revoke(token_id, actor=actor(), owner=None if is_admin else actor())


def moments(args: dict) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``from``/``to`` dates (inclusive, local business days) as a half-open range of aware moments."""
    tz = services().settings.tz
    start = dt.datetime.combine(args["from_"], dt.time(), tz) if args.get("from_") else None
    end = dt.datetime.combine(args["to"] + dt.timedelta(days=1), dt.time(), tz) if args.get("to") else None
    return start, end


@blp.route("/audit")
@requires(Permission.AUDIT_READ)
@blp.arguments(AuditQuery, location="query")
@blp.response(200, AuditPage)
def audit(args):
    """Who did what and when, from the events: filter by `actor`, recording dates `from`/`to` (inclusive)
    and `aggregate` (decision number, procedure or dossier code, or id); newest first."""
    start, end = moments(args)
    svc = services()
    svc.projector.catch_up()
    with svc.projector.engine.connect() as conn:
        return audit_entries(conn, actor=args.get("actor"), start=start, end=end, aggregate=args.get("aggregate"),
                             page=args["page"], per_page=args["per_page"], tz=svc.settings.tz)


@blp.route("/audit/access")
@requires(Permission.AUDIT_READ)
@blp.arguments(AccessLogQuery, location="query")
@blp.response(200, AccessLogPage)
def access_log(args):
    """Account changes (created, granted, revoked, password set, locked, unlocked, tokens created and
    revoked): who, to whom, when; never a secret."""
    start, end = moments(args)
    svc = services()
    with svc.projector.engine.connect() as conn:
        return log.entries(conn, account=args.get("account"), actor=args.get("actor"), start=start, end=end,
                           page=args["page"], per_page=args["per_page"], tz=svc.settings.tz)
