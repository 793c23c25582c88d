"""Households (户) and their passbooks (积分存折): create, pause, issue, revoke, look up."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from shop import ledger
from shop.base import utcnow
from shop.errors import DomainError
from shop.households import codes
from shop.households.models import Household, Passbook, ScanEvent
from shop.ledger.models import Journal, PointsEntry
from shop.points.models import Rule
from shop.regions.models import Village
from shop.text import plain_text
from shop.words import N_

# 户号: letters (Chinese too), digits and - _ . / # ( ), at most 32. No quotes, spaces or line
# breaks: a number ends up in file names, receipts and download headers.
NUMBER_RE = re.compile(r"[\w\-./#()（）]{1,32}")


def household_number(value) -> str:
    number = plain_text(value, "number")
    if number and not NUMBER_RE.fullmatch(number):  # at most 32 too
        raise DomainError("invalid_household_number", f"number: {number[:40]!r}", field="number")
    return number


def create_household(
    session: Session,
    village: Village,
    number: str,
    head_name: str,
    *,
    group_name: str = "",
    members: int = 1,
    actor: str = "",
) -> Household:
    number = household_number(number)
    head_name = plain_text(head_name, "head_name", max_length=64)
    group_name = plain_text(group_name, "group_name", max_length=64)
    if not number:
        raise DomainError("household_number_required", "number", field="number")
    if not head_name:
        raise DomainError("head_name_required", "head_name", field="head_name")
    if members < 1:
        raise DomainError("invalid_member_count", f"members {members}", field="members")
    taken = session.scalar(
        select(Household.id).where(Household.village_id == village.id, Household.number == number)
    )
    if taken:
        raise DomainError("household_number_taken", number, shown=True)
    household = Household(
        village_id=village.id,
        number=number,
        head_name=head_name,
        group_name=group_name,
        members=members,
    )
    session.add(household)
    session.flush()
    ledger.append(
        session,
        village.id,
        "household_change",
        actor=actor,
        ref=f"household:{number}",
        memo=f"create {head_name} {group_name}".strip(),
    )
    return household


def set_household_status(
    session: Session, household: Household, status: str, *, actor: str
) -> None:
    if status not in ("active", "inactive"):  # the page's own buttons send it: a machine's
        raise DomainError("invalid_input", f"status {status}")
    if household.merged_into_id is not None:  # 合户: inactive for good, its history kept
        raise DomainError("household_merged", household.number)
    household.status = status
    session.flush()
    ledger.append(
        session,
        household.village_id,
        "household_change",
        actor=actor,
        ref=f"household:{household.number}",
        memo=f"status {status}",
    )


def issue_passbook(
    session: Session, household: Household, *, actor: str = ""
) -> tuple[Passbook, str]:
    """A new passbook for the household. Returns it with its code: print it now. The database
    keeps its hash, and the code itself only until the card has scanned once (`reprintable_code`),
    so a print that failed never leaves the household without a card. A household merged into
    another (合户) gets none: its points are spent with the other's passbook."""
    if household.merged_into_id is not None:
        raise DomainError("household_merged", household.number)
    serial = (
        session.scalar(
            select(func.coalesce(func.max(Passbook.serial), 0)).where(
                Passbook.village_id == household.village_id
            )
        )
        + 1
    )
    code = codes.new_code(codes.PASSBOOK_PREFIX)
    passbook = Passbook(
        village_id=household.village_id,
        household_id=household.id,
        serial=serial,
        code_hash=codes.code_hash(code),
        reprint_code=code,
    )
    session.add(passbook)
    session.flush()
    ledger.append(
        session,
        household.village_id,
        "passbook_issue",
        actor=actor,
        ref=f"passbook:{serial}",
        memo=f"household {household.number}",
    )
    return passbook, code


# Why a passbook stops working, stored by key (language-neutral). A lost one scans at the kiosk
# as 已挂失 (someone may be carrying it); every other reason as 已作废.
REVOKE_REASONS = {
    "lost": N_("遗失"),
    "damaged": N_("损坏"),
    "head_died": N_("户主去世"),
    "moved_away": N_("户已迁出"),
}
REISSUE_REASONS = ("lost", "damaged")


def revoke_status(reason: str) -> str:
    """The passbook state a reason leads to: lost (已挂失) or revoked (已作废)."""
    return "lost" if reason == "lost" else "revoked"


def revoke_passbook(
    session: Session, passbook: Passbook, *, actor: str, reason: str = "", lost: bool = False
) -> None:
    """Revoke one passbook; a lost one scans as 'reported lost', any other as 'cancelled'.

    `reason` is a key of REVOKE_REASONS (its state follows from it) or, from older callers, free
    text with `lost` saying which state."""
    status = revoke_status(reason) if reason in REVOKE_REASONS else ("lost" if lost else "revoked")
    done = session.execute(
        update(Passbook)
        .where(Passbook.id == passbook.id, Passbook.status == "active")
        .values(status=status, revoked_at=utcnow(), revoke_reason=reason or status)
    ).rowcount
    if not done:
        raise DomainError("passbook_revoked", f"passbook {passbook.serial} is not active")
    forget_reprint_code(session, passbook)
    session.refresh(passbook)
    ledger.append(
        session,
        passbook.village_id,
        "passbook_revoke",
        actor=actor,
        ref=f"passbook:{passbook.serial}",
        memo=f"{status} {reason}".strip(),
    )


def reissue_passbook(
    session: Session, household: Household, *, actor: str, reason: str = "lost"
) -> tuple[Passbook, str]:
    """补办: the household's active passbooks stop working (lost: 已挂失; damaged: 已作废), and a
    new one is issued."""
    for old in session.scalars(
        select(Passbook).where(Passbook.household_id == household.id, Passbook.status == "active")
    ):
        revoke_passbook(session, old, actor=actor, reason=reason, lost=reason != "damaged")
    return issue_passbook(session, household, actor=actor)


def reprintable_code(session: Session, passbook: Passbook) -> str | None:
    """The code of a new card that has not scanned yet, to print it again; None once it has
    scanned at a kiosk or stopped working (reads only; `card_scanned` and `revoke_passbook`
    forget the clear code for good)."""
    if passbook.reprint_code is None or passbook.status != "active":
        return None
    scanned = session.scalar(
        select(ScanEvent.id)
        .where(ScanEvent.code_hash == passbook.code_hash, ScanEvent.outcome == "ok")
        .limit(1)
    )
    return passbook.reprint_code if scanned is None else None


def card_scanned(session: Session, code_hash: str) -> None:
    """A card's first good scan at a kiosk: it is in the household's hands, its clear code goes."""
    session.execute(
        update(Passbook)
        .where(Passbook.code_hash == code_hash, Passbook.reprint_code.is_not(None))
        .values(reprint_code=None)
        .execution_options(synchronize_session=False)
    )


def forget_reprint_code(session: Session, passbook: Passbook) -> None:
    session.execute(update(Passbook).where(Passbook.id == passbook.id).values(reprint_code=None))
    session.expire(passbook, ["reprint_code"])


@dataclass(frozen=True)
class Scan:
    household: Household
    passbook: Passbook


def lookup_passbook(session: Session, raw: str) -> Scan:
    """Who this passbook belongs to. Raises unknown_code, damaged_code, passbook_revoked (a
    passbook reported lost: 已挂失), passbook_void (cancelled for another reason: 已作废) or
    query_code_cannot_redeem (the phone page's query code, 查询码, scanned at the counter)."""
    code = codes.normalize(raw or "")
    if code is None:
        compact = "".join((raw or "").split()).upper()
        looks_ours = compact[:3] in codes.PREFIXES and len(compact) == codes.CODE_LENGTH
        raise DomainError("damaged_code" if looks_ours else "unknown_code")
    if codes.kind_of(code) == "query":
        # The phone page's read-only code (查询码): it opens a household's page, never its points.
        raise DomainError("query_code_cannot_redeem")
    if codes.kind_of(code) != "passbook":
        raise DomainError("unknown_code", "a staff badge, not a passbook")
    passbook = session.scalar(
        select(Passbook)
        .options(joinedload(Passbook.household))
        .where(Passbook.code_hash == codes.code_hash(code))
    )
    if passbook is None:
        raise DomainError("unknown_code")
    if passbook.status == "lost":
        raise DomainError("passbook_revoked", passbook.status, household_id=passbook.household_id)
    if passbook.status != "active":
        raise DomainError("passbook_void", passbook.status, household_id=passbook.household_id)
    return Scan(passbook.household, passbook)


def get_household(session: Session, village_id: int, number: str) -> Household:
    household = session.scalar(
        select(Household).where(Household.village_id == village_id, Household.number == number)
    )
    if household is None:
        raise DomainError("unknown_household", number, shown=True)
    return household


def recent_entries(session: Session, household: Household, limit: int = 8) -> list[PointsEntry]:
    """The household's latest points entries, newest first: the 'why' of the balance, with
    their journal row (when, what kind, which receipt or memo) and rule, in one query. The
    kiosk runs this on every scan; the journal's hashes are left unread."""
    return list(
        session.scalars(
            select(PointsEntry)
            .options(
                joinedload(PointsEntry.journal).load_only(
                    Journal.created_at, Journal.kind, Journal.ref, Journal.memo
                ),
                joinedload(PointsEntry.rule).load_only(Rule.name, Rule.name_en),
            )
            .where(PointsEntry.household_id == household.id)
            .order_by(PointsEntry.id.desc())
            .limit(limit)
        )
    )
