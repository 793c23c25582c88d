"""What `kiosk verify` checks beyond the hash: a writer's wrong running figures and the cached
figures, in one pass and in parts.

The tamper drills change rows behind the app, which the hash catches on its own. These rows are
written through the ledger itself with a wrong figure, as a buggy writer would: their hashes are
right, so only verify's own arithmetic can find them.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from shop import households, ledger, points, regions, stock
from shop.db import session_factory, unit_of_work
from shop.ledger import verify_parts
from shop.ledger.verify import snapshot, verify_ledger
from shop.models import Household, Journal, Product

from .helpers import tamper


@pytest.fixture
def shop_with_rows(fresh_backend):
    """A village with two households and a product, and twelve journal rows of awards and
    deliveries; returns (backend, village_id, household_id, product_id)."""
    with unit_of_work(session_factory(fresh_backend.engine)) as s:
        village = regions.create_village(s, "V-W", "写错村")
        soap = stock.create_product(s, village, "FZ", "肥皂", 5, unit="块")
        homes = [
            households.create_household(s, village, f"01-00{i}", n, actor="panel")
            for i, n in enumerate(["张三", "李四"], 1)
        ]
        for round_ in range(4):
            points.award_points(s, homes[round_ % 2], delta=10, actor="panel")
            stock.receive_stock(s, soap, 5, actor="volunteer")
        made = (fresh_backend, village.id, homes[0].id, soap.id)
    return made


def _buggy_award(backend, village_id, household_id, *, delta, claims):
    """A writer that posts `delta` but writes `claims` as the balance after; the cached balance
    moves by delta, as the guarded update would move it."""
    with unit_of_work(session_factory(backend.engine)) as s:
        row = ledger.append(
            s,
            village_id,
            "award",
            actor="panel",
            points=[ledger.Posting(household_id, delta, claims)],
        )
        s.execute(
            update(Household)
            .where(Household.id == household_id)
            .values(balance=Household.balance + delta)
        )
        return row.seq


def _buggy_delivery(backend, village_id, product_id, *, delta, claims):
    with unit_of_work(session_factory(backend.engine)) as s:
        row = ledger.append(
            s,
            village_id,
            "stock_receipt",
            actor="volunteer",
            stock=[ledger.Move(product_id, delta, claims, "receipt")],
        )
        s.execute(
            update(Product).where(Product.id == product_id).values(on_hand=Product.on_hand + delta)
        )
        return row.seq


def _problems(backend, jobs=1):
    with snapshot(backend.engine) as conn:
        return verify_ledger(conn, jobs=jobs).problems


def test_a_running_balance_written_wrong_is_named_though_its_hash_is_right(shop_with_rows):
    backend, village_id, household_id, _ = shop_with_rows
    seq = _buggy_award(backend, village_id, household_id, delta=10, claims=999)
    problems = _problems(backend)
    assert len(problems) == 1
    assert f"seq {seq} " in problems[0] and "balance_after 999" in problems[0]


def test_a_running_stock_figure_written_wrong_is_named(shop_with_rows):
    backend, village_id, _, product_id = shop_with_rows
    seq = _buggy_delivery(backend, village_id, product_id, delta=5, claims=1)
    problems = _problems(backend)
    assert len(problems) == 1
    assert f"seq {seq} " in problems[0] and "on_hand_after 1" in problems[0]


def test_a_cached_stock_figure_changed_behind_the_ledger_is_named(shop_with_rows):
    backend = shop_with_rows[0]
    tamper(backend, ("UPDATE products SET on_hand = on_hand + 3 WHERE sku = 'FZ'", {}))
    problems = _problems(backend)
    assert problems == [f"product FZ (id {shop_with_rows[3]}): on_hand 23, moves sum to 20"]


@pytest.mark.parametrize("what", ["points", "stock"])
def test_in_parts_a_wrong_opening_at_a_part_start_is_found_by_the_join(
    shop_with_rows, monkeypatch, what
):
    """The bad row opens the second of two parts and its figure is right for that part alone
    (it is where the part starts counting from); only the join, comparing the part's opening
    with where the part before ended, can see it."""
    backend, village_id, household_id, product_id = shop_with_rows
    monkeypatch.setattr(verify_parts, "PART_MIN_ROWS", 1)
    with snapshot(backend.engine) as conn:
        rows_before = ledger.head(conn, village_id)[0]
    if what == "points":  # 张三 has 20: claiming 35 after +10 means an opening of 25
        seq = _buggy_award(backend, village_id, household_id, delta=10, claims=35)
    else:  # 20 on the shelf: claiming 30 after +5 means an opening of 25
        seq = _buggy_delivery(backend, village_id, product_id, delta=5, claims=30)
    with unit_of_work(session_factory(backend.engine)) as s:  # rows for 李四 after it
        other = s.get(Household, household_id + 1)
        for _ in range(rows_before - 1):
            points.award_points(s, other, delta=1, actor="panel")
    with snapshot(backend.engine) as conn:
        bounds = verify_parts._part_bounds(conn, None, 2)
        assert ledger.head(conn, village_id)[0] == 2 * rows_before
        assert conn.scalar(select(Journal.seq).where(Journal.id == bounds[1])) == seq
    one_pass = _problems(backend)
    assert len(one_pass) == 1 and f"seq {seq} " in one_pass[0]
    assert _problems(backend, jobs=2) == one_pass
