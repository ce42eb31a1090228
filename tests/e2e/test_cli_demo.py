"""`tthc demo`: load the demonstration province into an empty instance, or write its dossiers as NDJSON that
`tthc dossiers import` takes after a load without dossiers."""

import json
import os
import subprocess
import sys
from pathlib import Path

TTHC = str(Path(sys.executable).with_name("tthc"))


def run(*args, env):
    return subprocess.run([TTHC, *args], capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, **env})


def test_demo_load_fills_an_empty_instance_once(sqlite_url):
    env = {"TTHC_DATABASE_URL": sqlite_url}

    loaded = run("demo", "load", "--dossiers", "50", env=env)
    assert loaded.returncode == 0, loaded.stderr
    summary = loaded.stdout.strip().splitlines()[-1]
    assert summary.startswith("demo province loaded: decision 1234/QĐ-UBND")
    assert summary.endswith("imported 50, skipped 0, failed 0")

    again = run("demo", "load", "--dossiers", "5", env=env)
    assert again.returncode == 1
    assert again.stderr.strip().splitlines()[-1].startswith("Error: Chỉ nạp dữ liệu mẫu vào một hệ thống trống")


def test_a_generated_file_imports_after_a_load_without_dossiers(sqlite_url, tmp_path):
    env = {"TTHC_DATABASE_URL": sqlite_url}
    file = tmp_path / "demo.jsonl"

    assert run("demo", "load", "--dossiers", "0", env=env).returncode == 0
    generated = run("demo", "generate", str(file), "--dossiers", "40", "--seed", "5", env=env)
    assert generated.returncode == 0, generated.stderr
    bodies = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines()]
    assert len(bodies) == 40
    assert all(body["received_at"].endswith("+07:00") for body in bodies)

    imported = run("dossiers", "import", str(file), env=env)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip().splitlines()[-1] == "imported 40, skipped 0, failed 0"
    again = run("dossiers", "import", str(file), env=env)
    assert again.stdout.strip().splitlines()[-1] == "imported 0, skipped 40, failed 0"
