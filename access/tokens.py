"""API tokens (mã truy cập) for programs: random, shown once, stored as SHA-256 only.

A token is ``tthc_`` + 43 URL-safe characters (32 random bytes). Such a high-entropy secret needs no slow
hash: SHA-256 cannot be reversed or guessed, so a stolen database yields no usable token. Expired and
revoked tokens are refused like unknown ones (``InvalidTokenError``, 401).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from access import log
from access.errors import InvalidAccountError, InvalidTokenError, TokenNotFoundError
from access.tables import account, api_token
from access.times import utc, utc_now

PREFIX = "tthc_"
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)  # ``last_used_at`` is written at most once a minute per token


@dataclass(frozen=True)
class Token:
    """A token's record (never its secret): moments aware UTC."""

    id: int
    account: str
    label: str
    created_at: dt.datetime
    created_by: str
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``secret`` is shown to its creator once and stored nowhere."""

    secret: str
    token: Token


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class TokenStore:
    """The ``api_token`` table on ``engine``; ``clock()`` gives aware UTC."""

    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    def create(self, account_name: str, *, label: str, expires_in_days: int | None, actor: str) -> IssuedToken:
        """Issue a token for ``account_name`` valid ``expires_in_days`` days (None: until revoked).

        Raises ``InvalidAccountError`` (422) for a non-positive duration or an unknown account."""
        if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
            raise InvalidAccountError(errors={"expires_in_days": ["Thời hạn từ 1 đến 3650 ngày."]})
        secret = PREFIX + secrets.token_urlsafe(32)
        now = self.clock()
        expires_at = now + dt.timedelta(days=expires_in_days) if expires_in_days else None
        with self.engine.begin() as conn:
            if conn.scalar(select(account.c.name).where(account.c.name == account_name)) is None:
                raise InvalidAccountError(errors={"account": [f"Không tìm thấy tài khoản {account_name}."]})
            token_id = conn.execute(insert(api_token).values(
                token_sha256=digest(secret), account_name=account_name, label=label, created_at=now,
                created_by=actor, expires_at=expires_at).returning(api_token.c.id)).scalar_one()
            log.record(conn, at=now, actor=actor, action="token_created", account=account_name, token=token_id,
                       label=label)
        return IssuedToken(secret, self.get(token_id))

    def authenticate(self, secret: str) -> str:
        """Return the account name the token belongs to. Raises ``InvalidTokenError`` (unknown, expired,
        revoked)."""
        now = self.clock()
        with self.engine.connect() as conn:
            row = conn.execute(select(api_token).where(api_token.c.token_sha256 == digest(secret))).mappings().first()
        if row is None or row["revoked_at"] is not None or (row["expires_at"] and utc(row["expires_at"]) <= now):
            raise InvalidTokenError()
        last_used = utc(row["last_used_at"])
        if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
            with self.engine.begin() as conn:
                conn.execute(update(api_token).where(api_token.c.id == row["id"]).values(last_used_at=now))
        return row["account_name"]

    def revoke(self, token_id: int, *, actor: str, owner: str | None = None) -> Token:
        """Revoke a token (of ``owner`` only, when given). Raises ``TokenNotFoundError`` (404)."""
        token = self.get(token_id, owner=owner)
        if token.revoked_at is None:
            now = self.clock()
            with self.engine.begin() as conn:
                conn.execute(update(api_token).where(api_token.c.id == token_id)
                             .values(revoked_at=now, revoked_by=actor))
                log.record(conn, at=now, actor=actor, action="token_revoked", account=token.account, token=token_id,
                           label=token.label)
        return self.get(token_id)

    def get(self, token_id: int, *, owner: str | None = None) -> Token:
        found = self.list(owner=owner, token_id=token_id)
        if not found:
            raise TokenNotFoundError()
        return found[0]

    def list(self, *, owner: str | None = None, token_id: int | None = None) -> list[Token]:
        """Tokens (of ``owner`` when given), newest first."""
        query = select(api_token)
        if owner is not None:
            query = query.where(api_token.c.account_name == owner)
        if token_id is not None:
            query = query.where(api_token.c.id == token_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(api_token.c.id.desc())).mappings().all()
        return [Token(id=row["id"], account=row["account_name"], label=row["label"], created_at=utc(row["created_at"]),
                      created_by=row["created_by"], expires_at=utc(row["expires_at"]),
                      revoked_at=utc(row["revoked_at"]), last_used_at=utc(row["last_used_at"])) for row in rows]
