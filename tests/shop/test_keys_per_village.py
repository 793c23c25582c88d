"""Idempotency keys belong to their village (issue 14, finding 25), on SQLite and PostgreSQL.

Keys are made by a kiosk page, a form or an API client; two villages' pages can make the same
one. Before, the key was unique across the district: village B's redemption with a key village A
had used was refused as a conflict (or, in a session confined to B, failed on the unique index),
and so were its deliveries, awards and recorders' entries. Each village now keeps its own keys:
the same key in B books B's own, a repeat in B answers B's first result, and a changed body in A
is still A's conflict.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop import points, redemptions, regions
from shop.errors import DomainError
from shop.models import AwardRequest, Redemption, ReviewBatch
from shop.points import review
from shop.stock import receiving

KEY = "page-key-00000001"


@pytest.fixture
def two(session, create_village, create_household, create_product):
    villages = [create_village("甲村"), create_village("乙村")]
    shops = []
    for n, village in enumerate(villages):
        shops.append(
            {
                "village": village,
                "kiosk": regions.create_kiosk(session, village, f"KP{n}{village.id}", "一号机"),
                "home": create_household(100, target=village),
                "soap": create_product(5, 50, sku="FZ-1", target=village),
            }
        )
    return shops


def test_two_villages_redeem_with_one_key_and_each_replays_its_own(session, two):
    a, b = two
    first_a = redemptions.redeem(session, a["home"], {"FZ-1": 1}, kiosk=a["kiosk"],
                                 idempotency_key=KEY)  # fmt: skip
    first_b = redemptions.redeem(session, b["home"], {"FZ-1": 3}, kiosk=b["kiosk"],
                                 idempotency_key=KEY)  # fmt: skip
    assert first_b.id != first_a.id
    assert (first_b.village_id, first_b.total) == (b["village"].id, 15)
    again_b = redemptions.redeem(session, b["home"], {"FZ-1": 3}, kiosk=b["kiosk"],
                                 idempotency_key=KEY)  # fmt: skip
    assert again_b.id == first_b.id  # B's own first receipt, not A's
    with pytest.raises(DomainError) as refused:
        redemptions.redeem(session, a["home"], {"FZ-1": 2}, kiosk=a["kiosk"], idempotency_key=KEY)
    assert refused.value.code == "idempotency_conflict"
    session.refresh(a["home"])
    session.refresh(b["home"])
    assert (a["home"].balance, b["home"].balance) == (95, 85)  # each debited once
    assert (
        session.scalar(select(func.count(Redemption.id)).where(Redemption.idempotency_key == KEY))
        == 2
    )


def test_two_villages_book_deliveries_awards_and_entries_with_one_key(session, two, create_rule):
    a, b = two
    docs = [
        receiving.receive_delivery(
            session,
            s["village"],
            [("FZ-1", 4)],
            source_kind="budget",
            actor="test",
            idempotency_key=KEY,
        )  # fmt: skip
        for s in two
    ]
    assert docs[0].id != docs[1].id and docs[1].village_id == b["village"].id
    again = receiving.receive_delivery(
        session, b["village"], [("FZ-1", 4)], source_kind="budget", actor="test",
        idempotency_key=KEY,
    )  # fmt: skip
    assert again.id == docs[1].id

    awards = [
        points.award_points(session, s["home"], delta=7, actor="test", idempotency_key=KEY)
        for s in two
    ]
    assert awards[0].id != awards[1].id
    assert (
        points.award_points(session, b["home"], delta=7, actor="test", idempotency_key=KEY).id
        == awards[1].id
    )
    assert sorted(
        session.scalars(select(AwardRequest.village_id).where(AwardRequest.idempotency_key == KEY))
    ) == sorted(s["village"].id for s in two)
    session.refresh(b["home"])
    assert b["home"].balance == 107  # awarded once

    batches = []
    for s in two:
        category = points.add_category(session, s["village"], f"C{s['village'].id}", "积美",
                                       actor="test")  # fmt: skip
        rule = points.add_rule(session, category, "庭院整洁", 3, actor="test")
        batches.append(
            review.record_entry(
                session,
                s["village"].id,
                rule,
                [s["home"].id],
                actor="staff:rec",
                groups=None,
                client_key=KEY,
            )  # fmt: skip
        )
    assert batches[0].id != batches[1].id
    assert (
        session.scalar(select(func.count(ReviewBatch.id)).where(ReviewBatch.client_key == KEY)) == 2
    )
