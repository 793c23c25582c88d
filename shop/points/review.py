"""Two-step review (录入 -> 审核) and the notice period (公示期).

A recorder (记分员: a villager group leader or grid worker, confined to their groups) records an
award or a deduction for one or more households of their groups, with a note and up to four
photos. What they record is one batch (批次). The village's setting decides which entries wait
for the panel (all, deductions only, none); an entry that needs no review is posted at once.

The panel approves or rejects the batch whole or line by line; a rejection gives a reason, which
the recorder sees. An approved line is posted through the one award path (`apply_batch` for the
lines of a batch that carry the deed's points, `award_points` for a corrected line), so it is an
ordinary `award` or `deduction` in the journal.

With a notice period (`notice_days` > 0, off by default), an approved line is first shown as
公示中 until `effective_on`; staff may record an objection (异议) on a villager's behalf; the
panel confirms the line or corrects it (other points, or withdraws it); `post_matured` (run daily
by `kiosk points post-matured`, and on every panel review page) posts the lines whose period has
ended and have no open objection. Until then they do not count: not in the balance, not for
redemption.

Every step is a journal row (`household_change`, ref `review:<batch>`) naming its actor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from shop import clock, ledger
from shop.base import utcnow
from shop.errors import DomainError
from shop.households.models import Household
from shop.points import batches
from shop.points import operations as points
from shop.points.models import (
    REVIEW_POLICIES,
    AwardRequest,
    PointsSettings,
    ReviewBatch,
    ReviewLine,
    ReviewObjection,
    ReviewPhoto,
    Rule,
    RuleCategory,
)
from shop.points.photos import MAX_PHOTOS, process_photo
from shop.text import plain_text

MAX_LINES = 300
MAX_NOTICE_DAYS = 60


# --- settings ---------------------------------------------------------------------------------


def settings(session: Session, village_id: int) -> PointsSettings:
    """The village's earning settings (defaults when never set: review all, no notice period)."""
    found = session.get(PointsSettings, village_id)
    return found or PointsSettings(village_id=village_id, review_policy="all", notice_days=0)


def set_settings(
    session: Session, village_id: int, *, review_policy: str, notice_days: int, actor: str
) -> PointsSettings:
    if review_policy not in REVIEW_POLICIES:
        raise DomainError("invalid_input", f"review policy {review_policy!r}")
    if not isinstance(notice_days, int) or not 0 <= notice_days <= MAX_NOTICE_DAYS:
        raise DomainError("invalid_input", f"notice days {notice_days!r}")
    found = session.get(PointsSettings, village_id)
    if found is None:
        found = PointsSettings(village_id=village_id)
        session.add(found)
    found.review_policy, found.notice_days = review_policy, notice_days
    session.flush()
    ledger.append(
        session,
        village_id,
        "household_change",
        actor=actor,
        ref="points-settings",
        memo=f"审核范围={review_policy} 公示天数={notice_days}",
    )
    return found


def needs_review(policy: str, delta: int) -> bool:
    return policy == "all" or (policy == "deductions" and delta < 0)


# --- recorders and their groups ---------------------------------------------------------------


def parse_groups(text: str) -> list[str]:
    """A recorder's groups as typed: one a line, or separated by commas (，、,)."""
    out: list[str] = []
    for raw in (text or "").replace("，", "\n").replace("、", "\n").replace(",", "\n").split("\n"):
        name = raw.strip()
        if name and name not in out:
            out.append(name[:64])
    return out


def recorder_households(
    session: Session, village_id: int, groups: Sequence[str], search: str = ""
) -> list[Household]:
    """The active households a recorder may record for: those of their groups."""
    if not groups:
        return []
    query = (
        select(Household)
        .where(
            Household.village_id == village_id,
            Household.status == "active",
            Household.group_name.in_(list(groups)),
        )
        .order_by(Household.number)
    )
    search = (search or "").strip()
    if search:
        query = query.where(
            Household.number.contains(search) | Household.head_name.contains(search)
        )
    return list(session.scalars(query.limit(MAX_LINES)))


# --- recording (录入) -------------------------------------------------------------------------


def record_entry(
    session: Session,
    village_id: int,
    rule: Rule,
    household_ids: Iterable[int],
    *,
    actor: str,
    groups: Sequence[str] | None,
    note: str = "",
    photos: Sequence[bytes] = (),
    client_key: str | None = None,
) -> ReviewBatch:
    """A recorder's entry: one deed for one or more households, a note, up to 4 photos.

    `groups`: the recorder's villager groups (every household must be in one), or None for staff
    who are not confined (the panel recording on paper's behalf). `client_key` (made by the page)
    makes a double submit return the first batch."""
    if client_key:
        if len(client_key) > 64:
            raise DomainError("invalid_input", "key")
        previous = session.scalar(
            select(ReviewBatch).where(
                ReviewBatch.village_id == village_id, ReviewBatch.client_key == client_key
            )
        )
        if previous is not None:
            if previous.recorded_by != actor:
                raise DomainError("idempotency_conflict", client_key)
            return previous
    category = session.get(RuleCategory, rule.category_id)
    if category is None or category.village_id != village_id:
        raise DomainError("unknown_rule")
    if not rule.is_active:
        raise DomainError("rule_retired", rule.name)
    note = plain_text(note or "", "note", max_length=500)
    if len(photos) > MAX_PHOTOS:
        raise DomainError("too_many_photos", str(len(photos)))
    cleaned = [process_photo(data) for data in photos]  # refuses before anything is written
    wanted = sorted({int(i) for i in household_ids})
    if not wanted:
        raise DomainError("nothing_chosen")
    if len(wanted) > MAX_LINES:
        raise DomainError("too_many_chosen", str(MAX_LINES))
    homes = list(
        session.scalars(
            select(Household)
            .where(Household.village_id == village_id, Household.id.in_(wanted))
            .order_by(Household.number)
        )
    )
    if len(homes) != len(wanted):
        raise DomainError("unknown_household")
    for home in homes:
        if home.status != "active":
            raise DomainError("household_inactive", home.number)
        if groups is not None and home.group_name not in groups:
            raise DomainError("outside_groups", home.number)

    batch = ReviewBatch(
        village_id=village_id,
        rule_id=rule.id,
        points=rule.points,
        note=note,
        recorded_by=actor[:64],
        client_key=client_key or None,
        state="pending",
    )
    session.add(batch)
    session.flush()
    for home in homes:
        session.add(
            ReviewLine(
                batch_id=batch.id,
                village_id=village_id,
                household_id=home.id,
                points=rule.points,
                state="pending",
            )
        )
    for photo in cleaned:
        session.add(
            ReviewPhoto(
                batch_id=batch.id,
                village_id=village_id,
                width=photo.width,
                height=photo.height,
                sha256=photo.sha256,
                content=photo.content,
            )
        )
    session.flush()
    numbers = "、".join(h.number for h in homes[:10]) + ("…" if len(homes) > 10 else "")
    ledger.append(
        session,
        village_id,
        "household_change",
        actor=actor,
        ref=f"review:{batch.id}",
        memo=(
            f"录入 #{batch.id}：{rule.name} {rule.points:+d} × {len(homes)}户（{numbers}）"
            f" 照片{len(cleaned)}张 {note}"
        ).strip()[:500],
    )
    session.refresh(batch)
    if not needs_review(settings(session, village_id).review_policy, rule.points):
        decide(
            session,
            village_id,
            batch.id,
            approve=[line.id for line in batch.lines],
            actor=actor,
            automatic=True,
        )
    return batch


# --- review (审核) ----------------------------------------------------------------------------


def pending_batches(session: Session, village_id: int) -> list[ReviewBatch]:
    return list(
        session.scalars(
            select(ReviewBatch)
            .options(
                selectinload(ReviewBatch.lines).selectinload(ReviewLine.household),
                selectinload(ReviewBatch.rule),
                selectinload(ReviewBatch.photos).load_only(ReviewPhoto.id),
            )
            .where(ReviewBatch.village_id == village_id, ReviewBatch.state == "pending")
            .order_by(ReviewBatch.id)
        )
    )


def recorded_by(session: Session, village_id: int, actor: str, limit: int = 30):
    """What one recorder entered, newest first, with each line's outcome."""
    return list(
        session.scalars(
            select(ReviewBatch)
            .options(
                selectinload(ReviewBatch.lines).selectinload(ReviewLine.household),
                selectinload(ReviewBatch.rule),
                selectinload(ReviewBatch.photos).load_only(ReviewPhoto.id),
            )
            .where(ReviewBatch.village_id == village_id, ReviewBatch.recorded_by == actor)
            .order_by(ReviewBatch.id.desc())
            .limit(limit)
        )
    )


def get_batch(session: Session, village_id: int, batch_id: int) -> ReviewBatch:
    batch = session.get(ReviewBatch, batch_id)
    if batch is None or batch.village_id != village_id:
        raise DomainError("invalid_input", f"batch {batch_id}")
    return batch


def photo(session: Session, village_id: int, photo_id: int) -> ReviewPhoto:
    found = session.get(ReviewPhoto, photo_id)
    if found is None or found.village_id != village_id:
        raise DomainError("invalid_input", f"photo {photo_id}")
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
        raise DomainError("invalid_input", "a line both approved and rejected")
    if not approve and not reject:
        raise DomainError("nothing_chosen")
    by_id = {line.id: line for line in batch.lines}
    if not (approve | reject) <= set(by_id):
        raise DomainError("invalid_input", "a line of another batch")
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
        _post(session, batch, approved, actor=actor)
        result.posted = len(approved)
    for line_id in sorted(reject):
        line = by_id[line_id]
        line.state, line.reason, line.decided_by, line.decided_at = "rejected", reason, actor, now
        result.rejected += 1
    if all(line.state != "pending" for line in batch.lines):
        batch.state, batch.decided_at = "decided", now
    session.flush()
    said = "自动通过（不需审核）" if automatic else "审核"
    ledger.append(
        session,
        village_id,
        "household_change",
        actor=actor,
        ref=f"review:{batch.id}",
        memo=(
            f"{said} #{batch.id}：通过{len(approved)}户"
            + (f"（公示{notice_days}天）" if result.noticed else "")
            + (f"，退回{result.rejected}户：{reason}" if result.rejected else "")
        )[:500],
    )
    return result


def _post(session: Session, batch: ReviewBatch, lines: list[ReviewLine], *, actor: str) -> None:
    """Post approved lines through the one award path: the lines that carry the deed's points as
    one batch award (`apply_batch`), a corrected line on its own (`award_points`)."""
    rule = session.get(Rule, batch.rule_id)
    memo = f"审核通过 录入#{batch.id} {batch.note}".strip()[:500]
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
            memo=f"{memo}（更正）"[:500],
            idempotency_key=f"review-line:{line.id}",
        )
        line.state, line.journal_id = "posted", done.id
    session.flush()


# --- the notice period (公示期) ----------------------------------------------------------------


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


def _noticed_line(session: Session, village_id: int, line_id: int) -> ReviewLine:
    line = session.get(ReviewLine, line_id)
    if line is None or line.village_id != village_id:
        raise DomainError("invalid_input", f"line {line_id}")
    if line.state != "noticed":
        raise DomainError("already_decided", str(line_id))
    return line


def record_objection(
    session: Session, village_id: int, line_id: int, text: str, *, actor: str
) -> ReviewObjection:
    """异议: staff write down a villager's objection to a line shown as 公示中."""
    line = _noticed_line(session, village_id, line_id)
    text = plain_text(text or "", "objection", max_length=500)
    if not text:
        raise DomainError("reason_required")
    objection = ReviewObjection(line_id=line.id, village_id=village_id, text=text, raised_by=actor)
    session.add(objection)
    session.flush()
    ledger.append(
        session,
        village_id,
        "household_change",
        actor=actor,
        ref=f"review:{line.batch_id}",
        memo=f"异议 #{objection.id}（第{line.id}条）：{text}"[:500],
    )
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
        raise DomainError("invalid_input", f"objection {objection_id}")
    if objection.state != "open":
        raise DomainError("already_decided", str(objection_id))
    line = _noticed_line(session, village_id, objection.line_id)
    resolution = plain_text(resolution or "", "resolution", max_length=500)
    if not resolution:
        raise DomainError("reason_required")
    now = utcnow()
    if points_after is None:
        objection.state, said = "confirmed", "维持"
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
            said = "撤销"
        else:
            said = f"更正为{points_after:+d}分（原{line.points:+d}）"
            line.points = points_after
    objection.resolution, objection.resolved_by, objection.resolved_at = resolution, actor, now
    session.flush()
    ledger.append(
        session,
        village_id,
        "household_change",
        actor=actor,
        ref=f"review:{line.batch_id}",
        memo=f"异议 #{objection.id} 处理：{said}；{resolution}"[:500],
    )
    return objection


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
        _post(session, batch, group, actor=actor)
        ledger.append(
            session,
            batch.village_id,
            "household_change",
            actor=actor,
            ref=f"review:{batch.id}",
            memo=f"公示期满 #{batch.id}：{len(group)}户计入积分",
        )
    return len(lines)
