"""Shared fixtures: a migrated database per test (SQLite file; PostgreSQL too where configured)."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from access.passwords import Passwords
from access.roles import ALL_AGENCIES, ROLES
from config import migrate
from config.services import build_services
from config.settings import Settings

SHARED_DATA = Path(os.environ.get("TTHC_NATIONAL_DATA")
                   or Path(__file__).resolve().parents[2] / "shared" / "data" / "tthc-dvcqg")
POSTGRES_URL = os.environ.get("TTHC_TEST_DATABASE_URL", "")


def postgres_database() -> str:
    """Create a fresh database on the test server and return its URL (dropped by the caller)."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"tthc_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = make_url(url).database
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# Argon2id at its cheapest, passed explicitly to the tests' services: fast tests, and no setting can do this
FAST_PASSWORDS = Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
TESTER = "tester"  # the account every default test client signs in as: every role, every agency


def bearer_client_class(secret: str) -> type[FlaskClient]:
    """A test client class that sends ``Authorization: Bearer <secret>`` on every request."""

    class BearerClient(FlaskClient):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"

    return BearerClient


def sign_in_test_clients(app) -> None:
    """Create the ``tester`` account and make ``app.test_client()`` send its token, so the tests written
    before access control keep their meaning. ``anonymous(app)`` gives a client without credentials."""
    services = app.extensions["tthc"]
    services.accounts.create(TESTER, roles=ROLES, agencies=[ALL_AGENCIES], actor="tests")
    secret = services.tokens.create(TESTER, label="tests", expires_in_days=None, actor="tests").secret
    app.test_client_class = bearer_client_class(secret)


def anonymous(app) -> FlaskClient:
    """A test client that carries no token (it keeps cookies, e.g. a session after ``POST /api/session``)."""
    return FlaskClient(app, app.response_class, use_cookies=True)


def token_client(app, name: str, *, roles, agencies=()) -> FlaskClient:
    """Create account ``name`` with ``roles`` and ``agencies`` and return a client signed in with its token."""
    services = app.extensions["tthc"]
    services.accounts.create(name, roles=roles, agencies=agencies, actor="tests")
    secret = services.tokens.create(name, label="tests", expires_in_days=None, actor="tests").secret
    return bearer_client_class(secret)(app, app.response_class, use_cookies=True)


STORES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextmanager
def migrated_database(store: str, tmp_path):
    """Yield the URL of a freshly migrated, empty database of ``store`` (``sqlite`` or ``postgresql``);
    a PostgreSQL database is created for the caller and dropped afterwards."""
    if store == "sqlite":
        url = f"sqlite:///{tmp_path / 'tthc.db'}"
    elif not POSTGRES_URL:
        pytest.skip("TTHC_TEST_DATABASE_URL is not set: PostgreSQL variant not run")
    else:
        url = postgres_database()
    try:
        migrate.upgrade(url)
        yield url
    finally:
        if store == "postgresql":
            drop_postgres_database(url)


@contextmanager
def application(url: str, tmp_path):
    """Yield a test application with its own services on the migrated database at ``url``."""
    from config.app import create_app

    settings = Settings(instance_path=tmp_path, database_url=url, cookie_secure=False)
    services = build_services(settings, FAST_PASSWORDS)
    try:
        app = create_app(settings, services)
        app.config["TESTING"] = True
        sign_in_test_clients(app)
        yield app
    finally:
        services.close()


@contextmanager
def migrated_app(store: str, tmp_path):
    """Yield a test application on a freshly migrated database of ``store``."""
    with migrated_database(store, tmp_path) as url, application(url, tmp_path) as app:
        yield app


@pytest.fixture(params=STORES)
def database_url(request, tmp_path):
    """A migrated, empty database: a SQLite file, and a fresh PostgreSQL database when configured."""
    with migrated_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path):
    """A migrated SQLite database only (for tests that are about one store)."""
    url = f"sqlite:///{tmp_path / 'tthc.db'}"
    migrate.upgrade(url)
    return url


@pytest.fixture
def settings(database_url, tmp_path):
    return Settings(instance_path=tmp_path, database_url=database_url, cookie_secure=False)


@pytest.fixture
def services(settings):
    services = build_services(settings, FAST_PASSWORDS)
    yield services
    services.close()


@pytest.fixture
def app(settings, services):
    from config.app import create_app

    app = create_app(settings, services)
    app.config["TESTING"] = True
    sign_in_test_clients(app)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def shared_data():
    """The national TTHC exports beside the repository; skip when they are not there."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"national TTHC exports not found at {SHARED_DATA}")
    return SHARED_DATA
