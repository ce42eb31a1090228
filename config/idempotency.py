"""``Idempotency-Key`` on every POST command (``shared/api.md`` → Conventions).

The first successful (2xx) response to a key is stored with a fingerprint of the request (method, path and
canonical JSON body). The same key with the same request replays that response and records nothing; with
another request it is 422 ``idempotency_key_reused``. Refusals and failures are not stored, so a client may
retry them with the same key. Two requests racing with one key both run; the commands' own natural keys
(a decision's number and issuer, aggregate versions) then refuse the second, so nothing is recorded twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from flask import Flask, Response, g, request
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    LargeBinary,
    String,
    Table,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError

from config.errors import error_response
from events.tables import metadata

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255

idempotency_key = Table(
    "idempotency_key",
    metadata,
    Column("key", String(MAX_KEY_LENGTH), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("content_type", String(120), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def fingerprint() -> str:
    """Hash the account, the request's method, path and body (JSON compared after parsing, so spacing does not
    count): one account's key never replays another account's response."""
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, ensure_ascii=False).encode()
    except ValueError:
        body = raw
    who = g.get("principal")
    account = who.account.name.encode() if who is not None else b""
    return hashlib.sha256(b"\n".join([account, request.method.encode(), request.path.encode(), body])).hexdigest()


def init_app(app: Flask, engine_of) -> None:
    """Install the replay check before, and the recording after, every POST carrying the header.

    ``engine_of()`` returns the engine of the current application's database.
    """

    @app.before_request
    def replay_or_refuse():
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None:
            return None
        if not key or len(key) > MAX_KEY_LENGTH:
            return error_response(422, "idempotency_key_invalid",
                                  f"Idempotency-Key phải có từ 1 đến {MAX_KEY_LENGTH} ký tự.")
        g.idempotency = (key, fingerprint())
        with engine_of().connect() as conn:
            stored = conn.execute(select(idempotency_key).where(idempotency_key.c.key == key)).mappings().first()
        if stored is None:
            return None
        g.idempotency = None  # a replay is not stored again
        if stored["fingerprint"] != fingerprint():
            return error_response(422, "idempotency_key_reused",
                                  "Idempotency-Key này đã được dùng cho một yêu cầu khác.")
        return Response(stored["body"], status=stored["status_code"], content_type=stored["content_type"])

    @app.after_request
    def remember(response: Response) -> Response:
        pending = g.pop("idempotency", None)
        if pending is None or not 200 <= response.status_code < 300:
            return response
        key, digest = pending
        try:
            with engine_of().begin() as conn:
                conn.execute(insert(idempotency_key).values(
                    key=key, fingerprint=digest, status_code=response.status_code,
                    content_type=response.content_type, body=response.get_data(),
                    created_at=dt.datetime.now(dt.timezone.utc)))
        except IntegrityError:
            pass  # a racing request with the same key stored its response first
        return response
