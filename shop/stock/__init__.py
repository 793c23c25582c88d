"""Goods (商品) and stock: products, receiving deliveries (入库), stocktakes (盘点), low stock
and the stock paperwork (slips, day-close files).
"""

from shop.stock.operations import (
    MAX_RECEIVE,
    adjust_stock,
    create_product,
    get_product,
    receive_stock,
)

__all__ = [
    "MAX_RECEIVE",
    "create_product",
    "get_product",
    "receive_stock",
    "adjust_stock",
]
