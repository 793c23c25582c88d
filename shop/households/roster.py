"""Households in the back-office (户籍名册): search, edit, and roster import with a preview
(shop.households.roster_import).

Search matches the household number, the head's name, and the name in pinyin: full (zhangsan)
or initials (zs), kept in `household_search` beside each household and indexed per village.
A roster import is previewed first (what will be created or changed, every bad row with its
reason); applying re-checks the same rows and writes all or nothing.
"""

from __future__ import annotations

import hashlib

from pypinyin import Style, lazy_pinyin
from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from shop import households, ledger
from shop.errors import DomainError
from shop.households.models import Household, HouseholdSearch, Member
from shop.ledger.models import PointsEntry
from shop.regions.models import Village

PAGE_SIZE = 50


def pinyin_keys(name: str) -> tuple[str, str]:
    """(initials, full pinyin) in lower case without spaces: 张三 -> ('zs', 'zhangsan')."""
    full = "".join(lazy_pinyin(name, errors="default")).lower().replace(" ", "")
    initials = "".join(
        p[:1] for p in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    ).lower()
    return initials[:64], full[:255]


def _search_row(household_id: int, village_id: int, number: str, name: str) -> dict:
    initials, full = pinyin_keys(name)
    return dict(
        household_id=household_id,
        village_id=village_id,
        number=number,
        name=name[:64],
        given=name[1:][:64],
        initials=initials,
        full_pinyin=full,
    )


def index_household(session: Session, household: Household) -> None:
    """(Re)write the household's search row; call after creating or renaming a household."""
    values = _search_row(household.id, household.village_id, household.number, household.head_name)
    row = session.get(HouseholdSearch, household.id)
    if row is None:
        session.add(HouseholdSearch(**values))
    else:
        for key, value in values.items():
            setattr(row, key, value)
    session.flush()


def reindex_missing(session: Session, village_id: int | None = None) -> int:
    """Index households that have no search row yet (bulk-loaded or seeded by other code)."""
    query = (
        select(Household.id, Household.village_id, Household.number, Household.head_name)
        .outerjoin(HouseholdSearch, HouseholdSearch.household_id == Household.id)
        .where(HouseholdSearch.household_id.is_(None))
    )
    if village_id is not None:
        query = query.where(Household.village_id == village_id)
    rows = [_search_row(*found) for found in session.execute(query)]
    for start in range(0, len(rows), 5000):
        session.execute(insert(HouseholdSearch), rows[start : start + 5000])
    return len(rows)


def index_is_complete(session: Session, village_id: int) -> bool:
    """True when every household of the village has its search row (two index-only counts)."""
    households_n = session.scalar(
        select(func.count(Household.id)).where(Household.village_id == village_id)
    )
    indexed_n = session.scalar(
        select(func.count(HouseholdSearch.household_id)).where(
            HouseholdSearch.village_id == village_id
        )
    )
    return households_n == indexed_n


_GLOB_SPECIAL = str.maketrans({"*": "[*]", "?": "[?]", "[": "[[]"})


def _prefix(column, text: str, dialect: str):
    """`column` starts with `text`, in a form the (village_id, column) index can serve: GLOB on
    SQLite (case-sensitive, so its index is usable, unlike LIKE), LIKE elsewhere."""
    if dialect == "sqlite":
        return column.op("GLOB")(text.translate(_GLOB_SPECIAL) + "*")
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(escaped + "%", escape="\\")


def search_households(
    session: Session,
    village_id: int,
    query: str = "",
    *,
    group: str = "",
    status: str = "",
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> list[Household]:
    """Households of the village whose number, head's name, given name or pinyin (initials or
    full) starts with the query, in household-number order. Served by household_search's
    per-village indexes, so it stays fast in a village of 20,000 households."""
    q = "".join((query or "").split())
    hs = HouseholdSearch
    if q:
        dialect = session.get_bind().dialect.name
        lowered = q.lower()
        stmt = select(hs.household_id).where(
            hs.village_id == village_id,
            or_(
                _prefix(hs.number, q, dialect),
                _prefix(hs.name, q, dialect),
                _prefix(hs.given, q, dialect),
                _prefix(hs.initials, lowered, dialect),
                _prefix(hs.full_pinyin, lowered, dialect),
            ),
        )
        if group or status in ("active", "inactive"):
            stmt = stmt.join(Household, Household.id == hs.household_id)
        order = hs.number
    else:
        stmt = select(Household.id).where(Household.village_id == village_id)
        order = Household.number
    if group:
        stmt = stmt.where(Household.group_name == group)
    if status in ("active", "inactive"):
        stmt = stmt.where(Household.status == status)
    ids = list(session.scalars(stmt.order_by(order).limit(limit).offset(offset)))
    if not ids:
        return []
    found = {h.id: h for h in session.scalars(select(Household).where(Household.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def group_names(session: Session, village_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Household.group_name)
            .where(Household.village_id == village_id, Household.group_name != "")
            .distinct()
            .order_by(Household.group_name)
        )
    )


def add_household(
    session: Session,
    village: Village,
    number: str,
    head_name: str,
    *,
    group_name: str = "",
    members: int = 1,
    actor: str,
) -> Household:
    household = households.create_household(
        session, village, number, head_name, group_name=group_name, members=members, actor=actor
    )
    index_household(session, household)
    return household


def update_household(
    session: Session,
    household: Household,
    *,
    head_name: str,
    group_name: str,
    members: int,
    actor: str,
) -> bool:
    """Edit the household's details; returns False (and writes nothing) when nothing changed."""
    head_name, group_name = head_name.strip(), group_name.strip()
    if household.merged_into_id is not None:
        raise DomainError("household_merged", household.number)
    head = session.scalar(
        select(Member).where(Member.household_id == household.id, Member.relation == "head")
    )
    if head is not None:
        # Members are listed (shop.households.family): the figure is their count, and the
        # head's name is the head member's (a spelling fixed here is fixed there too).
        members = household.members
        if head_name and head.name != head_name:
            head.name = head_name
    if not head_name:
        raise DomainError("head_name_required", "head_name", field="head_name")
    if members < 1:
        raise DomainError("invalid_member_count", f"members {members}", field="members")
    changes = []
    for attr, new in (("head_name", head_name), ("group_name", group_name), ("members", members)):
        if getattr(household, attr) != new:
            changes.append(f"{attr}={new}")
            setattr(household, attr, new)
    if not changes:
        return False
    session.flush()
    index_household(session, household)
    ledger.append(
        session,
        household.village_id,
        "household_change",
        actor=actor,
        ref=f"household:{household.number}",
        memo="edit " + " ".join(changes),
    )
    return True


def has_entries(session: Session, household: Household) -> bool:
    return (
        session.scalar(select(PointsEntry.id).where(PointsEntry.household_id == household.id))
        is not None
    )


def content_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def count_households(session: Session, village_id: int) -> int:
    return session.scalar(
        select(func.count(Household.id)).where(Household.village_id == village_id)
    )
