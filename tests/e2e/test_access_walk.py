"""Every route of the URL map and every operation of the OpenAPI document needs sign-in and its roles,
except ``GET /api/health`` and ``POST /api/session``."""

from __future__ import annotations

import uuid

import pytest

from access.roles import ROLES, Permission, roles_for
from config.auth import declared_permission
from tests.conftest import anonymous, migrated_app
from tests.e2e.access_setup import role_clients

PUBLIC = {("/api/health", "GET"), ("/api/session", "POST")}
ERROR_KEYS = {"code", "status", "reason", "message", "errors"}
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with migrated_app("sqlite", tmp_path_factory.mktemp("walk")) as app:
        yield app


@pytest.fixture(scope="module")
def clients(app):
    return role_clients(app)


def example_path(rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        values[name] = uuid.uuid4() if kind == "UUIDConverter" else 1 if kind == "IntegerConverter" else "x.js"
    return rule.build(values)[1]


def routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_declares_what_it_needs(app):
    undeclared = []
    for rule, method in routes(app):
        with app.test_request_context(example_path(rule), method=method):
            if declared_permission(rule.endpoint) is None:
                undeclared.append((rule.rule, method))
    assert undeclared == []


def test_no_route_but_health_and_sign_in_answers_without_an_account(app):
    client = anonymous(app)
    reachable = []
    for rule, method in routes(app):
        if (rule.rule, method) in PUBLIC:
            continue
        response = client.open(example_path(rule), method=method, json={})
        body = response.get_json(silent=True) or {}
        if response.status_code != 401 or set(body) != ERROR_KEYS or body["reason"] != "not_signed_in":
            reachable.append((rule.rule, method, response.status_code))
    assert reachable == []


def test_every_route_refuses_each_role_that_lacks_its_permission(app, clients):
    wrong = []
    for rule, method in routes(app):
        if (rule.rule, method) in PUBLIC:
            continue
        with app.test_request_context(example_path(rule), method=method):
            permission = declared_permission(rule.endpoint)
        for role in set(ROLES) - set(roles_for(permission)):
            response = clients[role].open(example_path(rule), method=method, json={})
            if response.status_code != 403 or response.get_json()["reason"] != "forbidden":
                wrong.append((rule.rule, method, role, response.status_code))
    assert wrong == []


def test_a_role_holding_the_permission_gets_past_the_check(clients):
    response = clients["viewer"].get("/api/procedures")
    assert response.status_code == 200
    assert clients["kstt"].post("/api/decisions", json={}).status_code == 422  # past the check, into validation


def test_every_openapi_operation_but_the_public_two_declares_security_roles_and_401_403(app):
    spec = app.test_client().get("/api/openapi.json").get_json()

    assert set(spec["components"]["securitySchemes"]) == {"bearerAuth", "sessionCookie"}
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in HTTP_METHODS or (path, method.upper()) in PUBLIC:
                continue
            if (operation.get("security") != [{"bearerAuth": []}, {"sessionCookie": []}]
                    or not operation.get("x-roles") or not {"401", "403"} <= set(map(str, operation["responses"]))):
                missing.append((path, method))
    assert missing == []
    assert spec["paths"]["/api/health"]["get"]["security"] == []
    assert spec["paths"]["/api/session"]["post"]["security"] == []
    assert spec["paths"]["/api/audit"]["get"]["x-roles"] == list(roles_for(Permission.AUDIT_READ))


def test_the_openapi_document_and_swagger_ui_need_sign_in(app, clients):
    client = anonymous(app)
    for path in ("/api/openapi.json", "/api/docs", "/api/docs/assets/swagger-ui.css"):
        assert client.get(path).status_code == 401, path
        assert clients["viewer"].get(path).status_code == 200, path
