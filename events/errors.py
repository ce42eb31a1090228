"""Errors of the event-store plumbing that every context shares."""


class StoreError(Exception):
    """Base of the plumbing's errors."""


class ConcurrentUpdateError(StoreError):
    """Raised when another command saved the same aggregate first (optimistic concurrency).

    Safe to retry: nothing of the refused command was recorded. HTTP 409 ``concurrent_update``.
    """


class StorageUnavailableError(StoreError):
    """Raised when the database cannot be reached or stays locked past its timeout. HTTP 503."""
