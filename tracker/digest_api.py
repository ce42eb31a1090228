"""``GET /api/digests/preview``: the messages the near-due digest of a date would send (shared/api.md)."""

from __future__ import annotations

from flask_smorest import Blueprint

from access.roles import Permission
from config.app import digest_settings, services
from config.auth import requires
from config.digest import preview, today
from tracker.schemas import DigestPreviewOut, DigestPreviewQuery

blp = Blueprint("digests", __name__, url_prefix="/api", description="Bản tin hồ sơ sắp đến hạn")


@blp.get("/digests/preview")
@requires(Permission.DIGEST_PREVIEW)
@blp.arguments(DigestPreviewQuery, location="query")
@blp.response(200, DigestPreviewOut)
def digest_preview(args):
    """Compose the digest of `date` (default today) for every configured group and channel; nothing is
    claimed or sent. A group with nothing due has no message unless it asks for the short line."""
    on = args.get("date") or today(services())
    return {"date": on, "messages": preview(services(), digest_settings(), on)}
