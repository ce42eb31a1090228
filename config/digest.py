"""Running the daily digest: for each configured group, compose from the near-due read model, then for each
of its channels claim, send and record (``tracker.deliveries``). One group's or channel's failure never
stops the others. Used by ``tthc digest``, the scheduler and ``GET /api/digests/preview``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from typing import IO

from config.digest_settings import DigestSettings
from config.services import Services
from tracker.channels import open_channel
from tracker.deliveries import Claim, DeliveryLog, Skipped, deliver
from tracker.digest import DigestGroup, compose
from tracker.queries import due

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What happened to one (group, channel): ``state`` is ``sent``, ``failed``, ``unknown``, ``skipped``
    (already sent, held by another run, or unknown from before), ``empty`` (nothing to say) or ``dry_run``;
    ``parts`` the number of messages composed; ``reason`` why, for the log and the command line."""

    group: str
    channel: str
    state: str
    parts: int
    reason: str | None = None

    @property
    def line(self) -> str:
        text = f"{self.group} → {self.channel}: {self.state}"
        text += f" ({self.parts} tin)" if self.parts else ""
        return text + (f": {self.reason}" if self.reason else "")


def today(services: Services) -> dt.date:
    """Today in the service's time zone (Asia/Ho_Chi_Minh)."""
    return dt.datetime.now(services.settings.tz).date()


def composed(services: Services, digest: DigestSettings, on: dt.date,
             group: str | None = None) -> list[tuple[DigestGroup, list[str]]]:
    """Return ``[(group, texts)]`` for ``on``, every group or only ``group`` (``SettingsError`` if unknown)."""
    groups = [digest.group(group)] if group else list(digest.groups)
    services.projector.catch_up()
    calendar = services.calendar()
    result = []
    with services.projector.engine.connect() as conn:
        for each in groups:
            codes = services.agencies.with_subunits(each.agencies) if each.include_subunits else set(each.agencies)
            near_due = due(conn, calendar, as_of=on, within=each.within, agencies=codes or None,
                           levels=each.levels or None)
            result.append((each, compose(each, near_due, on, dossier_url=digest.dossier_url)))
    return result


def preview(services: Services, digest: DigestSettings, on: dt.date) -> list[dict[str, str]]:
    """``[{"group", "channel", "text"}]``: every message the digest of ``on`` would send, nothing claimed."""
    return [{"group": group.name, "channel": channel, "text": text}
            for group, texts in composed(services, digest, on) for channel in group.channels for text in texts]


def run_digest(services: Services, digest: DigestSettings, on: dt.date, *, actor: str, group: str | None = None,
               dry_run: bool = False, resend: bool = False, stream: IO[str] | None = None) -> list[Outcome]:
    """Compose and (unless ``dry_run``) send the digest of ``on``; return one ``Outcome`` per (group, channel).

    Each send happens at most once per (date, group, channel) however many runs there are; ``resend``
    sends again on purpose, recorded with ``actor`` and logged. ``stream`` receives the console channel's
    messages, and in a dry run every message under a ``=== group (k/n) → channels`` line. Raises
    ``SettingsError`` for an unknown ``group``.
    """
    deliveries = DeliveryLog(services.projector.engine, claim_timeout=digest.claim_timeout)
    outcomes = []
    for each, texts in composed(services, digest, on, group):
        if dry_run and stream is not None:
            for number, text in enumerate(texts, start=1):
                stream.write(f"=== {each.name} ({number}/{len(texts)}) → {', '.join(each.channels)}\n{text}\n\n")
        for name in each.channels:
            if not texts:
                outcomes.append(Outcome(each.name, name, "empty", 0, "không có hồ sơ cần báo"))
            elif dry_run:
                outcomes.append(Outcome(each.name, name, "dry_run", len(texts)))
            else:
                outcomes.append(_send(deliveries, digest, on, each, name, texts, actor, resend, stream))
    return outcomes


def _send(deliveries: DeliveryLog, digest: DigestSettings, on: dt.date, group: DigestGroup, name: str,
          texts: list[str], actor: str, resend: bool, stream: IO[str] | None) -> Outcome:
    digest_sha = hashlib.sha256("\n\n".join(texts).encode()).hexdigest()
    claim_with = deliveries.claim_resend if resend else deliveries.claim
    try:
        claim: Claim | Skipped = claim_with(on, group.name, name, parts_total=len(texts), text_sha256=digest_sha,
                                            requested_by=actor)
    except Exception as error:  # the database refused: this channel is not sent, the others still go
        log.exception("digest %s %s via %s: could not claim", on, group.name, name)
        return Outcome(group.name, name, "failed", len(texts), f"could not claim: {type(error).__name__}")
    if isinstance(claim, Skipped):
        return Outcome(group.name, name, "skipped", len(texts), claim.reason)
    channel = open_channel(digest.channels[name], stream=stream)
    try:
        state, reason = deliver(deliveries, claim, channel, texts)
    except Exception as error:  # the log could not be written mid-send: the next run decides from the row
        log.exception("digest %s %s via %s: could not record the delivery", on, group.name, name)
        state, reason = "unknown", f"could not record the delivery: {type(error).__name__}"
    finally:
        channel.close()
    if state in ("failed", "unknown"):
        log.error("digest %s %s via %s: %s: %s", on, group.name, name, state, reason)
    if state == "lost":
        return Outcome(group.name, name, "skipped", len(texts), "một lần chạy khác đã nhận gửi")
    return Outcome(group.name, name, state, len(texts), reason)
