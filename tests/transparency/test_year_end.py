"""Year-end (年终积分处理): announced beforehand, applied once as one `year_end` journal row
through guarded updates; keep, expire (清零) or carry a capped amount."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from shop.errors import DomainError
from shop.ledger import sentences
from shop.ledger.verify import verify_ledger
from shop.models import Journal, PointsEntry
from shop.transparency import (
    announce_year_end,
    annual_ranking,
    apply_year_end,
    monthly_notice,
    plan_year_end,
    upcoming_year_end,
    waiting_screen,
)

from .conftest import TZ, local


def read_memo(row: Journal) -> str:
    """The year end's memo as the journal page reads it (shop.ledger.closing_grammar)."""
    return sentences.read(row.kind, row.ref, row.memo)


ANNOUNCED_ON = dt.date(2026, 12, 1)
EFFECTIVE = dt.date(2026, 12, 31)


@pytest.fixture
def three(session, make_household, give):
    """Balances 0, 15 and 60."""
    homes = [make_household(name=n) for n in ("甲", "乙", "丙")]
    give(homes[1], 15, local(2026, 3, 1, 9))
    give(homes[2], 80, local(2026, 4, 1, 9))
    give(homes[2], -20, local(2026, 5, 1, 9))
    for h in homes:
        session.refresh(h)
    return homes


def balances(session, homes):
    for h in homes:
        session.refresh(h)
    return [h.balance for h in homes]


@pytest.mark.parametrize(
    "policy,cap,takes",
    [("keep", None, []), ("expire", None, [15, 60]), ("cap", 20, [40]), ("cap", 0, [15, 60])],
)
def test_plan_says_what_each_policy_would_take(session, village, three, policy, cap, takes):
    plan = plan_year_end(session, village, policy, EFFECTIVE, cap)
    assert [line.deduct for line in plan.lines] == takes
    assert plan.total_deducted == sum(takes)
    assert all(line.keeps == line.balance - line.deduct >= 0 for line in plan.lines)
    assert balances(session, three) == [0, 15, 60]  # a plan changes nothing


@pytest.mark.parametrize(
    "policy,cap,code",
    [
        ("burn", None, "invalid_year_end_policy"),
        ("cap", None, "cap_required"),
        ("cap", -1, "cap_required"),
        ("expire", 10, "cap_not_for_policy"),
        ("cap", True, "cap_required"),
    ],
)
def test_a_bad_policy_is_refused(session, village, policy, cap, code):
    with pytest.raises(DomainError) as err:
        plan_year_end(session, village, policy, EFFECTIVE, cap)
    assert err.value.code == code


def test_expire_applies_one_journal_row_and_the_ledger_verifies(session, village, three):
    announce_year_end(
        session, village, 2026, "expire", EFFECTIVE, actor="panel", today=ANNOUNCED_ON
    )
    result = apply_year_end(
        session, village, 2026, actor="panel", today=EFFECTIVE, at=local(2026, 12, 31, 23)
    )
    assert balances(session, three) == [0, 0, 0]
    assert (result.households, result.total_deducted) == (2, 75)
    row = session.scalar(
        select(Journal).where(Journal.seq == result.head.seq, Journal.village_id == village.id)
    )
    assert (
        row.kind == "year_end"
        and row.hash == result.head.hash
        and read_memo(row) == "2026年度积分清零"
    )
    deltas = session.scalars(
        select(PointsEntry.delta).where(PointsEntry.journal_id == row.id).order_by(PointsEntry.id)
    ).all()
    assert deltas == [-15, -60]
    assert verify_ledger(session.connection(), village.id).ok


def test_apply_is_idempotent_per_village_and_year(session, village, three):
    announce_year_end(
        session, village, 2026, "cap", EFFECTIVE, 20, actor="panel", today=ANNOUNCED_ON
    )
    first = apply_year_end(session, village, 2026, actor="panel", today=EFFECTIVE)
    rows = session.scalar(select(func.count(Journal.id)))
    again = apply_year_end(session, village, 2026, actor="someone", today=EFFECTIVE)
    assert again == first
    assert session.scalar(select(func.count(Journal.id))) == rows
    assert balances(session, three) == [0, 15, 20]
    with pytest.raises(DomainError) as err:
        announce_year_end(
            session, village, 2026, "expire", dt.date(2027, 1, 5), actor="panel", today=EFFECTIVE
        )
    assert err.value.code == "year_end_applied"


def test_cap_takes_from_the_balance_at_application_time(session, village, three, give):
    announce_year_end(
        session, village, 2026, "cap", EFFECTIVE, 20, actor="panel", today=ANNOUNCED_ON
    )
    give(three[1], 10, local(2026, 12, 20, 9))  # 25 now: above the cap after the plan
    give(three[2], -50, local(2026, 12, 20, 9))  # 10 now: below the cap
    result = apply_year_end(session, village, 2026, actor="panel", today=EFFECTIVE)
    assert balances(session, three) == [0, 20, 10]
    assert (result.households, result.total_deducted) == (1, 5)


def test_keep_writes_the_decision_without_postings(session, village, three):
    announce_year_end(session, village, 2026, "keep", EFFECTIVE, actor="panel", today=ANNOUNCED_ON)
    result = apply_year_end(session, village, 2026, actor="panel", today=EFFECTIVE)
    assert result.households == 0 and balances(session, three) == [0, 15, 60]
    row = session.scalar(select(Journal).where(Journal.hash == result.head.hash))
    assert row.kind == "year_end" and read_memo(row) == "2026年度积分保留"


def test_it_must_be_announced_beforehand_and_not_applied_early(session, village, three):
    with pytest.raises(DomainError) as err:
        apply_year_end(session, village, 2026, actor="panel", today=EFFECTIVE)
    assert err.value.code == "year_end_not_announced"  # nothing announced
    with pytest.raises(DomainError) as err:
        announce_year_end(
            session, village, 2026, "expire", EFFECTIVE, actor="panel", today=EFFECTIVE
        )
    assert err.value.code == "year_end_too_late"  # announced on the day itself: too late
    announce_year_end(
        session, village, 2026, "expire", EFFECTIVE, actor="panel", today=ANNOUNCED_ON
    )
    with pytest.raises(DomainError) as err:
        apply_year_end(session, village, 2026, actor="panel", today=EFFECTIVE - dt.timedelta(1))
    assert err.value.code == "year_end_not_due"
    assert balances(session, three) == [0, 15, 60]


def test_the_waiting_screen_sees_it_until_applied(session, village, three):
    assert upcoming_year_end(session, village, ANNOUNCED_ON) == []
    announce_year_end(
        session, village, 2026, "cap", EFFECTIVE, 10, actor="panel", today=ANNOUNCED_ON
    )
    # Changing it before the day replaces the announcement.
    announce_year_end(
        session, village, 2026, "cap", EFFECTIVE, 30, actor="panel", today=dt.date(2026, 12, 2)
    )
    (shown,) = upcoming_year_end(session, village, dt.date(2026, 12, 10))
    assert (shown.policy, shown.cap, shown.effective_on, shown.year) == ("cap", 30, EFFECTIVE, 2026)
    apply_year_end(session, village, 2026, actor="panel", today=EFFECTIVE)
    assert upcoming_year_end(session, village, dt.date(2026, 12, 10)) == []
    assert shown.applied_by == "panel" and shown.journal_id is not None


def test_notice_shows_it_apart_and_the_ranking_ignores_it(session, village, three):
    announce_year_end(
        session, village, 2026, "expire", EFFECTIVE, actor="panel", today=ANNOUNCED_ON
    )
    before = annual_ranking(session, village, 2026, TZ)
    apply_year_end(
        session, village, 2026, actor="panel", today=EFFECTIVE, at=local(2026, 12, 31, 23, 30)
    )
    notice = monthly_notice(session, village, 2026, 12, TZ)
    assert (notice.awarded, notice.deducted, notice.cleared) == (0, 0, 75)
    lines = {h.household_id: h for h in notice.households}
    assert lines[three[2].id].items[0].kind == "year_end"
    assert lines[three[2].id].net == -60
    after = annual_ranking(session, village, 2026, TZ)
    assert [(r.household_id, r.rank, r.points) for r in after.rows] == [
        (r.household_id, r.rank, r.points) for r in before.rows
    ]


def test_the_waiting_screen_gets_notice_ranking_and_announcement(session, village, three, give):
    """Last month's notice and the announcement; the ranking of the year so far when last
    year had no points yet."""
    give(three[0], 7, local(2026, 11, 3, 9))
    announce_year_end(
        session, village, 2026, "expire", EFFECTIVE, actor="panel", today=ANNOUNCED_ON
    )
    screen = waiting_screen(session, village, dt.date(2026, 12, 5), TZ, top=1)
    assert (screen.notice.year, screen.notice.month, screen.notice.awarded) == (2026, 11, 7)
    # 2025 had no points (a new scheme), so the screen ranks 2026 so far.
    assert screen.ranking.year == 2026 and screen.ranking_to_date
    assert [(r.rank, r.household_id, r.points) for r in screen.top] == [(1, three[2].id, 60)]
    assert [p.policy for p in screen.year_ends] == ["expire"]


def test_the_waiting_screen_ranks_last_year_once_it_had_points(session, village, three, give):
    give(three[1], 9, local(2025, 6, 1, 9))
    give(three[0], 7, local(2026, 11, 3, 9))
    screen = waiting_screen(session, village, dt.date(2026, 12, 5), TZ, top=1)
    assert screen.ranking.year == 2025 and not screen.ranking_to_date
    assert [(r.rank, r.household_id) for r in screen.top] == [(1, three[1].id)]
