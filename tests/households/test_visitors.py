"""Who came (来兑换的人), on SQLite and PostgreSQL: the kiosk offers the members who may redeem,
the one chosen is kept with the redemption and named (masked) on its receipt."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from shop import redemptions
from shop.errors import DomainError
from shop.households import family, visitors
from shop.models import Journal, RedemptionVisitor
from shop.paper import Receipt, ReceiptLine


@pytest.fixture
def sale(session, village, kiosk, create_household, create_product):
    home = create_household(50, name="王大山")
    wife = family.add_member(session, home, "李秀英", "spouse", actor="t")
    child = family.add_member(session, home, "王乐乐", "grandchild", may_redeem=False, actor="t")
    sold = redemptions.redeem(
        session, home, {create_product(7).sku: 1}, kiosk=kiosk, idempotency_key="who-0001"
    )
    return home, wife, child, sold


def test_the_kiosk_offers_the_members_who_may_redeem_head_first(session, sale):
    home, wife, child, _sold = sale
    assert [m.name for m in visitors.redeemers(session, home)] == ["王大山", "李秀英"]


def test_who_came_is_kept_once_and_refused_for_a_member_who_may_not_redeem(session, sale):
    home, wife, child, sold = sale
    visitors.record_visitor(session, sold.id, wife.id)
    visitors.record_visitor(session, sold.id, wife.id)  # a retry: the same answer
    assert visitors.visitor_name(session, sold.id) == "李秀英"
    head = family.members_of(session, home)[0]
    with pytest.raises(DomainError) as refused:
        visitors.record_visitor(session, sold.id, head.id)
    assert refused.value.code == "visitor_recorded"
    with pytest.raises(DomainError) as refused:
        visitors.record_visitor(session, sold.id, child.id)
    assert refused.value.code == "member_may_not_redeem"


def test_a_member_of_another_household_is_refused(session, sale, create_household):
    _home, _wife, _child, sold = sale
    other = create_household(0, name="赵一")
    neighbour = family.add_member(session, other, "钱二", "spouse", actor="t")
    with pytest.raises(DomainError) as refused:
        visitors.record_visitor(session, sold.id, neighbour.id)
    assert refused.value.code == "member_may_not_redeem"
    assert visitors.visitor_name(session, sold.id) == ""


def test_the_name_stays_when_the_member_leaves_the_list(session, sale):
    home, wife, _child, sold = sale
    visitors.record_visitor(session, sold.id, wife.id)
    family.remove_member(session, wife, actor="t")
    session.expire_all()
    kept = session.get(RedemptionVisitor, sold.id)
    assert (kept.name, kept.member_id) == ("李秀英", None)


def test_the_setting_is_off_by_default_and_each_change_is_journaled(session, village):
    assert visitors.asks_who_came(session, village.id) is False
    assert visitors.set_asks_who_came(session, village, True, actor="t") is True
    assert visitors.set_asks_who_came(session, village, True, actor="t") is False
    assert visitors.asks_who_came(session, village.id) is True
    visitors.set_asks_who_came(session, village, False, actor="t")
    memos = session.scalars(
        select(Journal.memo)
        .where(Journal.village_id == village.id, Journal.memo.like("who came%"))
        .order_by(Journal.seq)  # PostgreSQL returns rows in no set order without it
    ).all()
    assert memos == ["who came on", "who came off"]


def _receipt(visitor: str, lang: str = "zh") -> Receipt:
    at = dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC)
    return Receipt("积分超市", "一号机", "K1-000001", at, "01-001", "王大山",
                   [ReceiptLine("肥皂", 1, "块", 7, 7)], 7, 43, "abcdef12",
                   lang=lang, visitor=visitor)  # fmt: skip


def test_the_receipt_names_who_came_masked_and_says_nothing_when_nobody_was_asked():
    lines = _receipt("李秀英").layout(32).text_lines()
    assert any("来兑换的人" in line and "李*英" in line for line in lines)
    assert not any("李秀英" in line for line in lines)
    assert not any("来兑换的人" in line for line in _receipt("").layout(32).text_lines())
