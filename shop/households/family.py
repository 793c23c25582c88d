"""Families (家庭成员): who lives in a household, their relation to the head (与户主关系), who may
redeem with the household's passbook; 户主变更 (a new head), 分户 (part of a family leaves as a
household of its own, taking points with it) and 合户 (one household joins another with its
points, members and history).

Once members are listed, `households.members` is their count and `households.head_name` the
head member's name (cards, receipts and the search read those two columns). A household
without a list keeps the roster's figure until its first member is added; the head then joins
the list first. Every step is a journal row naming its actor; points move only through
`shop.points.transfers.transfer_points` (one `transfer` row, both balances reconciled by
`kiosk verify`). 分户 and 合户 are in shop.households.split_merge.
"""

from __future__ import annotations

import re

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from shop import ledger
from shop.errors import DomainError
from shop.households import roster
from shop.households.models import RELATION_KEYS, Household, Member
from shop.points.models import PointsApplication, ReviewLine
from shop.text import plain_text
from shop.words import N_

RELATIONS = {
    "head": N_("户主"),
    "spouse": N_("配偶"),
    "child": N_("子女"),
    "parent": N_("父母"),
    "grandchild": N_("孙子女"),
    "grandparent": N_("祖父母"),
    "sibling": N_("兄弟姐妹"),
    "child_in_law": N_("儿媳/女婿"),
    "other": N_("其他亲属"),
}
assert tuple(RELATIONS) == RELATION_KEYS
# Why a passbook stopped working when its household was merged into another (合户).
MERGED = "merged"
MERGED_REASON = N_("已并入另一户")
PHONE_RE = re.compile(r"\+?[0-9][0-9-]{4,18}")


def members_of(session: Session, household: Household) -> list[Member]:
    """The household's members, the head first, then in the order they were listed."""
    return list(
        session.scalars(
            select(Member)
            .where(Member.household_id == household.id)
            .order_by((Member.relation != "head"), Member.id)
        )
    )


def _journal(session: Session, household: Household, memo: str, actor: str) -> None:
    ledger.append(
        session,
        household.village_id,
        "household_change",
        actor=actor,
        ref=f"household:{household.number}",
        memo=memo,
    )


def _name(value) -> str:
    name = plain_text(value, "name", max_length=64)
    if not name:
        raise DomainError("member_name_required", "name", field="name")
    return name


def _phone(value) -> str:
    phone = "".join(plain_text(value, "phone", max_length=24).split())
    if phone and not PHONE_RE.fullmatch(phone):
        raise DomainError("invalid_phone", field="phone")
    return phone


def _relation(value: str) -> str:
    if value not in RELATION_KEYS or value == "head":
        raise DomainError("invalid_relation", f"relation {value!r}", field="relation")
    return value


def _open(household: Household) -> None:
    if household.merged_into_id is not None:
        raise DomainError("household_merged", household.number)


def _sync(session: Session, household: Household) -> None:
    """households.members and head_name follow the list (when there is one)."""
    session.flush()
    count = session.scalar(select(func.count(Member.id)).where(Member.household_id == household.id))
    head = session.scalar(
        select(Member.name).where(Member.household_id == household.id, Member.relation == "head")
    )
    if count:
        household.members = count
    if head and head != household.head_name:
        household.head_name = head
        session.flush()
        roster.index_household(session, household)
    session.flush()


def _ensure_head(session: Session, household: Household, actor: str) -> None:
    """A household's list starts with its head: added from the roster's name on first use."""
    listed = session.scalar(select(Member.id).where(Member.household_id == household.id).limit(1))
    if listed is None:
        session.add(
            Member(
                village_id=household.village_id,
                household_id=household.id,
                name=household.head_name,
                relation="head",
            )
        )
        session.flush()
        _journal(session, household, f"member add head {household.head_name}", actor)


def add_member(
    session: Session,
    household: Household,
    name: str,
    relation: str,
    *,
    phone: str = "",
    may_redeem: bool = True,
    actor: str,
) -> Member:
    """登记家庭成员. The head is listed first if the household had no list yet."""
    _open(household)
    name, relation, phone = _name(name), _relation(relation), _phone(phone)
    _ensure_head(session, household, actor)
    member = Member(
        village_id=household.village_id,
        household_id=household.id,
        name=name,
        relation=relation,
        phone=phone,
        may_redeem=bool(may_redeem),
    )
    session.add(member)
    session.flush()
    _journal(session, household, f"member add {relation} {name}", actor)
    _sync(session, household)
    return member


def edit_member(
    session: Session,
    member: Member,
    *,
    name: str,
    relation: str,
    phone: str,
    may_redeem: bool,
    actor: str,
) -> bool:
    """Correct a member's name, relation, phone or whether they may redeem. The head stays the
    head (户主变更 is `change_head`). False, and nothing written, when nothing changed. The
    journal names the member, never their phone number (the ledger is exported for anyone)."""
    household = member.household
    _open(household)
    name, phone = _name(name), _phone(phone)
    relation = "head" if member.is_head else _relation(relation)
    new = {"name": name, "relation": relation, "phone": phone, "may_redeem": bool(may_redeem)}
    if all(getattr(member, key) == value for key, value in new.items()):
        return False
    for key, value in new.items():
        setattr(member, key, value)
    session.flush()
    _journal(session, household, f"member edit {relation} {name}", actor)
    _sync(session, household)
    return True


def remove_member(session: Session, member: Member, *, actor: str) -> None:
    """A member leaves the household's list (moved away, died, listed by mistake). The head
    cannot: a new head is chosen first (`change_head`)."""
    household = member.household
    _open(household)
    if member.is_head:
        raise DomainError("member_is_head", member.name)
    relation, name = member.relation, member.name
    session.execute(delete(Member).where(Member.id == member.id))
    session.expire(household, ["family"])
    _journal(session, household, f"member remove {relation} {name}", actor)
    _sync(session, household)


def change_head(
    session: Session,
    household: Household,
    new_head: Member,
    *,
    old_head_relation: str,
    actor: str,
) -> None:
    """户主变更: `new_head` (a listed member) becomes the head. The old head stays with
    `old_head_relation` (their relation to the new head), or leaves the list when it is ""
    (died, moved away). Passbooks keep working: they belong to the household, not the head."""
    _open(household)
    if new_head.household_id != household.id or new_head.is_head:
        raise DomainError("new_head_not_member", "the new head is another member of this household")
    old = session.scalar(
        select(Member).where(Member.household_id == household.id, Member.relation == "head")
    )
    old_name = old.name if old is not None else household.head_name
    if old is not None:
        if old_head_relation:
            old.relation = _relation(old_head_relation)
        else:
            session.execute(delete(Member).where(Member.id == old.id))
        session.flush()  # one head at a time (uq_household_members_one_head)
    new_head.relation = "head"
    session.flush()
    _journal(session, household, f"head {old_name} -> {new_head.name}", actor)
    _sync(session, household)


def _waiting(session: Session, household: Household) -> bool:
    """Points decided for the household but not counted yet: they must land where they were
    decided before the household splits or merges."""
    line = session.scalar(
        select(ReviewLine.id)
        .where(
            ReviewLine.household_id == household.id,
            ReviewLine.state.in_(("pending", "noticed")),
        )
        .limit(1)
    )
    application = session.scalar(
        select(PointsApplication.id)
        .where(PointsApplication.household_id == household.id, PointsApplication.state == "pending")
        .limit(1)
    )
    return line is not None or application is not None
