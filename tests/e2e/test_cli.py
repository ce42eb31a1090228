"""The `tthc` command line: serve on a fresh instance, migrations, projections, one-line failures."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from config.cli import cli

TTHC = str(Path(sys.executable).with_name("tthc"))


def run(*args, env=None):
    return subprocess.run([TTHC, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_on_an_empty_instance_migrates_and_answers_health(tmp_path):
    port = free_port()
    env = {**os.environ, "TTHC_INSTANCE_PATH": str(tmp_path / "instance"), "TTHC_DATABASE_URL": ""}
    server = subprocess.Popen([TTHC, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, body = time.monotonic() + 30, None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as response:
                    body = json.load(response)
                    break
            except OSError:
                time.sleep(0.2)
        assert body is not None, "the service did not answer within 30 s"
        assert (body["status"], body["database"]) == ("ok", "sqlite")
        assert (tmp_path / "instance" / "tthc.db").is_file()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_projections_status_and_rebuild_name_each_read_model(sqlite_url):
    env = {"TTHC_DATABASE_URL": sqlite_url}
    status = run("projections", "status", env=env)
    assert status.returncode == 0
    assert status.stdout.splitlines() == ["decisions: position 0 of 0", "procedures: position 0 of 0",
                                         "dossiers: position 0 of 0", "audit_catalog: position 0 of 0",
                                         "audit_tracker: position 0 of 0"]
    rebuilt = run("projections", "rebuild", "procedures", env=env)
    assert (rebuilt.returncode, rebuilt.stdout.strip()) == (0, "procedures: rebuilt from 0 events")


def test_an_unknown_projection_fails_with_one_line_and_no_traceback(sqlite_url):
    result = run("projections", "rebuild", "nothing", env={"TTHC_DATABASE_URL": sqlite_url})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: unknown projection 'nothing'; known: decisions, procedures, dossiers, audit_catalog, audit_tracker"]
    assert "Traceback" not in result.stderr


def test_a_bad_setting_fails_with_the_variable_named(tmp_path):
    result = run("db", "upgrade", env={"TTHC_OFFICE_HOURS": "7-5", "TTHC_INSTANCE_PATH": str(tmp_path)})
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: TTHC_OFFICE_HOURS: expected 'HH:MM-HH:MM,…', got '7-5'"


def test_db_upgrade_migrates_the_configured_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = run("db", "upgrade", env={"TTHC_DATABASE_URL": url})
    assert (result.returncode, result.stdout.strip()) == (0, "database is at the newest revision")
    assert run("projections", "status", env={"TTHC_DATABASE_URL": url}).returncode == 0


@pytest.mark.parametrize("args", [["--help"], ["serve", "--help"], ["db", "upgrade", "--help"],
                                  ["projections", "rebuild", "--help"], ["catalog", "import", "--help"]])
def test_every_command_has_help(args):
    result = CliRunner().invoke(cli, args, prog_name="tthc")
    assert result.exit_code == 0
    assert result.output.startswith("Usage: tthc")
