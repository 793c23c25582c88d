"""The year-end (年终积分处理): keep, expire (清零) or carry at most a cap, announced first."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from shop import ledger
from shop.base import utcnow
from shop.errors import DomainError
from shop.households.models import Household
from shop.ledger import closing_grammar
from shop.ledger.models import Journal, PointsEntry
from shop.points.models import AwardRequest
from shop.regions.models import Village
from shop.transparency.common import (
    ChainHead,
    village_of,
)
from shop.transparency.models import YEAR_END_POLICIES, YearEndPolicy

# ---------------------------------------------------------------------------------------------
# Year-end (年终积分处理): keep, expire (清零), or carry at most a cap


@dataclass(frozen=True)
class YearEndLine:
    household_id: int
    number: str
    head_name: str
    group_name: str
    balance: int
    deduct: int

    @property
    def keeps(self) -> int:
        return self.balance - self.deduct


@dataclass(frozen=True)
class YearEndPlan:
    policy: str
    cap: int | None
    on_date: dt.date
    lines: list[YearEndLine]  # only households that lose points

    @property
    def total_deducted(self) -> int:
        return sum(line.deduct for line in self.lines)


@dataclass(frozen=True)
class YearEndResult:
    village_id: int
    year: int
    policy: str
    cap: int | None
    head: ChainHead  # the year_end journal row
    households: int  # households that lost points
    total_deducted: int


def _check_policy(policy: str, cap: int | None) -> None:
    if policy not in YEAR_END_POLICIES:
        raise DomainError("invalid_year_end_policy", f"policy must be one of {YEAR_END_POLICIES}")
    if policy == "cap":
        if not isinstance(cap, int) or isinstance(cap, bool) or cap < 0:
            raise DomainError("cap_required", "a cap of 0 points or more is required")
    elif cap is not None:
        raise DomainError("cap_not_for_policy", "a cap is only for the cap policy")


def _target(policy: str, cap: int | None, balance: int) -> int:
    """The balance a household keeps into the new year."""
    if policy == "expire":
        return 0
    if policy == "cap":
        return min(balance, cap)
    return balance


def plan_year_end(
    session: Session,
    village: Village | int,
    policy: str,
    on_date: dt.date,
    cap: int | None = None,
) -> YearEndPlan:
    """What the policy would take from whom, at today's balances (a forecast: applying it
    takes from the balances as they are at that moment)."""
    village = village_of(session, village)
    _check_policy(policy, cap)
    lines = []
    if policy != "keep":
        floor = 0 if policy == "expire" else cap
        for hid, number, name, group, balance in session.execute(
            select(
                Household.id,
                Household.number,
                Household.head_name,
                Household.group_name,
                Household.balance,
            )
            .where(Household.village_id == village.id, Household.balance > floor)
            .order_by(Household.number)
        ):
            lines.append(
                YearEndLine(
                    hid, number, name, group, balance, balance - _target(policy, cap, balance)
                )
            )
    return YearEndPlan(policy, cap, on_date, lines)


def announce_year_end(
    session: Session,
    village: Village | int,
    year: int,
    policy: str,
    effective_on: dt.date,
    cap: int | None = None,
    *,
    actor: str,
    today: dt.date,
) -> YearEndPolicy:
    """Announce (or change, until applied) the year-end for points year `year`. It must be
    announced before the day it takes effect, so villagers can spend their points first."""
    village = village_of(session, village)
    _check_policy(policy, cap)
    if not (1900 <= year <= 9998):
        raise DomainError("invalid_year", f"no year {year}")
    if effective_on <= today:
        raise DomainError("year_end_too_late", "the year-end must be announced before its day")
    row = session.scalar(
        select(YearEndPolicy).where(
            YearEndPolicy.village_id == village.id, YearEndPolicy.year == year
        )
    )
    if row is not None and row.is_applied:
        raise DomainError("year_end_applied", f"year-end {year} already applied")
    if row is None:
        row = YearEndPolicy(village_id=village.id, year=year)
        session.add(row)
    row.policy, row.cap, row.effective_on = policy, cap, effective_on
    row.announced_at, row.announced_by = utcnow(), actor
    session.flush()
    return row


def upcoming_year_end(
    session: Session, village: Village | int, today: dt.date
) -> list[YearEndPolicy]:
    """Announced year-ends not yet applied, soonest first: for the kiosk's waiting screen."""
    village_id = village.id if isinstance(village, Village) else village
    return list(
        session.scalars(
            select(YearEndPolicy)
            .where(
                YearEndPolicy.village_id == village_id,
                YearEndPolicy.applied_at.is_(None),
                YearEndPolicy.effective_on >= today,
            )
            .order_by(YearEndPolicy.effective_on)
        )
    )


CAS_ATTEMPTS = 5


def apply_year_end(
    session: Session,
    village: Village | int,
    year: int,
    *,
    actor: str,
    today: dt.date,
    at: dt.datetime | None = None,
) -> YearEndResult:
    """Apply the announced year-end as ONE `year_end` journal row with a posting per household
    that loses points. Idempotent per village and year: a repeat returns the first result.

    Each household's deduction is computed from its balance and written with a compare-and-set
    (`UPDATE … WHERE balance = :seen`), so a redemption racing with the year-end can neither be
    lost nor take the balance below zero; a changed balance is read again and retried.
    """
    village = village_of(session, village)
    row = session.scalar(
        select(YearEndPolicy)
        .where(YearEndPolicy.village_id == village.id, YearEndPolicy.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)  # a concurrent apply may have committed
    )
    if row is None:
        raise DomainError("year_end_not_announced", str(year))
    key = f"year-end:{village.id}:{year}"
    request_hash = hashlib.sha256(f"{row.policy}|{row.cap}".encode()).hexdigest()
    if row.is_applied:
        return _year_end_result(session, village.id, row)
    if today < row.effective_on:
        raise DomainError("year_end_not_due", str(row.effective_on))
    postings = []
    if row.policy != "keep":
        floor = 0 if row.policy == "expire" else row.cap
        candidates = session.execute(
            select(Household.id, Household.balance)
            .where(Household.village_id == village.id, Household.balance > floor)
            .order_by(Household.id)
        ).all()
        for hid, seen in candidates:
            posting = _take(session, hid, seen, row.policy, row.cap)
            if posting is not None:
                postings.append(posting)
    result = ledger.append(
        session,
        village.id,
        "year_end",
        actor=actor,
        ref=f"year_end:{year}",
        memo=closing_grammar.memo_year_end(year, row.policy, row.cap),
        points=postings,
        at=at,
    )
    session.add(
        AwardRequest(
            village_id=village.id, idempotency_key=key, request_hash=request_hash,
            journal_id=result.id,
        )
    )  # fmt: skip
    row.applied_at, row.applied_by, row.journal_id = utcnow(), actor, result.id
    session.flush()
    return YearEndResult(
        village.id,
        year,
        row.policy,
        row.cap,
        ChainHead(result.seq, result.hash),
        len(postings),
        -sum(p.delta for p in postings),
    )


def _take(session: Session, hid: int, seen: int, policy: str, cap: int | None):
    for _ in range(CAS_ATTEMPTS):
        keep = _target(policy, cap, seen)
        if keep >= seen:
            return None
        done = session.execute(
            update(Household)
            .where(and_(Household.id == hid, Household.balance == seen))
            .values(balance=keep)
        ).rowcount
        if done == 1:
            return ledger.Posting(hid, keep - seen, keep)
        seen = session.scalar(select(Household.balance).where(Household.id == hid))
    raise DomainError("household_changed", f"household {hid}: balance kept changing, try again")


def _year_end_result(session: Session, village_id: int, row: YearEndPolicy) -> YearEndResult:
    journal = session.get(Journal, row.journal_id)
    deltas = list(
        session.scalars(select(PointsEntry.delta).where(PointsEntry.journal_id == row.journal_id))
    )
    return YearEndResult(
        village_id,
        row.year,
        row.policy,
        row.cap,
        ChainHead(journal.seq, journal.hash),
        len(deltas),
        -sum(deltas),
    )
