"""Persistence selection: one database URL serves the event store and the read models."""

from __future__ import annotations

from sqlalchemy.engine import Engine, make_url


def event_store_env(database_url: str) -> dict[str, str]:
    """Return the eventsourcing environment for ``database_url``.

    ``memory://`` selects the library's in-memory store (unit tests); any SQLAlchemy URL selects the
    ``eventsourcing_sqlalchemy`` extension. Tables are never created here: Alembic owns the DDL
    (see ``migrations/``), so web workers starting together cannot race on ``CREATE TABLE``.
    """
    if database_url == "memory://":
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    return {
        "PERSISTENCE_MODULE": "eventsourcing_sqlalchemy",
        "SQLALCHEMY_URL": database_url,
        "CREATE_TABLE": "n",
    }


def dialect_name(database_url: str) -> str:
    """Return ``sqlite``, ``postgresql`` or ``memory`` for a database URL."""
    if database_url == "memory://":
        return "memory"
    return make_url(database_url).get_backend_name()


def engine_of(application) -> Engine | None:
    """Return the SQLAlchemy engine the application's event store uses, or None (in-memory store)."""
    datastore = getattr(application.factory, "datastore", None)
    return getattr(datastore, "engine", None)
