"""The panel's review (审核) of a batch, whole or line by line, and posting approved lines through
the one award path."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shop import clock
from shop.base import utcnow
from shop.errors import DomainError
from shop.households.models import Household
from shop.ledger import review_grammar
from shop.points import batches
from shop.points import operations as points
from shop.points.models import AwardRequest, ReviewBatch, ReviewLine, ReviewPhoto, Rule
from shop.points.review.journal import journal_step
from shop.points.review.policy import settings
from shop.text import plain_text


def _batches(village_id: int):
    """The village's batches with their lines' households, the deed and the photos' ids."""
    return (
        select(ReviewBatch)
        .options(
            selectinload(ReviewBatch.lines).selectinload(ReviewLine.household),
            selectinload(ReviewBatch.rule),
            selectinload(ReviewBatch.photos).load_only(ReviewPhoto.id),
        )
        .where(ReviewBatch.village_id == village_id)
    )


def pending_batches(session: Session, village_id: int) -> list[ReviewBatch]:
    return list(
        session.scalars(
            _batches(village_id).where(ReviewBatch.state == "pending").order_by(ReviewBatch.id)
        )
    )


def recorded_by(session: Session, village_id: int, actor: str, limit: int = 30):
    """What one recorder entered, newest first, with each line's outcome."""
    return list(
        session.scalars(
            _batches(village_id)
            .where(ReviewBatch.recorded_by == actor)
            .order_by(ReviewBatch.id.desc())
            .limit(limit)
        )
    )


def get_batch(session: Session, village_id: int, batch_id: int) -> ReviewBatch:
    batch = session.get(ReviewBatch, batch_id)
    if batch is None or batch.village_id != village_id:
        raise DomainError("unknown_batch", f"batch {batch_id}")
    return batch


def photo(session: Session, village_id: int, photo_id: int) -> ReviewPhoto:
    found = session.get(ReviewPhoto, photo_id)
    if found is None or found.village_id != village_id:
        raise DomainError("unknown_photo", f"photo {photo_id}")
    return found


@dataclass
class Decision:
    posted: int = 0
    noticed: int = 0
    rejected: int = 0


def decide(
    session: Session,
    village_id: int,
    batch_id: int,
    *,
    approve: Iterable[int] = (),
    reject: Iterable[int] = (),
    reason: str = "",
    actor: str,
    automatic: bool = False,
    today: dt.date | None = None,
) -> Decision:
    """The panel's decision on some or all pending lines of a batch: approved lines post (or,
    with a notice period, wait as 公示中), rejected ones carry the reason back to the recorder."""
    batch = get_batch(session, village_id, batch_id)
    approve, reject = {int(i) for i in approve}, {int(i) for i in reject}
    if approve & reject:
        raise DomainError("approved_and_rejected", "a line both approved and rejected")
    if not approve and not reject:
        raise DomainError("nothing_chosen")
    by_id = {line.id: line for line in batch.lines}
    if not (approve | reject) <= set(by_id):
        raise DomainError("line_not_in_batch", "a line of another batch")
    for line_id in approve | reject:
        if by_id[line_id].state != "pending":
            raise DomainError("already_decided", str(line_id))
    reason = plain_text(reason or "", "reason", max_length=500)
    if reject and not reason:
        raise DomainError("reason_required")
    now = utcnow()
    notice_days = settings(session, village_id).notice_days
    result = Decision()
    approved = [by_id[i] for i in sorted(approve)]
    for line in approved:
        line.decided_by, line.decided_at = actor[:64], now
    if approved and notice_days > 0:
        until = (today or clock.today()) + dt.timedelta(days=notice_days)
        for line in approved:
            line.state, line.effective_on = "noticed", until
        result.noticed = len(approved)
    elif approved:
        post_lines(session, batch, approved, actor=actor)
        result.posted = len(approved)
    for line_id in sorted(reject):
        line = by_id[line_id]
        line.state, line.reason, line.decided_by, line.decided_at = "rejected", reason, actor, now
        result.rejected += 1
    if all(line.state != "pending" for line in batch.lines):
        batch.state, batch.decided_at = "decided", now
    session.flush()
    memo = review_grammar.memo_decision(
        batch.id,
        automatic=automatic,
        approved=len(approved),
        notice_days=notice_days if result.noticed else 0,
        rejected=result.rejected,
        reason=reason,
    )
    journal_step(session, village_id, memo, actor=actor, batch_id=batch.id)
    return result


def post_lines(
    session: Session, batch: ReviewBatch, lines: list[ReviewLine], *, actor: str
) -> None:
    """Post approved lines through the one award path: the lines that carry the deed's points as
    one batch award (`apply_batch`), a corrected line on its own (`award_points`)."""
    rule = session.get(Rule, batch.rule_id)
    memo = review_grammar.memo_posted(batch.id, batch.note)
    plain = [line for line in lines if line.points == rule.points]
    if plain:
        ids = sorted(line.id for line in plain)
        key = "rv" + hashlib.sha256(f"{batch.id}|{ids}".encode()).hexdigest()[:30]
        batches.apply_batch(
            session,
            batch.village_id,
            rule,
            [line.household_id for line in plain],
            actor=actor,
            batch_key=key,
            memo=memo,
        )
        journal_id = session.scalar(
            select(AwardRequest.journal_id).where(
                AwardRequest.village_id == batch.village_id,
                AwardRequest.idempotency_key == f"batch:{key}",
            )
        )
        for line in plain:
            line.state, line.journal_id = "posted", journal_id
    for line in lines:
        if line.points == rule.points:
            continue
        done = points.award_points(
            session,
            session.get(Household, line.household_id),
            rule=rule,
            delta=line.points,
            actor=actor,
            memo=review_grammar.memo_posted(batch.id, batch.note, corrected=True),
            idempotency_key=f"review-line:{line.id}",
        )
        line.state, line.journal_id = "posted", done.id
    session.flush()
