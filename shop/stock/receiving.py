"""Receiving (入库): one document per delivery, one journal event with a stock move per line.

Sources: the district budget (区财政预算, 'budget'), a partner company by name (村企结对,
'partner') or a donation (捐赠, 'donation'), with the delivery's value in yuan (kept in fen).
Lines name a product by SKU or by its barcode, as the volunteer's scanner reads it.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop import clock, ledger
from shop.errors import DomainError
from shop.ledger.models import LedgerHead
from shop.regions.models import Village
from shop.stock.models import Product, ReceivingDoc, ReceivingLine
from shop.stock.operations import MAX_RECEIVE
from shop.text import plain_text
from shop.words import N_

SOURCES = {
    "budget": (N_("区财政预算"), "District budget"),
    "partner": (N_("村企结对"), "Partner company"),
    "donation": (N_("捐赠"), "Donation"),
}


def to_fen(value_yuan) -> int:
    """'1234.50' / 1234.5 / Decimal -> 123450 fen; refuses negatives and fractions of a fen."""
    try:
        amount = Decimal(str(value_yuan if value_yuan is not None else 0))
    except InvalidOperation as exc:
        raise DomainError("invalid_value_yuan", f"value {value_yuan!r}") from exc
    fen = amount * 100
    if not amount.is_finite() or amount < 0 or fen != fen.to_integral_value():
        raise DomainError("invalid_value_yuan", f"value {value_yuan!r}")
    return int(fen)


def find_product(session: Session, village_id: int, code: str) -> Product:
    """A product by SKU or barcode (what a scan of the packet gives)."""
    code = (code or "").strip()
    product = session.scalar(
        select(Product)
        .where(
            Product.village_id == village_id,
            or_(Product.sku == code, Product.barcode == code),
        )
        .order_by((Product.sku == code).desc(), Product.id)
        .limit(1)
    )
    if product is None:
        raise DomainError("unknown_product", code)
    return product


def receive_delivery(
    session: Session,
    village: Village,
    lines: Iterable[tuple[str, int]],
    *,
    source_kind: str,
    source_name: str = "",
    value_yuan=0,
    memo: str = "",
    actor: str,
    idempotency_key: str | None = None,
) -> ReceivingDoc:
    """Book a delivery: the document, its lines, and one 'stock_receipt' journal row whose stock
    moves raise each product's on-hand. All or nothing.

    With an `idempotency_key` (made by the form before submitting), submitting again returns the
    document booked the first time instead of booking the goods twice."""
    if idempotency_key is not None:
        if not isinstance(idempotency_key, str) or not 8 <= len(idempotency_key) <= 64:
            raise DomainError("reload_page", "idempotency key: 8-64 characters")
        earlier = _earlier(session, village.id, idempotency_key)
        if earlier is not None:
            return earlier
    if source_kind not in SOURCES:
        raise DomainError("source_kind_required", f"source {source_kind!r}")
    source_name = plain_text(source_name, "source_name", max_length=100)
    memo = plain_text(memo, "memo")
    if source_kind == "partner" and not source_name:
        raise DomainError("partner_name_required", "partner company name")
    value_fen = to_fen(value_yuan)
    wanted: dict[int, int] = {}
    for code, qty in lines:
        if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1 or qty > MAX_RECEIVE:
            raise DomainError("invalid_quantity", f"{code}: {qty!r}")
        product = find_product(session, village.id, code)
        wanted[product.id] = wanted.get(product.id, 0) + qty
        if wanted[product.id] > MAX_RECEIVE:
            raise DomainError("invalid_quantity", f"{code}: {wanted[product.id]}")
    if not wanted:
        raise DomainError("empty_basket")

    try:
        doc = _book(
            session,
            village,
            wanted,
            source_kind,
            source_name,
            value_fen,
            memo,
            actor,
            idempotency_key,
        )
    except IntegrityError:
        # The same form, submitted twice at once: the other submit booked it.
        earlier = _earlier(session, village.id, idempotency_key) if idempotency_key else None
        if earlier is None:
            raise
        return earlier
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Product) and obj.id in wanted:
            session.expire(obj, ["on_hand"])
    session.refresh(doc)
    return doc


def _earlier(session: Session, village_id: int, key: str) -> ReceivingDoc | None:
    return session.scalar(
        select(ReceivingDoc).where(
            ReceivingDoc.village_id == village_id, ReceivingDoc.idempotency_key == key
        )
    )


def _book(
    session, village, wanted, source_kind, source_name, value_fen, memo, actor, key
) -> ReceivingDoc:
    with session.begin_nested():
        moves = []
        for product_id in sorted(wanted):  # one lock order everywhere
            on_hand_after = session.execute(
                update(Product)
                .where(Product.id == product_id)
                .values(on_hand=Product.on_hand + wanted[product_id])
                .returning(Product.on_hand)
            ).scalar_one()
            moves.append(ledger.Move(product_id, wanted[product_id], on_hand_after, "receipt"))
        # Numbered per village under the village's journal head lock (taken here a moment before
        # the append would take it), so two deliveries at once can never share a number.
        ledger.ensure_head(session, village.id)
        session.execute(
            select(LedgerHead.seq).where(LedgerHead.village_id == village.id).with_for_update()
        )
        count = session.scalar(
            select(func.count(ReceivingDoc.id)).where(ReceivingDoc.village_id == village.id)
        )
        doc_no = f"RK{count + 1:05d}"
        label = SOURCES[source_kind][0] + (f"·{source_name}" if source_name else "")
        entry = ledger.append(
            session,
            village.id,
            "stock_receipt",
            actor=actor,
            ref=doc_no,
            memo=f"{label}; ¥{value_fen / 100:.2f}" + (f"; {memo}" if memo else ""),
            stock=moves,
        )
        doc = ReceivingDoc(
            village_id=village.id,
            doc_no=doc_no,
            source_kind=source_kind,
            source_name=source_name,
            value_fen=value_fen,
            memo=memo,
            received_by=actor,
            idempotency_key=key,
            journal_id=entry.id,
            created_at=entry.created_at,
        )
        session.add(doc)
        session.flush()
        session.execute(
            insert(ReceivingLine),
            [
                dict(
                    doc_id=doc.id,
                    product_id=m.product_id,
                    qty=m.delta,
                    on_hand_after=m.on_hand_after,
                )
                for m in moves
            ],
        )
    return doc


def list_deliveries(session: Session, village: Village, limit: int = 50) -> list[ReceivingDoc]:
    return list(
        session.scalars(
            select(ReceivingDoc)
            .where(ReceivingDoc.village_id == village.id)
            .order_by(ReceivingDoc.id.desc())
            .limit(limit)
        )
    )


def get_delivery(session: Session, village: Village, doc_no: str) -> ReceivingDoc:
    doc = session.scalar(
        select(ReceivingDoc).where(
            ReceivingDoc.village_id == village.id, ReceivingDoc.doc_no == doc_no
        )
    )
    if doc is None:
        raise DomainError("unknown_delivery", f"no receiving document {doc_no}")
    return doc


def receiving_slip(session: Session, doc: ReceivingDoc, *, lang: str = "zh"):
    """The printable receiving slip (shop.stock.slips.ReceivingSlip) of a booked document."""
    from shop.stock.slips import ReceivingSlip

    village = session.get(Village, doc.village_id)
    return ReceivingSlip(
        village_name=village.name,
        doc_no=doc.doc_no,
        created_at=f"{clock.local(doc.created_at):%Y-%m-%d %H:%M}",
        source_kind=doc.source_kind,
        source_name=doc.source_name,
        value_fen=doc.value_fen,
        received_by=doc.received_by,
        lines=tuple(
            (
                (line.product.name_en or line.product.name) if lang == "en" else line.product.name,
                line.qty,
                line.product.unit,
                line.on_hand_after,
            )
            for line in doc.lines
        ),
        memo=doc.memo,
        lang=lang,
    )
