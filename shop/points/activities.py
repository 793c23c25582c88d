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
from shop.households import codes
from shop.households.models import Household
from shop.households.operations import lookup_passbook
from shop.households.query_codes import lookup_query_code
from shop.points import review
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
        raise DomainError("invalid_input", "date")
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


def signups(session: Session, activity: Activity) -> list[ActivitySignup]:
    return list(
        session.scalars(
            select(ActivitySignup)
            .options(selectinload(ActivitySignup.household))
            .join(Household, Household.id == ActivitySignup.household_id)
            .where(ActivitySignup.activity_id == activity.id)
            .order_by(Household.number)
        )
    )


# --- sign-up (报名) and attendance (签到) -------------------------------------------------------


def _open(activity: Activity) -> None:
    if activity.state != "open":
        raise DomainError("activity_closed", activity.name)


def _signup_of(session: Session, activity: Activity, household_id: int) -> ActivitySignup | None:
    return session.scalar(
        select(ActivitySignup).where(
            ActivitySignup.activity_id == activity.id,
            ActivitySignup.household_id == household_id,
        )
    )


def _new_signup(
    session: Session, activity: Activity, household: Household, *, actor: str, walk_in: bool
) -> ActivitySignup:
    if household.village_id != activity.village_id:
        raise DomainError("unknown_household")
    if household.merged_into_id is not None:
        raise DomainError("household_merged", household.number)
    if household.status != "active":
        raise DomainError("household_inactive", household.number)
    if activity.capacity is not None:
        taken = session.scalar(
            select(func.count(ActivitySignup.id)).where(ActivitySignup.activity_id == activity.id)
        )
        if taken >= activity.capacity:
            raise DomainError("activity_full", str(activity.capacity))
    signup = ActivitySignup(
        activity_id=activity.id,
        village_id=activity.village_id,
        household_id=household.id,
        signed_by=actor[:64],
        is_walk_in=walk_in,
    )
    session.add(signup)
    session.flush()
    return signup


def sign_up(
    session: Session, activity: Activity, household: Household, *, actor: str
) -> tuple[ActivitySignup, bool]:
    """报名: the household on the activity's list. Returns (sign-up, True if it was new); a
    second sign-up of the same household is the first."""
    _open(activity)
    found = _signup_of(session, activity, household.id)
    if found is not None:
        return found, False
    return _new_signup(session, activity, household, actor=actor, walk_in=False), True


def cancel_signup(session: Session, activity: Activity, signup_id: int, *, actor: str) -> None:
    """A household leaves the list before it has attended."""
    _open(activity)
    signup = session.get(ActivitySignup, signup_id)
    if signup is None or signup.activity_id != activity.id:
        raise DomainError("not_found", f"signup {signup_id}")
    if signup.attended_at is not None:
        raise DomainError("already_attended", signup.household.number)
    session.delete(signup)
    session.flush()


def household_of_code(session: Session, raw: str) -> Household:
    """Whose passbook (积分存折) or phone query code (查询码) this is; refusals as at the kiosk
    (unknown_code, damaged_code, passbook_revoked, query_code_revoked, ...)."""
    code = codes.normalize(raw or "")
    if code is not None and codes.kind_of(code) == "query":
        return lookup_query_code(session, code).household
    return lookup_passbook(session, raw).household


@dataclass(frozen=True)
class Attendance:
    signup: ActivitySignup
    household: Household
    is_new: bool  # False: this household had already been marked present
    is_walk_in: bool  # True: it came without signing up and was signed up as it was scanned


def mark_attended(
    session: Session,
    activity: Activity,
    household: Household,
    *,
    actor: str,
    how: str,
    walk_in: bool = True,
) -> Attendance:
    """签到: the household was there. A household not on the list is signed up as it comes
    (`walk_in`), while places remain. Marking twice is harmless."""
    if how not in ("scan", "tick"):
        raise DomainError("invalid_input", "how")
    _open(activity)
    signup = _signup_of(session, activity, household.id)
    if signup is None:
        if not walk_in:
            raise DomainError("not_signed_up", household.number)
        signup = _new_signup(session, activity, household, actor=actor, walk_in=True)
    if signup.attended_at is not None:
        return Attendance(signup, household, False, signup.is_walk_in)
    signup.attended_at, signup.attended_by, signup.how = utcnow(), actor[:64], how
    session.flush()
    return Attendance(signup, household, True, signup.is_walk_in)


def attend_by_code(session: Session, activity: Activity, raw: str, *, actor: str) -> Attendance:
    """A scanned passbook or query code at the activity (a wedge scanner typing into the page,
    or the phone's camera)."""
    _open(activity)
    household = household_of_code(session, raw)
    return mark_attended(session, activity, household, actor=actor, how="scan")


def set_ticks(
    session: Session, activity: Activity, present_ids: set[int], *, actor: str
) -> tuple[int, int]:
    """The list ticked by hand: the ticked sign-ups attended, the unticked ones did not (a scan
    taken by mistake is undone here). Returns (newly present, no longer present)."""
    _open(activity)
    added = removed = 0
    now = utcnow()
    for signup in signups(session, activity):
        if signup.id in present_ids and signup.attended_at is None:
            signup.attended_at, signup.attended_by, signup.how = now, actor[:64], "tick"
            added += 1
        elif signup.id not in present_ids and signup.attended_at is not None:
            signup.attended_at, signup.attended_by, signup.how = None, None, None
            removed += 1
    session.flush()
    return added, removed


# --- photos ----------------------------------------------------------------------------------


def add_photos(
    session: Session, activity: Activity, uploads: list[bytes], *, actor: str
) -> list[ActivityPhoto]:
    """Photos of the activity: checked, re-encoded and stripped as a recorder's are; at most
    four in all, since they go with the review batch."""
    _open(activity)
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
    _open(activity)
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
    _open(activity)
    reason = plain_text(reason or "", "reason", max_length=500)
    if not reason:
        raise DomainError("reason_required")
    activity.state, activity.reason = "cancelled", reason
    activity.closed_by, activity.closed_at = actor[:64], utcnow()
    session.flush()
    _journal(session, activity, f"activity cancel: {reason}", actor)
