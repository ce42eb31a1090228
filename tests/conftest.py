"""Shared fixtures: a migrated database per test (SQLite file; PostgreSQL too where configured)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

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


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """A migrated, empty database: a SQLite file, and a fresh PostgreSQL database when configured."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tthc.db'}"
        migrate.upgrade(url)
        yield url
        return
    if not POSTGRES_URL:
        pytest.skip("TTHC_TEST_DATABASE_URL is not set: PostgreSQL variant not run")
    url = postgres_database()
    try:
        migrate.upgrade(url)
        yield url
    finally:
        drop_postgres_database(url)


@pytest.fixture
def sqlite_url(tmp_path):
    """A migrated SQLite database only (for tests that are about one store)."""
    url = f"sqlite:///{tmp_path / 'tthc.db'}"
    migrate.upgrade(url)
    return url


@pytest.fixture
def settings(database_url, tmp_path):
    return Settings(instance_path=tmp_path, database_url=database_url)


@pytest.fixture
def services(settings):
    services = build_services(settings)
    yield services
    services.close()


@pytest.fixture
def app(settings, services):
    from config.app import create_app

    app = create_app(settings, services)
    app.config["TESTING"] = True
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
