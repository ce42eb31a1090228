"""Moments as stored by the access tables: aware UTC in, aware UTC out (SQLite returns naive values)."""

from __future__ import annotations

import datetime as dt


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def local(value: dt.datetime | None, tz: dt.tzinfo) -> dt.datetime | None:
    """Return a stored moment (aware, or naive UTC from SQLite) in ``tz`` (Asia/Ho_Chi_Minh) for people."""
    return None if value is None else utc(value).astimezone(tz)


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """Return ``value`` as aware UTC; a naive value (SQLite) is UTC already."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
