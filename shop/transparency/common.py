"""Shared by the transparency reports: the kinds they read, the village's local months and
years, and the chain head printed on paper."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop import clock, ledger
from shop.errors import DomainError
from shop.ledger.models import Journal
from shop.regions.models import Village

# Kinds on a monthly notice: the panel's awards and deductions, and the year-end (shown apart).
NOTICE_KINDS = ("award", "deduction", "year_end")
# Kinds that count for the ranking: what the panel awarded and deducted. Spending points in the
# shop (redemption, void) and the year-end are not merit and do not move a household's rank.
RANKING_KINDS = ("award", "deduction")
JOURNAL_KINDS = (
    "award",
    "deduction",
    "redemption",
    "void",
    "stock_receipt",
    "stock_adjustment",
    "passbook_issue",
    "passbook_revoke",
    "household_change",
    "day_close",
    "staff_change",
    "year_end",
    "genesis",
    "transfer",
)
MAX_PAGE = 500


# ---------------------------------------------------------------------------------------------
# Time


def zone(tz: str | dt.tzinfo | None = None) -> dt.tzinfo:
    """The zone a report is made in: the business clock's, unless one is named."""
    try:
        return clock.named(tz)
    except ValueError as exc:
        raise DomainError("unknown_time_zone", f"unknown time zone {tz!r}") from exc


def month_bounds(
    year: int, month: int, tz: str | dt.tzinfo | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """UTC [start, end) of a local calendar month."""
    if not (1 <= month <= 12) or not (1900 <= year <= 9998):
        raise DomainError("invalid_month", f"no month {year}-{month}")
    return clock.month_bounds(year, month, zone(tz))


def year_bounds(year: int, tz: str | dt.tzinfo | None = None) -> tuple[dt.datetime, dt.datetime]:
    """UTC [start, end) of a local calendar year."""
    if not (1900 <= year <= 9998):
        raise DomainError("invalid_year", f"no year {year}")
    return clock.year_bounds(year, zone(tz))


# ---------------------------------------------------------------------------------------------
# Chain head


@dataclass(frozen=True)
class ChainHead:
    """A journal row's place in the village's chain, as printed on paper."""

    seq: int
    hash: str

    @property
    def short(self) -> str:
        """The part printed in large type: 16 hex characters (64 bits) are plenty to compare."""
        return self.hash[:16]

    @property
    def text(self) -> str:
        """`SEQ:HASH`, what the QR code holds and `verify_ledger.py --expect-head` accepts."""
        return f"{self.seq}:{self.hash}"


def head_before(session: Session, village_id: int, end: dt.datetime) -> ChainHead:
    """The last row (highest seq) of the village's chain written with a time before `end`.

    Walks back from the chain's head over the (village_id, seq) index in growing steps, so the
    cost is the number of rows written after `end` (none for a period that includes today),
    not the length of the whole chain."""
    hi, _ = ledger.head(session, village_id)
    step = 256
    while hi > 0:
        lo = max(0, hi - step)
        row = session.execute(
            select(Journal.seq, Journal.hash)
            .where(
                Journal.village_id == village_id,
                Journal.seq > lo,
                Journal.seq <= hi,
                Journal.created_at < end,
            )
            .order_by(Journal.seq.desc())
            .limit(1)
        ).one_or_none()
        if row is not None:
            return ChainHead(row[0], row[1])
        hi, step = lo, step * 4
    return ChainHead(0, ledger.GENESIS)


def village_of(session: Session, village: Village | int) -> Village:
    found = village if isinstance(village, Village) else session.get(Village, village)
    if found is None:
        raise DomainError("unknown_village", str(village))
    return found


def group_order(households: Iterable) -> list[str]:
    """Groups in the order of their first household number (第一, 第二, 第三 … not by code
    point, which would put 第三 before 第二)."""
    first: dict[str, str] = {}
    for h in households:
        if h.group_name not in first or h.number < first[h.group_name]:
            first[h.group_name] = h.number
    return sorted(first, key=lambda g: (first[g], g))
