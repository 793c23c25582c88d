"""The monthly public notice (一月一公示) matches the ledger, month by local month."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select

from shop import demo, ledger
from shop.errors import DomainError
from shop.models import Journal, Village
from shop.transparency import annual_ranking, month_bounds, monthly_notice

from .conftest import TZ, ledger_sums, local, village_households


def assert_notice_matches_ledger(session, village_id, year, month):
    notice = monthly_notice(session, village_id, year, month, "Asia/Shanghai")
    start, end = month_bounds(year, month, TZ)
    expected = ledger_sums(session, village_id, start, end, {"award", "deduction"})
    cleared = ledger_sums(session, village_id, start, end, {"year_end"})
    homes = village_households(session, village_id)
    assert {h.household_id for h in notice.households} == {h.id for h in homes}
    for home in notice.households:
        awarded, deducted, n = expected.get(home.household_id, [0, 0, 0])
        assert (home.awarded, home.deducted) == (awarded, deducted), home.number
        assert home.cleared == cleared.get(home.household_id, [0, 0, 0])[1]
        assert len(home.items) == n + cleared.get(home.household_id, [0, 0, 0])[2]
        assert sum(i.delta for i in home.items) == home.net
        assert all(start <= i.at < end for i in home.items)
    assert notice.awarded == sum(v[0] for v in expected.values())
    assert notice.deducted == sum(v[1] for v in expected.values())
    for group in notice.groups:
        assert {h.group_name for h in group.households} == {group.name}
    # The printed head is the last row written before the month ended.
    last = session.execute(
        select(Journal.seq, Journal.hash)
        .where(Journal.village_id == village_id, Journal.created_at < end)
        .order_by(Journal.seq.desc())
        .limit(1)
    ).one_or_none()
    assert (notice.head.seq, notice.head.hash) == (tuple(last) if last else (0, ledger.GENESIS))
    assert all(i.seq <= notice.head.seq for h in notice.households for i in h.items)
    return notice


def test_notice_matches_the_ledger_on_the_demo_village(session, tmp_path):
    demo.seed_demo(session, tmp_path)
    village = session.scalar(select(Village).where(Village.code == demo.VILLAGE[0]))
    months = {
        (at.astimezone(TZ).year, at.astimezone(TZ).month)
        for at in session.scalars(
            select(Journal.created_at).where(Journal.village_id == village.id)
        )
    }
    assert len(months) >= 4
    for year, month in sorted(months):
        notice = assert_notice_matches_ledger(session, village.id, year, month)
        assert [g.name for g in notice.groups] == demo.GROUPS
    ever = ledger_sums(
        session,
        village.id,
        dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2100, 1, 1, tzinfo=dt.UTC),
        {"award", "deduction"},
    )
    notices = [monthly_notice(session, village, y, m, TZ) for y, m in months]
    assert sum(n.awarded for n in notices) == sum(v[0] for v in ever.values()) > 0
    assert sum(n.deducted for n in notices) == sum(v[1] for v in ever.values())


def test_notice_matches_the_ledger_on_a_generated_village(session, village, make_household, give):
    rng = random.Random(42)
    groups = ["第一村民小组", "第二村民小组", "第三村民小组", "第十村民小组"]
    homes = [make_household(rng.choice(groups)) for _ in range(24)]
    # Times that straddle local month ends (UTC 16:00 is local midnight) and random ones.
    edges = [
        local(2026, 1, 31, 23, 59, 59, 999999),
        local(2026, 2, 1, 0, 0),
        local(2026, 2, 28, 23, 59, 59),
        local(2026, 3, 1, 0, 0, 0),
        local(2025, 12, 31, 23, 59, 59),
        local(2026, 1, 1),
    ]
    for _ in range(300):
        home = rng.choice(homes)
        at = (
            rng.choice(edges)
            if rng.random() < 0.3
            else local(
                rng.choice([2025, 2026]), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23)
            )
        )
        delta = rng.choice([3, 5, 10, 20, -5, -10])
        give(home, delta, at)  # a deduction applies at any balance
    for year in (2025, 2026):
        for month in range(1, 13):
            assert_notice_matches_ledger(session, village.id, year, month)


def test_month_boundaries_are_local_midnight(session, village, make_household, give):
    home = make_household()
    give(home, 10, local(2026, 2, 28, 23, 59, 59))  # 15:59:59 UTC, still February locally
    give(home, 5, local(2026, 3, 1, 0, 0, 0))  # 16:00 UTC on 28 Feb, March locally
    feb = monthly_notice(session, village, 2026, 2, TZ)
    mar = monthly_notice(session, village, 2026, 3, "Asia/Shanghai")
    assert feb.awarded == 10 and mar.awarded == 5
    assert feb.head.seq < mar.head.seq


def test_a_household_with_only_deductions(session, village, make_household, give):
    home = make_household(name="李四")
    give(home, 30, local(2026, 4, 10, 9))
    give(home, -5, local(2026, 5, 3, 9), memo="乱倒垃圾")
    give(home, -10, local(2026, 5, 20, 9), memo="大操大办")
    notice = monthly_notice(session, village, 2026, 5, TZ)
    (line,) = [h for h in notice.households if h.household_id == home.id]
    assert (line.awarded, line.deducted, line.net) == (0, 15, -15)
    assert [i.item for i in line.items] == ["乱倒垃圾", "大操大办"]
    assert [i.kind for i in line.items] == ["deduction", "deduction"]


def test_a_month_with_no_events(session, village, make_household, give):
    home = make_household()
    give(home, 10, local(2026, 1, 15, 9))
    notice = monthly_notice(session, village, 2026, 6, TZ)
    assert notice.is_empty and notice.awarded == notice.deducted == notice.net == 0
    assert [h.household_id for h in notice.households] == [home.id]
    assert notice.households[0].items == []
    # The head still vouches for everything before the month's end.
    assert notice.head == monthly_notice(session, village, 2026, 1, TZ).head
    before = monthly_notice(session, village, 2020, 1, TZ)
    assert before.head.seq == 0 and before.head.hash == ledger.GENESIS


def test_rule_items_carry_their_names_and_categories(
    session, village, make_household, give, create_rule
):
    rule = create_rule(15, "评为美丽庭院")
    home = make_household()
    give(home, None, local(2026, 7, 2, 10), rule=rule)
    (item,) = monthly_notice(session, village, 2026, 7, TZ).households[0].items
    assert (item.item, item.category, item.delta, item.kind) == (
        "评为美丽庭院",
        "积美",
        15,
        "award",
    )
    assert item.at.utcoffset() == dt.timedelta(hours=8)


def test_groups_are_in_household_number_order_not_code_point_order(
    session, village, make_household
):
    for group in ["第一村民小组", "第二村民小组", "第三村民小组"]:
        make_household(group)
    notice = monthly_notice(session, village, 2026, 1, TZ)
    assert [g.name for g in notice.groups] == ["第一村民小组", "第二村民小组", "第三村民小组"]


@pytest.mark.parametrize("year,month", [(2026, 0), (2026, 13), (1800, 1)])
def test_an_impossible_month_is_refused(session, village, year, month):
    with pytest.raises(DomainError) as err:
        monthly_notice(session, village, year, month, TZ)
    assert err.value.code == "invalid_month"


def test_an_impossible_year_or_an_unknown_time_zone_is_refused_in_words(session, village):
    with pytest.raises(DomainError) as err:
        annual_ranking(session, village, 1800, TZ)
    assert err.value.code == "invalid_year"
    assert err.value.text == "年份不对，请写四位数的年份，例如2026。"
    with pytest.raises(DomainError) as err:
        monthly_notice(session, village, 2026, 11, "Asia/Beijing")
    assert err.value.code == "unknown_time_zone"
    assert err.value.text == "没有这个时区，请写成 Asia/Shanghai 这样的名字。"


def test_an_unknown_village_is_refused(session):
    with pytest.raises(DomainError) as err:
        monthly_notice(session, 987654321, 2026, 1, TZ)
    assert err.value.code == "unknown_village"
