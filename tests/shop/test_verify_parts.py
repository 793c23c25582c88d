"""`kiosk verify --jobs N`: the journal checked in parts at once reports what one pass reports,
and names the same first bad row when the ledger was tampered with, wherever the parts split."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from kiosk.app import create_app
from kiosk.cli import register
from shop import points
from shop.db import session_factory, unit_of_work
from shop.ledger import verify, verify_parts
from shop.ledger.verify import snapshot, verify_ledger
from shop.models import Household

from .helpers import delete_journal_row, tamper


@pytest.fixture(autouse=True)
def _tiny_parts(monkeypatch):
    monkeypatch.setattr(verify_parts, "PART_MIN_ROWS", 1)  # 9 rows in 2 or 3 parts


def _reports(backend, jobs=(1, 2, 3)):
    reports = []
    for n in jobs:
        with snapshot(backend.engine) as conn:
            reports.append(verify_ledger(conn, jobs=n))
    return reports


def test_a_clean_ledger_checked_in_parts_reports_what_one_pass_reports(ledger_with_history):
    one, two, three = _reports(ledger_with_history)
    assert one.ok and two.ok and three.ok
    assert one.rows == two.rows == three.rows == 10
    assert one.heads == two.heads == three.heads


@pytest.mark.parametrize(
    "statements",
    [
        # a memo in the last part
        [("UPDATE journal SET memo = '表扬' WHERE seq = 8", {})],
        # a balance_after at the start of the third part (seq 7, the first redemption; seq 4,
        # where the second part starts, is a household's creation): only the join can see it
        [
            (
                "UPDATE points_entries SET balance_after = balance_after + 1 "
                "WHERE journal_id = (SELECT id FROM journal WHERE seq = 7)",
                {},
            )
        ],
        # a stock move's figure
        [("UPDATE stock_moves SET on_hand_after = 999 WHERE reason = 'redemption'", {})],
        # a cached balance
        [("UPDATE households SET balance = balance + 50 WHERE number = '01-002'", {})],
    ],
    ids=["memo", "balance-after-at-a-boundary", "stock-move", "cached-balance"],
)
def test_parts_name_the_same_first_bad_row_as_one_pass(ledger_with_history, statements):
    tamper(ledger_with_history, *statements)
    one, two, three = _reports(ledger_with_history)
    assert not one.ok
    assert two.first_problem == three.first_problem == one.first_problem


def test_a_deleted_row_between_parts_is_named(ledger_with_history):
    # Nine rows left: the second part starts at seq 5, so only the join sees 4 missing.
    delete_journal_row(ledger_with_history, 4)
    for report in _reports(ledger_with_history):
        assert "expected seq 4" in report.first_problem


def test_a_clean_ledger_is_joined_from_its_parts_without_a_second_pass(ledger_with_history):
    with snapshot(ledger_with_history.engine) as conn:
        verify._read_heads(conn, None)  # begins the snapshot, as verify_ledger does
        whole = verify_parts._check_in_parts(conn, None, 3)
    assert whole is not None and whole.rows == 10 and not whole.problems


def test_parts_see_the_snapshot_verify_started_in(ledger_with_history):
    """A sale committed while verify runs is in no part: the figures stay those of one moment."""
    with snapshot(ledger_with_history.engine) as conn:
        verify._read_heads(conn, None)
        with unit_of_work(session_factory(ledger_with_history.engine)) as s:
            household = s.scalar(select(Household).where(Household.number == "01-001"))
            points.award_points(s, household, delta=3, actor="panel", memo="late")
        whole = verify_parts._check_in_parts(conn, None, 3)
        report = verify_ledger(conn, jobs=3)
    assert whole is not None and whole.rows == 10
    assert report.ok and report.rows == 10


def test_kiosk_verify_jobs_checks_in_parts_and_exits_1_on_the_first_bad_row(
    ledger_with_history, tmp_path
):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": ledger_with_history.url})
    register(app)
    runner = app.test_cli_runner()
    good = runner.invoke(args=["verify", "--jobs", "3"])
    assert good.exit_code == 0 and "OK: 10 journal rows" in good.output
    tamper(ledger_with_history, ("UPDATE journal SET memo = '表扬' WHERE seq = 8", {}))
    bad = runner.invoke(args=["verify", "--jobs", "3"])
    assert bad.exit_code == 1 and "seq 8 " in bad.output and "hash mismatch" in bad.output
    app.extensions["kiosk_db"].engine.dispose()


@pytest.mark.parametrize("micros", [0, 120_000, 5, 999_999])
def test_times_with_round_fractions_verify(session, create_household, micros):
    """The database prints 12:00:00.12 for 12:00:00.120000; the hashed text has all six digits."""
    household = create_household(10)
    at = dt.datetime(2026, 12, 2, 4, 0, 0, micros, tzinfo=dt.UTC)
    points.award_points(session, household, delta=3, actor="panel", at=at)
    report = verify_ledger(session.connection(), household.village_id)
    assert report.ok, report.first_problem
