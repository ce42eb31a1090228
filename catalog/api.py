"""HTTP API of the catalog: decisions, procedures and the procedure-changes report (``shared/api.md``)."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from uuid import UUID

from flask.views import MethodView
from flask_smorest import Blueprint

from access.roles import Permission
from catalog import queries
from catalog.schemas import (
    AsOfQuery,
    ChangeReport,
    ChangeReportQuery,
    DecisionIn,
    DecisionOut,
    DecisionPage,
    DecisionQuery,
    ProcedureOut,
    ProcedurePage,
    ProcedureQuery,
    PublicationIn,
    RetractionIn,
)
from config.app import services
from config.auth import actor, requires
from config.exports import LEVEL_VI, table_response

blp = Blueprint("catalog", __name__, url_prefix="/api", description="Danh mục thủ tục hành chính")

AUTHORITY_VI = {"central": "Trung ương", "local": "Địa phương"}
KIND_VI = {"external": "TTHC", "internal": "TTHC nội bộ"}
KEY_HEADERS = {"authority": ("Thẩm quyền ban hành", AUTHORITY_VI), "level": ("Cấp thực hiện", LEVEL_VI),
               "field": ("Lĩnh vực", {}), "kind": ("Loại TTHC", KIND_VI), "issuer": ("Cơ quan công bố", {})}
COUNT_HEADERS = (("decisions", "Số quyết định"), ("new", "Ban hành mới"),
                 ("amended", "Sửa đổi, bổ sung, thay thế"), ("replaced", "Trong đó: thay thế"),
                 ("abolished", "Bãi bỏ"))


@contextmanager
def read_models():
    """A connection to read models that reflect every event recorded so far (read-your-writes)."""
    svc = services()
    svc.projector.catch_up()
    with svc.projector.engine.connect() as conn:
        yield conn


def today() -> dt.date:
    return dt.datetime.now(services().settings.tz).date()


@blp.route("/decisions")
class Decisions(MethodView):
    @requires(Permission.CATALOG_READ)
    @blp.arguments(DecisionQuery, location="query")
    @blp.response(200, DecisionPage)
    def get(self, args):
        """List Quyết định công bố by signing date (`from`, `to` inclusive), issuer or text."""
        with read_models() as conn:
            return queries.list_decisions(conn, **args)

    @requires(Permission.DECISIONS_WRITE)
    @blp.arguments(DecisionIn)
    @blp.response(201, DecisionOut)
    @blp.alt_response(409, description="A rule refuses the decision (`reason`, per-entry `errors.entries`)")
    def post(self, body):
        """Record a Quyết định công bố: applied whole or not at all."""
        decision = services().catalog.record_decision(actor=actor(), **body)
        with read_models() as conn:
            return queries.get_decision(conn, decision.id)


@blp.route("/decisions/<uuid:decision_id>")
class DecisionResource(MethodView):
    @requires(Permission.CATALOG_READ)
    @blp.response(200, DecisionOut)
    def get(self, decision_id: UUID):
        """Show one decision with its entries and history."""
        with read_models() as conn:
            return queries.get_decision(conn, decision_id)


@blp.route("/decisions/<uuid:decision_id>/publication", methods=["POST"])
@requires(Permission.DECISIONS_WRITE)
@blp.arguments(PublicationIn)
@blp.response(200, DecisionOut)
def record_publication(body, decision_id: UUID):
    """Record when the decision was publicised on the national TTHC database (NĐ 63/2010 Art. 24)."""
    services().catalog.record_publication(decision_id, body["publicised_on"], actor=actor())
    with read_models() as conn:
        return queries.get_decision(conn, decision_id)


@blp.route("/decisions/<uuid:decision_id>/retraction", methods=["POST"])
@requires(Permission.DECISIONS_WRITE)
@blp.arguments(RetractionIn)
@blp.response(200, DecisionOut)
@blp.alt_response(409, description="`decision_has_dependents` or `decision_retracted`")
def retract(body, decision_id: UUID):
    """Withdraw a decision recorded in error: the catalog and reports become as if it never was."""
    services().catalog.retract_decision(decision_id, body["reason"], actor=actor())
    with read_models() as conn:
        return queries.get_decision(conn, decision_id)


@blp.route("/procedures")
@requires(Permission.CATALOG_READ)
@blp.arguments(ProcedureQuery, location="query")
@blp.response(200, ProcedurePage)
def list_procedures(args):
    """List procedures as on `as_of` (default today), filtered; `q` ignores accents."""
    args["as_of"] = args.get("as_of") or today()
    with read_models() as conn:
        return queries.list_procedures(conn, **args)


@blp.route("/procedures/<string:code>")
@requires(Permission.CATALOG_READ)
@blp.arguments(AsOfQuery, location="query")
@blp.response(200, ProcedureOut)
def show_procedure(args, code: str):
    """Show a procedure as on `as_of` (default today) with its history; 404 if it did not exist then."""
    with read_models() as conn:
        return queries.get_procedure(conn, code, args.get("as_of") or today())


@blp.route("/reports/procedure-changes")
@requires(Permission.REPORTS_READ)
@blp.arguments(ChangeReportQuery, location="query")
@blp.response(200, ChangeReport)
@blp.alt_response(200, description="`format=csv` or `format=xlsx`: the same table as a file",
                  content_type="text/csv")
def procedure_changes(args):
    """Count procedures changed in a period by authority, level, field, kind or issuer."""
    file_format = args.pop("format")
    with read_models() as conn:
        report = queries.procedure_changes(conn, **args)
    if file_format == "json":
        return report
    by = report["by"]
    headers = [KEY_HEADERS[key][0] for key in by] + [title for _, title in COUNT_HEADERS]
    rows = [[KEY_HEADERS[key][1].get(group[key], group[key]) for key in by]
            + [group[name] for name, _ in COUNT_HEADERS] for group in report["groups"]]
    rows.append((["Tổng cộng"] + [""] * (len(by) - 1) if by else [])
                + [report["totals"][name] for name, _ in COUNT_HEADERS])
    if not by:
        headers = [title for _, title in COUNT_HEADERS]
    filename = f"tthc-thay-doi-{args['from_']:%Y%m%d}-{args['to']:%Y%m%d}"
    return table_response("Thay đổi TTHC", headers, rows, filename, file_format)
