"""Where the goods came from and what became of them, in 元: first in, first out.

Every delivery (入库单) has a value in 元 and a funding source (区财政预算 / 村企结对 / 捐赠). Its
value is spread over its lines in proportion to quantity × points price (the shop's own measure
of what an item is worth), which gives each line a value per unit. Each product's stock is a
queue of these lots, oldest first:

- a redemption takes units from the oldest lot still holding any;
- a void puts back exactly the units its redemption took, into the same lots;
- a stocktake loss (a negative adjustment) takes from the oldest lot as written off (报损);
  a stocktake gain adds a lot of unknown source and no value.

Stock received without a delivery document (``kiosk``'s older receive command, the demo) is a
lot whose source is read from the journal's note when it names one, with no value (未登记价值).

Everything is read from the journal and the receiving documents: nothing is stored, so the
figures can never disagree with the ledger.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.ledger.models import Journal, PointsEntry, StockMove
from shop.redemptions.models import Redemption
from shop.stock.models import Product, ReceivingDoc, ReceivingLine
from shop.stock.slips import SOURCE_NAMES as SLIP_SOURCE_NAMES
from shop.words import N_

SOURCE_KINDS = ("budget", "partner", "donation", "unknown")
# The funding sources as the slips name them (marked words), and goods whose source is unknown.
SOURCE_NAMES = {**SLIP_SOURCE_NAMES, "unknown": N_("来源未登记")}
_NAMED = {"区财政预算": "budget", "村企结对": "partner", "捐赠": "donation"}


@dataclass
class Lot:
    """One delivery line (or undocumented receipt) of one product."""

    product_id: int
    source_kind: str
    source_name: str
    doc_no: str
    received_at: dt.datetime
    qty: int
    unit_fen: float | None  # None: the value was never recorded
    remaining: int = 0
    redeemed: int = 0
    written_off: int = 0

    def value(self, qty: int) -> float:
        return (self.unit_fen or 0.0) * qty / 100  # 元


@dataclass(frozen=True)
class Use:
    """Units of one lot leaving (qty > 0) or coming back (qty < 0) at a moment."""

    lot: Lot
    qty: int
    at: dt.datetime
    journal_id: int  # the redemption's (also for the void that gives units back)
    kind: str  # 'redeemed' or 'written_off'


@dataclass
class GoodsFlow:
    lots: list[Lot] = field(default_factory=list)
    uses: list[Use] = field(default_factory=list)

    def redeemed_by_source(self, start: dt.datetime, end: dt.datetime) -> dict[str, float]:
        """元 of goods redeemed in [start, end), net of voids, by funding source."""
        out = dict.fromkeys(SOURCE_KINDS, 0.0)
        for use in self.uses:
            if use.kind == "redeemed" and start <= use.at < end:
                out[use.lot.source_kind] += use.lot.value(use.qty)
        return out

    def stock_by_source(self) -> dict[str, float]:
        """元 of goods on the shelf now, by funding source."""
        out = dict.fromkeys(SOURCE_KINDS, 0.0)
        for lot in self.lots:
            out[lot.source_kind] += lot.value(lot.remaining)
        return out

    def unvalued_units(self) -> int:
        return sum(lot.remaining for lot in self.lots if lot.unit_fen is None)


def _lot_values(session: Session, village_id: int) -> dict[int, tuple[ReceivingDoc, dict]]:
    """journal id -> (document, {product id: value in fen per unit})."""
    docs = session.scalars(select(ReceivingDoc).where(ReceivingDoc.village_id == village_id)).all()
    if not docs:
        return {}
    lines = session.execute(
        select(ReceivingLine.doc_id, ReceivingLine.product_id, ReceivingLine.qty, Product.points)
        .join(Product, Product.id == ReceivingLine.product_id)
        .join(ReceivingDoc, ReceivingDoc.id == ReceivingLine.doc_id)
        .where(ReceivingDoc.village_id == village_id)
    ).all()
    by_doc: dict[int, list] = defaultdict(list)
    for doc_id, pid, qty, points in lines:
        by_doc[doc_id].append((pid, qty, points))
    out = {}
    for doc in docs:
        parts = by_doc.get(doc.id, [])
        weight = sum(qty * points for _, qty, points in parts)
        unit = {
            pid: (doc.value_fen * points / weight if weight and doc.value_fen else None)
            for pid, _qty, points in parts
        }
        out[doc.journal_id] = (doc, unit)
    return out


def goods_flow(session: Session, village_id: int, until: dt.datetime | None = None) -> GoodsFlow:
    """Walk the village's stock moves in journal order, lots first in, first out."""
    documented = _lot_values(session, village_id)
    voided = dict(
        session.execute(
            select(Redemption.void_journal_id, Redemption.journal_id).where(
                Redemption.village_id == village_id, Redemption.void_journal_id.is_not(None)
            )
        ).all()
    )
    query = (
        select(
            StockMove.product_id,
            StockMove.delta,
            StockMove.reason,
            Journal.id,
            Journal.kind,
            Journal.ref,
            Journal.created_at,
        )
        .join(Journal, Journal.id == StockMove.journal_id)
        .where(StockMove.product_id.in_(select(Product.id).where(Product.village_id == village_id)))
        # Driven by the (few) stock moves, not the (many) journal rows: within a village journal
        # ids grow with seq, so this is the chain's order.
        .order_by(StockMove.journal_id, StockMove.id)
    )
    if until is not None:
        query = query.where(Journal.created_at < until)
    flow = GoodsFlow()
    queues: dict[int, list[Lot]] = defaultdict(list)
    taken: dict[tuple[int, int], list[tuple[Lot, int]]] = defaultdict(list)
    for pid, delta, _reason, jid, kind, ref, at in session.execute(query):
        if delta > 0 and kind == "void" and jid in voided:
            # Back into the very lots its redemption took them from.
            left = delta
            for lot, qty in reversed(taken.pop((voided[jid], pid), [])):
                back = min(qty, left)
                lot.remaining += back
                lot.redeemed -= back
                flow.uses.append(Use(lot, -back, at, voided[jid], "redeemed"))
                left -= back
                if not left:
                    break
            if left:  # a void with no recorded taking: a lot of unknown source
                queues[pid].append(_lot(flow, pid, "unknown", "", "", at, left, None))
            continue
        if delta > 0:
            doc_unit = documented.get(jid)
            if doc_unit is not None:
                doc, unit = doc_unit
                queues[pid].append(
                    _lot(
                        flow,
                        pid,
                        doc.source_kind,
                        doc.source_name,
                        doc.doc_no,
                        at,
                        delta,
                        unit.get(pid),
                    )
                )
            else:
                source = _NAMED.get((ref or "").strip(), "unknown")
                queues[pid].append(_lot(flow, pid, source, "", "", at, delta, None))
            continue
        use_kind = "redeemed" if kind == "redemption" else "written_off"
        left = -delta
        for lot in queues[pid]:
            if not left:
                break
            if not lot.remaining:
                continue
            qty = min(lot.remaining, left)
            lot.remaining -= qty
            if use_kind == "redeemed":
                lot.redeemed += qty
                taken[(jid, pid)].append((lot, qty))
            else:
                lot.written_off += qty
            flow.uses.append(Use(lot, qty, at, jid, use_kind))
            left -= qty
    return flow


def _lot(flow, pid, kind, name, doc_no, at, qty, unit) -> Lot:
    lot = Lot(pid, kind, name, doc_no, at, qty, unit, remaining=qty)
    flow.lots.append(lot)
    return lot


# --- the donor report ----------------------------------------------------------------------------


@dataclass
class DonorLine:
    sku: str
    name: str
    unit: str
    received: int = 0
    redeemed: int = 0
    on_shelf: int = 0
    written_off: int = 0
    value_received: float = 0.0
    value_redeemed: float = 0.0
    value_on_shelf: float = 0.0


@dataclass
class DonorReport:
    """One partner company's (or donor's) goods: what it gave and what became of it."""

    source_kind: str
    source_name: str
    deliveries: list[tuple[str, dt.datetime, float]]  # doc no, when, value in 元
    lines: list[DonorLine]
    households: int  # households that took home some of it

    @property
    def value_given(self) -> float:
        return sum(v for _, _, v in self.deliveries)

    @property
    def value_redeemed(self) -> float:
        return sum(line.value_redeemed for line in self.lines)


def donors(session: Session, village_id: int) -> list[tuple[str, str]]:
    """(kind, name) of every partner company and named donor, in order of their first delivery."""
    rows = session.execute(
        select(ReceivingDoc.source_kind, ReceivingDoc.source_name)
        .where(
            ReceivingDoc.village_id == village_id,
            ReceivingDoc.source_kind.in_(("partner", "donation")),
            ReceivingDoc.source_name != "",
        )
        .order_by(ReceivingDoc.id)
    ).all()
    return list(dict.fromkeys((k, n) for k, n in rows))


def donor_report(
    session: Session, village_id: int, source_name: str, flow: GoodsFlow | None = None
) -> DonorReport | None:
    flow = flow or goods_flow(session, village_id)
    docs = session.scalars(
        select(ReceivingDoc)
        .where(ReceivingDoc.village_id == village_id, ReceivingDoc.source_name == source_name)
        .order_by(ReceivingDoc.id)
    ).all()
    if not docs:
        return None
    products = {
        p.id: p
        for p in session.scalars(select(Product).where(Product.village_id == village_id)).all()
    }
    lines: dict[int, DonorLine] = {}
    mine = {doc.doc_no for doc in docs}
    lots = [lot for lot in flow.lots if lot.doc_no in mine]
    for lot in lots:
        p = products[lot.product_id]
        line = lines.setdefault(lot.product_id, DonorLine(p.sku, p.name, p.unit))
        line.received += lot.qty
        line.redeemed += lot.redeemed
        line.on_shelf += lot.remaining
        line.written_off += lot.written_off
        line.value_received += lot.value(lot.qty)
        line.value_redeemed += lot.value(lot.redeemed)
        line.value_on_shelf += lot.value(lot.remaining)
    lot_ids = {id(lot) for lot in lots}
    net: dict[int, int] = defaultdict(int)
    for use in flow.uses:
        if id(use.lot) in lot_ids and use.kind == "redeemed":
            net[use.journal_id] += use.qty
    journals = {jid for jid, qty in net.items() if qty > 0}
    households = 0
    if journals:
        households = len(
            set(
                session.scalars(
                    select(PointsEntry.household_id).where(PointsEntry.journal_id.in_(journals))
                ).all()
            )
        )
    return DonorReport(
        docs[0].source_kind,
        source_name,
        [(d.doc_no, d.created_at, d.value_fen / 100) for d in docs],
        sorted(lines.values(), key=lambda line: line.sku),
        households,
    )
