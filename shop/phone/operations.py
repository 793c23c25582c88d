"""The village's phone settings and the masking of names on public pages."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shop import ledger
from shop.paper import mask_name  # noqa: F401  (one masking: 王*明, the paper's)
from shop.phone.models import PhoneSettings


def phone_settings(session: Session, village_id: int) -> PhoneSettings:
    """The village's phone settings (defaults when never set: no public pages, names masked)."""
    found = session.get(PhoneSettings, village_id)
    return found or PhoneSettings(village_id=village_id, is_public=False, is_masked=True)


def set_phone_settings(
    session: Session, village_id: int, *, is_public: bool, is_masked: bool, actor: str
) -> PhoneSettings:
    found = session.get(PhoneSettings, village_id)
    before = (found.is_public, found.is_masked) if found else (False, True)
    if found is None:
        found = PhoneSettings(village_id=village_id)
        session.add(found)
    found.is_public, found.is_masked = bool(is_public), bool(is_masked)
    session.flush()
    if before[0] != found.is_public:
        memo = "phone public on" if found.is_public else "phone public off"
        ledger.append(session, village_id, "staff_change", actor=actor, ref="", memo=memo)
    if before[1] != found.is_masked:
        memo = "phone names masked" if found.is_masked else "phone names shown"
        ledger.append(session, village_id, "staff_change", actor=actor, ref="", memo=memo)
    return found
