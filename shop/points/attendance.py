"""Sign-up (报名) and attendance (签到) for activities (shop.points.activities).

A household is signed up by staff, or as it comes when its passbook (积分存折) or phone query code
(查询码) is scanned at the activity (`is_walk_in`), while places remain. Attendance is a scan or a
tick; a second scan of the same household changes nothing, and unticking undoes a mistaken scan.
Each sign-up keeps who took it and when; attendance keeps who marked it, when and how.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from shop.base import utcnow
from shop.errors import DomainError
from shop.households import codes
from shop.households.models import Household
from shop.households.operations import lookup_passbook
from shop.households.query_codes import lookup_query_code
from shop.points.models import Activity, ActivitySignup


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


def ensure_open(activity: Activity) -> None:
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
    ensure_open(activity)
    found = _signup_of(session, activity, household.id)
    if found is not None:
        return found, False
    return _new_signup(session, activity, household, actor=actor, walk_in=False), True


def cancel_signup(session: Session, activity: Activity, signup_id: int, *, actor: str) -> None:
    """A household leaves the list before it has attended."""
    ensure_open(activity)
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
    raw = (raw or "").strip()
    if "/" in raw:  # the query code's QR carries the phone page's link, .../m/c/<code>
        raw = raw.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    code = codes.normalize(raw)
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
    if how not in ("scan", "tick"):  # the caller's word for how it was marked, not a person's
        raise DomainError("invalid_input", "how")
    ensure_open(activity)
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
    ensure_open(activity)
    household = household_of_code(session, raw)
    return mark_attended(session, activity, household, actor=actor, how="scan")


def set_ticks(
    session: Session, activity: Activity, present_ids: set[int], *, actor: str
) -> tuple[int, int]:
    """The list ticked by hand: the ticked sign-ups attended, the unticked ones did not (a scan
    taken by mistake is undone here). Returns (newly present, no longer present)."""
    ensure_open(activity)
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


def households_to_sign_up(
    session: Session, activity: Activity, search: str = "", limit: int = 60
) -> list[Household]:
    """Active households of the village not yet on the activity's list, by number or name."""
    signed = select(ActivitySignup.household_id).where(ActivitySignup.activity_id == activity.id)
    query = (
        select(Household)
        .where(
            Household.village_id == activity.village_id,
            Household.status == "active",
            Household.merged_into_id.is_(None),
            Household.id.not_in(signed),
        )
        .order_by(Household.number)
    )
    search = (search or "").strip()
    if search:
        query = query.where(
            Household.number.contains(search) | Household.head_name.contains(search)
        )
    return list(session.scalars(query.limit(limit)))
