"""The digest's delivery log (table ``digest_delivery``): each send is claimed in the database per (date,
group, channel) before it is tried, so concurrent runs, restarts and several schedulers never send twice.

A row's ``state``: ``claimed`` (a run holds it; between two parts too) → ``sending`` (a request is under
way; ``attempts`` counts them) → ``sent``; or ``failed`` (certainly not delivered) or ``unknown`` (it may
have been delivered). Rules, resting only on the database's atomicity (the primary key, and updates
conditioned on the holder's ``claimed_by`` token, which is unique per claim):

- The day's send is sequence 0, claimed by INSERT. When the row exists: ``sent`` → skip; ``unknown`` →
  skip (only ``--resend`` sends it again); ``claimed`` or ``sending`` younger than the claim timeout →
  skip, another run is on it; a stale ``claimed`` (its run stopped between two requests) or a ``failed``
  one → taken over and resumed after its last sent part; a stale ``sending`` (its run stopped during a
  request) → marked ``unknown``, never sent blind.
- ``--resend`` inserts the next sequence with ``requested_by`` and sends every part again (logged).
- ``claimed_at`` is renewed on every change, so a long send keeps its claim; the claim timeout must
  exceed the longest single request (timeouts × retries).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from events.tables import metadata
from tracker.channels import (
    Channel,
    DeliveryError,
    DeliveryFailedError,
    Message,
    redact,
)

log = logging.getLogger(__name__)

CLAIMED, SENDING, SENT, FAILED, UNKNOWN = "claimed", "sending", "sent", "failed", "unknown"
STATES = (CLAIMED, SENDING, SENT, FAILED, UNKNOWN)

digest_delivery = Table(
    "digest_delivery",
    metadata,
    Column("digest_on", Date, primary_key=True),
    Column("group_name", String(100), primary_key=True),
    Column("channel", String(100), primary_key=True),
    Column("sequence", Integer, primary_key=True),  # 0: the day's send; 1, 2, …: resends
    Column("state", String(16), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    Column("claimed_by", String(200), nullable=False),  # host:pid:token of the claim's holder
    Column("requested_by", String(200), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("parts_total", Integer, nullable=False),
    Column("parts_sent", Integer, nullable=False),
    Column("text_sha256", String(64), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("reason", String(500)),
    CheckConstraint("state IN ('claimed', 'sending', 'sent', 'failed', 'unknown')", name="state"),
    Index("ix_digest_delivery_claimed_at", "claimed_at"),
)


class ClaimLostError(Exception):
    """Raised when a run's claim was taken over by another run (it was slower than the claim timeout)."""

    reason = "claim_lost"


@dataclass(frozen=True)
class Claim:
    """A held delivery: send parts ``parts_sent + 1`` … of (``on``, ``group``, ``channel``, ``sequence``)."""

    on: dt.date
    group: str
    channel: str
    sequence: int
    holder: str
    parts_sent: int = 0


@dataclass(frozen=True)
class Skipped:
    """Why a delivery is not this run's to send: ``state`` of the row found and a Vietnamese ``reason``."""

    state: str
    reason: str


def worker_name() -> str:
    """``host:pid``, the prefix of every claim this process makes."""
    return f"{socket.gethostname()}:{os.getpid()}"


class DeliveryLog:
    """Claims and records deliveries on ``engine``. ``clock`` gives aware UTC moments."""

    def __init__(self, engine: Engine, *, claim_timeout: dt.timedelta = dt.timedelta(minutes=10),
                 clock=lambda: dt.datetime.now(dt.UTC)) -> None:
        self.engine, self.claim_timeout, self.clock = engine, claim_timeout, clock

    def claim(self, on: dt.date, group: str, channel: str, *, parts_total: int, text_sha256: str,
              requested_by: str) -> Claim | Skipped:
        """Claim the day's send (sequence 0): a ``Claim`` when this run is to send, else ``Skipped``."""
        holder, now = _holder(), self.clock()
        key = dict(digest_on=on, group_name=group, channel=channel, sequence=0)
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(digest_delivery).values(
                    **key, state=CLAIMED, claimed_at=now, claimed_by=holder, requested_by=requested_by,
                    attempts=0, parts_total=parts_total, parts_sent=0, text_sha256=text_sha256))
            return Claim(on, group, channel, 0, holder)
        except IntegrityError:
            pass
        with self.engine.connect() as conn:
            row = conn.execute(select(digest_delivery).where(*_key(key))).mappings().one()
        fresh = now - _utc(row["claimed_at"]) < self.claim_timeout
        if row["state"] == SENT:
            return Skipped(SENT, "đã gửi")
        if row["state"] == UNKNOWN:
            return Skipped(UNKNOWN, "chưa rõ đã gửi hay chưa; chỉ gửi lại bằng --resend")
        if row["state"] in (CLAIMED, SENDING) and fresh:
            return Skipped(row["state"], f"đang được gửi bởi {row['claimed_by'].rsplit(':', 1)[0]}")
        if row["state"] == SENDING:
            reason = (f"the run {row['claimed_by'].rsplit(':', 1)[0]} stopped during a send of part "
                      f"{row['parts_sent'] + 1}: the outcome is unknown")
            self._change(key, row["claimed_by"], SENDING, state=UNKNOWN, finished_at=now, reason=reason)
            log.warning("digest %s %s via %s: %s", on, group, channel, reason)
            return Skipped(UNKNOWN, "lần gửi trước dừng giữa chừng; chỉ gửi lại bằng --resend")
        taken = self._change(key, row["claimed_by"], row["state"], state=CLAIMED, claimed_at=now, claimed_by=holder,
                             parts_total=parts_total, text_sha256=text_sha256, finished_at=None, reason=None)
        if not taken:
            return Skipped(CLAIMED, "một lần chạy khác vừa nhận gửi")
        log.info("digest %s %s via %s: took over a %s delivery after part %d", on, group, channel, row["state"],
                 row["parts_sent"])
        return Claim(on, group, channel, 0, holder, row["parts_sent"])

    def claim_resend(self, on: dt.date, group: str, channel: str, *, parts_total: int, text_sha256: str,
                     requested_by: str) -> Claim:
        """Claim a new send (the next sequence), whatever was sent before; logged at WARNING."""
        for _ in range(5):  # a concurrent resend may take the same number
            holder, now = _holder(), self.clock()
            try:
                with self.engine.begin() as conn:
                    sequence = 1 + conn.scalar(
                        select(func.coalesce(func.max(digest_delivery.c.sequence), -1))
                        .where(*_key(dict(digest_on=on, group_name=group, channel=channel))))
                    conn.execute(insert(digest_delivery).values(
                        digest_on=on, group_name=group, channel=channel, sequence=sequence, state=CLAIMED,
                        claimed_at=now, claimed_by=holder, requested_by=requested_by, attempts=0,
                        parts_total=parts_total, parts_sent=0, text_sha256=text_sha256))
                log.warning("digest %s %s via %s: resend #%d requested by %s", on, group, channel, sequence,
                            requested_by)
                return Claim(on, group, channel, sequence, holder)
            except IntegrityError:
                continue
        raise ClaimLostError(f"could not number a resend of {on} {group} via {channel}")

    def sending(self, claim: Claim) -> None:
        """Record that a request for the next part starts (committed before it does)."""
        if not self._change(self._claim_key(claim), claim.holder, CLAIMED, state=SENDING,
                            attempts=digest_delivery.c.attempts + 1, claimed_at=self.clock()):
            raise ClaimLostError(f"the delivery of {claim.on} {claim.group} via {claim.channel} was taken over")

    def part_sent(self, claim: Claim, part: int) -> None:
        """Record that part ``part`` (1-based) was delivered."""
        self._change(self._claim_key(claim), claim.holder, SENDING, state=CLAIMED, parts_sent=part,
                     claimed_at=self.clock())

    def finish(self, claim: Claim, state: str, reason: str | None = None) -> None:
        """Record the end of the delivery: ``sent``, ``failed`` or ``unknown`` with a (redacted) reason."""
        self._change(self._claim_key(claim), claim.holder, None, state=state, finished_at=self.clock(),
                     reason=redact(reason)[:500] if reason else None)

    def rows(self, on: dt.date | None = None) -> list[dict[str, Any]]:
        """The deliveries (of ``on``, or all) ordered by date, group, channel and sequence."""
        c = digest_delivery.c
        query = select(digest_delivery).order_by(c.digest_on, c.group_name, c.channel, c.sequence)
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query.where(c.digest_on == on) if on else query).mappings()]

    def last_run(self) -> dict[str, Any] | None:
        """``{"date", "sent", "failed", "unknown", "claimed", "finished_at"}`` of the latest digest date with
        deliveries (``claimed`` includes those being sent), or None."""
        c = digest_delivery.c
        with self.engine.connect() as conn:
            latest = conn.scalar(select(func.max(c.digest_on)))
            if latest is None:
                return None
            rows = conn.execute(select(c.state, func.count(), func.max(c.finished_at))
                                .where(c.digest_on == latest).group_by(c.state)).all()
        counts = {state: 0 for state in (SENT, FAILED, UNKNOWN, CLAIMED)}
        finished = [moment for _, _, moment in rows if moment is not None]
        for state, count, _ in rows:
            counts[CLAIMED if state == SENDING else state] += count
        return {"date": latest.isoformat(), **counts,
                "finished_at": max(_utc(m) for m in finished).isoformat() if finished else None}

    def _change(self, key: dict, holder: str, expected: str | None, /, **values) -> bool:
        """Update the row held by ``holder`` (in state ``expected`` unless None); True when it was."""
        conditions = [*_key(key), digest_delivery.c.claimed_by == holder]
        if expected is not None:
            conditions.append(digest_delivery.c.state == expected)
        with self.engine.begin() as conn:
            return conn.execute(update(digest_delivery).where(*conditions).values(**values)).rowcount == 1

    @staticmethod
    def _claim_key(claim: Claim) -> dict:
        return dict(digest_on=claim.on, group_name=claim.group, channel=claim.channel, sequence=claim.sequence)


def deliver(deliveries: DeliveryLog, claim: Claim, channel: Channel, texts: list[str]) -> tuple[str, str | None]:
    """Send ``texts`` from part ``claim.parts_sent + 1`` on, recording each step; return (state, reason) with
    state ``sent``, ``failed``, ``unknown`` or ``lost`` (another run took the claim over)."""
    try:
        for part in range(claim.parts_sent + 1, len(texts) + 1):
            deliveries.sending(claim)
            try:
                channel.send(Message(claim.on, claim.group, claim.channel, claim.sequence, part, len(texts),
                                     texts[part - 1]))
            except DeliveryError as error:
                state = FAILED if isinstance(error, DeliveryFailedError) else UNKNOWN
                deliveries.finish(claim, state, f"part {part}/{len(texts)}: {error.message}")
                return state, error.message
            except Exception as error:  # a fault after the request may have gone out: never resend blind
                log.exception("digest channel %s failed unexpectedly", claim.channel)
                reason = redact(f"part {part}/{len(texts)}: {type(error).__name__}: {error}")
                deliveries.finish(claim, UNKNOWN, reason)
                return UNKNOWN, reason
            deliveries.part_sent(claim, part)
    except ClaimLostError as error:
        return "lost", str(error)
    deliveries.finish(claim, SENT)
    return SENT, None


def _holder() -> str:
    return f"{worker_name()}:{uuid.uuid4().hex[:8]}"


def _key(key: dict) -> list:
    return [digest_delivery.c[name] == value for name, value in key.items()]


def _utc(moment: dt.datetime) -> dt.datetime:
    """SQLite keeps no offset: the moments written are UTC."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
