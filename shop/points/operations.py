"""Awards and deductions of points (积分评定)."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop import ledger
from shop.errors import DomainError
from shop.households.models import Household
from shop.ledger.models import Journal
from shop.points.models import AwardRequest, Rule
from shop.text import plain_text

MAX_AWARD = 100_000


def award_points(
    session: Session,
    household: Household,
    *,
    rule: Rule | None = None,
    delta: int | None = None,
    actor: str,
    memo: str = "",
    at: dt.datetime | None = None,
    idempotency_key: str | None = None,
) -> ledger.Appended:
    """Record an award (+) or a deduction (−) for one household: by a rule, or a signed delta.

    A deduction (扣分) applies at any balance and may take it below zero: a household that has
    spent its points does not escape a penalty. Only redemptions are guarded (a household below
    zero cannot redeem until it earns back); see shop.redemptions.
    """
    memo = plain_text(memo, "memo")
    if rule is not None:
        if not rule.is_active:
            raise DomainError("rule_retired", rule.name)
        delta = rule.points if delta is None else delta
    if (
        not isinstance(delta, int)
        or isinstance(delta, bool)
        or delta == 0
        or abs(delta) > MAX_AWARD
    ):
        raise DomainError("invalid_points", repr(delta))
    request_hash = hashlib.sha256(
        f"{household.id}|{rule.id if rule else ''}|{delta}|{memo}".encode()
    ).hexdigest()
    if idempotency_key:
        previous = _previous_award(session, household.village_id, idempotency_key, request_hash)
        if previous is not None:
            return previous
    try:
        with session.begin_nested():
            result = _post_award(session, household, rule, delta, actor, memo, at)
            if idempotency_key:
                session.add(
                    AwardRequest(
                        village_id=household.village_id,
                        idempotency_key=idempotency_key,
                        request_hash=request_hash,
                        journal_id=result.id,
                    )
                )
                session.flush()
    except IntegrityError:
        previous = idempotency_key and _previous_award(
            session, household.village_id, idempotency_key, request_hash
        )
        if previous:
            return previous
        raise
    return result


def _post_award(session, household, rule, delta, actor, memo, at) -> ledger.Appended:
    result = post_points(
        session,
        household.village_id,
        [household.id],
        delta,
        rule_id=rule.id if rule else None,
        actor=actor,
        ref=f"household:{household.number}",
        memo=memo,
        at=at,
    )
    session.expire(household, ["balance"])
    return result


def post_points(
    session: Session,
    village_id: int,
    household_ids: list[int],
    delta: int,
    *,
    rule_id: int | None,
    actor: str,
    ref: str,
    memo: str = "",
    at: dt.datetime | None = None,
) -> ledger.Appended:
    """The one award path: `delta` points to each household as one journal event (one posting
    a household), balances moved in one UPDATE whose row count must match: a household that is
    gone refuses the whole event and nothing is written. Awards of one household
    (`award_points`) and of many (`batches.apply_batch`) both post here."""
    rows = session.execute(
        update(Household)
        .execution_options(synchronize_session=False)
        .where(Household.id.in_(household_ids), Household.village_id == village_id)
        .values(balance=Household.balance + delta)
        .returning(Household.id, Household.balance)
    ).all()
    after = dict(rows)
    missing = [i for i in household_ids if i not in after]
    if missing:  # the row is gone (or never was): nothing was written
        raise DomainError("unknown_household", str(missing[0]), household_id=missing[0])
    return ledger.append(
        session,
        village_id,
        "award" if delta > 0 else "deduction",
        actor=actor,
        ref=ref,
        memo=memo,
        points=[ledger.Posting(i, delta, after[i], rule_id) for i in household_ids],
        at=at,
    )


def _previous_award(
    session, village_id: int, key: str, request_hash: str
) -> ledger.Appended | None:
    found = session.execute(
        select(AwardRequest.request_hash, Journal.id, Journal.seq, Journal.hash, Journal.created_at)
        .join(Journal, Journal.id == AwardRequest.journal_id)
        .where(AwardRequest.village_id == village_id, AwardRequest.idempotency_key == key)
    ).one_or_none()
    if found is None:
        return None
    if found[0] != request_hash:
        raise DomainError("idempotency_conflict", key)
    return ledger.Appended(found[1], found[2], found[3], found[4])
