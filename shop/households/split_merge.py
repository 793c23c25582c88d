"""分户 and 合户: part of a family leaves as a household of its own, taking points with it, or one
household joins another with its points, members and history. Each is planned first (what it
will do, nothing written) and then done; the members' steps are in shop.households.family.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.errors import DomainError
from shop.households import operations, query_codes, roster
from shop.households.family import (
    MERGED,
    _ensure_head,
    _journal,
    _open,
    _sync,
    _waiting,
    members_of,
)
from shop.households.models import Household, Member, Passbook
from shop.points.transfers import transfer_points
from shop.regions.models import Village
from shop.text import plain_text

# A son who leaves with his own family (分户) heads it: his wife and children are then his
# spouse and children. Other relations stay as they were; the panel edits them if need be.
SPLIT_RELATIONS = {"child": {"child_in_law": "spouse", "grandchild": "child"}}


# --- 分户 -------------------------------------------------------------------------------------


@dataclass
class SplitPlan:
    """What a split will do, shown before anything is written."""

    source: Household
    number: str
    group_name: str
    moving: list[Member]
    head: Member
    points: int

    def relation_after(self, member: Member) -> str:
        if member.id == self.head.id:
            return "head"
        return SPLIT_RELATIONS.get(self.head.relation, {}).get(member.relation, member.relation)


def plan_split(
    session: Session,
    household: Household,
    *,
    number: str,
    member_ids: list[int],
    head_id: int | None,
    points: int,
    group_name: str | None = None,
) -> SplitPlan:
    """Check a split and say what it will do; writes nothing. Refuses a merged household,
    one with points still waiting (pending_points), no member chosen, the source's head
    leaving, a new head outside those leaving, a number in use, and more points than the
    household holds (never below zero, like a redemption)."""
    _open(household)
    number = operations.household_number(number)
    if not number:
        raise DomainError("household_number_required", "number", field="number")
    group = plain_text(
        household.group_name if group_name is None else group_name, "group_name", max_length=64
    )
    listed = {m.id: m for m in members_of(session, household)}
    moving = [listed[i] for i in dict.fromkeys(member_ids) if i in listed]
    if not moving:
        raise DomainError("split_needs_member")
    if any(m.is_head for m in moving):
        raise DomainError("head_cannot_leave")
    head = next((m for m in moving if m.id == head_id), None)
    if head is None:
        raise DomainError("head_required")
    if isinstance(points, bool) or not isinstance(points, int) or points < 0:
        raise DomainError("invalid_points", repr(points))
    if points > max(household.balance, 0):
        raise DomainError("split_too_many_points", str(points))
    if session.scalar(
        select(Household.id).where(
            Household.village_id == household.village_id, Household.number == number
        )
    ):
        raise DomainError("household_number_taken", number, shown=True)
    if _waiting(session, household):
        raise DomainError("pending_points", household.number)
    return SplitPlan(household, number, group, moving, head, points)


def split_household(
    session: Session,
    household: Household,
    *,
    number: str,
    member_ids: list[int],
    head_id: int | None,
    points: int,
    group_name: str | None = None,
    actor: str,
) -> Household:
    """分户: the chosen members leave as a new household under `number`, headed by one of them,
    with `points` moved from the old household as a journaled transfer. The new household has
    no passbook yet (issue one from its page); the old one keeps its passbook and history.
    The household's row is locked before the first journal row, as 合户 does."""
    _lock_households(session, household)
    plan = plan_split(
        session,
        household,
        number=number,
        member_ids=member_ids,
        head_id=head_id,
        points=points,
        group_name=group_name,
    )
    village = session.get(Village, household.village_id)
    new = roster.add_household(
        session,
        village,
        plan.number,
        plan.head.name,
        group_name=plan.group_name,
        members=len(plan.moving),
        actor=actor,
    )
    relations = {m.id: plan.relation_after(m) for m in plan.moving}
    for member in plan.moving:  # the head's row last: one head a household at every flush
        member.household_id = new.id
        member.relation = relations[member.id] if member.id != plan.head.id else "other"
    session.flush()
    plan.head.relation = "head"
    session.flush()
    names = "、".join(m.name for m in plan.moving)
    _journal(session, household, f"split {new.number} members {names}", actor)
    if plan.points:
        transfer_points(
            session,
            household.village_id,
            household,
            new,
            plan.points,
            actor=actor,
            ref=f"household:{household.number}",
            memo=f"split {household.number} -> {new.number}",
        )
    session.expire(household, ["family"])
    _sync(session, household)
    _sync(session, new)
    return new


# --- 合户 -------------------------------------------------------------------------------------


@dataclass
class MergePlan:
    """What merging `gone` into `keep` will do, shown before anything is written."""

    keep: Household
    gone: Household
    moving: list[Member]
    balance: int
    passbooks: list[Passbook]
    has_query_code: bool


def plan_merge(session: Session, keep: Household, gone: Household) -> MergePlan:
    """Check a merge and say what it will do; writes nothing."""
    if keep.id == gone.id:
        raise DomainError("merge_same")
    if keep.village_id != gone.village_id:
        raise DomainError("unknown_household", gone.number, shown=True)
    _open(keep)
    _open(gone)
    for household in (gone, keep):
        if _waiting(session, household):
            raise DomainError("pending_points", household.number)
    books = list(
        session.scalars(
            select(Passbook)
            .where(Passbook.household_id == gone.id, Passbook.status == "active")
            .order_by(Passbook.id)
        )
    )
    return MergePlan(
        keep,
        gone,
        members_of(session, gone),
        gone.balance,
        books,
        query_codes.active_query_code(session, gone) is not None,
    )


def _lock_households(session: Session, *homes: Household) -> None:
    """Lock the households' rows before any journal row, in the order a redemption takes its
    locks (the household, then the village's chain head); the other order deadlocks with a kiosk
    spending one of them at that moment."""
    session.execute(
        select(Household.id)
        .where(Household.id.in_([h.id for h in homes]))
        .order_by(Household.id)
        .with_for_update()
    ).all()


def merge_households(
    session: Session, keep: Household, gone: Household, *, expected_balance: int, actor: str
) -> MergePlan:
    """合户: `gone` joins `keep`. Its balance (below zero too: a debt goes with it) moves as one
    journaled transfer, its members join `keep`'s list (its head as 其他亲属 until the panel
    says otherwise), its passbooks stop working (已作废, reason 已并入另一户) and so does its
    phone query code, and it stays in the roster as merged, inactive for good, its history
    readable. `expected_balance` is the balance the confirmation page showed: if a redemption or
    deduction landed since, nothing is written (household_changed). Both rows are locked before
    the first journal row (_lock_households)."""
    _lock_households(session, keep, gone)
    plan = plan_merge(session, keep, gone)
    if plan.balance != expected_balance:
        raise DomainError("household_changed", gone.number)
    _ensure_head(session, keep, actor)
    moving = plan.moving or [
        Member(village_id=gone.village_id, household_id=gone.id, name=gone.head_name)
    ]
    for member in moving:
        if member.id is None:
            session.add(member)
        member.household_id = keep.id
        member.relation = "other" if member.relation in (None, "head") else member.relation
    session.flush()
    names = "、".join(m.name for m in moving)
    _journal(session, keep, f"merge {gone.number} members {names}", actor)
    if plan.balance:
        transfer_points(
            session,
            keep.village_id,
            gone,
            keep,
            plan.balance,
            actor=actor,
            ref=f"household:{keep.number}",
            memo=f"merge {gone.number} -> {keep.number}",
            whole=True,
        )
    for book in plan.passbooks:
        operations.revoke_passbook(session, book, actor=actor, reason=MERGED)
    if plan.has_query_code:
        query_codes.revoke_query_code(session, gone, actor=actor)
    gone.status = "inactive"
    gone.merged_into_id = keep.id
    session.flush()
    _journal(session, gone, f"merged into {keep.number}", actor)
    session.expire(keep, ["family"])
    session.expire(gone, ["family"])
    _sync(session, keep)
    return plan
