"""The village's review settings (审核设置): which entries wait for the panel and how many days an
approved line is shown as 公示中 before it counts."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shop.errors import DomainError
from shop.ledger import review_grammar
from shop.points.models import REVIEW_POLICIES, PointsSettings
from shop.points.review.journal import journal_step

MAX_NOTICE_DAYS = 60


def settings(session: Session, village_id: int) -> PointsSettings:
    """The village's earning settings (defaults when never set: review all, no notice period)."""
    found = session.get(PointsSettings, village_id)
    return found or PointsSettings(village_id=village_id, review_policy="all", notice_days=0)


def set_settings(
    session: Session, village_id: int, *, review_policy: str, notice_days: int, actor: str
) -> PointsSettings:
    if review_policy not in REVIEW_POLICIES:
        raise DomainError("invalid_review_policy", f"review policy {review_policy!r}")
    if not isinstance(notice_days, int) or not 0 <= notice_days <= MAX_NOTICE_DAYS:
        raise DomainError("invalid_notice_days", f"notice days {notice_days!r}")
    found = session.get(PointsSettings, village_id)
    if found is None:
        found = PointsSettings(village_id=village_id)
        session.add(found)
    found.review_policy, found.notice_days = review_policy, notice_days
    session.flush()
    journal_step(
        session, village_id, review_grammar.memo_settings(review_policy, notice_days), actor=actor
    )
    return found


def needs_review(policy: str, delta: int) -> bool:
    return policy == "all" or (policy == "deductions" and delta < 0)
