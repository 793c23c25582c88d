"""`kiosk …` commands, through the real console script and through Flask's CLI runner."""

from __future__ import annotations

import csv
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.app import create_app
from kiosk.cli import register

KIOSK = shutil.which("kiosk", path=str(Path(sys.executable).parent))


@pytest.fixture
def app(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    yield app
    app.extensions["kiosk_db"].engine.dispose()


@pytest.fixture
def runner(app):
    register(app)
    return app.test_cli_runner()


def test_fresh_machine_init_demo_verify_through_the_console_script(tmp_path):
    env = dict(os.environ, KIOSK_INSTANCE_PATH=str(tmp_path / "inst"))
    env.pop("KIOSK_DATABASE_URL", None)

    def run(*args):
        return subprocess.run([KIOSK, *args], env=env, capture_output=True, text=True, timeout=120)

    assert run("init").returncode == 0
    seeded = run("demo", "--if-empty")
    assert seeded.returncode == 0, seeded.stderr
    assert (tmp_path / "inst" / "kiosk.db").exists() and (tmp_path / "inst" / "secret_key").exists()
    assert "demo not seeded" in run("demo", "--if-empty").stdout  # second run changes nothing
    verified = run("verify")
    assert verified.returncode == 0 and "OK:" in verified.stdout
    with open(tmp_path / "inst" / "demo-passbooks.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len({r["户号"] for r in rows}) == 60
    assert all(r["存折二维码"].startswith("JF1") and len(r["存折二维码"]) == 24 for r in rows)


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = create_app({"INSTANCE_PATH": str(tmp_path)})
    second = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert first.secret_key == second.secret_key and len(first.secret_key) == 64
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"
    for made in (first, second):
        made.extensions["kiosk_db"].engine.dispose()


def test_environment_overrides_config(tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_PRINTER", "tcp://127.0.0.1:9100")
    monkeypatch.setenv("KIOSK_IDLE_SECONDS", "45")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["PRINTER"] == "tcp://127.0.0.1:9100" and app.config["IDLE_SECONDS"] == 45
    assert app.config["TIMEZONE"] == "Asia/Shanghai" and app.config["LANGUAGE"] == "zh_CN"
    app.extensions["kiosk_db"].engine.dispose()


def test_staff_token_passbook_and_backup_commands(runner, app, tmp_path):
    assert runner.invoke(args=["init"]).exit_code == 0
    assert runner.invoke(args=["demo"]).exit_code == 0
    added = runner.invoke(
        args=[
            "staff",
            "add",
            "lihua",
            "--role",
            "clerk",
            "--password",
            "s3cret-pass",
            "--pin",
            "2468",
        ]
    )
    assert added.exit_code == 0, added.output
    dup = runner.invoke(
        args=["staff", "add", "lihua", "--role", "clerk", "--password", "s3cret-pass"]
    )
    assert dup.exit_code != 0 and "username_taken" in dup.output
    assert "这个用户名已经有人用了" in dup.output and "This username is already taken" in dup.output
    token = runner.invoke(args=["token", "create", "--role", "kiosk", "--label", "district"])
    assert token.exit_code == 0 and token.output.strip().startswith("jft_")
    client = app.test_client()
    resp = client.get(
        "/api/v1/products", headers={"Authorization": f"Bearer {token.output.strip()}"}
    )
    assert resp.status_code == 200
    issued = runner.invoke(args=["passbook", "01-001", "--reissue"])
    assert issued.exit_code == 0 and "JF1" in issued.output
    missing = runner.invoke(args=["passbook", "99-999"])
    assert missing.exit_code != 0 and "unknown_household" in missing.output
    target = tmp_path / "backup.db"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT count(*) FROM households").fetchone()[0] == 60


def test_demo_refuses_a_database_with_data(runner):
    runner.invoke(args=["init"])
    assert runner.invoke(args=["demo"]).exit_code == 0
    again = runner.invoke(args=["demo"])
    assert again.exit_code != 0 and "not empty" in again.output
