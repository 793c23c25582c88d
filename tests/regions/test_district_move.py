"""A village moved to another district keeps the items it had from the old district as its own
(原区县), with their points, their on/off, its households' pending applications and history,
and takes the new district's items switched on (an old item of the same name gives way); the old
district's later changes no longer reach it, the new district's do; a move within the district
changes nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select

from kiosk.app import create_app
from kiosk.cli import register
from shop import households, regions, schema
from shop.ledger import sentences
from shop.models import Journal, PointsEntry, Rule, RuleCategory
from shop.points import applications, catalog
from shop.points import district_catalog as dc
from tests.regions.test_district_catalogue import ACTOR, _code, _memos, _own, published, tree

__all__ = ["published", "tree"]  # fixtures


def _rules(session, village) -> dict[str, list[Rule]]:
    found: dict[str, list[Rule]] = {}
    for cat, rules in catalog.rules_catalog(session, village.id, include_retired=True):
        for rule in rules:
            found.setdefault(rule.name, []).append(rule)
            assert rule.category is cat
    return found


def test_a_village_moved_to_another_district_keeps_its_items_and_takes_the_new_ones(
    session, tree, published
):
    cat, elders = published
    help_ = dc.add_district_rule(session, cat, "邻里互助", 2, 1, 3, actor=ACTOR)
    parents = dc.add_district_rule(session, cat, "孝敬父母", 2, 1, 3, actor=ACTOR)
    village = tree["n1"]
    mine, off = _own(session, village, elders), _own(session, village, help_)
    kept = _own(session, village, parents)
    dc.adjust_rule_points(session, mine, 5, actor="staff:a")
    dc.adjust_rule_points(session, kept, 3, actor="staff:a")
    catalog.set_rule_active(session, off, False, actor="staff:a")
    home = households.create_household(session, village, "01-001", "甲户主", actor="staff:a")
    award = applications.submit_application(session, home, kept, actor="phone")
    # The new district's catalogue: the same deed under the same code, one more, one retired.
    other_filial = dc.add_district_category(session, tree["other"], "filial", "孝老", actor=ACTOR)
    their_elders = dc.add_district_rule(session, other_filial, "照顾老人", 4, 2, 6, actor=ACTOR)
    clean = dc.add_district_category(session, tree["other"], "clean", "积美", actor=ACTOR)
    sorting = dc.add_district_rule(session, clean, "垃圾分类", 2, 1, 3, actor=ACTOR)
    gone = dc.add_district_rule(session, clean, "乱倒垃圾", -5, -8, -3, actor=ACTOR)
    dc.retire_district_rule(session, gone, actor=ACTOR)

    assert regions.move_village(session, village, tree["far"], actor="cli")

    # Kept as its own, marked with the district it came from; the same rows.
    assert (mine.district_rule_id, mine.former_district, mine.points) == (None, "南康区", 5)
    assert (off.district_rule_id, off.former_district, off.is_active) == (None, "南康区", False)
    assert not mine.is_active  # the new district's 照顾老人 takes its place
    taken = _own(session, village, their_elders)
    assert taken.is_active and taken.points == 4 and taken.category_id == mine.category_id
    assert _own(session, village, sorting).is_active
    assert _own(session, village, gone) is None
    heading = session.get(RuleCategory, mine.category_id)
    assert heading.district_category_id == other_filial.id and heading.name == "积孝"
    assert kept.is_active and kept.former_district == "南康区"
    memo = "district move from 南康区: 3 kept, to 上犹县: 2 taken, 1 replaced"
    assert memo in _memos(session, village)
    said = sentences.say("staff_change", f"village:{village.code}", memo)
    assert said is not None and said.fields["replaced"] == "1"
    # The pending application keeps its rule and is awarded at the points it had.
    applications.approve_application(session, village.id, award.id, actor="staff:a")
    entry = session.scalar(select(PointsEntry).where(PointsEntry.household_id == home.id))
    assert (entry.rule_id, entry.delta) == (kept.id, 3)

    # The old district's changes no longer reach it; the new district's do.
    before = len(_memos(session, village))
    dc.change_district_rule(session, elders, 2, 1, 3, actor=ACTOR)
    dc.retire_district_rule(session, help_, actor=ACTOR)
    assert len(_memos(session, village)) == before and mine.points == 5
    assert _own(session, tree["s1"], elders).points == 2
    dc.change_district_rule(session, their_elders, 3, 2, 6, actor=ACTOR)
    assert taken.points == 3
    # A kept item is the village's own now: it may switch it back on.
    catalog.set_rule_active(session, off, True, actor="staff:a")
    assert off.is_active


def test_a_move_within_the_district_changes_no_item(session, tree, published):
    _cat, elders = published
    village = tree["n1"]
    mine = _own(session, village, elders)
    count = session.scalar(select(Rule.id).where(Rule.category_id == mine.category_id).limit(1))
    assert regions.move_village(session, village, tree["south"], actor="cli")
    assert mine.district_rule_id == elders.id and mine.former_district == ""
    assert not any(m.startswith("district move") for m in _memos(session, village))
    dc.change_district_rule(session, elders, 4, 1, 5, actor=ACTOR)
    assert mine.points == 4 and count


def test_the_command_line_moves_a_village_and_its_page_marks_the_kept_items(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DEVICE": "GJG-K1"})
    schema.upgrade(app.extensions["kiosk_db"].engine)
    register(app)
    runner = app.test_cli_runner()
    try:
        for args in (
            ["region", "district", "NK", "南康区"],
            ["region", "township", "NK", "NK-TJ", "唐江镇"],
            ["region", "district", "SY", "上犹县"],
            ["region", "township", "SY", "SY-DS", "东山镇"],
            ["village", "create", "GJG", "高尖沟村", "--in", "NK-TJ"],
            ["region", "rules", "category", "NK", "filial", "积孝"],
            ["region", "rules", "add", "NK", "filial", "照顾老人", "3", "1", "5"],
            ["region", "rules", "category", "SY", "clean", "积美"],
            ["region", "rules", "add", "SY", "clean", "垃圾分类", "2", "1", "3"],
            ["village", "move", "GJG", "SY-DS"],
        ):
            done = runner.invoke(args=args)
            assert done.exit_code == 0, done.output
        with app.extensions["kiosk_db"].reader() as db:
            rows = {r.name: (r.district_rule_id is None, r.former_district, r.is_active)
                    for r in db.scalars(select(Rule))}  # fmt: skip
            memos = db.scalars(select(Journal.memo).where(Journal.memo.like("district move%")))
            moved = "district move from 南康区: 1 kept, to 上犹县: 1 taken, 0 replaced"
            assert list(memos) == [moved]
        assert rows == {"照顾老人": (True, "南康区", True), "垃圾分类": (False, "", True)}
    finally:
        app.extensions["kiosk_db"].engine.dispose()


_ = _code  # imported for the fixtures' module
