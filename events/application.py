"""Base application shared by the contexts: date transcoding and the library's errors mapped to ours."""

from __future__ import annotations

import datetime as dt
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    OperationalError,
    InterfaceError,
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
