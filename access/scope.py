"""Agency scope: which dossiers an account may act on, and whose personal data it may see.

An officer acts only on dossiers of "its agencies": the agencies granted to the account and every agency
below them through ``parent`` links, matched against a dossier's receiving agency **or** its current
handling agency (after a transfer, liên thông). ``*`` grants every agency. Leaders see every applicant's
personal data; officers see it on dossiers in their scope; everyone else sees it masked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from access.roles import ALL_AGENCIES, Permission, allows


@dataclass(frozen=True)
class AgencyScope:
    """The agency codes an account covers (``everything``: all of them)."""

    codes: frozenset[str]
    everything: bool = False

    def covers(self, agency_codes: Iterable[str]) -> bool:
        """Return whether any of ``agency_codes`` (a dossier's receiving and handling agency) is covered."""
        return self.everything or any(code in self.codes for code in agency_codes)


def agency_scope(granted: Iterable[str], with_descendants: Callable[[set[str]], set[str]]) -> AgencyScope:
    """The scope of an account granted ``granted`` codes; ``with_descendants`` is the registry's."""
    granted = set(granted)
    if ALL_AGENCIES in granted:
        return AgencyScope(frozenset(), everything=True)
    return AgencyScope(frozenset(with_descendants(granted)) if granted else frozenset())


def may_act_on(roles: Iterable[str], scope: AgencyScope, agency_codes: Iterable[str]) -> bool:
    """Whether an account may receive or log steps on a dossier of ``agency_codes``."""
    return allows(roles, Permission.DOSSIERS_WRITE) and scope.covers(agency_codes)


def may_see_personal_data(roles: Iterable[str], scope: AgencyScope, agency_codes: Iterable[str]) -> bool:
    """Whether an account sees the applicant of a dossier of ``agency_codes`` unmasked."""
    roles = set(roles)
    return allows(roles, Permission.PERSONAL_DATA_ALL) or ("officer" in roles and scope.covers(agency_codes))
