"""Sign-in throttling and lockout, keyed by the username as typed, so unknown names behave like known ones.

After ``delay_after`` consecutive failures each further try must wait ``2^(n - delay_after)`` seconds
after the last failure (n failures so far): ``SignInThrottledError``. At ``lock_after`` failures sign-in
is locked for ``lock_minutes``: ``AccountLockedError``. Both carry ``retry_after`` (seconds). A success
resets the count; once a lock has run out, counting starts again from zero.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from access.errors import AccountLockedError, SignInThrottledError
from access.tables import sign_in_failure
from access.times import utc


@dataclass(frozen=True)
class ThrottlePolicy:
    """Thresholds (settings ``TTHC_SIGN_IN_DELAY_AFTER``, ``…_LOCK_AFTER``, ``…_LOCK_MINUTES``)."""

    delay_after: int = 3
    lock_after: int = 10
    lock_minutes: int = 15


@dataclass(frozen=True)
class FailureState:
    failures: int
    last_failed_at: dt.datetime
    locked_until: dt.datetime | None


def state(conn: Connection, username: str) -> FailureState | None:
    row = conn.execute(select(sign_in_failure).where(sign_in_failure.c.username == username)).mappings().first()
    if row is None:
        return None
    return FailureState(row["failures"], utc(row["last_failed_at"]), utc(row["locked_until"]))


class SignInThrottle:
    """Check, count and reset failed sign-ins in the caller's transaction; ``clock()`` gives aware UTC."""

    def __init__(self, policy: ThrottlePolicy, clock: Callable[[], dt.datetime]) -> None:
        self.policy = policy
        self.clock = clock

    def check(self, conn: Connection, username: str) -> None:
        """Raise ``AccountLockedError`` or ``SignInThrottledError`` when ``username`` may not try now."""
        current, now = state(conn, username), self.clock()
        if current is None:
            return
        if current.locked_until is not None:
            if now < current.locked_until:
                raise AccountLockedError(retry_after=seconds(current.locked_until - now))
            return
        if current.failures >= self.policy.delay_after:
            allowed_at = current.last_failed_at + dt.timedelta(seconds=2 ** (current.failures - self.policy.delay_after))
            if now < allowed_at:
                raise SignInThrottledError(retry_after=seconds(allowed_at - now))

    def fail(self, conn: Connection, username: str) -> bool:
        """Count one failure; return True when this failure locks sign-in."""
        current, now = state(conn, username), self.clock()
        if current is None:
            conn.execute(insert(sign_in_failure).values(username=username, failures=1, last_failed_at=now))
            return self.policy.lock_after <= 1
        failures = 1 if current.locked_until is not None else current.failures + 1  # a lock that ran out
        locked_until = now + dt.timedelta(minutes=self.policy.lock_minutes) if failures >= self.policy.lock_after else None
        conn.execute(update(sign_in_failure).where(sign_in_failure.c.username == username)
                     .values(failures=failures, last_failed_at=now, locked_until=locked_until))
        return locked_until is not None

    def reset(self, conn: Connection, username: str) -> None:
        conn.execute(delete(sign_in_failure).where(sign_in_failure.c.username == username))


def seconds(delta: dt.timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))
