"""查询码: a household's own code for the phone page (read and apply, never spend).

A query code is a code of the passbook format with its own prefix (CX1, shop.households.codes)
and its own row: issued, reissued (the old one stops working at once) and revoked by the panel,
each step journaled. It is a separate secret from the passbook's spend code: nothing derives one
from the other, so a photo of the phone's QR never opens the shop's counter. The kiosk and the
API refuse it (query_code_cannot_redeem, raised by `lookup_passbook`).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from shop import ledger
from shop.base import utcnow
from shop.errors import DomainError
from shop.households import codes
from shop.households.models import Household, QueryCode


def active_query_code(session: Session, household: Household) -> QueryCode | None:
    return session.scalar(
        select(QueryCode).where(
            QueryCode.household_id == household.id, QueryCode.revoked_at.is_(None)
        )
    )


def _revoke_active(session: Session, household: Household) -> int:
    return session.execute(
        update(QueryCode)
        .where(QueryCode.household_id == household.id, QueryCode.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")
    ).rowcount


def issue_query_code(session: Session, household: Household, *, actor: str) -> QueryCode:
    """A new query code for the household; an active one stops working (补发: a reissue).
    None for a household merged into another (合户)."""
    if household.merged_into_id is not None:
        raise DomainError("household_merged", household.number)
    reissue = _revoke_active(session, household) > 0
    code = codes.new_code(codes.QUERY_PREFIX)
    made = QueryCode(
        village_id=household.village_id,
        household_id=household.id,
        code=code,
        code_hash=codes.code_hash(code),
    )
    session.add(made)
    session.flush()
    ledger.append(
        session,
        household.village_id,
        "household_change",
        actor=actor,
        ref=f"household:{household.number}",
        memo="query code reissued" if reissue else "query code issued",
    )
    return made


def revoke_query_code(session: Session, household: Household, *, actor: str) -> None:
    """The household's query code stops working: every phone signed in with it is signed out."""
    if not _revoke_active(session, household):
        raise DomainError("query_code_revoked", f"household {household.number}")
    ledger.append(
        session,
        household.village_id,
        "household_change",
        actor=actor,
        ref=f"household:{household.number}",
        memo="query code revoked",
    )


def lookup_query_code(session: Session, raw: str) -> QueryCode:
    """The active query code a scanned link carries, with its household. Raises damaged_code,
    unknown_code (not a query code, or none such), query_code_revoked."""
    code = codes.normalize(raw or "")
    if code is None:
        compact = "".join((raw or "").split()).upper()
        looks_ours = compact[:3] == codes.QUERY_PREFIX and len(compact) == codes.CODE_LENGTH
        raise DomainError("damaged_code" if looks_ours else "unknown_code")
    if codes.kind_of(code) != "query":
        # A passbook's spend code never signs a phone in, whatever the phone was given.
        raise DomainError("unknown_code", "not a query code")
    found = session.scalar(
        select(QueryCode)
        .options(joinedload(QueryCode.household))
        .where(QueryCode.code_hash == codes.code_hash(code))
    )
    if found is None:
        raise DomainError("unknown_code")
    if not found.is_active:
        raise DomainError("query_code_revoked", household_id=found.household_id)
    return found


def signed_in(session: Session, query_code_id: int, household_id: int) -> QueryCode | None:
    """The query code a phone's session names, if it still works for that household (a revoked
    or reissued code signs every phone out at its next page)."""
    found = session.get(QueryCode, query_code_id)
    if found is None or not found.is_active or found.household_id != household_id:
        return None
    return found
