"""活动 at the kiosk (issue 18): a household signs itself up for a coming activity from the apply
screen with one tap; a full or another village's activity is refused in words."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from shop.models import Household, Rule, Village
from shop.points import activities

from .conftest import screen_of
from .test_screens import _db


def _activity(app, *, capacity=None, name="村屯绿化"):
    with _db(app).writer() as session, session.begin():
        village = session.scalar(select(Village))
        rule = session.scalar(select(Rule).where(Rule.is_active, Rule.points > 0).limit(1))
        made = activities.create_activity(
            session,
            village.id,
            rule,
            name=name,
            held_on=dt.date.today() + dt.timedelta(days=3),
            place="村口",
            capacity=capacity,
            actor="test",
        )
        return made.id, rule.points


def test_a_household_signs_up_at_the_kiosk_and_the_screen_says_so(app, kiosk, passbooks):
    activity_id, points = _activity(app)
    row = passbooks["active"][2]
    visit = kiosk.nonce(kiosk.scan(row["存折二维码"]))
    shown = kiosk.post("/apply", {"visit": visit})
    assert screen_of(shown) == ("apply", None)
    assert "村里的活动" in shown.text and "村屯绿化" in shown.text and f"+{points}" in shown.text
    assert f'id="signup-{activity_id}"' in shown.text
    signed = kiosk.post("/activity", {"visit": visit, "activity": str(activity_id)})
    assert screen_of(signed) == ("apply", None)
    assert "报名成功：村屯绿化" in signed.text
    assert f'id="signup-{activity_id}"' not in signed.text and "已报名" in signed.text
    again = kiosk.post("/activity", {"visit": visit, "activity": str(activity_id)})
    assert screen_of(again) == ("apply", None)  # a second tap signs up once
    with _db(app).reader() as session:
        household = session.scalar(select(Household).where(Household.number == row["户号"]))
        assert activities.signed_up(session, household.id, [activity_id]) == {activity_id}
        assert activities.counts(session, [activity_id])[activity_id].signed == 1


def test_a_full_activity_is_refused_in_words_and_junk_is_a_problem(app, kiosk, passbooks):
    activity_id, _ = _activity(app, capacity=1, name="防火巡逻")
    first = kiosk.nonce(kiosk.scan(passbooks["active"][3]["存折二维码"]))
    kiosk.post("/activity", {"visit": first, "activity": str(activity_id)})
    kiosk.post("/reset", {})
    second = kiosk.nonce(kiosk.scan(passbooks["active"][4]["存折二维码"]))
    full = kiosk.post("/activity", {"visit": second, "activity": str(activity_id)})
    assert screen_of(full) == ("apply", None)
    assert full.status_code >= 400
    assert 'id="apply-notice"' in full.text
    assert screen_of(kiosk.post("/activity", {"visit": second, "activity": "x"})) == (
        "error",
        "problem",
    )
    assert screen_of(kiosk.post("/activity", {"visit": second, "activity": "999999"}))[0] == (
        "apply"
    )


def test_honour_points_show_on_the_household_screen_only_where_the_village_wants(
    app, kiosk, passbooks
):
    from shop.points import honour

    row = passbooks["active"][5]
    first = kiosk.scan(row["存折二维码"])
    assert 'id="honour"' not in first.text
    kiosk.post("/reset", {})
    with _db(app).writer() as session, session.begin():
        village = session.scalar(select(Village))
        honour.set_shown(session, village.id, True, actor="test")
        household = session.scalar(select(Household).where(Household.number == row["户号"]))
        expected = honour.total(session, household.id)
    shown = kiosk.scan(row["存折二维码"])
    assert f'<p class="balance-honour" id="honour">荣誉积分 {expected}</p>' in shown.text
