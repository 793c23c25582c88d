"""荣誉积分 (honour points), optional per village: the points a household earned by its deeds
(awards less deductions, opening balances and moves between households left out), which no
redemption reduces and no year-end clears. Villages use it for rankings and 星级文明户; it is
read from the ledger's postings, so it needs no column of its own and cannot drift."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shop import ledger
from shop.ledger.models import Journal, PointsEntry
from shop.points.models import PointsSettings

EARNED = ("award", "deduction")


def shown(session: Session, village_id: int) -> bool:
    """Whether the village shows honour points beside the balance."""
    return bool(
        session.scalar(
            select(PointsSettings.honour_points).where(PointsSettings.village_id == village_id)
        )
    )


def set_shown(session: Session, village_id: int, on: bool, *, actor: str) -> bool:
    """Turn honour points on or off; False (nothing written) when it already was."""
    found = session.get(PointsSettings, village_id)
    if found is None:
        found = PointsSettings(village_id=village_id, review_policy="all", notice_days=0)
        session.add(found)
    if bool(found.honour_points) == bool(on):
        session.flush()
        return False
    found.honour_points = bool(on)
    session.flush()
    ledger.append(
        session,
        village_id,
        "staff_change",
        actor=actor,
        ref="points-settings",
        memo="honour points on" if on else "honour points off",
    )
    return True


def totals(session: Session, household_ids: Sequence[int]) -> dict[int, int]:
    """Each household's honour points (0 for one that earned nothing)."""
    if not household_ids:
        return {}
    rows = session.execute(
        select(PointsEntry.household_id, func.coalesce(func.sum(PointsEntry.delta), 0))
        .join(Journal, Journal.id == PointsEntry.journal_id)
        .where(PointsEntry.household_id.in_(list(household_ids)), Journal.kind.in_(EARNED))
        .group_by(PointsEntry.household_id)
    )
    found = {household_id: int(total) for household_id, total in rows}
    return {household_id: found.get(household_id, 0) for household_id in household_ids}


def total(session: Session, household_id: int) -> int:
    return totals(session, [household_id])[household_id]
