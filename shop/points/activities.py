"""Activities (活动): 义务劳动, 防火巡逻, 村屯绿化 ... awarded together, not household by household.

The panel (or the admin) creates an activity: a deed of the catalogue (its points are the deed's),
a day, a place and an optional number of places. Staff sign households up (报名). At the activity
attendance is taken (签到) by scanning a household's passbook or its phone query code (查询码),
or by ticking its name; a household that comes without having signed up is signed up as it is
scanned (现场报名), while places remain. Photos of the activity may be added.

Closing the activity sends the households that attended to the panel's review as ONE batch
(`shop.points.review.record_entry`, the same path as a recorder's entry, with the activity's
photos): nothing is posted here. The panel approves or rejects it like any recorded entry, the
notice period (公示期) applies, and the points count through the one award path
(`shop.points.operations.post_points`). A cancelled activity (rain, a fire ban) sends nothing.

Creating, closing, cancelling and adding a photo are journal rows (`household_change`, ref
`activity:<id>`); each sign-up and attendance keeps who took it and when in its own row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from shop import ledger
from shop.base import utcnow
from shop.errors import DomainError
from shop.points import review
from shop.points.attendance import (  # noqa: F401  (one place to call for an activity)
    Attendance,
    attend_by_code,
    cancel_signup,
    ensure_open,
    household_of_code,
    households_to_sign_up,
    mark_attended,
    set_ticks,
    sign_up,
    signups,
)
from shop.points.models import (
    Activity,
    ActivityPhoto,
    ActivitySignup,
    ReviewBatch,
    Rule,
    RuleCategory,
)
from shop.points.photos import MAX_PHOTOS, process_photo
from shop.text import plain_text

MAX_CAPACITY = review.MAX_LINES  # everyone who attends goes into one review batch


def _ref(activity: Activity) -> str:
    return f"activity:{activity.id}"


def _journal(session: Session, activity: Activity, memo: str, actor: str) -> None:
    ledger.append(
        session,
        activity.village_id,
        "household_change",
        actor=actor,
        ref=_ref(activity),
        memo=memo[:500],
    )


# --- creating --------------------------------------------------------------------------------


def create_activity(
    session: Session,
    village_id: int,
    rule: Rule,
    *,
    name: str,
    held_on: dt.date,
    place: str = "",
    capacity: int | None = None,
    actor: str,
) -> Activity:
    """A new activity awarding `rule`'s points to each household that attends."""
    category = session.get(RuleCategory, rule.category_id)
    if category is None or category.village_id != village_id:
        raise DomainError("unknown_rule")
    if not rule.is_active:
        raise DomainError("rule_retired", rule.name)
    if rule.points <= 0:
        raise DomainError("activity_needs_award", rule.name)
    name = plain_text(name or "", "name", max_length=200) or rule.name
    place = plain_text(place or "", "place", max_length=200)
    if not isinstance(held_on, dt.date):
        raise DomainError("invalid_date", "date")
    if capacity is not None and not 1 <= capacity <= MAX_CAPACITY:
        raise DomainError("invalid_capacity", str(MAX_CAPACITY))
    activity = Activity(
        village_id=village_id,
        rule_id=rule.id,
        name=name,
        held_on=held_on,
        place=place,
        capacity=capacity,
        state="open",
        created_by=actor[:64],
    )
    session.add(activity)
    session.flush()
    _journal(
        session,
        activity,
        f"activity create {held_on.isoformat()} {rule.points:+d} places {capacity or 'any'}: "
        f"{name}" + (f" @ {place}" if place else ""),
        actor,
    )
    return activity


def get_activity(session: Session, village_id: int, activity_id: int) -> Activity:
    found = session.get(Activity, activity_id)
    if found is None or found.village_id != village_id:
        raise DomainError("not_found", f"activity {activity_id}")
    return found


def list_activities(session: Session, village_id: int, limit: int = 100) -> list[Activity]:
    """Open activities first (soonest first), then the closed and cancelled, newest first."""
    rows = list(
        session.scalars(
            select(Activity)
            .options(selectinload(Activity.rule))
            .where(Activity.village_id == village_id)
            .order_by(Activity.held_on.desc(), Activity.id.desc())
            .limit(limit)
        )
    )
    open_ = sorted((a for a in rows if a.state == "open"), key=lambda a: (a.held_on, a.id))
    return open_ + [a for a in rows if a.state != "open"]


@dataclass(frozen=True)
class Counts:
    signed: int
    attended: int


def counts(session: Session, activity_ids: list[int]) -> dict[int, Counts]:
    """Sign-ups and attendance of some activities, in one query."""
    if not activity_ids:
        return {}
    rows = session.execute(
        select(
            ActivitySignup.activity_id,
            func.count(ActivitySignup.id),
            func.count(ActivitySignup.attended_at),
        )
        .where(ActivitySignup.activity_id.in_(activity_ids))
        .group_by(ActivitySignup.activity_id)
    ).all()
    found = {row[0]: Counts(int(row[1]), int(row[2])) for row in rows}
    return {i: found.get(i, Counts(0, 0)) for i in activity_ids}


# --- photos ----------------------------------------------------------------------------------


def add_photos(
    session: Session, activity: Activity, uploads: list[bytes], *, actor: str
) -> list[ActivityPhoto]:
    """Photos of the activity: checked, re-encoded and stripped as a recorder's are; at most
    four in all, since they go with the review batch."""
    ensure_open(activity)
    have = session.scalar(
        select(func.count(ActivityPhoto.id)).where(ActivityPhoto.activity_id == activity.id)
    )
    if not uploads:
        raise DomainError("invalid_picture", "empty")
    if have + len(uploads) > MAX_PHOTOS:
        raise DomainError("too_many_photos", str(MAX_PHOTOS))
    cleaned = [process_photo(data) for data in uploads]  # refuses before anything is written
    added = []
    for photo in cleaned:
        row = ActivityPhoto(
            activity_id=activity.id,
            village_id=activity.village_id,
            width=photo.width,
            height=photo.height,
            sha256=photo.sha256,
            content=photo.content,
        )
        session.add(row)
        added.append(row)
    session.flush()
    _journal(session, activity, f"activity photos {len(added)}", actor)
    return added


def activity_photo(session: Session, village_id: int, photo_id: int) -> ActivityPhoto:
    found = session.get(ActivityPhoto, photo_id)
    if found is None or found.village_id != village_id:
        raise DomainError("not_found", f"photo {photo_id}")
    return found


# --- closing --------------------------------------------------------------------------------


def close_activity(session: Session, activity: Activity, *, actor: str) -> ReviewBatch | None:
    """结束活动: the households present go to the panel's review as one batch, with the photos.
    A household that is no longer active (paused, merged) is left out and counted in the journal
    row. Returns the batch (None when nobody attended)."""
    ensure_open(activity)
    rule = session.get(Rule, activity.rule_id)
    present = [s for s in signups(session, activity) if s.attended_at is not None]
    eligible = [
        s.household
        for s in present
        if s.household.status == "active" and s.household.merged_into_id is None
    ]
    batch = None
    if eligible:
        note = f"活动：{activity.name} {activity.held_on.isoformat()}"
        if activity.place:
            note += f" {activity.place}"
        batch = review.record_entry(
            session,
            activity.village_id,
            rule,
            [h.id for h in eligible],
            actor=actor,
            groups=None,  # an activity is the village's: not confined to a recorder's groups
            note=note[:500],
            photos=[p.content for p in activity.photos],
            client_key=f"activity:{activity.id}",
        )
    activity.state, activity.closed_by, activity.closed_at = "closed", actor[:64], utcnow()
    activity.batch_id = batch.id if batch else None
    session.flush()
    left_out = len(present) - len(eligible)
    said = f"activity close: attended {len(present)}"
    said += f", left out {left_out}" if left_out else ""
    said += f", review {batch.id}" if batch else ", review none"
    _journal(session, activity, said, actor)
    return batch


def cancel_activity(session: Session, activity: Activity, reason: str, *, actor: str) -> None:
    """取消活动: nothing is sent for review; the reason is kept."""
    ensure_open(activity)
    reason = plain_text(reason or "", "reason", max_length=500)
    if not reason:
        raise DomainError("reason_required")
    activity.state, activity.reason = "cancelled", reason
    activity.closed_by, activity.closed_at = actor[:64], utcnow()
    session.flush()
    _journal(session, activity, f"activity cancel: {reason}", actor)


def upcoming(session: Session, village_id: int, today: dt.date) -> list[Activity]:
    """Open activities from today on, soonest first: what a household may still sign up for."""
    return list(
        session.scalars(
            select(Activity)
            .options(selectinload(Activity.rule))
            .where(
                Activity.village_id == village_id,
                Activity.state == "open",
                Activity.held_on >= today,
            )
            .order_by(Activity.held_on, Activity.id)
            .limit(50)
        )
    )


def signed_up(session: Session, household_id: int, activity_ids: list[int]) -> set[int]:
    """Which of these activities the household is on the list of."""
    if not activity_ids:
        return set()
    return set(
        session.scalars(
            select(ActivitySignup.activity_id).where(
                ActivitySignup.household_id == household_id,
                ActivitySignup.activity_id.in_(activity_ids),
            )
        )
    )
