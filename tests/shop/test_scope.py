"""The scope mechanism itself (shop/scope.py), on SQLite and PostgreSQL: a session confined to
village A loads, counts, sums, updates and writes nothing of village B, by any route the ORM
offers; a scope of two villages (a township) sees both."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from shop import households, points, redemptions, regions, scope
from shop.errors import DomainError
from shop.models import (
    Household,
    Journal,
    Kiosk,
    Passbook,
    PointsEntry,
    Product,
    Redemption,
    RedemptionLine,
    Rule,
    StaffUser,
    StockMove,
    Village,
)
from shop.scope import Scope


@pytest.fixture
def world(session, create_village, create_household, create_product):
    a, b = create_village("甲村"), create_village("乙村")
    ha = create_household(40, target=a, name="甲户")
    hb = create_household(90, target=b, name="乙户")
    pa = create_product(5, 10, target=a)
    pb = create_product(5, 10, target=b)
    kb = regions.create_kiosk(session, b, f"KB{b.id}", "乙村机")
    _, code_b = households.issue_passbook(session, hb, actor="test")
    receipt = redemptions.redeem(
        session, hb, {pb.sku: 2}, kiosk=kb, idempotency_key=f"scope-test-{b.id}", actor="test"
    )
    session.flush()
    ids = {
        "a": a.id,
        "b": b.id,
        "ha": ha.id,
        "hb": hb.id,
        "pa": pa.id,
        "pb": pb.id,
        "code_b": code_b,
        "receipt_b": receipt.receipt_no,
        "redemption_b": receipt.id,
    }
    session.expunge_all()  # what follows loads through the scope, not from memory
    return ids


def confined(session, *village_ids):
    session.expunge_all()
    return scope.bind(session, Scope.of(village_ids))


def test_every_table_reaches_a_village():
    assert scope.unscoped_tables() == set()


def test_rows_of_another_village_are_not_there_by_id(session, world):
    s = confined(session, world["a"])
    assert s.get(Household, world["hb"]) is None
    assert s.get(Product, world["pb"]) is None
    assert s.get(Village, world["b"]) is None
    assert s.get(Redemption, world["redemption_b"]) is None
    assert s.get(Household, world["ha"]) is not None
    with pytest.raises(DomainError) as refused:
        households.lookup_passbook(s, world["code_b"])
    assert refused.value.code == "unknown_code"
    with pytest.raises(DomainError):
        redemptions.get_redemption(s, world["receipt_b"])


def test_lists_counts_and_sums_see_only_the_scope(session, world):
    s = confined(session, world["a"])
    villages = set(s.scalars(select(Household.village_id)))
    assert villages == {world["a"]}
    # Child rows without a village of their own reach it through their parent.
    assert s.scalar(select(func.count()).select_from(PointsEntry)) == 1
    assert s.scalar(select(func.sum(PointsEntry.delta))) == 40
    assert set(s.scalars(select(StockMove.product_id))) == {world["pa"]}
    assert s.scalar(select(func.count()).select_from(RedemptionLine)) == 0
    assert set(s.scalars(select(Journal.village_id))) == {world["a"]}
    assert s.scalars(select(Kiosk)).all() == []
    # Through a join and a relationship, too.
    joined = s.scalars(select(Passbook).join(Household).where(Household.id == world["hb"])).all()
    assert joined == []
    rules = s.scalars(select(Rule)).all()
    assert all(r.category.village_id == world["a"] for r in rules)


def test_a_guarded_update_of_another_village_changes_nothing(session, world):
    s = confined(session, world["a"])
    done = s.execute(
        update(Household).where(Household.id == world["hb"]).values(balance=Household.balance - 90)
    )
    assert done.rowcount == 0
    scope.bind(s, None)
    s.expunge_all()
    assert s.get(Household, world["hb"]).balance == 90 - 10


def _refused(s, change) -> str:
    """Make the change in a savepoint; the flush must be refused, and nothing stays."""
    with pytest.raises(DomainError) as refused, s.begin_nested():
        change()
        s.flush()
    s.expunge_all()
    return refused.value.code


def test_writes_into_another_village_are_refused(session, world):
    s = confined(session, world["a"])
    intruder = Household(village_id=world["b"], number="X1", head_name="冒名")
    assert _refused(s, lambda: s.add(intruder)) == "not_found"

    def move_mine():
        s.get(Household, world["ha"]).village_id = world["b"]

    assert _refused(s, move_mine) == "not_found"

    # A child row pointing at a parent the scope cannot see.
    def smuggle_entry():
        s.add(StaffUser(village_id=world["a"], username="ok-here", role="clerk", password_hash="x"))
        s.add(PointsEntry(journal_id=1, household_id=world["hb"], delta=5, balance_after=5))

    assert _refused(s, smuggle_entry) == "not_found"
    scope.bind(s, None)
    assert s.get(Household, world["ha"]).village_id == world["a"]
    assert s.scalar(select(StaffUser).where(StaffUser.username == "ok-here")) is None


def test_points_cannot_be_given_to_another_villages_household_by_id(session, world):
    s = confined(session, world["a"])
    with pytest.raises(DomainError):
        households.get_household(s, world["b"], "whatever")
    # Loaded without the scope and handed to a scoped unit of work: the write is refused.
    scope.bind(s, None)
    hb = s.get(Household, world["hb"])
    scope.bind(s, Scope.of([world["a"]]))
    with pytest.raises(DomainError), s.begin_nested():
        points.award_points(s, hb, delta=5, actor="test", memo="smuggled")
    scope.bind(s, None)
    s.expunge_all()
    assert s.get(Household, world["hb"]).balance == 80
    assert s.scalar(select(func.count()).where(Journal.memo == "smuggled")) == 0


def test_a_township_scope_sees_both_villages(session, world):
    s = confined(session, world["a"], world["b"])
    assert s.get(Household, world["hb"]) is not None
    assert {world["a"], world["b"]} <= set(s.scalars(select(Household.village_id)))
    assert s.scalar(select(func.count()).select_from(RedemptionLine)) == 1
