"""``GET /api/health``: is the database reachable, and how far are the read models."""

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from access.roles import Permission
from config import app as app_module
from config.auth import requires
from tracker.deliveries import DeliveryLog

blp = Blueprint("health", __name__, url_prefix="/api", description="Tình trạng dịch vụ")


class ProjectionPosition(Schema):
    position = fields.Integer()
    head = fields.Integer()


class Health(Schema):
    status = fields.String(metadata={"description": "`ok`, or `degraded` when the database cannot be reached"})
    database = fields.String(metadata={"description": "`sqlite` or `postgresql`"})
    version = fields.String()
    projections = fields.Dict(keys=fields.String(), values=fields.Nested(ProjectionPosition))
    last_digest = fields.Dict(allow_none=True, metadata={
        "description": "The latest digest date's deliveries: `{date, sent, failed, unknown, claimed, "
                       "finished_at}` (null before the first)"})


@blp.get("/health")
@requires(Permission.PUBLIC)
@blp.response(200, Health)
@blp.alt_response(503, schema=Health, description="The database cannot be reached")
def health():
    """Report the service's health: 200 `ok`, or 503 `degraded` when the database cannot be reached."""
    services = app_module.services()
    body = {"status": "ok", "database": services.database, "version": app_module.service_version(),
            "projections": {}, "last_digest": None}
    try:
        body["projections"] = services.projector.status()
        body["last_digest"] = DeliveryLog(services.projector.engine).last_run()
    except Exception:  # any failure to read the store means degraded, never a traceback
        body["status"] = "degraded"
        return Health().dump(body), 503
    return body
