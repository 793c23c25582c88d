"""The supervisor's journal browser: filters by household, actor, kind and local date."""

from __future__ import annotations

import datetime as dt

import pytest

from shop import points, redemptions
from shop.errors import DomainError
from shop.transparency import browse_journal, journal_actors

from .conftest import local


@pytest.fixture
def history(session, village, make_household, create_product, kiosk):
    a, b = make_household(name="王秀英"), make_household(name="李建国")
    points.award_points(session, a, delta=30, actor="panel:wang", at=local(2026, 3, 1, 9))
    points.award_points(session, b, delta=20, actor="panel:li", at=local(2026, 3, 2, 23, 30))
    points.award_points(
        session, a, delta=-5, actor="panel:li", at=local(2026, 3, 3, 0, 30), memo="乱倒垃圾"
    )
    soap = create_product(points_price=5, on_hand=10)
    redemptions.redeem(
        session,
        a,
        {soap.sku: 2},
        kiosk=kiosk,
        idempotency_key="browse-test-0001",
        actor="clerk:zhao",
    )
    return a, b, soap


def test_newest_first_with_postings_and_names(session, village, history):
    a, _, soap = history
    page = browse_journal(session, village.id, limit=500)
    assert [r.seq for r in page.rows] == sorted((r.seq for r in page.rows), reverse=True)
    sale = next(r for r in page.rows if r.kind == "redemption")
    assert sale.points[0].household_number == a.number and sale.points[0].delta == -10
    assert sale.stock[0].sku == soap.sku and sale.stock[0].delta == -2
    assert sale.actor == "clerk:zhao"


def test_filter_by_household(session, village, history):
    a, b, _ = history
    rows = browse_journal(session, village.id, household=a, limit=500).rows
    kinds = sorted(r.kind for r in rows)
    assert kinds == ["award", "deduction", "household_change", "redemption"]
    assert all(p.household_id == a.id for r in rows for p in r.points)
    assert len(browse_journal(session, village.id, household=b.id).rows) == 2


def test_filter_by_actor_kind_and_local_dates(session, village, history):
    assert [r.kind for r in browse_journal(session, village.id, actor="panel:li").rows] == [
        "deduction",
        "award",
    ]
    assert len(browse_journal(session, village.id, kind="award").rows) == 2
    assert len(browse_journal(session, village.id, kind=["award", "deduction"]).rows) == 3
    # 2 March local covers 23:30 that day and not 00:30 on 3 March (16:30 UTC on the 2nd).
    day = browse_journal(
        session, village.id, date_from=dt.date(2026, 3, 2), date_to=dt.date(2026, 3, 2)
    ).rows
    assert [r.memo for r in day] == [""] and day[0].points[0].delta == 20
    assert journal_actors(session, village.id)


def test_pages(session, village, history):
    first = browse_journal(session, village.id, limit=2)
    second = browse_journal(session, village.id, limit=2, offset=2)
    assert first.has_more and len(first.rows) == 2
    assert {r.id for r in first.rows}.isdisjoint({r.id for r in second.rows})
    everything = browse_journal(session, village.id, limit=500)
    assert not everything.has_more


@pytest.mark.parametrize(
    "kwargs,code",
    [
        ({"kind": "bribe"}, "invalid_input"),
        ({"limit": 0}, "invalid_input"),
        ({"limit": 501}, "invalid_input"),
        ({"offset": -1}, "invalid_input"),
        ({"household": 987654321}, "unknown_household"),
    ],
)
def test_bad_filters_are_refused(session, village, history, kwargs, code):
    with pytest.raises(DomainError) as err:
        browse_journal(session, village.id, **kwargs)
    assert err.value.code == code


def test_a_household_of_another_village_is_refused(session, village, create_village, history):
    other = create_village("别村")
    with pytest.raises(DomainError) as err:
        browse_journal(session, other.id, household=history[0])
    assert err.value.code == "unknown_household"
