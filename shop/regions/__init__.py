"""Where a shop stands: villages (村), their kiosks (兑换机), and later the townships and
district above them. Every village is the scope of one shop and of one hash chain.
"""

from shop.regions.operations import (
    create_kiosk,
    create_village,
)

__all__ = [
    "create_village",
    "create_kiosk",
]
