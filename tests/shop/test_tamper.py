"""Tamper drill: edit, delete or reorder rows behind the app; verify names the first bad row."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from kiosk.app import create_app
from kiosk.cli import register
from shop.ledger.verify import verify_ledger

from .helpers import delete_journal_row, seq_id, tamper


def _first(backend) -> str:
    with backend.engine.connect() as conn:
        report = verify_ledger(conn)
    assert not report.ok
    return report.first_problem


def test_an_edited_memo_is_named(ledger_with_history):
    tamper(ledger_with_history, ("UPDATE journal SET memo = '表扬' WHERE seq = 8", {}))
    assert "seq 8 " in _first(ledger_with_history) and "hash mismatch" in _first(
        ledger_with_history
    )


def test_a_rewritten_price_in_a_products_history_is_named(ledger_with_history):
    """Seq 1 is the soap's creation at 5 points (finding 9): its price cannot be rewritten."""
    with ledger_with_history.engine.connect() as conn:
        memo = conn.execute(text("SELECT memo FROM journal WHERE seq = 1")).scalar_one()
    assert memo == "product create 5 points per 块, on sale: 肥皂"
    tamper(
        ledger_with_history,
        ("UPDATE journal SET memo = replace(memo, '5 points', '1 points') WHERE seq = 1", {}),
    )
    assert "seq 1 " in _first(ledger_with_history) and "hash mismatch" in _first(
        ledger_with_history
    )


def test_an_edited_points_entry_is_named(ledger_with_history):
    with ledger_with_history.engine.connect() as conn:
        jid = seq_id(conn, 7)
    tamper(
        ledger_with_history,
        (
            "UPDATE points_entries SET delta = delta + 100, balance_after = balance_after + 100 "
            "WHERE journal_id = :j",
            {"j": jid},
        ),
    )
    assert "seq 7 " in _first(ledger_with_history)


def test_a_deleted_points_entry_is_named(ledger_with_history):
    with ledger_with_history.engine.connect() as conn:
        jid = seq_id(conn, 9)
    tamper(ledger_with_history, ("DELETE FROM points_entries WHERE journal_id = :j", {"j": jid}))
    assert "seq 9 " in _first(ledger_with_history)


def test_a_deleted_journal_row_is_named(ledger_with_history):
    delete_journal_row(ledger_with_history, 6)
    first = _first(ledger_with_history)
    assert "seq 7 " in first and "expected seq 6" in first


def test_reordered_journal_rows_are_named(ledger_with_history):
    with ledger_with_history.engine.connect() as conn:
        a, b = seq_id(conn, 9), seq_id(conn, 10)
    tamper(
        ledger_with_history,
        ("UPDATE journal SET seq = -1 WHERE id = :a", {"a": a}),
        ("UPDATE journal SET seq = 9 WHERE id = :b", {"b": b}),
        ("UPDATE journal SET seq = 10 WHERE id = :a", {"a": a}),
    )
    assert "expected seq 9" in _first(ledger_with_history)


def test_a_removed_last_row_is_caught_by_the_head(ledger_with_history):
    with ledger_with_history.engine.connect() as conn:
        last = conn.execute(text("SELECT max(seq) FROM journal")).scalar_one()
        jid = seq_id(conn, last)
    tamper(
        ledger_with_history,
        ("DELETE FROM points_entries WHERE journal_id = :j", {"j": jid}),
        ("DELETE FROM journal WHERE id = :j", {"j": jid}),
    )
    assert "head says seq" in _first(ledger_with_history)


def test_an_edited_cached_balance_is_named(ledger_with_history):
    tamper(
        ledger_with_history,
        ("UPDATE households SET balance = balance + 50 WHERE number = '01-002'", {}),
    )
    assert _first(ledger_with_history).startswith("household 01-002")


def test_kiosk_verify_exits_1_and_names_the_first_bad_row(ledger_with_history, tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": ledger_with_history.url})
    register(app)
    runner = app.test_cli_runner()
    good = runner.invoke(args=["verify"])
    assert good.exit_code == 0 and "OK: 10 journal rows" in good.output
    tamper(
        ledger_with_history, ("UPDATE stock_moves SET delta = -1 WHERE reason = 'redemption'", {})
    )
    bad = runner.invoke(args=["verify"])
    assert bad.exit_code == 1
    assert "first bad row: village" in bad.output and "seq 7 " in bad.output
    app.extensions["kiosk_db"].engine.dispose()


def test_postings_survive_only_through_the_ledger(ledger_with_history):
    """Deleting a household with entries is refused by the ledger's foreign keys."""
    with pytest.raises(Exception) as err, ledger_with_history.engine.begin() as conn:
        conn.execute(text("DELETE FROM households WHERE number = '01-001'"))
    assert "foreign key" in str(err.value).lower()
    with ledger_with_history.engine.connect() as conn:
        assert conn.execute(select(text("count(*)")).select_from(text("households"))).scalar() == 2
