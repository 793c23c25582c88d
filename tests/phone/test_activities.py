"""活动 on the phone: a household sees the village's coming activities and signs itself up with
one tap; a full activity says so in Chinese; the list the panel sees has it."""

from __future__ import annotations

from sqlalchemy import select

from shop import clock
from shop.db import unit_of_work
from shop.models import ActivitySignup, Rule, Village
from shop.points import activities
from tests.phone.conftest import issue_code


def _activity(app, *, capacity=None, name="防火巡逻") -> int:
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        village = s.scalar(select(Village).order_by(Village.id).limit(1))
        rule = s.scalar(select(Rule).where(Rule.points > 0).order_by(Rule.id).limit(1))
        made = activities.create_activity(
            s, village.id, rule, name=name, held_on=clock.today(), place="后山",
            capacity=capacity, actor="staff:panel",
        )  # fmt: skip
        return made.id


def test_a_household_signs_itself_up_from_the_phone(app, phone):
    activity_id = _activity(app)
    code, household_id = issue_code(app)
    villager = phone()
    villager.sign_in(code)
    assert "村里的活动" in villager.get("/m/").text
    page = villager.get("/m/activities")
    assert page.status_code == 200 and "防火巡逻" in page.text and "后山" in page.text
    done = villager.post(
        f"/m/activities/{activity_id}/signup", token_from="/m/activities", follow_redirects=True
    )
    assert "报名成功" in done.text and "已报名" in done.text
    with app.extensions["kiosk_db"].reader() as s:
        signup = s.scalar(select(ActivitySignup).where(ActivitySignup.activity_id == activity_id))
        assert (signup.household_id, signup.signed_by) == (
            household_id,
            f"phone:{signup.household.number}",
        )


def test_a_full_activity_says_so_and_a_signed_out_phone_is_asked_to_sign_in(app, phone):
    activity_id = _activity(app, capacity=1, name="村屯绿化")
    first, _ = issue_code(app, "01-001")
    second, _ = issue_code(app, "01-002")
    a, b = phone(), phone()
    a.sign_in(first)
    b.sign_in(second)
    a.post(f"/m/activities/{activity_id}/signup", token_from="/m/activities")
    full = b.post(f"/m/activities/{activity_id}/signup", token_from="/m/activities")
    assert full.status_code == 409 and "这个活动报名已满" in full.text
    assert phone().get("/m/activities").status_code == 401


def test_the_phone_shows_honour_points_where_the_village_turns_them_on(app, phone):
    from shop.points import honour

    code, household_id = issue_code(app)
    villager = phone()
    villager.sign_in(code)
    assert 'id="honour"' not in villager.get("/m/").text
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        village = s.scalar(select(Village).order_by(Village.id).limit(1))
        honour.set_shown(s, village.id, True, actor="staff:boss")
        earned = honour.total(s, household_id)
    assert f"荣誉积分{earned}分" in villager.get("/m/").text
