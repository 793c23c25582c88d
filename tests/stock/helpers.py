"""Small helpers shared by the stock tests."""

from __future__ import annotations

import datetime as dt
import itertools

from shop import redemptions
from shop.ledger.verify import verify_ledger
from shop.redemptions.limits import SHOP_TZ

_keys = itertools.count(1)


def local(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> dt.datetime:
    """A moment in the shop's local time (Asia/Shanghai), timezone-aware."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHOP_TZ)


def buy(session, household, kiosk, basket, *, at=None):
    return redemptions.redeem(
        session, household, basket, kiosk=kiosk, idempotency_key=f"stock-{next(_keys):06d}", at=at
    )


def verified(session, village) -> bool:
    report = verify_ledger(session.connection(), village.id)
    assert report.problems == []
    return True
