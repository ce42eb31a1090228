"""Roles and the one permission matrix: which role may do what (issue 5).

An account may hold several roles; it may do what any of its roles may do.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

ROLES = ("admin", "kstt", "officer", "leader", "viewer")
ALL_AGENCIES = "*"  # an agency grant meaning every agency (a province-wide desk); granted explicitly, never implied


class Permission(Enum):
    """What a route needs. ``PUBLIC`` needs nothing; ``SIGNED_IN`` needs any account."""

    PUBLIC = "public"
    SIGNED_IN = "signed_in"
    CATALOG_READ = "catalog_read"
    DECISIONS_WRITE = "decisions_write"
    REPORTS_READ = "reports_read"
    AGENCIES_READ = "agencies_read"
    AGENCIES_WRITE = "agencies_write"
    DOSSIERS_READ = "dossiers_read"
    DOSSIERS_WRITE = "dossiers_write"
    PERSONAL_DATA_ALL = "personal_data_all"
    DIGEST_PREVIEW = "digest_preview"
    AUDIT_READ = "audit_read"
    ACCOUNTS_ADMIN = "accounts_admin"


EVERY_ROLE = frozenset(ROLES)

# permission → the roles that hold it. Officers' dossier permissions are further limited to their agencies
# (access.scope); viewers and officers outside their agencies see personal data masked (access.masking).
MATRIX: dict[Permission, frozenset[str]] = {
    Permission.SIGNED_IN: EVERY_ROLE,
    Permission.CATALOG_READ: EVERY_ROLE,
    Permission.DECISIONS_WRITE: frozenset({"kstt"}),
    Permission.REPORTS_READ: EVERY_ROLE,
    Permission.AGENCIES_READ: EVERY_ROLE,
    Permission.AGENCIES_WRITE: frozenset({"admin"}),
    Permission.DOSSIERS_READ: frozenset({"officer", "leader", "viewer"}),
    Permission.DOSSIERS_WRITE: frozenset({"officer"}),
    Permission.PERSONAL_DATA_ALL: frozenset({"leader"}),
    Permission.DIGEST_PREVIEW: frozenset({"leader", "admin"}),
    Permission.AUDIT_READ: frozenset({"admin", "leader"}),
    Permission.ACCOUNTS_ADMIN: frozenset({"admin"}),
}


def roles_for(permission: Permission) -> tuple[str, ...]:
    """The roles holding ``permission``, in ``ROLES`` order (empty for ``PUBLIC``)."""
    return tuple(role for role in ROLES if role in MATRIX.get(permission, ()))


def allows(roles: Iterable[str], permission: Permission) -> bool:
    """Return whether an account holding ``roles`` has ``permission``."""
    return permission is Permission.PUBLIC or bool(set(roles) & MATRIX[permission])
