"""Accounts, passwords, tokens and the sign-in throttle on real SQLite and PostgreSQL databases."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from argon2 import PasswordHasher
from sqlalchemy import MetaData, create_engine, select

from access.accounts import AccountRegistry
from access.errors import (
    AccountLockedError,
    DuplicateAccountError,
    InvalidAccountError,
    InvalidCredentialsError,
    InvalidTokenError,
    SignInThrottledError,
)
from access.passwords import Passwords
from access.tables import (
    access_log,
    account,
    account_agency,
    account_role,
    api_token,
    audit_view,
    sign_in_failure,
)
from access.throttle import ThrottlePolicy
from access.tokens import TokenStore
from tests.conftest import FAST_PASSWORDS

T0 = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)
TABLES = (account, account_role, account_agency, api_token, sign_in_failure, access_log, audit_view)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime = T0) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def engine(database_url):
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def accounts(engine, clock):
    return AccountRegistry(engine, passwords=FAST_PASSWORDS, agency_exists=lambda code: code in {"G09.31", "G09"},
                           clock=clock)


def test_the_tables_match_their_migration(engine):
    target = MetaData(naming_convention=account.metadata.naming_convention)
    for table in TABLES:
        table.to_metadata(target)
    names = {table.name for table in TABLES}
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "include_name": lambda name, type_, parents: type_ != "table" or name in names})
        assert compare_metadata(context, target) == []


def test_a_password_is_stored_as_an_argon2id_hash_and_checked(accounts, engine):
    accounts.create("lan", roles=["officer"], agencies=["G09.31"], password="mật khẩu dài đủ", actor="admin")

    with engine.connect() as conn:
        stored = conn.scalar(select(account.c.password_hash).where(account.c.name == "lan"))
    assert stored.startswith("$argon2id$") and "mật khẩu" not in stored
    assert accounts.authenticate("Lan ", "mật khẩu dài đủ").name == "lan"
    with pytest.raises(InvalidCredentialsError) as wrong:
        accounts.authenticate("lan", "mật khẩu sai rồi")
    with pytest.raises(InvalidCredentialsError) as unknown:
        accounts.authenticate("không-có-ai", "mật khẩu dài đủ")
    assert (wrong.value.message, unknown.value.message) == ("Tên đăng nhập hoặc mật khẩu không đúng.",) * 2


def test_a_hash_made_with_weaker_parameters_is_replaced_on_sign_in(engine, clock):
    weak = AccountRegistry(engine, passwords=FAST_PASSWORDS, agency_exists=lambda code: True, clock=clock)
    weak.create("lan", roles=["viewer"], password="mật khẩu dài đủ", actor="admin")
    stronger = Passwords(PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))
    accounts = AccountRegistry(engine, passwords=stronger, agency_exists=lambda code: True, clock=clock)

    accounts.authenticate("lan", "mật khẩu dài đủ")

    with engine.connect() as conn:
        stored = conn.scalar(select(account.c.password_hash).where(account.c.name == "lan"))
    assert "$m=16,t=2,p=1$" in stored
    assert accounts.authenticate("lan", "mật khẩu dài đủ").name == "lan"


def test_accounts_refuse_bad_names_roles_agencies_short_passwords_and_duplicates(accounts):
    with pytest.raises(InvalidAccountError) as refused:
        accounts.create("Lan Nguyễn", roles=["boss"], agencies=["G99"], password="ngắn", actor="admin")
    assert set(refused.value.errors) == {"name", "roles", "agencies"}
    with pytest.raises(InvalidAccountError) as short:
        accounts.create("lan", roles=["viewer"], password="ngắn", actor="admin")
    assert set(short.value.errors) == {"password"}
    accounts.create("lan", roles=["viewer"], actor="admin")
    with pytest.raises(DuplicateAccountError):
        accounts.create("LAN", roles=["kstt"], actor="admin")


def test_grants_and_revokes_change_roles_and_agencies_and_are_logged(accounts, engine):
    accounts.create("lan", roles=["viewer"], actor="admin")
    accounts.grant("lan", roles=["officer", "viewer"], agencies=["G09.31", "*"], actor="admin")
    revoked = accounts.revoke("lan", roles=["viewer"], agencies=["*"], actor="boss")

    assert (revoked.roles, revoked.agencies) == (("officer",), ("G09.31",))
    with engine.connect() as conn:
        rows = conn.execute(select(access_log.c.actor, access_log.c.action, access_log.c.detail)
                            .order_by(access_log.c.id)).all()
    assert [tuple(row) for row in rows] == [
        ("admin", "account_created", {"roles": ["viewer"], "agencies": []}),
        ("admin", "granted", {"roles": ["officer"], "agencies": ["*", "G09.31"]}),
        ("boss", "revoked", {"roles": ["viewer"], "agencies": ["*"]}),
    ]


def test_failures_slow_sign_in_then_lock_it_and_a_success_resets_the_count(accounts, clock):
    accounts.create("lan", roles=["viewer"], password="mật khẩu dài đủ", actor="admin")
    for _ in range(3):
        with pytest.raises(InvalidCredentialsError):
            accounts.authenticate("lan", "sai mật khẩu")
    with pytest.raises(SignInThrottledError) as throttled:  # 3 failures: wait 2^0 = 1 s
        accounts.authenticate("lan", "mật khẩu dài đủ")
    assert throttled.value.retry_after == 1
    clock.advance(seconds=1)
    with pytest.raises(InvalidCredentialsError):
        accounts.authenticate("lan", "sai mật khẩu")
    with pytest.raises(SignInThrottledError) as longer:  # 4 failures: 2 s
        accounts.authenticate("lan", "mật khẩu dài đủ")
    assert longer.value.retry_after == 2
    clock.advance(seconds=2)
    assert accounts.authenticate("lan", "mật khẩu dài đủ").failures == 0


def test_ten_failures_lock_sign_in_for_fifteen_minutes_for_unknown_names_too(accounts, clock):
    accounts.create("lan", roles=["viewer"], password="mật khẩu dài đủ", actor="admin")
    for name in ("lan", "không-có-ai"):
        for n in range(10):
            with pytest.raises(InvalidCredentialsError):
                accounts.authenticate(name, "sai mật khẩu")
            clock.advance(seconds=2 ** max(0, n - 2))
        with pytest.raises(AccountLockedError) as locked:
            accounts.authenticate(name, "mật khẩu dài đủ")
        assert 0 < locked.value.retry_after <= 15 * 60
    assert accounts.get("lan").locked_until is not None
    clock.advance(minutes=15)
    assert accounts.authenticate("lan", "mật khẩu dài đủ").name == "lan"


def test_an_admin_unlocks_an_account(accounts):
    accounts.create("lan", roles=["viewer"], password="mật khẩu dài đủ", actor="admin")
    accounts.throttle.policy = ThrottlePolicy(delay_after=100, lock_after=2, lock_minutes=15)
    for _ in range(2):
        with pytest.raises(InvalidCredentialsError):
            accounts.authenticate("lan", "sai mật khẩu")
    assert accounts.get("lan").locked_until is not None

    unlocked = accounts.unlock("lan", actor="admin")

    assert (unlocked.failures, unlocked.locked_until) == (0, None)
    assert accounts.authenticate("lan", "mật khẩu dài đủ").name == "lan"


def test_tokens_are_stored_as_sha256_only_and_refused_once_expired_or_revoked(accounts, engine, clock):
    accounts.create("cong-dvc", roles=["officer"], agencies=["G09.31"], actor="admin")
    tokens = TokenStore(engine, clock)
    issued = tokens.create("cong-dvc", label="cổng DVC", expires_in_days=30, actor="admin")
    forever = tokens.create("cong-dvc", label="đồng bộ", expires_in_days=None, actor="admin")

    assert issued.secret.startswith("tthc_") and len(issued.secret) == 48
    with engine.connect() as conn:
        stored = [tuple(row) for row in conn.execute(select(api_token))]
    assert not any(issued.secret in str(value) or issued.secret[5:] in str(value) for row in stored for value in row)
    assert tokens.authenticate(issued.secret) == "cong-dvc"
    assert tokens.get(issued.token.id).last_used_at == T0
    clock.advance(days=30)
    with pytest.raises(InvalidTokenError):
        tokens.authenticate(issued.secret)
    tokens.revoke(forever.token.id, actor="admin")
    with pytest.raises(InvalidTokenError):
        tokens.authenticate(forever.secret)
    with pytest.raises(InvalidTokenError):
        tokens.authenticate("tthc_" + "x" * 43)
