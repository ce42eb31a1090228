"""Projections: read-model tables kept up to date from the event log, exactly once.

A :class:`Projection` turns batches of events into rows. The :class:`Projector` feeds it: it reads the
notifications after the projection's tracked position and writes the rows and the new position in one
transaction. The transaction starts by updating the projection's tracking row, which takes a row lock on
PostgreSQL and the write lock on SQLite, so concurrent catch-ups (several web workers, a CLI import) run
one after the other and never apply an event twice. Works on SQLite and PostgreSQL alike; the library's
own runners need LISTEN/NOTIFY, which SQLite lacks (see ``shared/reference/eventsourcing.md`` §3).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError as SAIntegrityError
from sqlalchemy.exc import OperationalError as SAOperationalError
from sqlalchemy.schema import Table

from events.errors import StorageUnavailableError
from events.tables import projection_tracking

log = logging.getLogger(__name__)


class Projection(ABC):
    """A read model built from one application's events.

    ``name`` keys the tracking row; ``tables`` are the rows it owns (cleared by a rebuild); ``topics``
    limits the events it is fed (empty: all of them).
    """

    name: str
    tables: tuple[Table, ...]
    topics: tuple[str, ...] = ()

    def __init__(self, application: Any) -> None:
        self.application = application

    @abstractmethod
    def process(self, conn: Connection, events: Sequence[Any]) -> None:
        """Write the effects of ``events`` (domain events, in log order) through ``conn``."""

    def clear(self, conn: Connection) -> None:
        """Delete the rows this projection owns (before a rebuild): by default, everything in ``tables``."""
        for table in reversed(self.tables):
            conn.execute(delete(table))


class Projector:
    """Runs projections over the event log, incrementally or from scratch.

    ``batch_size`` events are applied per transaction. Raises :class:`StorageUnavailableError` when the
    database cannot be reached or stays locked.

    Within one ``catch_up``, projections of the same application that stand at the same position (the
    dossier rows and the audit, say) share each batch read and decoded from the log: decoding is about half
    the cost of a projection that writes one row per event. At most ``SHARED_BATCHES`` batches are kept.
    """

    SHARED_BATCHES = 40

    def __init__(self, engine: Engine, projections: Iterable[Projection], batch_size: int = 500) -> None:
        self.engine = engine
        self.projections = {p.name: p for p in projections}
        self.batch_size = batch_size
        self._tracked: set[str] = set()  # projections whose tracking row is known to exist

    def names(self) -> list[str]:
        return list(self.projections)

    def catch_up(self, name: str | None = None) -> int:
        """Apply every event not yet projected; return how many events were applied."""
        applied, shared = 0, {}
        for projection in self._selected(name):
            self._ensure_tracking_row(projection)
            head = self._head(projection)
            if self._position(projection) >= head:
                continue
            while True:
                with self._transaction() as conn:
                    count, done = self._apply_batch(conn, projection, head, shared)
                applied += count
                if done:
                    break
        return applied

    def rebuild(self, name: str | None = None) -> int:
        """Clear the projection's tables and replay the whole log into them, in one transaction.

        Readers see the old rows until the rebuild commits, then exactly the rows the incremental path
        would have written. Returns the number of events applied.
        """
        applied = 0
        for projection in self._selected(name):
            self._ensure_tracking_row(projection)
            head = self._head(projection)
            with self._transaction() as conn:
                self._lock(conn, projection)
                projection.clear(conn)
                conn.execute(
                    update(projection_tracking)
                    .where(projection_tracking.c.name == projection.name)
                    .values(position=0)
                )
                while True:
                    count, done = self._apply_batch(conn, projection, head)
                    applied += count
                    if done:
                        break
        return applied

    def status(self) -> dict[str, dict[str, int]]:
        """Return ``{name: {"position": N, "head": M}}`` for every projection."""
        result = {}
        for projection in self.projections.values():
            result[projection.name] = {"position": self._position(projection), "head": self._head(projection)}
        return result

    # -- internals -------------------------------------------------------------------------------------

    def _selected(self, name: str | None) -> list[Projection]:
        if name is None:
            return list(self.projections.values())
        try:
            return [self.projections[name]]
        except KeyError:
            raise KeyError(f"unknown projection {name!r}; known: {', '.join(self.projections)}") from None

    def _transaction(self):
        try:
            return self.engine.begin()
        except SAOperationalError as error:
            raise StorageUnavailableError(str(error)) from error

    def _head(self, projection: Projection) -> int:
        try:
            return projection.application.recorder.max_notification_id() or 0
        except Exception as error:  # the extension wraps driver errors in its own classes
            raise StorageUnavailableError(str(error)) from error

    def _position(self, projection: Projection) -> int:
        with self.engine.connect() as conn:
            position = conn.scalar(
                select(projection_tracking.c.position).where(projection_tracking.c.name == projection.name)
            )
        return position or 0

    def _ensure_tracking_row(self, projection: Projection) -> None:
        if projection.name in self._tracked:
            return
        with self.engine.connect() as conn:
            exists = conn.scalar(
                select(projection_tracking.c.name).where(projection_tracking.c.name == projection.name)
            )
        if not exists:
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        insert(projection_tracking).values(
                            name=projection.name, application_name=projection.application.name, position=0
                        )
                    )
            except SAIntegrityError:
                pass  # another process created it meanwhile
        self._tracked.add(projection.name)

    def _lock(self, conn: Connection, projection: Projection) -> int:
        """Take the projection's lock for this transaction and return its position."""
        conn.execute(
            update(projection_tracking)
            .where(projection_tracking.c.name == projection.name)
            .values(position=projection_tracking.c.position)
        )
        return conn.scalar(
            select(projection_tracking.c.position).where(projection_tracking.c.name == projection.name)
        )

    def _apply_batch(self, conn: Connection, projection: Projection, head: int,
                     shared: dict | None = None) -> tuple[int, bool]:
        """Apply the next batch up to ``head``; return (events applied, whether the head is reached).

        ``shared`` holds the batches already read in this catch-up, by (application, position, head, topics).
        """
        position = self._lock(conn, projection)
        if position >= head:
            return 0, True
        application = projection.application
        key = (application.name, position, head, projection.topics)
        if shared is not None and key in shared:
            notifications, events = shared[key]
        else:
            notifications = application.recorder.select_notifications(
                start=position,
                limit=self.batch_size,
                stop=head,
                topics=projection.topics,
                inclusive_of_start=False,
            )
            events = [application.mapper.to_domain_event(n) for n in notifications]
            if shared is not None and len(shared) < self.SHARED_BATCHES:
                shared[key] = (notifications, events)
        if events:
            projection.process(conn, events)
        done = len(notifications) < self.batch_size
        new_position = head if done else notifications[-1].id
        conn.execute(
            update(projection_tracking)
            .where(projection_tracking.c.name == projection.name)
            .values(position=new_position)
        )
        return len(events), done
