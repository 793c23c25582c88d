"""The villages' monthly figures folded in from the journal (shop/regions/fold.py) on SQLite and
PostgreSQL: equal to the journal, never counted twice (again, or by two folds at once), and a
figure changed behind the journal's back is named by the check `kiosk verify` runs."""

from __future__ import annotations

import threading

from sqlalchemy import select, update

from shop import clock, points, regions
from shop.db import session_factory, unit_of_work
from shop.models import VillageMonthPoints
from shop.regions import figures, fold
from shop.reports import points_between


def _month_figures(session, village_id):
    today = clock.today()
    rows = figures.village_months(session, [village_id], today.year, today.month)
    return rows[0]


def test_folded_figures_equal_the_journal_and_fold_once(session, village, create_household):
    a = create_household(balance=30)
    b = create_household(balance=5)
    points.award_points(session, a, delta=7, actor="test", memo="again")
    points.award_points(session, b, delta=-3, actor="test", memo="litter")
    assert fold.fold(session, [village.id]) > 0
    assert fold.fold(session, [village.id]) == 0  # nothing new: nothing added
    row = _month_figures(session, village.id)
    today = clock.today()
    start, end = clock.month_bounds(today.year, today.month)
    direct = points_between(session, village.id, start, end)
    assert (row.awarded, row.deducted, row.redeemed) == (
        direct.awarded,
        direct.deducted,
        direct.redeemed,
    )
    assert row.participating == 2
    assert fold.check(session, [village.id]) == []
    # later rows are folded on the next read, not before
    points.award_points(session, b, delta=11, actor="test", memo="late")
    assert _month_figures(session, village.id).awarded == direct.awarded
    fold.fold(session, [village.id])
    assert _month_figures(session, village.id).awarded == direct.awarded + 11
    board = figures.honour_board(session, [village.id], today.year, today.month)
    assert [(r.household_id, r.points) for r in board] == [(a.id, 37)]


def test_a_changed_figure_is_named_by_the_check(session, village, create_household):
    create_household(balance=20)
    fold.fold(session, [village.id])
    session.execute(
        update(VillageMonthPoints)
        .where(VillageMonthPoints.village_id == village.id)
        .values(points=VillageMonthPoints.points + 1)
    )
    problems = fold.check(session, [village.id])
    assert problems and "monthly points" in problems[0]


def test_two_folds_at_once_count_each_row_once(fresh_backend):
    factory = session_factory(fresh_backend.engine)
    with unit_of_work(factory) as s:
        village = regions.create_village(s, "FOLD1", "并发村")
        from shop import households

        home = households.create_household(s, village, "01-001", "户主", actor="test")
        for n in range(40):
            points.award_points(s, home, delta=n + 1, actor="test", memo=f"n{n}")
        vid = village.id
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def run():
        try:
            with unit_of_work(factory) as s:
                barrier.wait()
                fold.fold(s, [vid])
        except Exception as exc:  # a lost race may be refused by the database: retried below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with unit_of_work(factory) as s:
        fold.fold(s, [vid])
        assert fold.check(s, [vid]) == []
        total = s.scalar(
            select(VillageMonthPoints.points).where(
                VillageMonthPoints.village_id == vid, VillageMonthPoints.kind == "award"
            )
        )
    assert total == sum(range(1, 41))
