"""A database that cannot be reached gives 503 and a degraded health, never a traceback."""

import pytest

from config.app import create_app
from config.settings import Settings
from tests.conftest import bearer_client_class

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2"


@pytest.fixture
def client_without_database(tmp_path):
    app = create_app(Settings(instance_path=tmp_path, database_url=UNREACHABLE))
    return bearer_client_class("tthc_any-token-the-service-cannot-check")(app, app.response_class)


def test_health_is_degraded_with_503(client_without_database):
    response = client_without_database.get("/api/health")
    assert response.status_code == 503
    assert response.get_json()["status"] == "degraded"
    assert response.get_json()["database"] == "postgresql"


@pytest.mark.parametrize("method, path, body", [
    ("get", "/api/procedures", None),
    ("get", "/api/decisions", None),
    ("post", "/api/decisions", {"number": "1/QĐ", "issuer": "UBND", "signed_on": "2024-04-16",
                                "entries": [{"action": "abolished", "code": "1.000001"}]}),
])
def test_reads_and_commands_answer_503_with_retry_after(client_without_database, method, path, body):
    response = getattr(client_without_database, method)(path, json=body)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert response.get_json() == {
        "code": 503, "status": "Service Unavailable", "reason": "storage_unavailable",
        "message": "Cơ sở dữ liệu tạm thời không sẵn sàng. Vui lòng thử lại sau.", "errors": {}}
