"""Spending points in the shop (兑换): the basket and the redemption itself, redemption windows
(兑换期) and per-household limits (限兑), voids (作废) and the clerk's day close (日结).
"""

from shop.redemptions.dayreport import receipt_number
from shop.redemptions.operations import (
    MAX_QTY_PER_LINE,
    basket_total,
    get_redemption,
    normalize_lines,
    redeem,
    void_redemption,
)

__all__ = [
    "receipt_number",
    "MAX_QTY_PER_LINE",
    "normalize_lines",
    "basket_total",
    "redeem",
    "get_redemption",
    "void_redemption",
]
