"""Who came (来兑换的人): any member may redeem with the household's passbook; a village that
wants to know which one turns on `asks_who_came`, the kiosk offers the household's members who
may redeem (`redeemers`), and the one chosen is kept with the redemption (`record_visitor`) and
named, masked like the head, on its receipt and reprints (`visitor_name`).

Off by default: the kiosk then asks nothing and the receipt is as before.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop import ledger
from shop.errors import DomainError
from shop.households.models import FamilySettings, Household, Member, RedemptionVisitor
from shop.redemptions.models import Redemption
from shop.regions.models import Village


def asks_who_came(session: Session, village_id: int) -> bool:
    return bool(
        session.scalar(
            select(FamilySettings.asks_who_came).where(FamilySettings.village_id == village_id)
        )
    )


def set_asks_who_came(session: Session, village: Village, on: bool, *, actor: str) -> bool:
    """Turn the kiosk's question on or off; False (nothing written) when it already was."""
    settings = session.get(FamilySettings, village.id)
    if settings is None:
        settings = FamilySettings(village_id=village.id, asks_who_came=False)
        session.add(settings)
    if settings.asks_who_came == bool(on):
        session.flush()
        return False
    settings.asks_who_came = bool(on)
    session.flush()
    ledger.append(
        session,
        village.id,
        "staff_change",
        actor=actor,
        ref=f"village:{village.code}",
        memo="who came on" if on else "who came off",
    )
    return True


def redeemers(session: Session, household: Household) -> list[Member]:
    """The members the kiosk offers: those who may redeem, the head first. Empty when the
    household has no list (the kiosk then asks nothing)."""
    return list(
        session.scalars(
            select(Member)
            .where(Member.household_id == household.id, Member.may_redeem.is_(True))
            .order_by((Member.relation != "head"), Member.id)
        )
    )


def record_visitor(session: Session, redemption_id: int, member_id: int) -> RedemptionVisitor:
    """Keep who came for a committed redemption. The member must be of the redemption's
    household and allowed to redeem. Sent twice with the same member, the same answer; with
    another, refused (the receipt may already be printed)."""
    redemption = session.get(Redemption, redemption_id)
    if redemption is None:
        raise DomainError("unknown_receipt", str(redemption_id))
    member = session.get(Member, member_id)
    if member is None or member.household_id != redemption.household_id or not member.may_redeem:
        raise DomainError(
            "member_may_not_redeem", f"member {member_id} for redemption {redemption_id}"
        )
    found = session.get(RedemptionVisitor, redemption_id)
    if found is not None:
        if found.member_id != member.id:
            raise DomainError("visitor_recorded", f"who came for redemption {redemption_id}")
        return found
    found = RedemptionVisitor(
        redemption_id=redemption_id,
        village_id=redemption.village_id,
        member_id=member.id,
        name=member.name,
    )
    session.add(found)
    session.flush()
    return found


def visitor_name(session: Session, redemption_id: int) -> str:
    """The name printed as 来兑换的人 on the receipt, or "" when nobody was asked."""
    return (
        session.scalar(
            select(RedemptionVisitor.name).where(RedemptionVisitor.redemption_id == redemption_id)
        )
        or ""
    )
