"""Alembic environment: runs against the URL given by ``config.migrate`` (``TTHC_DATABASE_URL``)."""

from alembic import context
from sqlalchemy import create_engine, pool

from events.tables import metadata

EVENT_STORE_TABLE_SUFFIXES = ("_events", "_snapshots")


def include_name(name, type_, parent_names):
    """Keep the event store's tables out of autogenerate: the library defines them, we never alter them."""
    if type_ == "table" and name and name.endswith(EVENT_STORE_TABLE_SUFFIXES):
        return False
    return True


def run_migrations() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    connectable = context.config.attributes.get("connection")
    if connectable is None:
        engine = create_engine(url, poolclass=pool.NullPool)
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_name=include_name,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
