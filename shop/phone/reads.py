"""What the phone pages read for one household or one village (read-only, one query each)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from shop.base import utcnow
from shop.errors import DomainError
from shop.households import recent_entries
from shop.households.models import Household
from shop.ledger.models import Journal, PointsEntry
from shop.points import honour, review
from shop.points.applications import application_photo_ids
from shop.points.models import (
    PointsApplication,
    ReviewBatch,
    ReviewLine,
    Rule,
    RuleCategory,
)
from shop.redemptions import limits
from shop.redemptions.models import RedemptionWindow
from shop.stock.models import Product

LATEST = 5
HISTORY_PAGE = 30


@dataclass(frozen=True)
class Home:
    household: Household
    noticed: list[ReviewLine]  # approved points still 公示中: not yet counted
    entries: list[PointsEntry]
    shop_open: bool
    next_window: RedemptionWindow | None
    pending_applications: int
    notice_days: int
    honour: int | None = None  # 荣誉积分, where the village shows it

    @property
    def noticed_points(self) -> int:
        return sum(line.points for line in self.noticed)

    @property
    def latest(self) -> PointsEntry | None:
        return self.entries[0] if self.entries else None


def household(session: Session, household_id: int) -> Household:
    found = session.get(Household, household_id)  # another village's: None (shop/scope.py)
    if found is None:
        raise DomainError("phone_signed_out", f"household {household_id}")
    return found


def noticed_lines(session: Session, household_id: int) -> list[ReviewLine]:
    return list(
        session.scalars(
            select(ReviewLine)
            .options(selectinload(ReviewLine.batch).selectinload(ReviewBatch.rule))
            .where(ReviewLine.household_id == household_id, ReviewLine.state == "noticed")
            .order_by(ReviewLine.effective_on, ReviewLine.id)
        )
    )


def home(session: Session, household_id: int, *, latest: int = LATEST) -> Home:
    found = household(session, household_id)
    pending = session.scalar(
        select(func.count(PointsApplication.id)).where(
            PointsApplication.household_id == found.id, PointsApplication.state == "pending"
        )
    )
    return Home(
        household=found,
        noticed=noticed_lines(session, found.id),
        entries=recent_entries(session, found, limit=latest),
        shop_open=limits.is_open(session, found.village_id),
        next_window=limits.next_window(session, found.village_id),
        pending_applications=int(pending or 0),
        notice_days=review.settings(session, found.village_id).notice_days,
        honour=(
            honour.total(session, found.id) if honour.shown(session, found.village_id) else None
        ),
    )


def history(session: Session, household_id: int, page: int = 1) -> tuple[list[PointsEntry], bool]:
    """One page of the household's points entries, newest first, and whether more follow."""
    page = max(1, page)
    rows = list(
        session.scalars(
            select(PointsEntry)
            .options(
                joinedload(PointsEntry.journal).load_only(
                    Journal.created_at, Journal.kind, Journal.ref, Journal.memo
                ),
                joinedload(PointsEntry.rule).load_only(Rule.name, Rule.name_en),
            )
            .where(PointsEntry.household_id == household_id)
            .order_by(PointsEntry.id.desc())
            .offset((page - 1) * HISTORY_PAGE)
            .limit(HISTORY_PAGE + 1)
        )
    )
    return rows[:HISTORY_PAGE], len(rows) > HISTORY_PAGE


def rules(session: Session, village_id: int, *, earning_only: bool = False):
    """The village's active deeds by category: [(category, [rule, ...]), ...]."""
    categories = session.scalars(
        select(RuleCategory)
        .where(RuleCategory.village_id == village_id)
        .order_by(RuleCategory.sort_order, RuleCategory.id)
    ).all()
    query = select(Rule).where(Rule.category_id.in_([c.id for c in categories]), Rule.is_active)
    if earning_only:
        query = query.where(Rule.points > 0)
    by_category: dict[int, tuple[RuleCategory, list[Rule]]] = {c.id: (c, []) for c in categories}
    for rule in session.scalars(query.order_by(Rule.points.desc(), Rule.id)):
        by_category[rule.category_id][1].append(rule)
    return [entry for entry in by_category.values() if entry[1]]


def goods(session: Session, village_id: int) -> list[Product]:
    return list(
        session.scalars(
            select(Product)
            .where(Product.village_id == village_id, Product.is_active)
            .order_by(Product.sort_order, Product.id)
        )
    )


def applications(
    session: Session, household_id: int, *, limit: int = 50
) -> tuple[list[PointsApplication], dict[int, list[int]]]:
    """The household's applications, newest first, with their photos' ids."""
    found = list(
        session.scalars(
            select(PointsApplication)
            .options(joinedload(PointsApplication.rule))
            .where(PointsApplication.household_id == household_id)
            .order_by(PointsApplication.created_at.desc(), PointsApplication.id.desc())
            .limit(limit)
        )
    )
    return found, application_photo_ids(session, [a.id for a in found])


def windows_ahead(session: Session, village_id: int, *, most: int = 4) -> list[RedemptionWindow]:
    """The redemption days open now or still to come (一季一兑换)."""
    today = limits.local_date(utcnow())
    return list(
        session.scalars(
            select(RedemptionWindow)
            .where(RedemptionWindow.village_id == village_id, RedemptionWindow.ends_on >= today)
            .order_by(RedemptionWindow.starts_on)
            .limit(most)
        )
    )


def local_today() -> dt.date:
    return limits.local_date(utcnow())
