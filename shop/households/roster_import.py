"""The roster import (户籍花名册): a spreadsheet of households, or of people one row each, previewed
first (what will be created or changed, every bad row with its reason); applying re-checks the
same rows and writes them in short batches (shop.db.apply_in_batches).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop import households, ledger
from shop.db import apply_in_batches
from shop.errors import DomainError
from shop.households import family_roster
from shop.households.family_roster import Person
from shop.households.models import Household, Member
from shop.households.operations import NUMBER_RE
from shop.households.roster import (
    add_household,
    update_household,
)
from shop.regions.models import Village
from shop.tabular import pick

NUMBER = ("户号", "number", "household_no")
HEAD = ("户主", "户主姓名", "head_name", "head")
GROUP = ("村民小组", "小组", "group", "group_name")
MEMBERS = ("人口", "家庭人口", "members")


@dataclass
class RosterRow:
    line: int  # the row's line in the file (header is line 1)
    number: str
    head_name: str
    group_name: str
    members: int
    action: str = ""  # create | change | same
    changes: list[str] = field(default_factory=list)
    # A roster with one row per person (shop.households.family_roster): the household's people,
    # listed as its family when it has no list yet (`lists_family`).
    people: list[Person] = field(default_factory=list)
    lists_family: bool = False


@dataclass
class RosterPreview:
    rows: list[RosterRow]
    errors: list[tuple[int, str]]  # (line, reason)

    @property
    def creates(self) -> list[RosterRow]:
        return [r for r in self.rows if r.action == "create"]

    @property
    def changes(self) -> list[RosterRow]:
        return [r for r in self.rows if r.action == "change"]

    @property
    def unchanged(self) -> list[RosterRow]:
        return [r for r in self.rows if r.action == "same"]

    @property
    def ok(self) -> bool:
        return not self.errors


def preview_roster(session: Session, village: Village, rows: list[dict]) -> RosterPreview:
    """What importing these rows would do. Writes nothing."""
    parsed: list[RosterRow] = []
    errors: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    if rows and not any(pick(r, *NUMBER) or pick(r, *HEAD) for r in rows if r):
        errors.append((1, "表头应有：户号、户主、村民小组、人口"))
    entries: list[tuple[int, dict]] = list(enumerate(rows, start=2))
    people: dict[str, list[Person]] = {}
    if family_roster.is_per_person(rows):
        entries, people, person_errors = family_roster.fold_people(rows, NUMBER, GROUP)
        errors.extend(person_errors)
    for i, raw in entries:
        if not raw:
            continue
        number, head = pick(raw, *NUMBER), pick(raw, *HEAD)
        group, members_text = pick(raw, *GROUP), pick(raw, *MEMBERS) or "1"
        if not number:
            errors.append((i, "缺少户号"))
            continue
        if len(number) > 32:
            errors.append((i, f"户号太长：{number[:40]}"))
            continue
        if not NUMBER_RE.fullmatch(number):
            errors.append((i, f"户号只能用汉字、字母、数字和 - _ . / # ( )：{number}"))
            continue
        if not head:
            errors.append((i, f"户号 {number}：缺少户主姓名"))
            continue
        # isdecimal, not isdigit: "²" is a digit that int() refuses; 3 figures at most.
        if not (members_text.isdecimal() and len(members_text) <= 3) or int(members_text) < 1:
            errors.append((i, f"户号 {number}：人口应为正整数，而不是“{members_text}”"))
            continue
        if number in seen:
            errors.append((i, f"户号 {number} 在文件里重复（第 {seen[number]} 行已有）"))
            continue
        seen[number] = i
        parsed.append(
            RosterRow(
                i, number, head[:64], group[:64], int(members_text), people=people.get(number, [])
            )
        )
    existing = (
        {
            h.number: h
            for h in session.scalars(
                select(Household).where(
                    Household.village_id == village.id,
                    Household.number.in_([r.number for r in parsed]),
                )
            )
        }
        if parsed
        else {}
    )
    listed = (
        set(
            session.scalars(
                select(Member.household_id).where(
                    Member.household_id.in_([h.id for h in existing.values()]),
                    Member.relation == "head",
                )
            )
        )
        if existing
        else set()
    )
    for row in parsed:
        old = existing.get(row.number)
        row.lists_family = bool(row.people) and (old is None or old.id not in listed)
        if old is None:
            row.action = "create"
            continue
        if old.id in listed:  # members are listed: the count is theirs, not the file's
            row.members = old.members
        elif row.lists_family:
            row.changes.append(f"登记家庭成员{len(row.people)}人")
        for label, a, b in (
            ("户主", old.head_name, row.head_name),
            ("村民小组", old.group_name, row.group_name),
            ("人口", old.members, row.members),
        ):
            if a != b:
                row.changes.append(f"{label}：{a} → {b}")
        row.action = "change" if row.changes else "same"
    return RosterPreview(parsed, errors)


def apply_roster(
    session: Session, village: Village, rows: list[dict], *, actor: str
) -> RosterPreview:
    """Import the roster: refused as a whole (invalid_input) if any row is bad."""
    preview = preview_roster(session, village, rows)
    if not preview.ok:
        raise DomainError(
            "file_has_bad_rows", f"{len(preview.errors)} bad rows", errors=preview.errors
        )
    for row in preview.rows:
        if row.action == "create":
            add_household(
                session,
                village,
                row.number,
                row.head_name,
                group_name=row.group_name,
                members=row.members,
                actor=actor,
            )
        elif row.action == "change":
            household = households.get_household(session, village.id, row.number)
            update_household(
                session,
                household,
                head_name=row.head_name,
                group_name=row.group_name,
                members=row.members,
                actor=actor,
            )
        if row.lists_family:
            _list_people(session, households.get_household(session, village.id, row.number),
                         row.people, actor)  # fmt: skip
    return preview


def _list_people(session: Session, household: Household, people: list[Person], actor: str) -> None:
    """A household's people from the roster as its family: one journal row for the lot."""
    session.add_all(
        Member(
            village_id=household.village_id,
            household_id=household.id,
            name=p.name,
            relation=p.relation,
            phone=p.phone,
            may_redeem=p.may_redeem,
        )
        for p in people
    )
    household.members = len(people)
    session.flush()
    ledger.append(
        session,
        household.village_id,
        "household_change",
        actor=actor,
        ref=f"household:{household.number}",
        memo=f"members imported {len(people)}",
    )


def import_roster(
    open_unit, village_id: int, rows: list[dict], *, actor: str, read_unit=None
) -> RosterPreview:
    """The roster import as the back-office runs it: the whole file checked first (refused as a
    whole if any row is bad), then applied in short transactions that leave room for sales
    (shop.db.apply_in_batches). Safe to run again: rows already in read as unchanged.
    `read_unit` (a read-only unit of work) checks the file without taking the write lock."""
    with (read_unit or open_unit)() as session:
        checked = preview_roster(session, session.get(Village, village_id), rows)
    if not checked.ok:
        raise DomainError(
            "file_has_bad_rows", f"{len(checked.errors)} bad rows", errors=checked.errors
        )
    # A family roster has a row per person: a household's rows go into one batch together.
    households: dict[str, list[dict]] = {}
    for raw in rows:
        if raw:
            households.setdefault(pick(raw, *NUMBER), []).append(raw)
    done = apply_in_batches(
        open_unit,
        list(households.values()),
        lambda session, batch: apply_roster(
            session,
            session.get(Village, village_id),
            [raw for household in batch for raw in household],
            actor=actor,
        ),
    )
    return RosterPreview([row for part in done for row in part.rows], [])
