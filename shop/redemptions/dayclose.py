"""Day close (日结): the clerk's reconciliation of one kiosk's business day.

A business day is a local calendar day on the business clock (shop.clock). Its receipts
are those the kiosk numbered that day; its voids are those *booked* to it (VoidBooking): a void
belongs to the day it was made, or, when that day is already closed, to the next open day, and
the report (shop.redemptions.dayreport) says so. Closing writes one 'day_close' journal event
and freezes the report as JSON (DayClose.report_json): closing again returns the very same
report, and a closed day refuses new receipts (day_closed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop import ledger
from shop.base import utcnow
from shop.errors import DomainError
from shop.redemptions.dayreport import day_report
from shop.redemptions.limits import local_date
from shop.redemptions.models import DayClose, Redemption, VoidBooking
from shop.regions.models import Kiosk


def is_closed(session: Session, kiosk_id: int, day: dt.date) -> bool:
    return (
        session.scalar(
            select(DayClose.id).where(DayClose.kiosk_id == kiosk_id, DayClose.business_date == day)
        )
        is not None
    )


def check_day_open(session: Session, kiosk_id: int, now: dt.datetime) -> None:
    day = local_date(now)
    if is_closed(session, kiosk_id, day):
        raise DomainError("day_closed", str(day), business_date=day)


# How far behind its last sale a kiosk's clock may be before it stops selling: a time server's
# correction is seconds; a dead clock battery is years.
CLOCK_SLACK = dt.timedelta(minutes=2)


def check_clock(session: Session, kiosk: Kiosk, now: dt.datetime) -> None:
    """A kiosk whose clock went backwards sells nothing until it is right (clock_behind, 请检查
    时间): a sale dated before the kiosk's last sale (beyond CLOCK_SLACK), or on a day before
    its last day close, would backdate the books into a day already counted. Checked before
    both twins, like a retired kiosk; two indexed lookups."""
    day = local_date(now)
    last_close = session.scalar(
        select(func.max(DayClose.business_date)).where(DayClose.kiosk_id == kiosk.id)
    )
    if last_close is not None and day < last_close:
        raise DomainError("clock_behind", f"{day} < {last_close}", last_close=last_close)
    # The newest receipt by number, on the (kiosk_id, receipt_seq) index.
    last_sale = session.scalar(
        select(Redemption.created_at)
        .where(Redemption.kiosk_id == kiosk.id)
        .order_by(Redemption.receipt_seq.desc())
        .limit(1)
    )
    if last_sale is not None and now < last_sale - CLOCK_SLACK:
        raise DomainError("clock_behind", f"{now:%Y-%m-%d %H:%M} < {last_sale:%Y-%m-%d %H:%M}")


def _lock_kiosk(session: Session, kiosk_id: int) -> None:
    # A no-op UPDATE takes the kiosk's row lock (PostgreSQL): redemptions take the same lock for
    # their receipt number, so a close and a sale or a void on one kiosk are never interleaved.
    session.execute(
        update(Kiosk).where(Kiosk.id == kiosk_id).values(last_receipt_seq=Kiosk.last_receipt_seq)
    )


@dataclass(frozen=True)
class BookedVoid:
    business_date: dt.date
    receipt_date: dt.date
    is_moved: bool  # the receipt's own day was closed: the void lands on a later day

    @property
    def note(self) -> str:
        return (
            f"原单{self.receipt_date}已日结，作废记入{self.business_date} / "
            f"receipt day {self.receipt_date} closed, void booked to {self.business_date}"
        )


def book_void(
    session: Session, redemption: Redemption, now: dt.datetime | None = None
) -> BookedVoid:
    """Book a void (called by void_redemption inside its savepoint) to the first open day."""
    _lock_kiosk(session, redemption.kiosk_id)
    today = local_date(now or utcnow())
    closed = set(
        session.scalars(
            select(DayClose.business_date).where(
                DayClose.kiosk_id == redemption.kiosk_id, DayClose.business_date >= today
            )
        )
    )
    day = today
    while day in closed:
        day += dt.timedelta(days=1)
    receipt_day = local_date(redemption.created_at)
    is_moved = is_closed(session, redemption.kiosk_id, receipt_day)
    session.execute(
        insert(VoidBooking).values(
            redemption_id=redemption.id,
            kiosk_id=redemption.kiosk_id,
            business_date=day,
            is_moved=is_moved,
        )
    )
    return BookedVoid(day, receipt_day, is_moved)


def void_booking(session: Session, redemption_id: int) -> VoidBooking | None:
    return session.get(VoidBooking, redemption_id)


def report_digest(report: dict) -> str:
    body = {k: v for k, v in report.items() if k not in ("chain", "closed_at")}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def close_day(
    session: Session,
    kiosk: Kiosk,
    day: dt.date,
    *,
    actor: str,
    clerk: str = "",
    now: dt.datetime | None = None,
) -> DayClose:
    """日结: freeze the day's report and journal it. Closing a closed day returns the same close.

    Differences are reported as found, never forced to zero: a gap in receipt numbers, a receipt
    never printed and a stocktake difference are all printed for the clerk to sign.
    """
    if not actor:  # the caller's mistake (the signed-in clerk or the command's), no one typed it
        raise DomainError("invalid_input", "actor")
    now = now or utcnow()
    if day > local_date(now):
        raise DomainError("day_not_begun", f"{day} has not begun")
    _lock_kiosk(session, kiosk.id)
    existing = session.scalar(
        select(DayClose).where(DayClose.kiosk_id == kiosk.id, DayClose.business_date == day)
    )
    if existing is not None:
        return existing
    report = day_report(session, kiosk, day, clerk=clerk or actor)
    digest = report_digest(report)
    receipts = report["receipts"]
    try:
        with session.begin_nested():
            entry = ledger.append(
                session,
                kiosk.village_id,
                "day_close",
                actor=actor,
                ref=f"{kiosk.code}:{day.isoformat()}",
                memo=(
                    f"report sha256 {digest}; receipts {receipts['issued']} "
                    f"({receipts['first'] or '-'}..{receipts['last'] or '-'}), "
                    f"gaps {receipts['missing']}, voids {len(report['voids'])}, "
                    f"points {report['points']['net']}"
                ),
                at=now,
            )
            report["closed_at"] = now.isoformat()
            report["chain"] = {"seq": entry.seq, "hash": entry.hash}
            close = DayClose(
                village_id=kiosk.village_id,
                kiosk_id=kiosk.id,
                business_date=day,
                closed_by=actor,
                closed_at=now,
                journal_id=entry.id,
                report_json=json.dumps(report, ensure_ascii=False, sort_keys=True),
                report_sha256=digest,
            )
            session.add(close)
            session.flush()
    except IntegrityError:
        # Another clerk closed the same day a moment earlier: theirs is the close.
        existing = session.scalar(
            select(DayClose).where(DayClose.kiosk_id == kiosk.id, DayClose.business_date == day)
        )
        if existing is None:
            raise
        return existing
    return close


def report_of(close: DayClose) -> dict:
    return json.loads(close.report_json)


def get_day_close(session: Session, kiosk: Kiosk, day: dt.date) -> DayClose | None:
    return session.scalar(
        select(DayClose).where(DayClose.kiosk_id == kiosk.id, DayClose.business_date == day)
    )
