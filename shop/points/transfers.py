"""Points moved from one household to another (积分转移): 分户 and 合户 only.

A transfer is one journal row of kind `transfer` with two postings, the source's −n and the
target's +n, so the village's total is unchanged and `kiosk verify` reconciles both balances
like any other entry. It is not an award: rankings, notices and the region figures leave it out.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from shop import ledger
from shop.errors import DomainError
from shop.households.models import Household


def transfer_points(
    session: Session,
    village_id: int,
    source: Household,
    target: Household,
    points: int,
    *,
    actor: str,
    ref: str,
    memo: str,
    whole: bool = False,
) -> ledger.Appended:
    """Move `points` from `source` to `target` as one journal row.

    `whole`: the source's entire balance moves (合户), which may be below zero: a debt goes with
    the household. The debit is guarded on the balance being exactly `points`, so a redemption
    or deduction that landed meanwhile refuses the move (household_changed) instead of leaving
    a remainder behind. Otherwise (分户) `points` is positive and the debit is guarded like a
    redemption's: it never takes the source below zero (split_too_many_points)."""
    if (
        not isinstance(points, int)
        or isinstance(points, bool)
        or points == 0
        or (not whole and points < 0)
    ):
        raise DomainError("invalid_points", repr(points))
    if source.id == target.id:
        raise DomainError("merge_same", "transfer between two households")
    if {source.village_id, target.village_id} != {village_id}:
        raise DomainError("not_found", "transfer within one village")
    with session.begin_nested():  # a refused credit takes its debit back with it
        guard = Household.balance == points if whole else Household.balance >= points
        debited = session.execute(
            update(Household)
            .execution_options(synchronize_session=False)
            .where(Household.id == source.id, Household.village_id == village_id, guard)
            .values(balance=Household.balance - points)
            .returning(Household.balance)
        ).scalar_one_or_none()
        if debited is None:
            raise DomainError(
                "household_changed" if whole else "split_too_many_points",
                f"household {source.number}",
                household_id=source.id,
            )
        credited = session.execute(
            update(Household)
            .execution_options(synchronize_session=False)
            .where(Household.id == target.id, Household.village_id == village_id)
            .values(balance=Household.balance + points)
            .returning(Household.balance)
        ).scalar_one_or_none()
        if credited is None:
            raise DomainError("unknown_household", str(target.id), household_id=target.id)
    appended = ledger.append(
        session,
        village_id,
        "transfer",
        actor=actor,
        ref=ref,
        memo=memo,
        points=[
            ledger.Posting(source.id, -points, debited),
            ledger.Posting(target.id, points, credited),
        ],
    )
    session.expire(source, ["balance"])
    session.expire(target, ["balance"])
    return appended
