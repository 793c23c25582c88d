"""The annual ranking (一年一排名): points earned in the local year, competition ranking 1224."""

from __future__ import annotations

import contextlib
import random

from sqlalchemy import select

from shop import demo, redemptions
from shop.errors import DomainError
from shop.models import Journal, Village
from shop.transparency import (
    annual_ranking,
    competition_ranks,
    group_rankings,
    refresh_ranking_totals,
    year_bounds,
)

from .conftest import TZ, ledger_sums, local, village_households


def assert_ranking_matches_ledger(session, village_id, year, group=None):
    ranking = annual_ranking(session, village_id, year, "Asia/Shanghai", group=group)
    start, end = year_bounds(year, TZ)
    sums = ledger_sums(session, village_id, start, end, {"award", "deduction"})
    homes = [h for h in village_households(session, village_id) if group in (None, h.group_name)]
    assert {r.household_id for r in ranking.rows} == {h.id for h in homes}
    score = {h.id: sums.get(h.id, [0, 0])[0] - sums.get(h.id, [0, 0])[1] for h in homes}
    for row in ranking.rows:
        assert (row.earned, row.deducted) == tuple(sums.get(row.household_id, [0, 0, 0])[:2])
        # Competition ranking: one more than the number of households with strictly more.
        assert row.rank == 1 + sum(1 for s in score.values() if s > row.points)
    assert [r.points for r in ranking.rows] == sorted(score.values(), reverse=True)
    return ranking


def test_ranking_matches_the_ledger_on_the_demo_village(session, tmp_path):
    demo.seed_demo(session, tmp_path)
    village = session.scalar(select(Village).where(Village.code == demo.VILLAGE[0]))
    years = {
        at.astimezone(TZ).year
        for at in session.scalars(
            select(Journal.created_at).where(Journal.village_id == village.id)
        )
    }
    for year in years:
        overall = assert_ranking_matches_ledger(session, village.id, year)
        for group in demo.GROUPS:
            assert_ranking_matches_ledger(session, village.id, year, group)
        assert overall.groups == demo.GROUPS


def test_ranking_matches_the_ledger_on_a_generated_village(
    session, village, make_household, give, create_product, kiosk
):
    rng = random.Random(7)
    groups = ["第一组", "第二组"]
    homes = [make_household(rng.choice(groups)) for _ in range(30)]
    for _ in range(250):
        at = local(rng.choice([2025, 2026, 2027]), rng.randint(1, 12), rng.randint(1, 28), 10)
        if rng.random() < 0.1:
            at = rng.choice([local(2025, 12, 31, 23, 59, 59), local(2026, 1, 1)])
        with contextlib.suppress(DomainError):
            give(rng.choice(homes), rng.choice([5, 5, 10, 10, -5]), at)
    # Spending points in the shop does not change anyone's rank.
    soap = create_product(points_price=5, on_hand=50)
    spender = max(homes, key=lambda h: h.balance)
    session.refresh(spender)
    redemptions.redeem(
        session, spender, {soap.sku: 1}, kiosk=kiosk, idempotency_key="ranking-test-0001"
    )
    for year in (2025, 2026, 2027):
        assert_ranking_matches_ledger(session, village.id, year)
        for group in groups:
            assert_ranking_matches_ledger(session, village.id, year, group)


def test_ties_share_a_rank_and_the_next_rank_is_skipped(session, village, make_household, give):
    a, b, c, d, e = (make_household(name=n) for n in "甲乙丙丁戊")
    at = local(2026, 6, 1, 9)
    give(a, 30, at)
    give(b, 20, at)
    give(c, 20, at)
    give(d, 25, at)
    give(d, -5, at)  # earned 25, deducted 5: 20 points, tied with b and c
    ranking = annual_ranking(session, village, 2026, TZ)
    by_id = {r.household_id: r for r in ranking.rows}
    assert [by_id[h.id].rank for h in (a, b, c, d, e)] == [1, 2, 2, 2, 5]
    assert (by_id[d.id].earned, by_id[d.id].deducted, by_id[d.id].points) == (25, 5, 20)
    # Within a tie, household-number order (stable, never alphabetical favour).
    assert [r.household_id for r in ranking.rows] == [a.id, b.id, c.id, d.id, e.id]
    assert [r.household_id for r in ranking.top(2)] == [a.id, b.id, c.id, d.id]
    assert competition_ranks([100, 90, 90, 80]) == [1, 2, 2, 4]
    assert competition_ranks([]) == []


def test_a_household_with_only_deductions_ranks_below_zero(session, village, make_household, give):
    good, quiet, poor = make_household(), make_household(), make_household()
    give(poor, 50, local(2025, 12, 1, 9))  # last year's award pays for this year's deduction
    give(poor, -20, local(2026, 3, 1, 9))
    give(good, 5, local(2026, 3, 1, 9))
    ranking = annual_ranking(session, village, 2026, TZ)
    assert [(r.household_id, r.rank, r.points) for r in ranking.rows] == [
        (good.id, 1, 5),
        (quiet.id, 2, 0),
        (poor.id, 3, -20),
    ]
    assert ranking.rows[-1].earned == 0 and ranking.rows[-1].deducted == 20


def test_a_year_with_no_events_ranks_everyone_first(session, village, make_household):
    homes = [make_household() for _ in range(3)]
    ranking = annual_ranking(session, village, 2019, TZ)
    assert [r.rank for r in ranking.rows] == [1, 1, 1]
    assert {r.household_id for r in ranking.rows} == {h.id for h in homes}
    assert ranking.head.seq == 0


def test_group_rankings_rank_within_each_group(session, village, make_household, give):
    one = [make_household("第一组") for _ in range(2)]
    two = [make_household("第二组") for _ in range(2)]
    give(one[0], 5, local(2026, 5, 5, 5))
    give(two[1], 50, local(2026, 5, 5, 5))
    rankings = group_rankings(session, village, 2026, TZ)
    assert [r.group for r in rankings] == ["第一组", "第二组"]
    assert [(r.household_id, r.rank) for r in rankings[0].rows] == [(one[0].id, 1), (one[1].id, 2)]
    assert [(r.household_id, r.rank) for r in rankings[1].rows] == [(two[1].id, 1), (two[0].id, 2)]
    assert annual_ranking(session, village, 2026, TZ, group="第二组").rows == rankings[1].rows


def test_the_head_is_the_last_row_before_the_year_end(session, village, make_household, give):
    home = make_household()
    last = give(home, 5, local(2026, 12, 31, 23, 59, 59))
    give(home, 5, local(2027, 1, 1, 0, 0))
    ranking = annual_ranking(session, village, 2026, TZ)
    assert (ranking.head.seq, ranking.head.hash) == (last.seq, last.hash)
    assert ranking.head.text == f"{last.seq}:{last.hash}"


def test_the_totals_cache_never_changes_the_ranking(session, village, make_household, give):
    """The cache holds the rows up to its mark; the ranking adds the rest live. However stale
    or fresh the cache, the ranking is the journal's."""
    rng = random.Random(11)
    homes = [make_household(rng.choice(["第一组", "第二组"])) for _ in range(15)]

    def some_awards(n):
        for _ in range(n):
            at = local(rng.choice([2025, 2026]), rng.randint(1, 12), rng.randint(1, 28), 10)
            if rng.random() < 0.2:
                at = rng.choice([local(2025, 12, 31, 23, 59, 59), local(2026, 1, 1)])
            with contextlib.suppress(DomainError):
                give(rng.choice(homes), rng.choice([5, 10, -5]), at)

    def same():
        for year in (2025, 2026):
            cached = annual_ranking(session, village, year, TZ)
            assert cached.rows == annual_ranking(session, village, year, TZ, use_totals=False).rows
            assert_ranking_matches_ledger(session, village.id, year)

    some_awards(40)
    same()  # no cache yet
    assert refresh_ranking_totals(session, village, TZ) > 0
    assert refresh_ranking_totals(session, village, "Asia/Shanghai") == 0  # nothing new
    same()  # cache only
    some_awards(40)
    same()  # cache plus live rows
    refresh_ranking_totals(session, village, TZ)
    some_awards(10)
    same()
    # Another time zone has totals of its own: UTC years cut at another instant.
    refresh_ranking_totals(session, village, "UTC")
    utc = annual_ranking(session, village, 2026, "UTC")
    assert utc.rows == annual_ranking(session, village, 2026, "UTC", use_totals=False).rows
