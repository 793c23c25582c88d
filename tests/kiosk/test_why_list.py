"""The kiosk's "why" list (为什么是这些分): every entry says in words what moved the points, never
the journal's memo (`merge 09-003 -> 01-001`) or reference."""

from __future__ import annotations

import re

from sqlalchemy import select

from shop import points
from shop.db import unit_of_work
from shop.households import roster, split_merge
from shop.models import Household, Village


def test_a_merge_reads_as_words_in_the_why_list(app, kiosk, passbooks):
    rich = passbooks["rich"]
    with unit_of_work(app.extensions["kiosk_db"].writer) as db:
        keep = db.scalar(select(Household).where(Household.number == rich["户号"]))
        village = db.get(Village, keep.village_id)
        other = roster.add_household(db, village, "99-001", "周大", actor="staff:admin")
        points.award_points(db, other, delta=8, actor="staff:admin", memo="清扫门前")
        split_merge.merge_households(db, keep, other, expected_balance=8, actor="staff:admin")
    screen = kiosk.scan(rich["存折二维码"]).text
    assert "分户合户，积分转移" in screen
    assert not re.search(r"\bmerge\b|->|household:", screen)
