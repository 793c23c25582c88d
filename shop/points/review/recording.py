"""Recording (录入): a recorder's entry for households of their villager groups, one batch with a
note and photos, posted at once when the village's setting needs no review."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.errors import DomainError
from shop.households.models import Household
from shop.ledger import review_grammar
from shop.points.models import ReviewBatch, ReviewLine, ReviewPhoto, Rule, RuleCategory
from shop.points.photos import MAX_PHOTOS, process_photo
from shop.points.review.decisions import decide
from shop.points.review.journal import journal_step
from shop.points.review.policy import needs_review, settings
from shop.text import plain_text

MAX_LINES = 300


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
            raise DomainError("reload_page", "client key longer than 64")
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
    numbers = [h.number for h in homes]
    memo = review_grammar.memo_record(batch.id, rule.name, rule.points, numbers, len(cleaned), note)
    journal_step(session, village_id, memo, actor=actor, batch_id=batch.id)
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
