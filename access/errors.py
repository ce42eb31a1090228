"""Refusals of access control: ``reason`` for programs, Vietnamese ``message`` for people.

``config/errors.py`` maps each class to its HTTP status. No message ever carries a password or a token.
"""

from __future__ import annotations


class AccessError(Exception):
    """Base of access-control refusals; ``errors`` is keyed by field, ``retry_after`` is in seconds."""

    reason = "access_error"
    default_message = "Không có quyền truy cập."

    def __init__(self, message: str | None = None, errors: dict | None = None, *,
                 retry_after: int | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)
        self.errors = errors or {}
        self.retry_after = retry_after


class NotSignedInError(AccessError):
    """Raised when a route needs an account and the request carries no valid session or token."""

    reason = "not_signed_in"
    default_message = "Chưa đăng nhập."


class InvalidCredentialsError(AccessError):
    """Raised when a username and password do not match; the same whether or not the account exists."""

    reason = "invalid_credentials"
    default_message = "Tên đăng nhập hoặc mật khẩu không đúng."


class InvalidTokenError(AccessError):
    """Raised when a bearer token is unknown, expired or revoked (one message for all three)."""

    reason = "invalid_token"
    default_message = "Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi."


class ForbiddenError(AccessError):
    """Raised when the account lacks the role a route needs."""

    reason = "forbidden"
    default_message = "Tài khoản không có quyền thực hiện thao tác này."


class ForbiddenAgencyError(ForbiddenError):
    """Raised when an officer acts on a dossier of an agency not assigned to the account."""

    reason = "forbidden_agency"
    default_message = "Tài khoản không được giao xử lý hồ sơ của đơn vị này."


class CsrfError(ForbiddenError):
    """Raised when a cookie-authenticated change lacks a valid ``X-CSRF-Token`` header."""

    reason = "csrf_failed"
    default_message = "Thiếu hoặc sai mã chống giả mạo yêu cầu (X-CSRF-Token)."


class SignInThrottledError(AccessError):
    """Raised when a sign-in comes sooner than the delay after repeated failures allows."""

    reason = "sign_in_throttled"
    default_message = "Đăng nhập sai nhiều lần; vui lòng chờ rồi thử lại."


class AccountLockedError(AccessError):
    """Raised when sign-in is locked for a while after too many failures."""

    reason = "account_locked"
    default_message = "Đăng nhập tạm thời bị khóa do nhập sai quá nhiều lần; vui lòng thử lại sau."


class InvalidAccountError(AccessError):
    """Raised when an account's name, roles, agencies or password are malformed or unknown."""

    reason = "invalid_account"
    default_message = "Thông tin tài khoản không hợp lệ."


class DuplicateAccountError(AccessError):
    """Raised when creating an account whose name is taken."""

    reason = "duplicate_account"
    default_message = "Tên tài khoản đã được sử dụng."


class AccountNotFoundError(AccessError):
    """Raised when no account has the name asked for."""

    reason = "account_not_found"
    default_message = "Không tìm thấy tài khoản."


class TokenNotFoundError(AccessError):
    """Raised when no token of the account has the id asked for."""

    reason = "token_not_found"
    default_message = "Không tìm thấy mã truy cập."
