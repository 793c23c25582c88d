"""The notice period (公示期): the lines shown as 公示中, a villager's objection (异议) written down
by staff, and the panel's answer (confirm, correct or withdraw the line)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from shop.base import utcnow
from shop.errors import DomainError
from shop.ledger import review_grammar
from shop.points import operations as points
from shop.points.models import ReviewBatch, ReviewLine, ReviewObjection
from shop.points.review.journal import journal_step
from shop.text import plain_text


def noticed_lines(session: Session, village_id: int) -> list[ReviewLine]:
    return list(
        session.scalars(
            select(ReviewLine)
            .options(
                selectinload(ReviewLine.household),
                selectinload(ReviewLine.batch).selectinload(ReviewBatch.rule),
                selectinload(ReviewLine.objections),
            )
            .where(ReviewLine.village_id == village_id, ReviewLine.state == "noticed")
            .order_by(ReviewLine.effective_on, ReviewLine.id)
        )
    )


def pending_points(session: Session, household_id: int) -> int:
    """Points approved for a household but still 公示中 (not yet spendable)."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(ReviewLine.points), 0)).where(
                ReviewLine.household_id == household_id, ReviewLine.state == "noticed"
            )
        )
    )


def noticed_line(session: Session, village_id: int, line_id: int) -> ReviewLine:
    line = session.get(ReviewLine, line_id)
    if line is None or line.village_id != village_id:
        raise DomainError("unknown_review_line", f"line {line_id}")
    if line.state != "noticed":
        raise DomainError("already_decided", str(line_id))
    return line


def record_objection(
    session: Session, village_id: int, line_id: int, text: str, *, actor: str
) -> ReviewObjection:
    """异议: staff write down a villager's objection to a line shown as 公示中."""
    line = noticed_line(session, village_id, line_id)
    text = plain_text(text or "", "objection", max_length=500)
    if not text:
        raise DomainError("reason_required")
    objection = ReviewObjection(line_id=line.id, village_id=village_id, text=text, raised_by=actor)
    session.add(objection)
    session.flush()
    memo = review_grammar.memo_objection(objection.id, line.id, text)
    journal_step(session, village_id, memo, actor=actor, batch_id=line.batch_id)
    return objection


def resolve_objection(
    session: Session,
    village_id: int,
    objection_id: int,
    *,
    points_after: int | None,
    resolution: str,
    actor: str,
) -> ReviewObjection:
    """The panel's answer: `points_after` None confirms the line as it is; a number corrects it
    (0 withdraws it: the line is rejected with the resolution as its reason)."""
    objection = session.get(ReviewObjection, objection_id)
    if objection is None or objection.village_id != village_id:
        raise DomainError("unknown_objection", f"objection {objection_id}")
    if objection.state != "open":
        raise DomainError("already_decided", str(objection_id))
    line = noticed_line(session, village_id, objection.line_id)
    resolution = plain_text(resolution or "", "resolution", max_length=500)
    if not resolution:
        raise DomainError("reason_required")
    now = utcnow()
    if points_after is None:
        objection.state, how = "confirmed", "kept"
    else:
        if not isinstance(points_after, int) or abs(points_after) > points.MAX_AWARD:
            raise DomainError("invalid_points", repr(points_after))
        objection.state = "corrected"
        if points_after == 0:
            line.state, line.reason, line.decided_by, line.decided_at = (
                "rejected",
                resolution,
                actor[:64],
                now,
            )
            how = "withdrawn"
        else:
            how = f"corrected {points_after:+d} from {line.points:+d}"
            line.points = points_after
    objection.resolution, objection.resolved_by, objection.resolved_at = resolution, actor, now
    session.flush()
    memo = review_grammar.memo_resolution(objection.id, how, resolution)
    journal_step(session, village_id, memo, actor=actor, batch_id=line.batch_id)
    return objection
