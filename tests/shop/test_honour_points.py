"""荣誉积分 (issue 18), on SQLite and PostgreSQL: the points earned by deeds, which a redemption
never reduces, shown beside the balance only where the village turns it on."""

from __future__ import annotations

from sqlalchemy import select

from shop import points, redemptions
from shop.models import Journal
from shop.points import honour


def test_honour_points_count_deeds_and_redemption_never_reduces_them(
    session, village, kiosk, create_household, create_product
):
    home = create_household(50)
    other = create_household(0)
    points.award_points(session, home, delta=-5, actor="panel", memo="乱扔垃圾")
    redemptions.redeem(
        session, home, {create_product(7).sku: 2}, kiosk=kiosk, idempotency_key="honour-0001"
    )
    session.refresh(home)
    assert home.balance == 50 - 5 - 14
    assert honour.totals(session, [home.id, other.id]) == {home.id: 45, other.id: 0}


def test_the_village_turns_it_on_and_the_journal_says_who(session, village):
    assert honour.shown(session, village.id) is False
    assert honour.set_shown(session, village.id, True, actor="boss") is True
    assert honour.set_shown(session, village.id, True, actor="boss") is False
    assert honour.shown(session, village.id) is True
    row = session.scalar(select(Journal).where(Journal.memo == "honour points on"))
    assert row.actor == "boss"
    from shop.ledger.sentences import say

    assert say(row.kind, row.ref, row.memo).text == "显示荣誉积分（兑换不减、年终不清零）"
