"""The kiosk's waiting screen (待机画面): last month's notice, last year's ranking, the year-end."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from shop.regions.models import Village
from shop.transparency.common import (
    village_of,
)
from shop.transparency.models import YearEndPolicy
from shop.transparency.notice import MonthlyNotice, monthly_notice
from shop.transparency.ranking import Ranking, RankRow, annual_ranking
from shop.transparency.year_end import upcoming_year_end

# ---------------------------------------------------------------------------------------------
# The kiosk's waiting screen (待机画面)


@dataclass(frozen=True)
class WaitingScreen:
    """What the waiting screen shows in turns: last month's notice, last year's ranking (top
    places overall), and year-ends announced but not yet applied."""

    notice: MonthlyNotice
    ranking: Ranking
    top: list[RankRow]
    year_ends: list[YearEndPolicy]
    ranking_to_date: bool = False  # this year so far: last year had no points (a new scheme)


def waiting_screen(
    session: Session, village: Village | int, today: dt.date, tz: str | dt.tzinfo, *, top: int = 10
) -> WaitingScreen:
    """One call for the waiting screen's rotation (read-only)."""
    village = village_of(session, village)
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    notice = monthly_notice(session, village, last_month.year, last_month.month, tz)
    ranking = annual_ranking(session, village, today.year - 1, tz)
    to_date = not any(row.points > 0 for row in ranking.rows)
    if to_date:
        ranking = annual_ranking(session, village, today.year, tz)
    return WaitingScreen(
        notice, ranking, ranking.top(top), upcoming_year_end(session, village, today), to_date
    )
