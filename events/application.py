"""Base application shared by the contexts: date transcoding and the library's errors mapped to ours."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    JSONTranscoder,
    OperationalError,
    StoredEvent,
    Transcoding,
)

from events.errors import ConcurrentUpdateError, StorageUnavailableError
from events.persistence import event_store_env


class DateAsISO(Transcoding):
    """Stores ``datetime.date`` values as ``YYYY-MM-DD`` (the library only covers datetimes)."""

    type = dt.date
    name = "date_iso"

    def encode(self, obj: dt.date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> dt.date:
        return dt.date.fromisoformat(data)


class TimeAsISO(Transcoding):
    """Stores ``datetime.time`` values (office hours, cut-offs) as ``HH:MM[:SS]``."""

    type = dt.time
    name = "time_iso"

    def encode(self, obj: dt.time) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> dt.time:
        return dt.time.fromisoformat(data)


class BaseApplication(Application):
    """An event-sourced application on the store selected by ``database_url``.

    ``save`` raises :class:`ConcurrentUpdateError` when another writer saved one of the aggregates first
    (or created the same deterministic id), and :class:`StorageUnavailableError` when the database cannot
    be reached; in both cases nothing of the command was recorded.
    """

    def __init__(self, database_url: str = "memory://") -> None:
        self.database_url = database_url
        super().__init__(env=event_store_env(database_url))

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(TimeAsISO())

    def save(self, *objs: Any, **kwargs: Any):
        try:
            return super().save(*objs, **kwargs)
        except IntegrityError as error:
            raise ConcurrentUpdateError(str(error)) from error
        except (OperationalError, InterfaceError) as error:
            raise StorageUnavailableError(str(error)) from error


def load_aggregates(application: Application, versions: dict[UUID, int | None], chunk: int = 500) -> dict[UUID, Any]:
    """Load many aggregates with few queries: ``{id: version or None (latest)}`` → ``{id: aggregate}``.

    Ids with no events are left out of the result. On the SQLAlchemy store the events of up to ``chunk``
    aggregates come in one query (``repository.get`` costs a query each); other stores use the repository.
    Raises :class:`StorageUnavailableError` when the database cannot be reached.
    """
    recorder = application.recorder
    record_cls = getattr(recorder, "events_record_cls", None)
    if record_cls is None:
        found = {}
        for id, version in versions.items():
            try:
                found[id] = application.repository.get(id, version=version)
            except AggregateNotFoundError:
                pass
        return found
    ids = list(versions)
    by_id: dict[UUID, list[StoredEvent]] = {}
    try:
        for start in range(0, len(ids), chunk):
            with recorder.transaction(commit=False) as session:
                rows = (session.query(record_cls)
                        .filter(record_cls.originator_id.in_(ids[start:start + chunk]))
                        .order_by(record_cls.originator_id, record_cls.originator_version))
                for r in rows:
                    state = bytes(r.state) if isinstance(r.state, memoryview) else r.state
                    by_id.setdefault(r.originator_id, []).append(
                        StoredEvent(r.originator_id, r.originator_version, r.topic, state))
    except (OperationalError, InterfaceError) as error:
        raise StorageUnavailableError(str(error)) from error
    found = {}
    for id, stored in by_id.items():
        limit = versions[id]
        aggregate = None
        for item in stored:
            if limit is not None and item.originator_version > limit:
                break
            aggregate = application.mapper.to_domain_event(item).mutate(aggregate)
        if aggregate is not None:
            found[id] = aggregate
    return found


def existing_ids(application: Application, ids: list[UUID], chunk: int = 500) -> set[UUID]:
    """Return which of ``ids`` have events, with one query per ``chunk`` ids on the SQLAlchemy store.

    Raises :class:`StorageUnavailableError` when the database cannot be reached.
    """
    recorder = application.recorder
    record_cls = getattr(recorder, "events_record_cls", None)
    if record_cls is None:
        return {id for id in ids if recorder.select_events(id, limit=1)}
    found: set[UUID] = set()
    try:
        for start in range(0, len(ids), chunk):
            with recorder.transaction(commit=False) as session:
                rows = (session.query(record_cls.originator_id)
                        .filter(record_cls.originator_id.in_(ids[start:start + chunk]),
                                record_cls.originator_version == 1))
                found.update(r.originator_id for r in rows)
    except (OperationalError, InterfaceError) as error:
        raise StorageUnavailableError(str(error)) from error
    return found
