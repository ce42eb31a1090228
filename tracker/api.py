"""HTTP API of the tracker (``shared/api.md`` → Tracker): the agency registry."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from config.app import services
from tracker.schemas import AgencyIn, AgencyOut, AgencyPage, AgencyQuery, ClosureIn

blp = Blueprint("tracker", __name__, url_prefix="/api", description="Theo dõi hồ sơ")

ACTOR = "api"  # until accounts exist (access-control issue), every API command is attributed to "api"


@blp.route("/agencies")
class Agencies(MethodView):
    @blp.arguments(AgencyQuery, location="query")
    @blp.response(200, AgencyPage)
    def get(self, args):
        """List agencies by code: current ones by default; `as_of` keeps those valid on a date; `q` ignores
        accents."""
        return services().agencies.list(**args)

    @blp.arguments(AgencyIn)
    @blp.response(201, AgencyOut)
    @blp.alt_response(409, description="`duplicate_agency`: the code is taken, or the name by a current agency")
    def post(self, body):
        """Register an agency (đơn vị tiếp nhận, giải quyết); `parent` and `successor` must be known (422
        `unknown_agency`)."""
        return services().agencies.add(actor=ACTOR, **body)


@blp.route("/agencies/<string:code>")
@blp.response(200, AgencyOut)
@blp.alt_response(404, description="`agency_not_found`")
def show_agency(code: str):
    """Show one agency, current or closed."""
    return services().agencies.get(code)


@blp.route("/agencies/<string:code>/closure", methods=["POST"])
@blp.arguments(ClosureIn)
@blp.response(200, AgencyOut)
@blp.alt_response(404, description="`agency_not_found`")
@blp.alt_response(409, description="`agency_already_closed`")
def close_agency(body, code: str):
    """Record the last day an agency is valid (merged, renamed, abolished) and its successor, if any."""
    return services().agencies.close(code, body["valid_to"], body.get("successor"), actor=ACTOR)
