"""The notice period's end (公示期满): the lines whose period has ended with no open objection
count, posted through the one award path (run daily and on every panel review page)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop import clock
from shop.ledger import review_grammar
from shop.points.models import ReviewBatch, ReviewLine, ReviewObjection
from shop.points.review.decisions import post_lines
from shop.points.review.journal import journal_step


def post_matured(
    session: Session, *, village_id: int | None = None, today: dt.date | None = None, actor: str
) -> int:
    """Post every 公示中 line whose period has ended and that has no open objection. Returns how
    many lines were posted. Safe to run any number of times (a posted line is no longer
    noticed; the award path is keyed)."""
    today = today or clock.today()
    open_objection = (
        select(ReviewObjection.id)
        .where(ReviewObjection.line_id == ReviewLine.id, ReviewObjection.state == "open")
        .exists()
    )
    query = select(ReviewLine).where(
        ReviewLine.state == "noticed", ReviewLine.effective_on <= today, ~open_objection
    )
    if village_id is not None:
        query = query.where(ReviewLine.village_id == village_id)
    lines = list(session.scalars(query.order_by(ReviewLine.batch_id, ReviewLine.id)))
    by_batch: dict[int, list[ReviewLine]] = {}
    for line in lines:
        by_batch.setdefault(line.batch_id, []).append(line)
    for batch_id, group in by_batch.items():
        batch = session.get(ReviewBatch, batch_id)
        post_lines(session, batch, group, actor=actor)
        memo = review_grammar.memo_matured(batch.id, len(group))
        journal_step(session, batch.village_id, memo, actor=actor, batch_id=batch.id)
    return len(lines)
