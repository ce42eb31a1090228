"""End to end: ``GET /api/digests/preview``, the last digest in ``/api/health``, and ``tthc digest`` (dry
run, a wrong digest file at start-up, a day that is not a working day)."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from config.cli import cli
from config.digest import run_digest
from config.services import build_services
from config.settings import Settings, SettingsError
from tests.conftest import application
from tests.integration.tracker_scenario import build_province
from tracker.deliveries import DeliveryLog

TTHC = str(Path(sys.executable).with_name("tthc"))
DAY = "2026-11-11"
FILE = """
dossier_url = "https://dichvucong.khanhhoa.gov.vn/ho-so/{code}"
[channels.outbox]
kind = "outbox"
path = "outbox"
[channels.log]
kind = "console"
[[groups]]
name = "tinh"
agencies = ["G09"]
channels = ["outbox", "log"]
[[groups]]
name = "xay-dung"
agencies = ["G09.05"]
send_when_empty = true
channels = ["log"]
"""


@pytest.fixture
def digest_env(tmp_path, monkeypatch):
    path = tmp_path / "digest.toml"
    path.write_text(FILE, encoding="utf-8")
    monkeypatch.setenv("TTHC_DIGEST_CONFIG", str(path))
    return path


@pytest.fixture
def province_app(sqlite_url, tmp_path, digest_env):
    services = build_services(Settings(instance_path=tmp_path, database_url=sqlite_url))
    build_province(services)  # the agencies first: the digest file names them
    services.close()
    with application(sqlite_url, tmp_path) as app:
        yield app


def test_the_preview_lists_each_group_and_channel_message_and_claims_nothing(province_app):
    response = province_app.test_client().get(f"/api/digests/preview?date={DAY}")

    assert response.status_code == 200
    body = response.get_json()
    assert body["date"] == DAY
    assert [(m["group"], m["channel"]) for m in body["messages"]] == [("tinh", "outbox"), ("tinh", "log"),
                                                                      ("xay-dung", "log")]
    assert body["messages"][0]["text"].startswith("Hồ sơ cần đôn đốc – Thứ Tư, 11/11/2026\nQuá hạn: 3\n")
    assert "https://dichvucong.khanhhoa.gov.vn/ho-so/G09.20-261102-0001" in body["messages"][0]["text"]
    assert body["messages"][2]["text"].endswith("Không có hồ sơ quá hạn hoặc sắp đến hạn.")
    assert DeliveryLog(province_app.extensions["tthc"].projector.engine).rows() == []


def test_a_malformed_preview_date_is_a_422(province_app):
    response = province_app.test_client().get("/api/digests/preview?date=11/11/2026")

    assert (response.status_code, response.get_json()["reason"]) == (422, "validation_failed")


def test_health_shows_no_digest_before_the_first_and_the_last_run_after(province_app):
    client = province_app.test_client()
    assert client.get("/api/health").get_json()["last_digest"] is None

    run_digest(province_app.extensions["tthc"], province_app.extensions["tthc_digest"], dt.date(2026, 11, 11),
               actor="test")

    last = client.get("/api/health").get_json()["last_digest"]
    assert {k: last[k] for k in ("date", "sent", "failed", "unknown", "claimed")} == {
        "date": DAY, "sent": 3, "failed": 0, "unknown": 0, "claimed": 0}
    assert last["finished_at"] is not None


def test_an_unknown_agency_in_the_digest_file_stops_the_application_at_start_up(sqlite_url, tmp_path, digest_env):
    with pytest.raises(SettingsError, match=r"groups\[0\]\.agencies: unknown agency code 'G09'"):
        with application(sqlite_url, tmp_path):  # an empty registry: no G09 yet
            pass


def test_tthc_digest_dry_run_prints_the_messages_and_claims_nothing(province_app, sqlite_url, monkeypatch):
    monkeypatch.setenv("TTHC_DATABASE_URL", sqlite_url)

    result = CliRunner().invoke(cli, ["digest", "--date", DAY, "--dry-run"])

    assert result.exit_code == 0, result.output
    assert "=== tinh (1/1) → outbox, log\nHồ sơ cần đôn đốc – Thứ Tư, 11/11/2026" in result.output
    assert result.output.splitlines()[-3:] == ["tinh → outbox: dry_run (1 tin)", "tinh → log: dry_run (1 tin)",
                                               "xay-dung → log: dry_run (1 tin)"]
    assert DeliveryLog(province_app.extensions["tthc"].projector.engine).rows() == []


def test_tthc_digest_sends_once_and_says_so_per_group_and_channel(province_app, sqlite_url, monkeypatch):
    monkeypatch.setenv("TTHC_DATABASE_URL", sqlite_url)

    first = CliRunner().invoke(cli, ["digest", "--date", DAY, "--group", "tinh"])
    second = CliRunner().invoke(cli, ["digest", "--date", DAY, "--group", "tinh"])

    assert first.exit_code == second.exit_code == 0
    assert first.output.splitlines()[-2:] == ["tinh → outbox: sent (1 tin)", "tinh → log: sent (1 tin)"]
    assert second.output.splitlines() == ["tinh → outbox: skipped (1 tin): đã gửi", "tinh → log: skipped (1 tin): đã gửi"]


def test_tthc_digest_refuses_an_unknown_group_or_agency_in_one_line(province_app, sqlite_url, digest_env):
    env = {**os.environ, "TTHC_DATABASE_URL": sqlite_url}
    group = subprocess.run([TTHC, "digest", "--date", DAY, "--group", "nope"], env=env, capture_output=True,
                           text=True, timeout=60)
    digest_env.write_text(FILE.replace('["G09.05"]', '["G99"]'), encoding="utf-8")
    agency = subprocess.run([TTHC, "digest", "--dry-run"], env=env, capture_output=True, text=True, timeout=60)

    assert (group.returncode, group.stderr) == (1, "Error: unknown digest group 'nope' (configured: tinh, xay-dung)\n")
    assert agency.returncode == 1 and len(agency.stderr.splitlines()) == 1
    assert "groups[1].agencies: unknown agency code 'G99'" in agency.stderr


def test_without_a_date_on_a_day_off_tthc_digest_sends_nothing(province_app, sqlite_url, monkeypatch):
    monkeypatch.setenv("TTHC_DATABASE_URL", sqlite_url)
    monkeypatch.setattr("config.cli_digest.today", lambda services: dt.date(2026, 11, 14))  # a Saturday

    result = CliRunner().invoke(cli, ["digest"])

    assert result.exit_code == 0
    assert result.output == "14/11/2026 is not a working day (Thứ Bảy): nothing sent; give --date to send anyway\n"


def test_tthc_scheduler_with_no_groups_configured_refuses_to_start_in_one_line(sqlite_url, tmp_path):
    env = {**os.environ, "TTHC_DATABASE_URL": sqlite_url, "TTHC_INSTANCE_PATH": str(tmp_path)}
    env.pop("TTHC_DIGEST_CONFIG", None)

    result = subprocess.run([TTHC, "scheduler"], env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith("error: no digest groups configured")


def test_the_digest_commands_explain_themselves():
    runner = CliRunner()

    assert "--resend" in runner.invoke(cli, ["digest", "--help"]).output
    assert "working days" in runner.invoke(cli, ["scheduler", "--help"]).output
    assert "--scheduler" in runner.invoke(cli, ["serve", "--help"]).output
