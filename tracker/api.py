"""HTTP API of the tracker (``shared/api.md`` → Tracker): agencies, dossiers, near-due list, period results."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import asdict

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from access.roles import Permission
from config.app import services
from config.auth import actor, admits_agency, authorize_agencies, presented, requires
from config.exports import LEVEL_VI, table_response
from tracker import queries
from tracker.agencies import AgencyNotFoundError
from tracker.domain import InvalidDossierError
from tracker.schemas import (
    AgencyIn,
    AgencyOut,
    AgencyPage,
    AgencyQuery,
    ClosureIn,
    DossierIn,
    DossierOut,
    DossierPage,
    DossierQuery,
    DueOut,
    DueQuery,
    ImportOut,
    ResultsOut,
    ResultsQuery,
    StepIn,
    read_import_lines,
)

blp = Blueprint("tracker", __name__, url_prefix="/api", description="Theo dõi hồ sơ")



@blp.route("/agencies")
class Agencies(MethodView):
    @requires(Permission.AGENCIES_READ)
    @blp.arguments(AgencyQuery, location="query")
    @blp.response(200, AgencyPage)
    def get(self, args):
        """List agencies by code: current ones by default; `as_of` keeps those valid on a date; `q` ignores
        accents."""
        return services().agencies.list(**args)

    @requires(Permission.AGENCIES_WRITE)
    @blp.arguments(AgencyIn)
    @blp.response(201, AgencyOut)
    @blp.alt_response(409, description="`duplicate_agency`: the code is taken, or the name by a current agency")
    def post(self, body):
        """Register an agency (đơn vị tiếp nhận, giải quyết); `parent` and `successor` must be known (422
        `unknown_agency`)."""
        return services().agencies.add(actor=actor(), **body)


@blp.route("/agencies/<string:code>")
@requires(Permission.AGENCIES_READ)
@blp.response(200, AgencyOut)
@blp.alt_response(404, description="`agency_not_found`")
def show_agency(code: str):
    """Show one agency, current or closed."""
    return services().agencies.get(code)


@blp.route("/agencies/<string:code>/closure", methods=["POST"])
@requires(Permission.AGENCIES_WRITE)
@blp.arguments(ClosureIn)
@blp.response(200, AgencyOut)
@blp.alt_response(404, description="`agency_not_found`")
@blp.alt_response(409, description="`agency_already_closed`")
def close_agency(body, code: str):
    """Record the last day an agency is valid (merged, renamed, abolished) and its successor, if any."""
    return services().agencies.close(code, body["valid_to"], body.get("successor"), actor=actor())


# -- dossiers ----------------------------------------------------------------------------------------------

RESULT_HEADERS = (
    ("received", "Tổng số hồ sơ tiếp nhận"), ("carried_over", "Kỳ trước chuyển qua"),
    ("new_online", "Mới tiếp nhận trực tuyến"), ("new_in_person", "Mới tiếp nhận trực tiếp"),
    ("new_postal", "Mới tiếp nhận qua bưu chính công ích"), ("resolved", "Đã giải quyết"),
    ("resolved_early", "Giải quyết trước hạn"), ("resolved_on_time", "Giải quyết đúng hạn"),
    ("resolved_late", "Giải quyết quá hạn"), ("in_progress", "Đang giải quyết"),
    ("in_progress_on_time", "Đang giải quyết trong hạn"), ("in_progress_overdue", "Đang giải quyết quá hạn"),
    ("returned", "Trả lại / rút hồ sơ"), ("paused", "Tạm dừng (bổ sung, nghĩa vụ tài chính, dừng xử lý)"),
    ("on_time_rate", "Tỷ lệ đúng hạn"),
)
RESULT_KEY_HEADERS = {"level": ("Cấp", LEVEL_VI), "agency": ("Đơn vị", {}), "field": ("Lĩnh vực", {}),
                      "procedure": ("Thủ tục", {})}


@contextmanager
def dossier_reads():
    """A connection to read models reflecting every command so far, the calendar and today's date."""
    svc = services()
    svc.projector.catch_up()
    with svc.projector.engine.connect() as conn:
        yield conn, svc.calendar(), dt.datetime.now(svc.settings.tz).date()


def agency_code(ref: str, on: dt.date) -> str:
    """The code of the agency ``ref`` names: a code (current or closed), else an exact name valid on ``on``.
    Raises ``UnknownAgencyError`` (422)."""
    try:
        return services().agencies.get(ref.strip()).code
    except AgencyNotFoundError:
        return services().agencies.resolve(ref, on).code


def show(code: str) -> dict:
    """The dossier as the signed-in account may see it (personal data masked unless it may see them)."""
    with dossier_reads() as (conn, calendar, today):
        return presented(queries.get_dossier(conn, code, calendar, today))


@blp.route("/dossiers")
class Dossiers(MethodView):
    @requires(Permission.DOSSIERS_READ)
    @blp.arguments(DossierQuery, location="query")
    @blp.response(200, DossierPage)
    def get(self, args):
        """List dossiers, latest receipt first, by state, agency (code or exact name; receiving or handling),
        level, procedure or receipt dates."""
        with dossier_reads() as (conn, calendar, today):
            if args.get("agency"):
                args["agency"] = agency_code(args["agency"], today)
            page = queries.list_dossiers(conn, calendar, today, **args)
        return dict(page, items=[presented(dossier) for dossier in page["items"]])

    @requires(Permission.DOSSIERS_WRITE)
    @blp.arguments(DossierIn)
    @blp.response(201, DossierOut)
    @blp.alt_response(409, description="`procedure_not_active`, `unknown_procedure` or `duplicate_dossier`")
    def post(self, body):
        """Receive a dossier (tiếp nhận); `due_at` comes from the working-day calendar. Officers receive only
        at their agencies (403 `forbidden_agency`)."""
        received_on = body["received_at"].astimezone(services().settings.tz).date()
        authorize_agencies([agency_code(body["agency"], received_on)])
        dossier = services().tracker.receive_dossier(actor=actor(), **body)
        return show(dossier.code)


@blp.route("/dossiers/due")
@requires(Permission.DOSSIERS_READ)
@blp.arguments(DueQuery, location="query")
@blp.response(200, DueOut)
def due_dossiers(args):
    """Dossiers overdue or falling due within `within` working days of `as_of` (default today)."""
    with dossier_reads() as (conn, calendar, today):
        agency = args.get("agency")
        as_of = args.get("as_of") or today
        if agency:
            agency = agency_code(agency, as_of)
        return queries.due(conn, calendar, as_of=as_of, within=args["within"], agency=agency,
                           level=args.get("level"))


@blp.route("/dossiers/import", methods=["POST"])
@requires(Permission.DOSSIERS_WRITE)
@blp.response(200, ImportOut)
@blp.doc(requestBody={"content": {"application/x-ndjson": {"schema": {"type": "string"}}},
                      "description": "One dossier per line: the body of `POST /api/dossiers` plus `steps`."})
def import_dossiers():
    """Bulk import (NDJSON): each line whole or not at all; a line whose code exists is skipped; a line of an
    agency not assigned to the account fails with reason `forbidden_agency`."""
    report = services().tracker.import_dossiers(read_import_lines(request.stream), actor=actor(),
                                                admit=admits_agency)
    return asdict(report)


@blp.route("/dossiers/<string:code>")
@requires(Permission.DOSSIERS_READ)
@blp.response(200, DossierOut)
def show_dossier(code: str):
    """Show a dossier with its timeline, `working_days_left` and national status code."""
    return show(code)


@blp.route("/dossiers/<string:code>/steps", methods=["POST"])
@requires(Permission.DOSSIERS_WRITE)
@blp.arguments(StepIn)
@blp.response(200, DossierOut)
@blp.alt_response(409, description="`illegal_transition` (`errors.allowed`) or `concurrent_update`")
@blp.alt_response(412, description="`If-Match` names another version")
def log_step(body, code: str):
    """Log a step; `If-Match: <version>` makes it conditional. Officers log steps only on dossiers their
    agencies received or now handle (403 `forbidden_agency`, nothing recorded)."""
    with dossier_reads() as (conn, _calendar, _today):
        authorize_agencies(queries.dossier_agencies(conn, code))
    services().tracker.log_step(code, body, actor=actor(), expected_version=if_match())
    return show(code)


def if_match() -> int | None:
    """The dossier version in ``If-Match`` (``3`` or ``"3"``), or None; 422 when it is not a version."""
    value = request.headers.get("If-Match")
    if value is None:
        return None
    try:
        return int(value.strip().strip('"').removeprefix("W/").strip('"'))
    except ValueError:
        message = "If-Match phải là số phiên bản của hồ sơ."
        raise InvalidDossierError(message, {"If-Match": [message]}, reason="validation_failed") from None


@blp.route("/reports/dossier-results")
@requires(Permission.REPORTS_READ)
@blp.arguments(ResultsQuery, location="query")
@blp.response(200, ResultsOut)
@blp.alt_response(200, description="`format=csv` or `format=xlsx`: the same table as a file", content_type="text/csv")
def dossier_results(args):
    """Biểu II.06a: dossiers received, resolved (early/on time/late), in progress, returned and paused."""
    file_format = args.pop("format")
    with dossier_reads() as (conn, _, _today):
        report = queries.dossier_results(conn, start=args["from_"], end=args["to"], by=args["by"])
    if file_format == "json":
        return report
    by = report["by"]
    headers, rows = [], []
    for key in by:
        headers.append(RESULT_KEY_HEADERS[key][0])
        if key in ("agency", "procedure"):
            headers.append(f"Tên {RESULT_KEY_HEADERS[key][0].lower()}")
    headers += [title for _, title in RESULT_HEADERS]
    for group in report["groups"]:
        row = []
        for key in by:
            row.append(RESULT_KEY_HEADERS[key][1].get(group[key], group[key]))
            if key in ("agency", "procedure"):
                row.append(group[f"{key}_name"])
        rows.append(row + [group[name] for name, _ in RESULT_HEADERS])
    width = len(headers) - len(RESULT_HEADERS)
    rows.append((["Tổng cộng"] + [""] * (width - 1) if width else []) + [report["totals"][n] for n, _ in RESULT_HEADERS])
    filename = f"ket-qua-giai-quyet-ho-so-{args['from_']:%Y%m%d}-{args['to']:%Y%m%d}"
    return table_response("Kết quả giải quyết hồ sơ", headers, rows, filename, file_format)
