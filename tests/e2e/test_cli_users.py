"""``tthc users …``, ``tthc tokens …`` and the first admin created by ``tthc serve``."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from config.cli import cli
from tests.conftest import application, bearer_client_class


@pytest.fixture
def run(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("TTHC_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("TTHC_INSTANCE_PATH", str(tmp_path))

    def invoke(*args):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def test_the_first_serve_creates_admin_with_a_password_printed_once(run, monkeypatch):
    import waitress

    monkeypatch.setattr(waitress, "serve", lambda app, **kwargs: None)
    first, second = run("serve"), run("serve")

    lines = [line for line in first.output.splitlines() if "mật khẩu" in line]
    assert len(lines) == 1
    password = lines[0].rsplit(" ", 1)[1]
    assert "mật khẩu" not in second.output
    listed = run("users", "list").output.splitlines()
    assert listed == ["admin: vai trò admin; đơn vị —"]
    from config.services import build_services  # the printed password signs in
    from config.settings import Settings

    services = build_services(Settings.from_env())
    try:
        assert services.accounts.authenticate("admin", password).roles == ("admin",)
    finally:
        services.close()


def test_users_create_grant_revoke_and_a_generated_password_on_the_last_line(run):
    created = run("users", "create", "lan", "--role", "officer", "--agency", "*")
    assert created.exit_code == 0
    assert len(created.output.splitlines()[-1]) >= 16
    assert run("users", "grant", "lan", "--role", "viewer").output.strip() == \
        "lan: vai trò officer, viewer; đơn vị *"
    assert run("users", "revoke", "lan", "--role", "officer").output.strip() == "lan: vai trò viewer; đơn vị *"
    refused = CliRunner().invoke(cli, ["users", "create", "lan", "--role", "viewer"])
    assert refused.exit_code == 1 and "duplicate_account" in refused.output
    for command in ("grant", "revoke"):
        empty = CliRunner().invoke(cli, ["users", command, "lan"])
        assert empty.exit_code == 1 and "invalid_account" in empty.output, command


def test_tokens_create_prints_the_token_alone_on_its_last_line_and_it_works(run, sqlite_url, tmp_path):
    run("users", "create", "cong-dvc", "--role", "officer", "--agency", "*", "--password", "mật khẩu đủ dài")
    result = run("tokens", "create", "cong-dvc", "--expires", "30", "--label", "cổng DVC")

    token = result.output.splitlines()[-1]
    assert token.startswith("tthc_") and " " not in token
    with application(sqlite_url, tmp_path) as app:
        client = bearer_client_class(token)(app, app.response_class)
        assert client.get("/api/session").get_json()["account"] == "cong-dvc"
        assert run("tokens", "revoke", "1").exit_code == 0
        assert client.get("/api/session").status_code == 401
