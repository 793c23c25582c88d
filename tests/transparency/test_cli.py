"""`kiosk export-ledger | notice | ranking | year-end` through Flask's CLI runner."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.app import create_app
from kiosk.cli import register
from shop.models import Base

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_ledger.py"


@pytest.fixture
def runner(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    register(app)
    run = app.test_cli_runner()
    # create_all, not `kiosk init`: while migrations have two heads (0004 waits to be re-chained)
    # init's "current revision" message fails. The schema is the same.
    Base.metadata.create_all(app.extensions["kiosk_db"].engine)
    assert run.invoke(args=["demo"]).exit_code == 0
    yield run
    app.extensions["kiosk_db"].engine.dispose()


def test_export_then_verify_with_the_notice_head(runner, tmp_path):
    path = tmp_path / "ledger.jsonl"
    done = runner.invoke(args=["export-ledger", str(path)])
    assert done.exit_code == 0, done.output
    now = dt.datetime.now(dt.UTC)
    month = f"{now.year}-{now.month}"
    notice = runner.invoke(args=["notice", month, "--pdf", str(tmp_path / "n.pdf")])
    assert notice.exit_code == 0, notice.output
    head = notice.output.split("chain head: ")[1].split(" ")[0]
    checked = subprocess.run(
        [sys.executable, "-S", "-I", str(TOOL), str(path), "--expect-head", head],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert (tmp_path / "n.pdf").read_bytes().startswith(b"%PDF-")
    bad = runner.invoke(args=["notice", "2026-13"])
    assert bad.exit_code != 0


def test_ranking_and_year_end(runner, tmp_path):
    year = dt.datetime.now(dt.UTC).year
    ranked = runner.invoke(
        args=["ranking", str(year), "--top", "3", "--pdf", str(tmp_path / "r.pdf")]
    )
    assert ranked.exit_code == 0, ranked.output
    assert ranked.output.splitlines()[1].strip().startswith("1 ")
    plan = runner.invoke(args=["year-end", "plan", str(year), "--policy", "cap", "--cap", "50"])
    assert plan.exit_code == 0 and "households lose" in plan.output
    early = runner.invoke(args=["year-end", "apply", str(year)])
    assert early.exit_code != 0 and "year_end_not_announced" in early.output
    past = runner.invoke(
        args=["year-end", "announce", str(year), "--policy", "expire", "--on", "2000-01-01"]
    )
    assert past.exit_code != 0 and "year_end_too_late" in past.output
    assert "执行日期要在今天以后：先公布，让村民有时间把积分用掉。" in past.output
    assert "The day it takes effect must be after today" in past.output
    later = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    ok = runner.invoke(
        args=["year-end", "announce", str(year), "--policy", "expire", "--on", later]
    )
    assert ok.exit_code == 0, ok.output


def test_report_commands_write_the_same_files_as_the_back_office(runner, tmp_path):
    import openpyxl

    now = dt.datetime.now(dt.UTC)
    done = runner.invoke(
        args=["notice", f"{now.year}-{now.month}", "--xlsx", str(tmp_path / "n.xlsx")]
    )
    assert done.exit_code == 0, done.output
    assert openpyxl.load_workbook(tmp_path / "n.xlsx").sheetnames == ["公示明细", "户合计", "链头"]
    done = runner.invoke(args=["ranking", str(now.year), "--xlsx", str(tmp_path / "r.xlsx")])
    assert done.exit_code == 0, done.output
    assert openpyxl.load_workbook(tmp_path / "r.xlsx").sheetnames[0] == "全村排名"
    done = runner.invoke(args=["report", "balances", str(tmp_path / "b.csv")])
    assert done.exit_code == 0 and "(60 rows)" in done.output, done.output
    assert (tmp_path / "b.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    for kind in ("awards", "redemptions"):
        done = runner.invoke(
            args=["report", kind, str(tmp_path / f"{kind}.xlsx"), "--from", f"{now.year}-01-01"]
        )
        assert done.exit_code == 0, done.output
    shown = runner.invoke(args=["report", "dashboard"])
    assert shown.exit_code == 0 and "outstanding points" in shown.output
    missing = runner.invoke(args=["report", "donor", "没有这家", str(tmp_path / "d.xlsx")])
    assert missing.exit_code != 0 and "no deliveries" in missing.output
    wrong = runner.invoke(args=["report", "balances", str(tmp_path / "b.txt")])
    assert wrong.exit_code != 0
