"""The one table from refusals to HTTP status and ``reason``, and the contract's error shape.

Every error response is ``{"code", "status", "reason", "message", "errors"}`` with a Vietnamese
``message``; no traceback ever reaches a client.
"""

from __future__ import annotations

import logging
from typing import Any

from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from flask import Flask, jsonify
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from access import errors as access
from catalog import domain as catalog
from catalog.importer import ImportFileError
from events.errors import ConcurrentUpdateError, StorageUnavailableError
from tracker import agencies
from tracker import domain as tracker
from tracker.calendar import CalendarError
from tracker.calendar_store import OverrideRefusedError

log = logging.getLogger(__name__)

# exception class → (HTTP status, reason); ``reason`` None means the exception's own ``reason``.
STATUS_OF: dict[type[Exception], tuple[int, str | None]] = {
    catalog.InvalidDecisionError: (422, None),
    catalog.DuplicateDecisionError: (409, None),
    catalog.DecisionRefusedError: (409, None),
    catalog.DecisionHasDependentsError: (409, None),
    catalog.DecisionRetractedError: (409, None),
    catalog.PublicationBeforeSigningError: (409, None),
    catalog.DecisionNotFoundError: (404, None),
    catalog.ProcedureNotFoundError: (404, None),
    ImportFileError: (422, None),
    agencies.InvalidAgencyError: (422, None),
    agencies.UnknownAgencyError: (422, None),
    agencies.DuplicateAgencyError: (409, None),
    agencies.AgencyAlreadyClosedError: (409, None),
    agencies.AgencyNotFoundError: (404, None),
    OverrideRefusedError: (409, None),
    tracker.InvalidDossierError: (422, None),
    tracker.IllegalTransitionError: (409, None),
    tracker.DuplicateDossierError: (409, None),
    tracker.ProcedureNotActiveError: (409, None),
    tracker.DossierNotFoundError: (404, None),
    tracker.VersionMismatchError: (412, None),
    CalendarError: (422, None),
    access.NotSignedInError: (401, None),
    access.InvalidCredentialsError: (401, None),
    access.InvalidTokenError: (401, None),
    access.ForbiddenError: (403, None),  # and ForbiddenAgencyError, CsrfError
    access.SignInThrottledError: (429, None),
    access.AccountLockedError: (429, None),
    access.InvalidAccountError: (422, None),
    access.DuplicateAccountError: (409, None),
    access.AccountNotFoundError: (404, None),
    access.TokenNotFoundError: (404, None),
    ConcurrentUpdateError: (409, "concurrent_update"),
    StorageUnavailableError: (503, "storage_unavailable"),
}

MESSAGES = {
    400: "Yêu cầu không hợp lệ: nội dung JSON sai cú pháp.",
    401: "Chưa đăng nhập.",
    403: "Không có quyền thực hiện thao tác này.",
    404: "Không tìm thấy tài nguyên được yêu cầu.",
    405: "Phương thức không được hỗ trợ cho địa chỉ này.",
    409: "Yêu cầu xung đột với trạng thái hiện tại.",
    412: "Phiên bản không khớp (If-Match).",
    413: "Nội dung gửi lên quá lớn.",
    415: "Kiểu nội dung không được hỗ trợ.",
    429: "Quá nhiều yêu cầu; vui lòng thử lại sau.",
    422: "Dữ liệu không hợp lệ.",
    500: "Lỗi hệ thống. Vui lòng thử lại sau.",
    503: "Cơ sở dữ liệu tạm thời không sẵn sàng. Vui lòng thử lại sau.",
}

REASONS = {400: "malformed_json", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
           405: "method_not_allowed", 412: "version_mismatch", 413: "payload_too_large",
           415: "unsupported_media_type", 422: "validation_failed", 500: "internal_error",
           503: "storage_unavailable"}

RETRY_AFTER_SECONDS = 2


def error_response(code: int, reason: str, message: str, errors: dict[str, Any] | None = None):
    """Return a Flask response in the contract's error shape."""
    response = jsonify({"code": code, "status": HTTP_STATUS_CODES.get(code, "Error"), "reason": reason,
                        "message": message, "errors": errors or {}})
    response.status_code = code
    if code == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def json_paths(messages: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten webargs' nested messages to ``{"entries.0.code": [...]}``, dropping the location key."""
    if not isinstance(messages, dict):
        return {prefix or "_": messages}
    flat: dict[str, Any] = {}
    for key, value in messages.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(json_paths(value, path))
        else:
            flat[path] = value
    return flat


def handle_http_exception(error: HTTPException):
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if code == 422 and messages:
        location_free = {}
        for location, fields in messages.items():
            location_free.update(fields if isinstance(fields, dict) else {location: fields})
        return error_response(422, "validation_failed", MESSAGES[422], json_paths(location_free))
    if code == 400 and messages:
        return error_response(400, "malformed_json", MESSAGES[400], json_paths(messages))
    reason = REASONS.get(code, HTTP_STATUS_CODES.get(code, "error").lower().replace(" ", "_"))
    message = MESSAGES.get(code, error.description or "")
    return error_response(code, reason, message)


def handle_domain_error(error: Exception):
    for cls in type(error).__mro__:
        if cls in STATUS_OF:
            code, reason = STATUS_OF[cls]
            break
    else:  # pragma: no cover - registered only for the classes above
        return handle_unexpected(error)
    message = getattr(error, "message", None) or MESSAGES[code]
    if isinstance(error, ConcurrentUpdateError):
        message = "Hồ sơ vừa được người khác cập nhật; vui lòng tải lại và thử lại."
    if isinstance(error, StorageUnavailableError):
        message = MESSAGES[503]
    details = getattr(error, "errors", None) or {}
    if code == 422:  # field errors are keyed by JSON path, like the schemas' ("entries.1.replaces")
        details = json_paths(details)
    response = error_response(code, reason or error.reason, message, details)
    if getattr(error, "retry_after", None):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def handle_csrf_error(error: CSRFError):
    """Flask-WTF's refusal (a 400 there) is the contract's 403 ``csrf_failed``."""
    return handle_domain_error(access.CsrfError())


def handle_database_error(error: Exception):
    log.warning("database unavailable: %s", error.__class__.__name__)
    return error_response(503, "storage_unavailable", MESSAGES[503])


def handle_unexpected(error: Exception):
    log.exception("unexpected error")
    return error_response(500, "internal_error", MESSAGES[500])


def init_app(app: Flask) -> None:
    """Register the handlers on ``app`` (after flask-smorest, so these win)."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(CSRFError, handle_csrf_error)
    for cls in STATUS_OF:
        app.register_error_handler(cls, handle_domain_error)
    app.register_error_handler(OperationalError, handle_database_error)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(StoreOperationalError, handle_database_error)
    app.register_error_handler(StoreInterfaceError, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected)
