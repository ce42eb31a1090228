"""Password hashing with Argon2id (memory-hard; RFC 9106) through argon2-cffi.

The stored value is the PHC string (``$argon2id$v=19$m=…,t=…,p=…$salt$hash``). ``verify`` checks against
a fixed dummy hash when the account does not exist, so the time taken does not tell whether it does.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10


class Passwords:
    """Hash and verify passwords with ``hasher`` (argon2-cffi's RFC 9106 low-memory profile by default:
    argon2id, 64 MiB, 3 passes). Tests pass a cheaper hasher explicitly; no setting lowers the cost."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()
        self._dummy = self.hasher.hash("dummy password of no account")

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> tuple[bool, str | None]:
        """Return ``(matches, new hash)``: a new hash when the stored one used weaker parameters than the
        hasher's (rehash on sign-in), else None. ``stored`` None (no account, no password) never matches."""
        try:
            self.hasher.verify(stored or self._dummy, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False, None
        if stored is None:
            return False, None
        return True, self.hash(password) if self.hasher.check_needs_rehash(stored) else None
