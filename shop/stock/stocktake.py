"""Stocktake (盘点): count the shelf, review the differences, finalise into one adjustment.

The shop stays open during a count. The rule that keeps redemptions during a count from being
lost or counted twice: each counted line records, with the counted quantity, the books'
``on_hand`` at the moment the count was entered (``on_hand_at_count``). Its difference is
``counted - on_hand_at_count``. Whatever is redeemed (or voided, or received) after a line was
counted moves the shelf and the books alike, so at finalise the same difference is applied to
the books as they stand then, with one guarded UPDATE per product (never below zero). ``expected``
is the books when the count began, kept for the report. Count a product again and the newer
count replaces the older one. Uncounted products are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shop import ledger
from shop.base import utcnow
from shop.errors import DomainError
from shop.ledger import closing_grammar
from shop.regions.models import Village
from shop.stock.models import Product, Stocktake, StocktakeLine
from shop.stock.operations import MAX_RECEIVE


def start_stocktake(session: Session, village: Village, *, actor: str, memo: str = "") -> Stocktake:
    """Begin a count of every active product; only one count at a time per village."""
    if session.scalar(
        select(Stocktake.id).where(Stocktake.village_id == village.id, Stocktake.state == "open")
    ):
        raise DomainError("stocktake_open")
    take = Stocktake(village_id=village.id, state="open", started_by=actor, memo=memo)
    session.add(take)
    session.flush()
    for product_id, on_hand in session.execute(
        select(Product.id, Product.on_hand)
        .where(Product.village_id == village.id, Product.is_active)
        .order_by(Product.id)
    ):
        session.add(StocktakeLine(stocktake_id=take.id, product_id=product_id, expected=on_hand))
    session.flush()
    return take


def get_stocktake(session: Session, stocktake_id: int) -> Stocktake:
    take = session.get(Stocktake, stocktake_id)
    if take is None:
        raise DomainError("unknown_stocktake", str(stocktake_id))
    return take


def open_stocktake(session: Session, village: Village) -> Stocktake | None:
    return session.scalar(
        select(Stocktake).where(Stocktake.village_id == village.id, Stocktake.state == "open")
    )


def record_count(
    session: Session, take: Stocktake, product: Product, counted: int, *, actor: str
) -> StocktakeLine:
    """Enter a counted quantity (scanned or typed). A product added to the shop during the count
    gets a line too."""
    if (
        not isinstance(counted, int)
        or isinstance(counted, bool)
        or counted < 0
        or counted > MAX_RECEIVE
    ):
        raise DomainError("invalid_quantity", repr(counted))
    if product.village_id != take.village_id:
        raise DomainError("unknown_product", product.sku)
    _require_open(session, take)
    on_hand = session.scalar(select(Product.on_hand).where(Product.id == product.id))
    line = session.scalar(
        select(StocktakeLine).where(
            StocktakeLine.stocktake_id == take.id, StocktakeLine.product_id == product.id
        )
    )
    if line is None:
        line = StocktakeLine(stocktake_id=take.id, product_id=product.id, expected=on_hand)
        session.add(line)
    line.counted = counted
    line.on_hand_at_count = on_hand
    line.counted_by = actor
    line.counted_at = utcnow()
    session.flush()
    return line


def review(session: Session, take: Stocktake) -> list[StocktakeLine]:
    """Every line, counted or not; `line.difference` is None for the uncounted."""
    return list(
        session.scalars(
            select(StocktakeLine)
            .where(StocktakeLine.stocktake_id == take.id)
            .order_by(StocktakeLine.product_id)
        )
    )


# A difference worth a second look before anything is written off: more than this share of the
# books, or more than this many units (config STOCKTAKE_WARN_PERCENT / STOCKTAKE_WARN_UNITS).
WARN_PERCENT = 20
WARN_UNITS = 10


def is_large_difference(
    line: StocktakeLine, *, percent: int = WARN_PERCENT, units: int = WARN_UNITS
) -> bool:
    difference = line.difference
    if not difference:
        return False
    books = line.on_hand_at_count or 0
    return abs(difference) > units or abs(difference) * 100 > percent * books


@dataclass(frozen=True)
class FinishCheck:
    """What the volunteer must see before finishing: the lines nobody counted (left as they
    are) and each line whose difference is large."""

    uncounted: list[StocktakeLine]
    large: list[StocktakeLine]
    counted: int

    @property
    def clean(self) -> bool:
        return not self.uncounted and not self.large


def check_finish(
    session: Session, take: Stocktake, *, percent: int = WARN_PERCENT, units: int = WARN_UNITS
) -> FinishCheck:
    lines = review(session, take)
    return FinishCheck(
        uncounted=[line for line in lines if line.counted is None],
        large=[line for line in lines if is_large_difference(line, percent=percent, units=units)],
        counted=sum(1 for line in lines if line.counted is not None),
    )


def finalise_stocktake(session: Session, take: Stocktake, *, actor: str) -> ledger.Appended | None:
    """Apply every counted difference in one 'stock_adjustment' event and lock the count.

    Returns the journal row, or None when the count matched the books everywhere."""
    with session.begin_nested():
        claimed = session.execute(
            update(Stocktake)
            .where(Stocktake.id == take.id, Stocktake.state == "open")
            .values(state="finalised", finalised_by=actor, finalised_at=utcnow())
        ).rowcount
        if not claimed:
            raise DomainError("stocktake_closed", str(take.id))
        lines = session.execute(
            select(StocktakeLine.product_id, StocktakeLine.counted, StocktakeLine.on_hand_at_count)
            .where(StocktakeLine.stocktake_id == take.id, StocktakeLine.counted.is_not(None))
            .order_by(StocktakeLine.product_id)
        ).all()
        moves = []
        for product_id, counted, at_count in lines:
            delta = counted - at_count
            if delta == 0:
                continue
            on_hand_after = session.execute(
                update(Product)
                .where(Product.id == product_id, Product.on_hand + delta >= 0)
                .values(on_hand=Product.on_hand + delta)
                .returning(Product.on_hand)
            ).scalar_one_or_none()
            if on_hand_after is None:
                # Fewer on the books now than the count says are missing: more went out since
                # the count than the shelf held. Refuse rather than guess; recount that product.
                sku = session.scalar(select(Product.sku).where(Product.id == product_id))
                raise DomainError("out_of_stock", sku)
            moves.append(ledger.Move(product_id, delta, on_hand_after, "stocktake"))
        entry = None
        if moves:
            entry = ledger.append(
                session,
                take.village_id,
                "stock_adjustment",
                actor=actor,
                ref=f"stocktake:{take.id}",
                memo=closing_grammar.memo_stocktake(len(lines), len(moves)),
                stock=moves,
            )
            session.execute(
                update(Stocktake).where(Stocktake.id == take.id).values(journal_id=entry.id)
            )
    session.expire(take)
    for product in session.identity_map.values():
        if isinstance(product, Product):
            session.expire(product, ["on_hand"])
    return entry


def cancel_stocktake(session: Session, take: Stocktake, *, actor: str) -> None:
    claimed = session.execute(
        update(Stocktake)
        .where(Stocktake.id == take.id, Stocktake.state == "open")
        .values(state="cancelled", finalised_by=actor, finalised_at=utcnow())
    ).rowcount
    if not claimed:
        raise DomainError("stocktake_closed", str(take.id))
    session.expire(take)


def _require_open(session: Session, take: Stocktake) -> None:
    state = session.scalar(select(Stocktake.state).where(Stocktake.id == take.id))
    if state != "open":
        raise DomainError("stocktake_closed", str(take.id))
