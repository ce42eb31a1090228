"""The one place that builds the applications and the projector from settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from access.accounts import AccountRegistry
from access.audit import audit_projections
from access.passwords import Passwords
from access.throttle import ThrottlePolicy
from access.tokens import TokenStore
from catalog.application import Catalog
from catalog.projections import catalog_projections
from config.ports import CatalogProcedures, StoredCalendar
from config.settings import Settings
from events.persistence import dialect_name, engine_of
from events.projection import Projector
from tracker.agencies import AgencyRegistry
from tracker.application import Tracker
from tracker.projections import tracker_projections

log = logging.getLogger(__name__)

# aggregate class → the kind the audit lists it as
AGGREGATE_KINDS = {"PublishingDecision": "decision", "Procedure": "procedure", "Dossier": "dossier"}


@dataclass
class Services:
    """The applications of one process and the projector that keeps their read models current."""

    settings: Settings
    catalog: Catalog
    projector: Projector
    agencies: AgencyRegistry  # a plain table on the projector's engine
    tracker: Tracker
    calendar: StoredCalendar  # () → the WorkingCalendar with the stored overrides
    accounts: AccountRegistry
    tokens: TokenStore

    @property
    def database(self) -> str:
        return dialect_name(self.settings.database_url)

    def close(self) -> None:
        self.catalog.close()
        self.tracker.close()
        self.projector.engine.dispose()


def build_services(settings: Settings, passwords: Passwords | None = None) -> Services:
    """Build the applications on ``settings.database_url`` (already migrated) and wire read-your-writes:
    after each save, the read models catch up before the command returns.

    ``passwords`` defaults to Argon2id with argon2-cffi's recommended cost; tests pass a cheaper one."""
    catalog = Catalog(settings.database_url)
    engine = engine_of(catalog)
    agencies = AgencyRegistry(engine)
    calendar = StoredCalendar(engine, settings.office_hours, settings.tz)
    tracker = Tracker(settings.database_url, procedures=CatalogProcedures(catalog), agencies=agencies,
                      calendar=calendar)
    projector = Projector(engine, [*catalog_projections(catalog), *tracker_projections(tracker, settings.tz),
                                   *audit_projections([catalog, tracker], AGGREGATE_KINDS)])
    accounts = AccountRegistry(engine, passwords=passwords or Passwords(), agency_exists=agencies.exists,
                               throttle=ThrottlePolicy(settings.sign_in_delay_after, settings.sign_in_lock_after,
                                                       settings.sign_in_lock_minutes))

    def follow() -> None:
        try:
            projector.catch_up()
        except Exception:  # the command is recorded; the next read catches up again
            log.exception("projections could not catch up after a save")

    catalog.followers.append(follow)
    tracker.followers.append(follow)
    return Services(settings=settings, catalog=catalog, projector=projector, agencies=agencies, tracker=tracker,
                    calendar=calendar, accounts=accounts, tokens=TokenStore(engine))
