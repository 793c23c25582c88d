"""Day close (日结): the clerk's reconciliation of one kiosk's business day.

A business day is a local calendar day on the business clock (shop.clock). Its receipts
are those the kiosk numbered that day; its voids are those *booked* to it (VoidBooking): a void
belongs to the day it was made, or, when that day is already closed, to the next open day, and
the report says so. Closing writes one 'day_close' journal event and freezes the report as JSON
(DayClose.report_json): closing again returns the very same report, and a closed day refuses
new receipts (day_closed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop import clock, ledger
from shop.base import utcnow
from shop.errors import DomainError
from shop.households.models import Household
from shop.redemptions.limits import local_date
from shop.redemptions.models import DayClose, PrintJob, Redemption, RedemptionLine, VoidBooking
from shop.regions.models import Kiosk, Village
from shop.stock.models import Product, Stocktake, StocktakeLine

REPORT_VERSION = 2  # 2: the receipts one by one ("receipt_list"), for the per-receipt sheet


def receipt_number(kiosk: Kiosk, seq: int) -> str:
    """A kiosk's receipt number: its receipt prefix (its code unless set) and a gapless
    sequence (K01-000123)."""
    return f"{kiosk.prefix}-{seq:06d}"


def day_bounds(day: dt.date, tz: dt.tzinfo | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a local business day, in UTC."""
    return clock.day_bounds(day, tz)


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


# --- the clerk's list of the day ---------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptRow:
    receipt_no: str
    receipt_seq: int
    created_at: dt.datetime
    household_id: int
    total: int
    state: str
    print_state: str
    reprint_count: int


def receipts_of_day(session: Session, kiosk: Kiosk, day: dt.date) -> list[ReceiptRow]:
    """今日小票: the kiosk's receipts of a local day, with print state, in number order."""
    start, end = day_bounds(day)
    rows = session.execute(
        select(
            Redemption.receipt_no,
            Redemption.receipt_seq,
            Redemption.created_at,
            Redemption.household_id,
            Redemption.total,
            Redemption.state,
            Redemption.print_state,
            Redemption.reprint_count,
        )
        .where(
            Redemption.kiosk_id == kiosk.id,
            Redemption.created_at >= start,
            Redemption.created_at < end,
        )
        .order_by(Redemption.receipt_seq)
    ).all()
    return [ReceiptRow(*row) for row in rows]


# --- the report --------------------------------------------------------------------------------


def _ranges(numbers: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for n in numbers:
        if out and out[-1][1] == n - 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def day_report(session: Session, kiosk: Kiosk, day: dt.date, *, clerk: str = "") -> dict:
    """The day's figures, computed from the database (a closed day: use `close_day`)."""
    start, end = day_bounds(day)
    village = session.get(Village, kiosk.village_id)
    in_day = and_(
        Redemption.kiosk_id == kiosk.id,
        Redemption.created_at >= start,
        Redemption.created_at < end,
    )
    receipts = session.execute(
        select(
            Redemption.id,
            Redemption.receipt_seq,
            Redemption.total,
            Redemption.state,
            Redemption.print_state,
        )
        .where(in_day)
        .order_by(Redemption.receipt_seq)
    ).all()
    seqs = [r.receipt_seq for r in receipts]
    before = session.scalar(
        select(func.max(Redemption.receipt_seq)).where(
            Redemption.kiosk_id == kiosk.id, Redemption.created_at < start
        )
    )
    gaps: list[tuple[int, int]] = []
    if seqs:
        first_expected = (before or 0) + 1
        present = set(seqs)
        missing = [n for n in range(first_expected, seqs[-1] + 1) if n not in present]
        gaps = _ranges(missing)
    reprints = session.scalar(
        select(func.count(PrintJob.id))
        .join(Redemption, Redemption.id == PrintJob.redemption_id)
        .where(
            Redemption.kiosk_id == kiosk.id,
            PrintJob.kind == "reprint",
            PrintJob.created_at >= start,
            PrintJob.created_at < end,
        )
    )
    never_printed = [
        receipt_number(kiosk, r.receipt_seq) for r in receipts if r.print_state != "printed"
    ]

    goods: dict[int, dict] = {}

    def product_row(pid: int, sku: str, name: str, unit: str) -> dict:
        return goods.setdefault(
            pid, {"sku": sku, "name": name, "unit": unit, "out": 0, "returned": 0}
        )

    for pid, sku, name, unit, qty in session.execute(
        select(Product.id, Product.sku, Product.name, Product.unit, func.sum(RedemptionLine.qty))
        .join(RedemptionLine, RedemptionLine.product_id == Product.id)
        .join(Redemption, Redemption.id == RedemptionLine.redemption_id)
        .where(in_day)
        .group_by(Product.id, Product.sku, Product.name, Product.unit)
    ):
        product_row(pid, sku, name, unit)["out"] = int(qty)

    voids = session.execute(
        select(
            Redemption.id,
            Redemption.receipt_no,
            Redemption.created_at,
            Redemption.total,
            Redemption.void_reason,
            Redemption.voided_by,
            VoidBooking.is_moved,
        )
        .join(VoidBooking, VoidBooking.redemption_id == Redemption.id)
        .where(VoidBooking.kiosk_id == kiosk.id, VoidBooking.business_date == day)
        .order_by(Redemption.receipt_seq)
    ).all()
    void_ids = [v.id for v in voids]
    if void_ids:
        for pid, sku, name, unit, qty in session.execute(
            select(
                Product.id, Product.sku, Product.name, Product.unit, func.sum(RedemptionLine.qty)
            )
            .join(RedemptionLine, RedemptionLine.product_id == Product.id)
            .where(RedemptionLine.redemption_id.in_(void_ids))
            .group_by(Product.id, Product.sku, Product.name, Product.unit)
        ):
            product_row(pid, sku, name, unit)["returned"] = int(qty)
    for row in goods.values():
        row["net"] = row["out"] - row["returned"]

    stocktakes = []
    for take in session.scalars(
        select(Stocktake)
        .where(
            Stocktake.village_id == kiosk.village_id,
            Stocktake.state == "finalised",
            Stocktake.finalised_at >= start,
            Stocktake.finalised_at < end,
        )
        .order_by(Stocktake.id)
    ):
        lines = session.execute(
            select(StocktakeLine, Product.sku, Product.name)
            .join(Product, Product.id == StocktakeLine.product_id)
            .where(StocktakeLine.stocktake_id == take.id, StocktakeLine.counted.is_not(None))
            .order_by(Product.sku)
        ).all()
        stocktakes.append(
            {
                "id": take.id,
                "finalised_by": take.finalised_by,
                "lines": [
                    {
                        "sku": sku,
                        "name": name,
                        "expected": line.on_hand_at_count,
                        "counted": line.counted,
                        "difference": line.difference,
                    }
                    for line, sku, name in lines
                ],
            }
        )

    redeemed = sum(r.total for r in receipts)
    returned = sum(v.total for v in voids)
    receipt_list = _receipt_list(session, kiosk, in_day)
    return {
        "version": REPORT_VERSION,
        "village": {"code": village.code, "name": village.name},
        "kiosk": {"code": kiosk.code, "name": kiosk.name},
        "date": day.isoformat(),
        "timezone": str(clock.zone()),
        "clerk": clerk,
        "receipts": {
            "first": receipt_number(kiosk, seqs[0]) if seqs else None,
            "last": receipt_number(kiosk, seqs[-1]) if seqs else None,
            "issued": len(receipts),
            "issued_then_voided": sum(1 for r in receipts if r.state == "voided"),
            "gaps": [[receipt_number(kiosk, a), receipt_number(kiosk, b)] for a, b in gaps],
            "missing": sum(b - a + 1 for a, b in gaps),
            "reprinted": int(reprints or 0),
            "never_printed": never_printed,
        },
        "voids": [
            {
                "receipt_no": v.receipt_no,
                "issued_on": local_date(v.created_at).isoformat(),
                "points": v.total,
                "reason": v.void_reason or "",
                "by": v.voided_by or "",
                "moved_from_closed_day": bool(v.is_moved),
            }
            for v in voids
        ],
        "points": {"redeemed": redeemed, "returned": returned, "net": redeemed - returned},
        "goods": sorted(goods.values(), key=lambda g: g["sku"]),
        "stocktakes": stocktakes,
        "receipt_list": receipt_list,
    }


def _receipt_list(session: Session, kiosk: Kiosk, in_day) -> list[dict]:
    """Each receipt of the day with its household and lines, as it stood at the close."""
    heads = session.execute(
        select(
            Redemption.id,
            Redemption.receipt_no,
            Redemption.created_at,
            Redemption.total,
            Redemption.state,
            Redemption.print_state,
            Household.number,
            Household.head_name,
        )
        .join(Household, Household.id == Redemption.household_id)
        .where(in_day)
        .order_by(Redemption.receipt_seq)
    ).all()
    lines: dict[int, list[dict]] = {}
    if heads:
        for rid, sku, name, unit, qty, each in session.execute(
            select(
                RedemptionLine.redemption_id,
                Product.sku,
                Product.name,
                Product.unit,
                RedemptionLine.qty,
                RedemptionLine.points_each,
            )
            .join(Product, Product.id == RedemptionLine.product_id)
            .join(Redemption, Redemption.id == RedemptionLine.redemption_id)
            .where(in_day)
            .order_by(RedemptionLine.redemption_id, RedemptionLine.id)
        ):
            lines.setdefault(rid, []).append(
                {"sku": sku, "name": name, "unit": unit, "qty": qty, "points_each": each}
            )
    return [
        {
            "receipt_no": h.receipt_no,
            "at": h.created_at.isoformat(),
            "household": h.number,
            "head_name": h.head_name,
            "points": h.total,
            "state": h.state,
            "print_state": h.print_state,
            "lines": lines.get(h.id, []),
        }
        for h in heads
    ]


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
    if not actor:
        raise DomainError("invalid_input", "actor")
    now = now or utcnow()
    if day > local_date(now):
        raise DomainError("invalid_input", f"{day} has not begun")
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
