"""Accounts (tài khoản): roles, agencies, passwords, and sign-in with throttling.

Names are lower-case ``[a-z0-9._-]``, 1–64 characters, starting with a letter or digit. An account may hold
several roles (``access.roles.ROLES``) and several agencies (codes checked through ``agency_exists``, a
port to the agency registry built in ``config/``; ``*`` grants every agency). Every change is written to
the access log in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from access import log
from access.errors import (
    AccountNotFoundError,
    DuplicateAccountError,
    InvalidAccountError,
    InvalidCredentialsError,
)
from access.passwords import MIN_LENGTH, Passwords
from access.roles import ALL_AGENCIES, ROLES
from access.tables import account, account_agency, account_role, sign_in_failure
from access.throttle import SignInThrottle, ThrottlePolicy
from access.times import utc, utc_now

NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


@dataclass(frozen=True)
class Account:
    """One account: ``roles`` and ``agencies`` sorted; moments aware UTC; ``failures``/``locked_until`` from
    the sign-in throttle (for admins)."""

    name: str
    roles: tuple[str, ...]
    agencies: tuple[str, ...]
    has_password: bool
    created_at: dt.datetime
    created_by: str
    password_changed_at: dt.datetime | None = None
    failures: int = 0
    locked_until: dt.datetime | None = None


def normalized(username: str) -> str:
    """The username as compared and as the throttle keys it: NFC, trimmed, lower-case, at most 64 chars."""
    return unicodedata.normalize("NFC", username.strip()).lower()[:64]


def generated_password() -> str:
    """A random password (about 120 bits) for first runs and accounts created without one."""
    return secrets.token_urlsafe(15)


class AccountRegistry:
    """The account tables on ``engine``. ``clock()`` gives aware UTC; ``agency_exists(code)`` → bool."""

    def __init__(self, engine: Engine, *, passwords: Passwords, agency_exists: Callable[[str], bool],
                 throttle: ThrottlePolicy | None = None, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.engine = engine
        self.passwords = passwords
        self.agency_exists = agency_exists
        self.clock = clock
        self.throttle = SignInThrottle(throttle or ThrottlePolicy(), clock)

    # -- commands ----------------------------------------------------------------------------------------

    def create(self, name: str, *, roles: Iterable[str], agencies: Iterable[str] = (), password: str | None = None,
               actor: str) -> Account:
        """Create an account. Raises ``InvalidAccountError`` (422: name, roles, agencies, short password) and
        ``DuplicateAccountError`` (409). ``password`` None: the account signs in with tokens only."""
        name, roles, agencies = self._checked(name, roles, agencies, require_role=True)
        if password is not None:
            self._check_password(password)
        now = self.clock()
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(account).values(
                    name=name, password_hash=self.passwords.hash(password) if password is not None else None,
                    password_changed_at=now if password is not None else None, created_at=now, created_by=actor))
                self._add(conn, name, roles, agencies)
                log.record(conn, at=now, actor=actor, action="account_created", account=name, roles=roles,
                           agencies=agencies)
        except IntegrityError:
            raise DuplicateAccountError(f"Tên tài khoản {name} đã được sử dụng.", {"name": ["Đã được sử dụng."]}) from None
        return self.get(name)

    def grant(self, name: str, *, roles: Iterable[str] = (), agencies: Iterable[str] = (), actor: str) -> Account:
        """Add roles and agencies to an account (those it holds already are kept). Raises
        ``AccountNotFoundError`` (404), ``InvalidAccountError`` (422) for none given or unknown ones."""
        roles, agencies = _require_change(roles, agencies)
        current = self.get(name)
        _, roles, agencies = self._checked(name, roles, agencies)
        roles = [r for r in roles if r not in current.roles]
        agencies = [a for a in agencies if a not in current.agencies]
        with self.engine.begin() as conn:
            self._add(conn, current.name, roles, agencies)
            log.record(conn, at=self.clock(), actor=actor, action="granted", account=current.name, roles=roles,
                       agencies=agencies)
        return self.get(name)

    def revoke(self, name: str, *, roles: Iterable[str] = (), agencies: Iterable[str] = (), actor: str) -> Account:
        """Take roles and agencies from an account. Raises ``AccountNotFoundError`` (404),
        ``InvalidAccountError`` (422) when none is given."""
        roles, agencies = _require_change(roles, agencies)
        current = self.get(name)
        roles, agencies = sorted(set(roles)), sorted(set(agencies))
        with self.engine.begin() as conn:
            if roles:
                conn.execute(delete(account_role).where(account_role.c.account_name == current.name,
                                                        account_role.c.role.in_(roles)))
            if agencies:
                conn.execute(delete(account_agency).where(account_agency.c.account_name == current.name,
                                                          account_agency.c.agency_code.in_(agencies)))
            log.record(conn, at=self.clock(), actor=actor, action="revoked", account=current.name, roles=roles,
                       agencies=agencies)
        return self.get(name)

    def set_password(self, name: str, password: str, *, actor: str) -> Account:
        """Replace the password (its sessions end) and lift any sign-in lock."""
        current = self.get(name)
        self._check_password(password)
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(update(account).where(account.c.name == current.name)
                         .values(password_hash=self.passwords.hash(password), password_changed_at=now))
            self.throttle.reset(conn, current.name)
            log.record(conn, at=now, actor=actor, action="password_set", account=current.name)
        return self.get(name)

    def change_own_password(self, name: str, current: str, password: str) -> Account:
        """Replace the signed-in account's own password after checking ``current`` as a sign-in does
        (throttled, and ``InvalidCredentialsError`` when it does not match); its other sessions end."""
        self.authenticate(name, current)
        return self.set_password(name, password, actor=normalized(name))

    def unlock(self, name: str, *, actor: str) -> Account:
        """Clear the failed sign-ins of account ``name``. Raises ``AccountNotFoundError`` (404)."""
        current = self.get(name)
        with self.engine.begin() as conn:
            self.throttle.reset(conn, current.name)
            log.record(conn, at=self.clock(), actor=actor, action="unlocked", account=current.name)
        return self.get(name)

    def authenticate(self, username: str, password: str) -> Account:
        """Return the account whose name and password match, rehashing a hash made with weaker parameters.

        Raises ``SignInThrottledError`` / ``AccountLockedError`` (with ``retry_after``) after repeated
        failures, and ``InvalidCredentialsError`` when the pair does not match, with one message whether or
        not the account exists (the password is checked against a dummy hash when it does not).
        """
        username = normalized(username)
        with self.engine.begin() as conn:
            self.throttle.check(conn, username)
            stored = conn.scalar(select(account.c.password_hash).where(account.c.name == username))
            matches, rehashed = self.passwords.verify(stored, password)
            if not matches:
                if self.throttle.fail(conn, username):
                    log.record(conn, at=self.clock(), actor="system", action="locked", account=username)
        if not matches:
            raise InvalidCredentialsError()
        with self.engine.begin() as conn:
            self.throttle.reset(conn, username)
            if rehashed:
                conn.execute(update(account).where(account.c.name == username).values(password_hash=rehashed))
        return self.get(username)

    # -- queries -----------------------------------------------------------------------------------------

    def get(self, name: str) -> Account:
        """Return the account. Raises ``AccountNotFoundError`` (404)."""
        found = self._load([normalized(name)])
        if not found:
            raise AccountNotFoundError(f"Không tìm thấy tài khoản {name}.")
        return found[0]

    def find(self, name: str) -> Account | None:
        found = self._load([normalized(name)])
        return found[0] if found else None

    def list(self) -> list[Account]:
        """Every account, by name, with its sign-in failures and lock."""
        return self._load(None)

    def count(self) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(account))

    # -- internals ---------------------------------------------------------------------------------------

    def _load(self, names: list[str] | None) -> list[Account]:
        with self.engine.connect() as conn:
            query = select(account, sign_in_failure.c.failures, sign_in_failure.c.locked_until).outerjoin(
                sign_in_failure, sign_in_failure.c.username == account.c.name)
            if names is not None:
                query = query.where(account.c.name.in_(names))
            rows = conn.execute(query.order_by(account.c.name)).mappings().all()
            wanted = [row["name"] for row in rows]
            roles = grouped(conn, account_role.c.account_name, account_role.c.role, wanted)
            agencies = grouped(conn, account_agency.c.account_name, account_agency.c.agency_code, wanted)
        now = self.clock()
        return [Account(
            name=row["name"], roles=tuple(sorted(roles.get(row["name"], ()), key=ROLES.index)),
            agencies=tuple(sorted(agencies.get(row["name"], ()))), has_password=row["password_hash"] is not None,
            created_at=utc(row["created_at"]), created_by=row["created_by"],
            password_changed_at=utc(row["password_changed_at"]), failures=row["failures"] or 0,
            locked_until=locked if (locked := utc(row["locked_until"])) and locked > now else None)
            for row in rows]

    def _checked(self, name: str, roles: Iterable[str], agencies: Iterable[str],
                 require_role: bool = False) -> tuple[str, list[str], list[str]]:
        errors: dict[str, list[str]] = {}
        name = normalized(name)
        if not NAME_PATTERN.fullmatch(name):
            errors["name"] = ["Tên tài khoản gồm 1–64 ký tự a-z, 0-9, '.', '_', '-' và bắt đầu bằng chữ hoặc số."]
        roles = sorted(set(roles), key=lambda r: ROLES.index(r) if r in ROLES else len(ROLES))
        unknown_roles = [r for r in roles if r not in ROLES]
        if unknown_roles:
            errors["roles"] = [f"Vai trò không tồn tại: {', '.join(unknown_roles)} (có: {', '.join(ROLES)})."]
        elif require_role and not roles:
            errors["roles"] = ["Cần ít nhất một vai trò."]
        agencies = sorted({code.strip() for code in agencies})
        unknown = [code for code in agencies if code != ALL_AGENCIES and not self.agency_exists(code)]
        if unknown:
            errors["agencies"] = [f"Đơn vị không tồn tại: {', '.join(unknown)}."]
        if errors:
            raise InvalidAccountError(errors=errors)
        return name, roles, agencies

    @staticmethod
    def _check_password(password: str) -> None:
        if len(password) < MIN_LENGTH:
            raise InvalidAccountError(errors={"password": [f"Mật khẩu cần ít nhất {MIN_LENGTH} ký tự."]})

    @staticmethod
    def _add(conn: Connection, name: str, roles: list[str], agencies: list[str]) -> None:
        if roles:
            conn.execute(insert(account_role), [{"account_name": name, "role": role} for role in roles])
        if agencies:
            conn.execute(insert(account_agency), [{"account_name": name, "agency_code": code} for code in agencies])


def grouped(conn: Connection, key, value, names: list[str]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    if names:
        for k, v in conn.execute(select(key, value).where(key.in_(names))):
            result.setdefault(k, []).append(v)
    return result


def _require_change(roles: Iterable[str], agencies: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return ``(roles, agencies)`` as tuples; refuse a grant or revocation that names neither."""
    roles, agencies = tuple(roles), tuple(agencies)
    if not roles and not agencies:
        raise InvalidAccountError(errors={"roles": ["Cần ít nhất một vai trò hoặc một đơn vị."]})
    return roles, agencies
