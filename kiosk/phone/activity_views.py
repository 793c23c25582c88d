"""活动 on the phone: the village's coming activities, and signing the household up (报名) with
one tap. Attendance is taken at the activity (the back-office's 签到 page); the points go to
the panel's review when the activity ends."""

from __future__ import annotations

from flask import redirect, render_template, url_for

from kiosk import i18n
from kiosk.db import reading, writing
from shop import clock
from shop.errors import DomainError
from shop.phone import reads
from shop.points import activities

from .access import Phone
from .views import bp, signed_in


@bp.get("/activities")
@signed_in
def activities_page(phone: Phone, *, error: str | None = None, status: int = 200):
    with reading() as session:
        h = reads.household(session, phone.household_id)
        coming = activities.upcoming(session, phone.village_id, clock.today())
        ids = [a.id for a in coming]
        body = render_template(
            "phone/activities.html",
            h=h,
            coming=coming,
            mine=activities.signed_up(session, phone.household_id, ids),
            counts=activities.counts(session, ids),
            error=error,
            page="activities",
        )
    return body, status


@bp.post("/activities/<int:activity_id>/signup")
@signed_in
def activity_signup(phone: Phone, activity_id: int):
    try:
        with writing() as session:
            h = reads.household(session, phone.household_id)
            activity = activities.get_activity(session, phone.village_id, activity_id)
            activities.sign_up(session, activity, h, actor=f"phone:{h.number}")
    except DomainError as exc:
        return activities_page.__wrapped__(phone, error=i18n.error_text(exc), status=exc.status)
    return redirect(url_for("phone.activities_page", signed=activity_id), 303)
