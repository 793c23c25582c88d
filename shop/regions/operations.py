"""Opening villages (村) and their kiosks (兑换机)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop import ledger
from shop.errors import DomainError
from shop.regions.models import Kiosk, Village


def create_village(session: Session, code: str, name: str) -> Village:
    if session.scalar(select(Village).where(Village.code == code)):
        raise DomainError("duplicate", f"village {code}")
    village = Village(code=code, name=name)
    session.add(village)
    session.flush()
    ledger.ensure_head(session, village.id)
    return village


def create_kiosk(session: Session, village: Village, code: str, name: str) -> Kiosk:
    if session.scalar(select(Kiosk).where(Kiosk.code == code)):
        raise DomainError("duplicate", f"kiosk {code}")
    kiosk = Kiosk(village_id=village.id, code=code, name=name)
    session.add(kiosk)
    session.flush()
    return kiosk
