"""The day's figures (日结报表): one kiosk's receipts, gaps, reprints, voids booked to the day,
goods out and back and stocktakes, computed from the database. shop.redemptions.dayclose
freezes them at the close; the clerk's list of the day (今日小票) reads the receipts here too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from shop import clock
from shop.households.models import Household
from shop.redemptions.limits import local_date
from shop.redemptions.models import PrintJob, Redemption, RedemptionLine, VoidBooking
from shop.regions.models import Kiosk, Village
from shop.stock.models import Product, Stocktake, StocktakeLine

REPORT_VERSION = 2  # 2: the receipts one by one ("receipt_list"), for the per-receipt sheet


def receipt_number(kiosk: Kiosk, seq: int) -> str:
    """A kiosk's receipt number: its receipt prefix (its code unless set) and a gapless
    sequence (K01-000123)."""
    return f"{kiosk.prefix}-{seq:06d}"


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
    start, end = clock.day_bounds(day)
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
    start, end = clock.day_bounds(day)
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
