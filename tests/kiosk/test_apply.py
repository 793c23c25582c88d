"""双向积分认证 at the kiosk: a villager applies for points for a good deed; the panel decides."""

from __future__ import annotations

import re

from sqlalchemy import select

from shop.models import PointsApplication, Rule

from .conftest import screen_of
from .test_screens import _db, _household


def test_a_villager_applies_for_points_from_pictures_and_a_double_tap_sends_one(
    kiosk, app, passbooks
):
    row = passbooks["rich"]
    visit = kiosk.nonce(kiosk.scan(row["存折二维码"]))
    catalog = kiosk.post("/apply", {"visit": visit})
    assert screen_of(catalog) == ("apply", None)
    assert (
        "申请积分" in catalog.text
        and "积美" in catalog.text
        and "categories/clean.svg" in catalog.text
    )
    with _db(app).reader() as session:
        tidy = session.scalar(select(Rule).where(Rule.name == "庭院整洁"))
        dumping = session.scalar(select(Rule).where(Rule.name == "乱倒垃圾"))
    assert f'id="apply-rule-{tidy.id}"' in catalog.text
    assert f'id="apply-rule-{dumping.id}"' not in catalog.text  # nobody applies for a deduction
    sent = kiosk.post("/apply/submit", {"visit": visit, "rule": tidy.id})
    assert screen_of(sent) == ("applied", None)
    assert "申请已提交" in sent.text and "庭院整洁 +5" in sent.text
    again = kiosk.post("/apply/submit", {"visit": visit, "rule": tidy.id})  # the double tap
    assert screen_of(again) == ("applied", None)
    with _db(app).reader() as session:
        household = _household(app, row["户号"])
        made = session.scalars(
            select(PointsApplication).where(PointsApplication.household_id == household.id)
        ).all()
    assert [(a.rule_id, a.state, a.submitted_by) for a in made] == [
        (tidy.id, "pending", "kiosk:K01")
    ]
    assert household.balance == int(row["积分余额"])  # nothing is awarded until the panel approves
    back = kiosk.post("/back", {"visit": visit})
    assert screen_of(back) == ("household", None)


def test_applying_for_a_deduction_or_another_villages_rule_is_refused(kiosk, passbooks, app):
    visit = kiosk.nonce(kiosk.scan(passbooks["rich"]["存折二维码"]))
    with _db(app).reader() as session:
        dumping = session.scalar(select(Rule).where(Rule.name == "乱倒垃圾"))
    refused = kiosk.post("/apply/submit", {"visit": visit, "rule": dumping.id})
    assert screen_of(refused) == ("error", "unknown_rule")
    missing = kiosk.post("/apply/submit", {"visit": visit, "rule": 999999})
    assert screen_of(missing) == ("error", "unknown_rule")
    stale = kiosk.post("/apply/submit", {"visit": "not-the-visit", "rule": 1})
    assert screen_of(stale)[0] != "applied"
    assert re.search(r'data-screen="(household|waiting|error)"', stale.text)
