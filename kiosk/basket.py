"""The basket on the household screen, as plain arithmetic: the goods tiles with what this
household can still take, the basket's lines and sums, and cutting a basket to what the balance,
the shelf and the limits allow now (a refused basket is trimmed, never offered again as it was).

No database and no web: kiosk.shopfront reads what these need; the shop's services enforce every
rule again when the redemption is made."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from shop.errors import DomainError
from shop.models import Product
from shop.redemptions import MAX_QTY_PER_LINE, limits


@dataclass(frozen=True)
class Tile:
    """One goods button: the product, how many are in the basket, and whether one more fits."""

    product: Product
    qty: int
    can_add: bool
    out_of_stock: bool
    unaffordable: bool  # one more costs more than the points left after the basket
    at_stock_limit: bool
    allowance: limits.LimitStatus | None = None  # a per-household limit this period
    at_allowance: bool = False
    dear: bool = False  # costs more than the whole balance: 积分不够 whatever the basket

    @property
    def dom_id(self) -> str:
        return f"goods-{self.product.id}"

    @property
    def allowance_left(self) -> int | None:
        return None if self.allowance is None else self.allowance.remaining

    @property
    def flag(self) -> str:
        """Why the + is grey, one word for the tile (the page recomputes it the same way)."""
        if self.out_of_stock:
            return "out"
        if self.dear and not self.qty:
            return "dear"
        if self.at_allowance and not self.qty:
            return "limit"
        if self.unaffordable and not self.qty:
            return "tight"
        if self.at_stock_limit and self.qty:
            return "shelf"
        return ""


@dataclass(frozen=True)
class BasketLine:
    product: Product
    qty: int
    available: bool  # still offered and enough on the shelf

    @property
    def points(self) -> int:
        return self.product.points * self.qty


@dataclass(frozen=True)
class Basket:
    balance: int
    lines: tuple[BasketLine, ...]

    @property
    def total(self) -> int:
        return sum(line.points for line in self.lines)

    @property
    def count(self) -> int:
        return sum(line.qty for line in self.lines)

    @property
    def remaining(self) -> int:
        return self.balance - self.total

    @property
    def over_balance(self) -> bool:
        return self.total > self.balance

    @property
    def unavailable(self) -> list[BasketLine]:
        return [line for line in self.lines if not line.available]

    @property
    def can_confirm(self) -> bool:
        return bool(self.lines) and not self.over_balance and not self.unavailable

    @property
    def signature(self) -> str:
        """What the confirm screen showed, so a basket changed since then is never redeemed."""
        body = ",".join(f"{line.product.id}:{line.qty}" for line in self.lines)
        return hashlib.sha256(body.encode()).hexdigest()[:16]

    def as_skus(self) -> dict[str, int]:
        return {line.product.sku: line.qty for line in self.lines}


def basket_of(balance: int, products: list[Product], wanted: dict[int, int]) -> Basket:
    by_id = {p.id: p for p in products}
    lines = []
    for product_id, qty in wanted.items():
        product = by_id.get(product_id)
        if product is None or qty <= 0:
            continue  # withdrawn from sale: it drops out, and the confirm screen shows the rest
        lines.append(BasketLine(product, qty, available=qty <= product.on_hand))
    lines.sort(key=lambda line: (line.product.sort_order, line.product.id))
    return Basket(balance, tuple(lines))


def tiles(
    products: list[Product], basket: Basket, allowed: dict[int, limits.LimitStatus] | None = None
) -> list[Tile]:
    in_basket = {line.product.id: line.qty for line in basket.lines}
    remaining = basket.remaining
    allowed = allowed or {}
    made = []
    for product in products:
        qty = in_basket.get(product.id, 0)
        out_of_stock = product.on_hand <= 0
        at_stock_limit = qty >= product.on_hand
        unaffordable = product.points > remaining
        allowance = allowed.get(product.id)
        at_allowance = allowance is not None and qty >= allowance.remaining
        made.append(
            Tile(
                product=product,
                qty=qty,
                can_add=not out_of_stock
                and not at_stock_limit
                and not unaffordable
                and not at_allowance
                and qty < MAX_QTY_PER_LINE,
                out_of_stock=out_of_stock,
                unaffordable=unaffordable,
                at_stock_limit=at_stock_limit,
                allowance=allowance,
                at_allowance=at_allowance,
                dear=product.points > basket.balance,
            )
        )
    return made


def change_basket(
    balance: int,
    products: list[Product],
    wanted: dict[int, int],
    product_id: int,
    delta: int,
    allowed: dict[int, limits.LimitStatus] | None = None,
) -> tuple[dict[int, int], str | None]:
    """The basket after one tap on + or −, or the unchanged basket and why not."""
    by_id = {p.id: p for p in products}
    product = by_id.get(product_id)
    if product is None:
        return wanted, "product_inactive"
    new = dict(wanted)
    qty = new.get(product_id, 0) + (1 if delta > 0 else -1)
    if qty <= 0:
        new.pop(product_id, None)
        return new, None
    if delta > 0:
        basket = basket_of(balance, products, wanted)
        if product.on_hand <= 0 or qty > product.on_hand:
            return wanted, "out_of_stock"
        if product.points > basket.remaining:
            return wanted, "insufficient_points"
        if qty > MAX_QTY_PER_LINE:
            return wanted, "invalid_quantity"
        limit = (allowed or {}).get(product_id)
        if limit is not None and qty > limit.remaining:
            return wanted, "limit_reached"
    new[product_id] = qty
    return new, None


def refusal(
    code: str, balance: int, products: list[Product], wanted: dict[int, int], product_id: int
) -> DomainError:
    """The refusal of one tap, saying how many points are missing when there are too few
    (还差N分: the item's price against what is left, below zero after a deduction)."""
    product = next((p for p in products if p.id == product_id), None)
    if code != "insufficient_points" or product is None:
        return DomainError(code)
    have = basket_of(balance, products, wanted).remaining
    return DomainError(code, need=product.points, have=have)


@dataclass(frozen=True)
class Trim:
    """A basket line cut to what can still be had, and why (the refusal's code)."""

    product: Product
    wanted: int
    kept: int
    reason: str  # out_of_stock | limit_reached | insufficient_points | invalid_quantity


def fit_basket(
    balance: int,
    products: list[Product],
    wanted: dict[int, int],
    allowed: dict[int, limits.LimitStatus] | None = None,
    *,
    last: tuple[int, ...] = (),
) -> tuple[dict[int, int], list[Trim]]:
    """The basket cut down to what the shelf, the limits and the balance allow now.

    Lines are kept in the goods' order, except those in `last` (just changed by the villager),
    which are fitted after the rest: a tap never takes away what was already in the basket.
    Goods no longer offered drop out without a trim (the goods no longer show them).
    """
    allowed = allowed or {}
    by_id = {p.id: p for p in products}
    order = sorted(
        (pid for pid in wanted if pid in by_id),
        key=lambda pid: (pid in last, by_id[pid].sort_order, pid),
    )
    fitted: dict[int, int] = {}
    trims: list[Trim] = []
    spent = 0
    for pid in order:
        product, qty = by_id[pid], wanted[pid]
        if qty <= 0:
            continue
        keep, reason = qty, ""
        affordable = (balance - spent) // product.points if product.points > 0 else qty
        for cap, why in (
            (MAX_QTY_PER_LINE, "invalid_quantity"),
            (max(product.on_hand, 0), "out_of_stock"),
            (allowed[pid].remaining if pid in allowed else qty, "limit_reached"),
            (affordable, "insufficient_points"),
        ):
            if keep > cap:
                keep, reason = max(cap, 0), why
        if reason:
            trims.append(Trim(product, qty, keep, reason))
        if keep:
            fitted[pid] = keep
            spent += keep * product.points
    return fitted, trims


def set_quantities(
    balance: int,
    products: list[Product],
    wanted: dict[int, int],
    changes: dict[int, int],
    allowed: dict[int, limits.LimitStatus] | None = None,
) -> tuple[dict[int, int], list[Trim]]:
    """The basket with the quantities the page asked for (the villager's taps, counted in the
    page), each cut to what is possible; unknown goods in `changes` are ignored."""
    known = {p.id for p in products}
    new = dict(wanted)
    for pid, qty in changes.items():
        if pid in known:
            new[pid] = max(0, qty)
    return fit_basket(balance, products, new, allowed, last=tuple(changes))
