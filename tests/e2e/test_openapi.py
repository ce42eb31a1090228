"""End to end: the OpenAPI document, the self-hosted Swagger UI and ``GET /api/health``."""

from __future__ import annotations

import re
from importlib.metadata import version

import pytest
from openapi_spec_validator import validate

from tests.conftest import migrated_app

# Every catalog path of shared/api.md, with its methods, as flask-smorest names them.
CATALOG_PATHS = {
    "/api/decisions": {"get", "post"},
    "/api/decisions/{decision_id}": {"get"},
    "/api/decisions/{decision_id}/publication": {"post"},
    "/api/decisions/{decision_id}/retraction": {"post"},
    "/api/procedures": {"get"},
    "/api/procedures/{code}": {"get"},
    "/api/reports/procedure-changes": {"get"},
    "/api/health": {"get"},
}
TRACKER_PATHS = {
    "/api/agencies": {"get", "post"},
    "/api/agencies/{code}": {"get"},
    "/api/dossiers": {"get", "post"},
    "/api/dossiers/{code}": {"get"},
    "/api/dossiers/{code}/steps": {"post"},
    "/api/dossiers/due": {"get"},
    "/api/dossiers/import": {"post"},
    "/api/reports/dossier-results": {"get"},
    "/api/digests/preview": {"get"},
}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
ASSETS = "/api/docs/assets/"


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def api(request, tmp_path_factory):
    """A client shared by the tests that only read the documents (one application per store)."""
    with migrated_app(request.param, tmp_path_factory.mktemp("openapi")) as app:
        yield app.test_client()


def test_the_openapi_document_is_a_valid_openapi_document(api):
    response = api.get("/api/openapi.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    spec = response.get_json()
    validate(spec)  # raises on an invalid document
    assert spec["openapi"].startswith("3.")


def test_the_openapi_document_describes_every_catalog_path_of_the_contract(api):
    paths = api.get("/api/openapi.json").get_json()["paths"]

    described = {path: set(operations) & HTTP_METHODS for path, operations in paths.items()
                 if path in CATALOG_PATHS}
    assert described == CATALOG_PATHS


def test_the_openapi_document_describes_every_tracker_path_of_the_contract(api):
    paths = api.get("/api/openapi.json").get_json()["paths"]

    described = {path: set(operations) & HTTP_METHODS for path, operations in paths.items()
                 if path in TRACKER_PATHS}
    assert described == TRACKER_PATHS
    steps = paths["/api/dossiers/{code}/steps"]["post"]
    assert {"200", "409", "412", "422"} <= set(steps["responses"])
    results = {p["name"] for p in paths["/api/reports/dossier-results"]["get"]["parameters"]}
    assert {"from", "to", "by", "format"} <= results


def test_the_openapi_document_describes_the_decision_body_and_the_report_parameters(api):
    spec = api.get("/api/openapi.json").get_json()

    post = spec["paths"]["/api/decisions"]["post"]
    assert "201" in post["responses"] and "409" in post["responses"]
    report_parameters = {p["name"] for p in spec["paths"]["/api/reports/procedure-changes"]["get"]["parameters"]}
    assert {"from", "to", "by", "basis", "format"} <= report_parameters
    procedure_parameters = {p["name"] for p in spec["paths"]["/api/procedures"]["get"]["parameters"]}
    assert {"status", "field", "level", "authority", "kind", "online", "q", "as_of", "page",
            "per_page"} <= procedure_parameters


def docs_sources(html: str) -> list[str]:
    """Return the ``src`` of every script and the ``href`` of every stylesheet link of ``html``."""
    scripts = re.findall(r"<script[^>]*\bsrc\s*=\s*[\"']([^\"']+)[\"']", html, flags=re.IGNORECASE)
    styles = [re.search(r"\bhref\s*=\s*[\"']([^\"']+)[\"']", tag, flags=re.IGNORECASE).group(1)
              for tag in re.findall(r"<link\b[^>]*>", html, flags=re.IGNORECASE)
              if re.search(r"stylesheet", tag, flags=re.IGNORECASE)]
    return scripts + styles


def test_the_api_docs_page_loads_swagger_ui_from_local_assets_only(api):
    response = api.get("/api/docs")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    sources = docs_sources(html)
    assert any(source.endswith(".js") for source in sources)
    assert any(source.endswith(".css") for source in sources)
    assert [source for source in sources if not source.startswith(ASSETS)] == []
    assert not re.search(r"(src|href)\s*=\s*[\"'](https?:)?//", html, flags=re.IGNORECASE)
    assert '"/api/openapi.json"' in html


def test_the_swagger_ui_assets_are_served_by_the_service(api):
    sources = docs_sources(api.get("/api/docs").get_data(as_text=True))

    for source in sources:
        asset = api.get(source)
        assert asset.status_code == 200, source
        assert len(asset.data) > 1000, source
        assert asset.mimetype in ("text/css", "text/javascript", "application/javascript"), source
    assert api.get(ASSETS + "no-such-file.js").status_code == 404


def test_health_reports_ok_and_the_database_in_use(client, database_url):
    response = client.get("/api/health")

    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == ("sqlite" if database_url.startswith("sqlite") else "postgresql")
    assert body["version"] == version("tthc")
    assert "last_digest" in body


def test_health_shows_every_projection_at_the_head_after_a_write(client):
    recorded = client.post("/api/decisions", json={
        "number": "1/QĐ-UBND", "issuer": "UBND tỉnh Khánh Hòa", "signed_on": "2024-04-16",
        "entries": [{"action": "new", "code": "1.000001", "name": "Đăng ký khai sinh", "field": "Hộ tịch",
                     "levels": ["commune"], "authority": "central",
                     "processing_time": {"value": 3, "unit": "working_days"}}]})
    assert recorded.status_code == 201
    assert client.post("/api/agencies", json={"code": "G09.20", "name": "UBND phường Lộc Thọ",
                                              "level": "commune"}).status_code == 201
    assert client.post("/api/dossiers", json={"procedure_code": "1.000001", "agency": "G09.20", "channel": "online",
                                              "received_at": "2024-04-17T09:30:00+07:00"}).status_code == 201

    projections = client.get("/api/health").get_json()["projections"]

    assert projections
    for name, tracking in projections.items():
        assert set(tracking) == {"position", "head"}, name
        assert tracking["head"] > 0, name
        assert tracking["position"] == tracking["head"], name
