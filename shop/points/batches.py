"""Batch awards (批量加分/扣分) with a preview, and reversals with a reason.

Every award posts through the one award path (shop.points.operations.post_points) with an
idempotency key, so a double submit of a batch awards once."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop import clock, ledger
from shop.errors import DomainError
from shop.households.models import Household
from shop.ledger.models import Journal, PointsEntry
from shop.points import operations as points
from shop.points.models import AwardRequest, Rule


@dataclass
class BatchLine:
    household: Household
    before: int
    after: int
    problem: str | None = None


@dataclass
class BatchPreview:
    rule: Rule
    lines: list[BatchLine]

    @property
    def total(self) -> int:
        return sum(line.after - line.before for line in self.lines)

    @property
    def ok(self) -> bool:
        return bool(self.lines) and not any(line.problem for line in self.lines)


def _households(session: Session, village_id: int, ids) -> list[Household]:
    wanted = sorted({int(i) for i in ids})
    found = (
        list(
            session.scalars(
                select(Household)
                .where(Household.village_id == village_id, Household.id.in_(wanted))
                .order_by(Household.number)
            )
        )
        if wanted
        else []
    )
    if len(found) != len(wanted):
        raise DomainError("unknown_household")
    return found


def preview_batch(session: Session, village_id: int, rule: Rule, household_ids) -> BatchPreview:
    lines = []
    for h in _households(session, village_id, household_ids):
        after = h.balance + rule.points
        problem = None
        if h.status != "active":
            problem = "household_inactive"
        lines.append(BatchLine(h, h.balance, after, problem))
    if not rule.is_active:
        for line in lines:
            line.problem = "rule_retired"
    return BatchPreview(rule, lines)


def award_day(on: dt.date | None, tz: dt.tzinfo | None = None) -> dt.datetime | None:
    """The journal time for an award dated `on`: now if today (or none), else noon that day."""
    if on is None or on == clock.today(tz):
        return None
    return dt.datetime.combine(on, dt.time(12), tzinfo=tz or clock.zone())


def apply_batch(
    session: Session,
    village_id: int,
    rule: Rule,
    household_ids,
    *,
    actor: str,
    batch_key: str,
    memo: str = "",
    at: dt.datetime | None = None,
) -> BatchPreview:
    """Award the rule to every household, all or nothing, as one journal event with a posting
    per household (the panel's one decision). Balances move in one UPDATE (a deduction applies
    at any balance, even below zero) whose row count must match the households chosen: a
    household that vanished meanwhile refuses the whole batch. `batch_key` (made by the page)
    makes a double submit harmless."""
    preview = preview_batch(session, village_id, rule, household_ids)
    if not preview.lines:
        raise DomainError("nothing_chosen")
    for line in preview.lines:
        if line.problem:
            raise DomainError(line.problem, line.household.number)
    if not batch_key or len(batch_key) > 40:
        raise DomainError("reload_page", "batch key")
    key = f"batch:{batch_key}"
    ids = [line.household.id for line in preview.lines]
    request_hash = hashlib.sha256(
        f"{rule.id}|{rule.points}|{memo}|{','.join(map(str, ids))}".encode()
    ).hexdigest()
    if _batch_done(session, village_id, key, request_hash):
        return preview
    delta = rule.points
    try:
        with session.begin_nested():
            appended = points.post_points(
                session,
                village_id,
                ids,
                delta,
                rule_id=rule.id,
                actor=actor,
                ref=key[:64],
                memo=memo,
                at=at,
            )
            session.add(
                AwardRequest(
                    village_id=village_id,
                    idempotency_key=key,
                    request_hash=request_hash,
                    journal_id=appended.id,
                )
            )
            session.flush()
    except IntegrityError:
        if _batch_done(
            session, village_id, key, request_hash
        ):  # the same batch, submitted twice at once
            return preview
        raise
    for line in preview.lines:
        session.expire(line.household, ["balance"])
    return preview


def _batch_done(session: Session, village_id: int, key: str, request_hash: str) -> bool:
    previous = session.scalar(
        select(AwardRequest.request_hash).where(
            AwardRequest.village_id == village_id, AwardRequest.idempotency_key == key
        )
    )
    if previous is not None and previous != request_hash:
        raise DomainError("idempotency_conflict", key)
    return previous is not None


# --- reversal ---------------------------------------------------------------------------------


def reverse_award(
    session: Session,
    village_id: int,
    journal_id: int,
    *,
    reason: str,
    actor: str,
    household_id: int | None = None,
) -> ledger.Appended:
    """冲正: a wrong award or deduction is corrected by a reversing entry, once, with a reason.
    A batch award is one journal row with a posting per household: name the household."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required")
    journal = session.get(Journal, journal_id)
    if (
        journal is None
        or journal.village_id != village_id
        or journal.kind not in ("award", "deduction")
    ):
        raise DomainError("not_an_award", f"journal {journal_id} is not an award")
    query = select(PointsEntry).where(PointsEntry.journal_id == journal_id)
    if household_id is not None:
        query = query.where(PointsEntry.household_id == household_id)
    entries = list(session.scalars(query.limit(2)))
    if len(entries) != 1:
        raise DomainError("choose_household", "name the household whose entry is reversed")
    entry = entries[0]
    key = f"reverse:{journal_id}:{entry.household_id}"
    if session.scalar(
        select(AwardRequest.id).where(
            AwardRequest.village_id == village_id, AwardRequest.idempotency_key == key
        )
    ):
        raise DomainError("already_reversed", f"journal {journal_id} already reversed")
    household = session.get(Household, entry.household_id)
    return points.award_points(
        session,
        household,
        delta=-entry.delta,
        actor=actor,
        memo=f"冲正 #{journal.seq}：{reason}"[:500],
        idempotency_key=key,
    )
