"""Sign-in sessions, CSRF, tokens, officer agency scope (IDOR), personal-data masking, the audit, and secrets
that never reach the log, over HTTP."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from tests.conftest import anonymous, token_client
from tests.e2e.access_setup import (
    APPLICANT,
    DOSSIER,
    MASKED,
    PASSWORD,
    receipt,
    record_province,
)

ERROR_KEYS = {"code", "status", "reason", "message", "errors"}


@pytest.fixture
def province(app, client):
    record_province(client)
    return app


def head(app) -> int:
    """The event store's newest notification id, catalog and tracker."""
    services = app.extensions["tthc"]
    return (services.catalog.recorder.max_notification_id() or 0) + (services.tracker.recorder.max_notification_id() or 0)


def signed_in(app, name: str, roles, agencies=()):
    """A cookie client signed in through ``POST /api/session`` and its CSRF token."""
    app.extensions["tthc"].accounts.create(name, roles=roles, agencies=agencies, password=PASSWORD, actor="tests")
    client = anonymous(app)
    response = client.post("/api/session", json={"username": name, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return client, response.get_json()["csrf_token"]


# -- sign-in, sessions and CSRF ------------------------------------------------------------------------------

def test_signing_in_sets_an_http_only_same_site_cookie_and_answers_who_is_signed_in(app):
    client, csrf = signed_in(app, "lan", ["officer"], ["*"])

    assert csrf
    me = client.get("/api/session").get_json()
    assert me == {"account": "lan", "roles": ["officer"], "agencies": ["*"], "via": "session", "csrf_token": csrf}
    app.extensions["tthc"].accounts.create("hoa", roles=["viewer"], password=PASSWORD, actor="tests")
    app.config["SESSION_COOKIE_SECURE"] = True  # the default (TTHC_COOKIE_SECURE); tests run over plain http
    cookie = anonymous(app).post("/api/session", json={"username": "hoa", "password": PASSWORD}).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_a_wrong_password_and_an_unknown_account_get_the_same_401(app):
    app.extensions["tthc"].accounts.create("lan", roles=["viewer"], password=PASSWORD, actor="tests")
    client = anonymous(app)

    wrong = client.post("/api/session", json={"username": "lan", "password": "không đúng mật khẩu"})
    unknown = client.post("/api/session", json={"username": "ai-đó", "password": "không đúng mật khẩu"})

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json() == {
        "code": 401, "status": "Unauthorized", "reason": "invalid_credentials",
        "message": "Tên đăng nhập hoặc mật khẩu không đúng.", "errors": {}}


def test_repeated_failures_are_429_with_retry_after_and_an_admin_sees_the_lock(app, client):
    services = app.extensions["tthc"]
    now = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)
    services.accounts.throttle.clock = services.accounts.clock = lambda: now
    services.accounts.create("lan", roles=["viewer"], password=PASSWORD, actor="tests")
    attempts = [anonymous(app).post("/api/session", json={"username": "lan", "password": "sai"}) for _ in range(4)]

    assert [a.status_code for a in attempts] == [401, 401, 401, 429]
    assert (attempts[3].get_json()["reason"], attempts[3].headers["Retry-After"]) == ("sign_in_throttled", "1")
    listed = {a["name"]: a for a in client.get("/api/users").get_json()["items"]}
    assert (listed["lan"]["failures"], listed["lan"]["locked_until"]) == (3, None)


def test_a_cookie_change_without_the_csrf_header_is_403_and_with_it_goes_through(app):
    client, csrf = signed_in(app, "quan-tri", ["admin"])
    body = {"code": "G01", "name": "UBND tỉnh A", "level": "province"}

    refused = client.post("/api/agencies", json=body)
    forged = client.post("/api/agencies", json=body, headers={"X-CSRF-Token": "giả mạo"})
    accepted = client.post("/api/agencies", json=body, headers={"X-CSRF-Token": csrf})

    assert (refused.status_code, refused.get_json()["reason"]) == (403, "csrf_failed")
    assert set(refused.get_json()) == ERROR_KEYS
    assert forged.status_code == 403
    assert accepted.status_code == 201 and accepted.get_json()["actor"] == "quan-tri"
    assert client.get("/api/agencies/G01").status_code == 200  # reads need no header


def test_signing_out_ends_the_session(app):
    client, csrf = signed_in(app, "lan", ["viewer"])

    assert client.delete("/api/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/session").status_code == 401


def test_a_new_password_ends_the_sessions_signed_in_before(app, client):
    cookie_client, _ = signed_in(app, "lan", ["viewer"])
    assert client.put("/api/users/lan/password", json={"password": "mật khẩu mới đủ dài"}).status_code == 200
    assert cookie_client.get("/api/session").status_code == 401


def test_an_account_changes_its_own_password_keeping_this_session_and_ending_the_others(app):
    client, csrf = signed_in(app, "lan", ["viewer"])
    other = anonymous(app)
    assert other.post("/api/session", json={"username": "lan", "password": PASSWORD}).status_code == 200
    change = {"current_password": PASSWORD, "password": "mật khẩu mới đủ dài"}

    wrong = client.put("/api/session/password", json=dict(change, current_password="không phải"),
                       headers={"X-CSRF-Token": csrf})
    changed = client.put("/api/session/password", json=change, headers={"X-CSRF-Token": csrf})

    assert (wrong.status_code, wrong.get_json()["reason"]) == (401, "invalid_credentials")
    assert (changed.status_code, changed.get_json()["account"]) == (200, "lan")
    assert client.get("/api/session").status_code == 200
    assert other.get("/api/session").status_code == 401
    assert anonymous(app).post("/api/session", json={"username": "lan", "password": PASSWORD}).status_code == 401
    assert anonymous(app).post("/api/session", json={"username": "lan",
                                                     "password": "mật khẩu mới đủ dài"}).status_code == 200


def test_a_grant_or_revocation_naming_nothing_is_refused_with_invalid_account(app, client):
    app.extensions["tthc"].accounts.create("lan", roles=["viewer"], actor="tests")
    for action in ("grant", "revoke"):
        response = client.post(f"/api/users/lan/{action}", json={})
        assert (response.status_code, response.get_json()["reason"]) == (422, "invalid_account"), action
    assert client.get("/api/users/lan").get_json()["roles"] == ["viewer"]


# -- tokens --------------------------------------------------------------------------------------------------

def test_a_token_is_shown_once_works_as_bearer_and_is_refused_after_revocation(app):
    client, csrf = signed_in(app, "lan", ["viewer"])
    created = client.post("/api/tokens", json={"label": "báo cáo", "expires_in_days": 7},
                          headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201
    token = created.get_json()["token"]
    bearer = anonymous(app)
    bearer.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    assert bearer.get("/api/session").get_json()["via"] == "token"
    assert "token" not in client.get("/api/tokens").get_json()["items"][0]
    assert bearer.delete(f"/api/tokens/{created.get_json()['id']}").status_code == 200  # bearer: no CSRF
    refused = bearer.get("/api/procedures")
    assert (refused.status_code, refused.get_json()["reason"]) == (401, "invalid_token")


def test_only_an_admin_creates_a_token_for_another_account(app, client):
    viewer = token_client(app, "hoa", roles=["viewer"])
    client.post("/api/users", json={"name": "cong-dvc", "roles": ["officer"], "agencies": ["*"]})

    assert viewer.post("/api/tokens", json={"label": "x", "account": "cong-dvc"}).status_code == 403
    created = client.post("/api/tokens", json={"label": "cổng DVC", "account": "cong-dvc"})
    assert (created.status_code, created.get_json()["account"]) == (201, "cong-dvc")


# -- officer scope (IDOR) ------------------------------------------------------------------------------------

def test_an_officer_of_another_commune_cannot_log_a_step_and_nothing_is_recorded(province):
    officer = token_client(province, "lan-xa31", roles=["officer"], agencies=["G09.31"])
    before = head(province)

    response = officer.post(f"/api/dossiers/{DOSSIER}/steps",
                            json={"type": "start_processing", "at": "2026-11-02T09:00:00+07:00"})

    assert (response.status_code, response.get_json()["reason"]) == (403, "forbidden_agency")
    assert head(province) == before
    assert province.test_client().get(f"/api/dossiers/{DOSSIER}").get_json()["state"] == "received"


def test_an_officer_cannot_receive_a_dossier_at_another_commune_and_nothing_is_recorded(province):
    officer = token_client(province, "lan-xa31", roles=["officer"], agencies=["G09.31"])
    before = head(province)

    response = officer.post("/api/dossiers", json=receipt("UBND xã Cam Đức"))

    assert (response.status_code, response.get_json()["reason"]) == (403, "forbidden_agency")
    assert head(province) == before
    assert officer.post("/api/dossiers", json=receipt("G09.31")).status_code == 201


def test_an_officer_of_the_district_acts_on_its_communes_dossiers(province):
    officer = token_client(province, "huyen", roles=["officer"], agencies=["G09.3"])

    response = officer.post(f"/api/dossiers/{DOSSIER}/steps",
                            json={"type": "start_processing", "at": "2026-11-02T09:00:00+07:00"})

    assert response.status_code == 200
    assert response.get_json()["timeline"][-1]["actor"] == "huyen"


def test_the_handling_agency_after_a_transfer_may_log_steps(province, client):
    officer = token_client(province, "lan-xa31", roles=["officer"], agencies=["G09.31"])
    assert client.post(f"/api/dossiers/{DOSSIER}/steps", json={
        "type": "transfer", "at": "2026-11-02T09:00:00+07:00", "to_agency": "G09.31"}).status_code == 200

    response = officer.post(f"/api/dossiers/{DOSSIER}/steps",
                            json={"type": "resolve", "at": "2026-11-02T10:00:00+07:00"})

    assert response.status_code == 200


def test_a_bulk_import_fails_the_lines_of_other_agencies_with_forbidden_agency(province):
    import json

    officer = token_client(province, "lan-xa31", roles=["officer"], agencies=["G09.31"])
    lines = "\n".join(json.dumps(receipt(agency, code=code)) for agency, code in
                      (("G09.31", "G09.31-1"), ("G09.32", "G09.32-1")))

    report = officer.post("/api/dossiers/import", data=lines, content_type="application/x-ndjson").get_json()

    assert (report["imported"], report["failed"]) == (1, 1)
    assert (report["errors"][0]["line"], report["errors"][0]["reason"]) == (2, "forbidden_agency")
    assert province.test_client().get("/api/dossiers/G09.32-1").status_code == 404


# -- masking -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("roles, agencies, sees", [
    (["leader"], [], True), (["officer"], ["G09.32"], True), (["officer"], ["G09.3"], True),
    (["officer"], ["G09.31"], False), (["viewer"], [], False), (["viewer", "officer"], ["G09.31"], False),
])
def test_the_applicant_is_shown_only_to_accounts_that_may_see_it(province, roles, agencies, sees):
    reader = token_client(province, "nguoi-doc", roles=roles, agencies=agencies)
    expected = APPLICANT if sees else MASKED

    assert reader.get(f"/api/dossiers/{DOSSIER}").get_json()["applicant"] == expected
    listed = reader.get("/api/dossiers").get_json()["items"]
    assert [item["applicant"] for item in listed] == [expected]


def test_receipt_and_step_responses_carry_the_applicant_only_to_the_officer_in_scope(province):
    officer = token_client(province, "lan-xa32", roles=["officer"], agencies=["G09.32"])

    step = officer.post(f"/api/dossiers/{DOSSIER}/steps",
                        json={"type": "start_processing", "at": "2026-11-02T09:00:00+07:00"})

    assert step.get_json()["applicant"] == APPLICANT


def test_the_near_due_list_and_reports_carry_no_personal_data(province):
    viewer = token_client(province, "hoa", roles=["viewer"])
    due = viewer.get("/api/dossiers/due?as_of=2026-11-02&within=5").get_json()
    report = viewer.get("/api/reports/dossier-results?from=2026-11-01&to=2026-11-30&format=csv")

    assert [item["code"] for item in due["due"]] == [DOSSIER]
    assert all("applicant" not in item for item in due["due"] + due["overdue"])
    assert APPLICANT["name"] not in report.get_data(as_text=True)


# -- audit and secrets ---------------------------------------------------------------------------------------

def test_the_audit_lists_who_did_what_from_the_events(province):
    officer = token_client(province, "lan-xa32", roles=["officer"], agencies=["G09.32"])
    officer.post(f"/api/dossiers/{DOSSIER}/steps", json={"type": "start_processing",
                                                          "at": "2026-11-02T09:00:00+07:00"})
    leader = token_client(province, "lanh-dao", roles=["leader"])

    page = leader.get(f"/api/audit?aggregate={DOSSIER}").get_json()

    assert page["total"] == 2
    assert [(i["actor"], i["event"], i["aggregate"]["kind"], i["aggregate"]["key"]) for i in page["items"]] == [
        ("lan-xa32", "ProcessingStarted", "dossier", DOSSIER), ("tester", "Received", "dossier", DOSSIER)]
    assert page["items"][1]["occurred_at"] == "2026-11-02T08:00:00+07:00"
    by_actor = leader.get("/api/audit?actor=tester&per_page=1").get_json()
    assert (by_actor["total"], by_actor["per_page"]) == (4, 1)  # decision, procedure (registered, changed), dossier
    assert leader.get("/api/audit?from=2000-01-01&to=2000-01-31").get_json()["total"] == 0
    assert token_client(province, "hoa", roles=["viewer"]).get("/api/audit").status_code == 403


def test_passwords_and_tokens_never_reach_the_log_the_audit_or_the_access_log(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    cookie_client, csrf = signed_in(app, "lan", ["viewer"])
    anonymous(app).post("/api/session", json={"username": "lan", "password": "một mật khẩu sai"})
    token = cookie_client.post("/api/tokens", json={"label": "thử"}, headers={"X-CSRF-Token": csrf}).get_json()["token"]
    revealed = [client.get("/api/audit/access").get_data(as_text=True), client.get("/api/users").get_data(as_text=True),
                client.get("/api/tokens").get_data(as_text=True), caplog.text]

    for text in revealed:
        assert PASSWORD not in text and "một mật khẩu sai" not in text and token not in text
    actions = [(e["actor"], e["action"], e["account"]) for e in client.get("/api/audit/access").get_json()["items"]]
    assert actions[:2] == [("lan", "token_created", "lan"), ("tests", "account_created", "lan")]
