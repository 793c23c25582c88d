"""A village's own say on the district's items, recorded rather than guessed (SQLite and
PostgreSQL): points the village set stay its own through the district's changes even when they
equal the district's, until it goes back to 跟随区县; a switched-off item stays off when the
district brings it back; the district renames and brings back items in every village, each
change journaled and read as a sentence."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from kiosk.app import create_app
from kiosk.cli import register
from shop import regions, schema
from shop.errors import DomainError
from shop.ledger import catalogue_grammar as words
from shop.ledger import sentences
from shop.models import DistrictRule, Journal, Rule
from shop.points import catalog
from shop.points import district_catalog as dc
from shop.points import district_edits as edits
from tests.conftest import new_backend
from tests.regions.test_district_catalogue import ACTOR, _code, _memos, _own, published, tree

__all__ = ["published", "tree"]  # fixtures


def test_points_a_village_set_to_the_districts_own_value_stay_its_own(session, tree, published):
    _cat, rule = published
    pinned, follows = _own(session, tree["n1"], rule), _own(session, tree["s1"], rule)
    dc.adjust_rule_points(session, pinned, 3, actor="staff:a")
    assert pinned.is_points_set_by_village and not follows.is_points_set_by_village
    assert "keep points +3: 照顾老人" in _memos(session, tree["n1"])
    dc.change_district_rule(session, rule, 4, 1, 5, actor=ACTOR)
    assert (pinned.points, follows.points) == (3, 4)
    # The new range still binds it: clamped, still its own.
    dc.change_district_rule(session, rule, 6, 4, 8, actor=ACTOR)
    assert (pinned.points, follows.points) == (4, 6) and pinned.is_points_set_by_village


def test_a_village_goes_back_to_following_the_district(session, tree, published):
    _cat, rule = published
    mine = _own(session, tree["n1"], rule)
    dc.adjust_rule_points(session, mine, 5, actor="staff:a")
    dc.change_district_rule(session, rule, 2, 1, 5, actor=ACTOR)
    assert mine.points == 5
    dc.follow_district_points(session, mine, actor="staff:a")
    assert mine.points == 2 and not mine.is_points_set_by_village
    assert "follow district points +5 -> +2: 照顾老人" in _memos(session, tree["n1"])
    dc.change_district_rule(session, rule, 4, 1, 5, actor=ACTOR)
    assert mine.points == 4
    # Following twice writes nothing more; an own item has no district to follow.
    before = len(_memos(session, tree["n1"]))
    dc.follow_district_points(session, mine, actor="staff:a")
    assert len(_memos(session, tree["n1"])) == before
    local_cat = catalog.add_category(session, tree["n1"], "local", "本村", actor="staff:a")
    local = catalog.add_rule(session, local_cat, "防溺水宣传", 2, actor="staff:a")
    with pytest.raises(DomainError) as refused:
        dc.follow_district_points(session, local, actor="staff:a")
    assert refused.value.code == "not_district_rule"


def test_the_choices_read_as_sentences(session, tree, published):
    _cat, rule = published
    mine = _own(session, tree["n1"], rule)
    dc.adjust_rule_points(session, mine, 3, actor="staff:a")
    dc.adjust_rule_points(session, mine, 4, actor="staff:a")
    dc.follow_district_points(session, mine, actor="staff:a")
    rows = session.execute(
        select(Journal.kind, Journal.ref, Journal.memo).where(
            Journal.village_id == tree["n1"].id, Journal.kind == "staff_change"
        )
    ).all()
    said = {memo: sentences.say(kind, ref, memo) for kind, ref, memo in rows}
    assert all(s is not None for s in said.values()), said
    assert said["keep points +3: 照顾老人"].fields["name"] == "照顾老人"


def test_0021_reads_the_villages_choices_from_existing_rows(backend_name, tmp_path):
    """Points that differ from the district's were set by the village (as they were judged
    before); an item off while the district's is on was switched off by the village."""
    backend = new_backend(backend_name, tmp_path, create=False)
    try:
        schema.upgrade(backend.engine, "0020")
        with backend.engine.begin() as conn:
            run = conn.execute
            run(text("INSERT INTO districts (code, name, created_at) "
                     "VALUES ('D', '南康区', CURRENT_TIMESTAMP)"))  # fmt: skip
            run(text("INSERT INTO villages (code, name, created_at) "
                     "VALUES ('V', '甲村', CURRENT_TIMESTAMP)"))  # fmt: skip
            run(text("INSERT INTO district_rule_categories "
                     "(district_id, code, name, name_en, sort_order, changed_by, changed_at) "
                     "SELECT id, 'filial', '积孝', '', 0, 'x', CURRENT_TIMESTAMP "
                     "FROM districts"))  # fmt: skip
            for name, active in (("甲", True), ("乙", True), ("丙", False)):
                run(text("INSERT INTO district_rules (district_id, category_id, name, name_en, "
                         "points, points_min, points_max, is_active, changed_by, changed_at) "
                         "SELECT district_id, id, :n, '', 3, 1, 5, :a, 'x', CURRENT_TIMESTAMP "
                         "FROM district_rule_categories"), {"n": name, "a": active})  # fmt: skip
            run(text("INSERT INTO rule_categories (village_id, code, name, name_en, sort_order, "
                     "district_category_id) SELECT v.id, 'filial', '积孝', '', 0, c.id "
                     "FROM villages v, district_rule_categories c"))  # fmt: skip
            for name, points, active in (("甲", 3, True), ("乙", 5, False), ("丙", 3, False)):
                run(text("INSERT INTO rules (category_id, name, name_en, points, is_active, "
                         "district_rule_id) SELECT c.id, d.name, '', :p, :a, d.id "
                         "FROM rule_categories c, district_rules d WHERE d.name = :n"),
                    {"n": name, "p": points, "a": active})  # fmt: skip
            run(text("INSERT INTO rules (category_id, name, name_en, points, is_active) "
                     "SELECT id, '本村', '', 2, FALSE FROM rule_categories"))  # fmt: skip
        schema.upgrade(backend.engine, "0021")
        with backend.engine.connect() as conn:
            got = dict(
                (name, (bool(pts), bool(off)))
                for name, pts, off in conn.execute(
                    text("SELECT name, is_points_set_by_village, is_off_by_village FROM rules")
                )
            )
        assert got == {
            "甲": (False, False),
            "乙": (True, True),
            "丙": (False, False),  # off because the district retired it
            "本村": (False, False),
        }
        schema.downgrade(backend.engine, "0020")
        schema.upgrade(backend.engine, "0021")
    finally:
        backend.dispose()


def test_a_renamed_item_and_category_reach_every_village(session, tree, published):
    cat, rule = published
    # s1's heading is its own (a category of the same code it had, which took the district's
    # items): it keeps its name through the district's rename.
    _own(session, tree["s1"], rule).category.name = "孝老"
    edits.rename_district_rule(session, rule, "照料老人", "Elder care", actor=ACTOR)
    for key in ("n1", "s1"):
        mine = _own(session, tree[key], rule)
        assert (mine.name, mine.name_en) == ("照料老人", "Elder care")
        assert "district rename: 照顾老人 -> 照料老人" in _memos(session, tree[key])
    assert not edits.rename_district_rule(session, rule, " 照料老人 ", "Elder care", actor=ACTOR)
    with pytest.raises(DomainError) as refused:
        edits.rename_district_rule(session, rule, "  ", actor=ACTOR)
    assert refused.value.code == "rule_name_required"
    edits.rename_district_category(session, cat, "孝亲", "Filial piety", actor=ACTOR)
    heading = _own(session, tree["n1"], rule).category
    assert (heading.name, heading.name_en) == ("孝亲", "Filial piety")
    assert "district category rename: 积孝 -> 孝亲" in _memos(session, tree["n1"])
    assert _own(session, tree["s1"], rule).category.name == "孝老"
    assert not any("孝亲" in m for m in _memos(session, tree["s1"]))
    assert _own(session, tree["f1"], rule) is None
    assert not any("孝亲" in m or "照料" in m for m in _memos(session, tree["f1"]))


def test_an_item_brought_back_is_on_except_where_the_village_had_switched_it_off(
    session, tree, published
):
    _cat, rule = published
    off = _own(session, tree["s1"], rule)
    catalog.set_rule_active(session, off, False, actor="staff:b")
    dc.retire_district_rule(session, rule, actor=ACTOR)
    # Opened while it was retired: the village never had it.
    later = regions.create_village(session, _code("V"), "n2村", region=tree["north"])
    dc.take_district_rules(session, later, actor=ACTOR)
    assert _own(session, later, rule) is None
    on = edits.restore_district_rule(session, rule, actor=ACTOR)
    assert on == 2 and rule.is_active
    assert _own(session, tree["n1"], rule).is_active
    assert not _own(session, tree["s1"], rule).is_active
    assert _own(session, later, rule).is_active
    assert _own(session, tree["f1"], rule) is None
    assert "district restore: 照顾老人" in _memos(session, tree["n1"])
    assert "district restore, off here: 照顾老人" in _memos(session, tree["s1"])
    assert "district restore: 照顾老人" in _memos(session, later)
    # The village may switch it on again now, and adjust it.
    catalog.set_rule_active(session, off, True, actor="staff:b")
    dc.adjust_rule_points(session, off, 4, actor="staff:b")
    assert off.is_active and off.points == 4
    assert edits.restore_district_rule(session, rule, actor=ACTOR) == 0


def test_unticked_at_opening_stays_off_when_brought_back(session, tree, published):
    _cat, rule = published
    village = regions.create_village(session, _code("V"), "n3村", region=tree["north"])
    dc.take_district_rules(session, village, off=[rule.id], actor=ACTOR)
    dc.retire_district_rule(session, rule, actor=ACTOR)
    edits.restore_district_rule(session, rule, actor=ACTOR)
    assert not _own(session, village, rule).is_active


def test_renames_and_restores_read_as_sentences(session, tree, published):
    cat, rule = published
    edits.rename_district_rule(session, rule, "照料老人", actor=ACTOR)
    edits.rename_district_rule(session, rule, "照料老人", "Elder care", actor=ACTOR)
    edits.rename_district_category(session, cat, "孝亲", actor=ACTOR)
    edits.rename_district_category(session, cat, "孝亲", "Filial piety", actor=ACTOR)
    catalog.set_rule_active(session, _own(session, tree["s1"], rule), False, actor="staff:b")
    dc.retire_district_rule(session, rule, actor=ACTOR)
    edits.restore_district_rule(session, rule, actor=ACTOR)
    rows = session.execute(
        select(Journal.kind, Journal.ref, Journal.memo).where(
            Journal.village_id.in_([tree["n1"].id, tree["s1"].id]),
            Journal.memo.like("district %"),
        )
    ).all()
    said = {memo: sentences.say(kind, ref, memo) for kind, ref, memo in rows}
    assert all(s is not None for s in said.values()), said
    renamed = said["district rename: 照顾老人 -> 照料老人"]
    assert renamed.fields == {"old": "照顾老人", "new": "照料老人"}
    assert said["district rename en: 照料老人 -> Elder care"].fields["name_en"] == "Elder care"
    assert said["district category rename en: 孝亲 -> Filial piety"].text == (
        words.CATEGORY_RENAMED_EN
    )
    assert said["district restore, off here: 照料老人"].text == words.RESTORED_OFF


def test_the_command_line_renames_and_brings_back(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DEVICE": "GJG-K1"})
    schema.upgrade(app.extensions["kiosk_db"].engine)
    register(app)
    runner = app.test_cli_runner()
    try:
        for args in (
            ["region", "district", "NK", "南康区"],
            ["region", "township", "NK", "NK-TJ", "唐江镇"],
            ["village", "create", "GJG", "高尖沟村", "--in", "NK-TJ"],
            ["region", "rules", "category", "NK", "clean", "积美"],
            ["region", "rules", "add", "NK", "clean", "乱倒垃圾", "--", "-5", "-8", "-3"],
        ):
            done = runner.invoke(args=args)
            assert done.exit_code == 0, done.output
        with app.extensions["kiosk_db"].reader() as db:
            rule_id = db.scalar(select(DistrictRule.id))
        for args, said in (
            (["rename", "NK", str(rule_id), "乱扔垃圾", "--name-en", "Littering"], "now 乱扔垃圾"),
            (["rename-category", "NK", "clean", "美丽庭院"], "category clean now 美丽庭院"),
            (["retire", "NK", str(rule_id)], "retired"),
            (["restore", "NK", str(rule_id)], "switched on in 1 villages"),
        ):
            done = runner.invoke(args=["region", "rules", *args])
            assert done.exit_code == 0 and said in done.output, done.output
        wrong = runner.invoke(args=["region", "rules", "rename-category", "NK", "nope", "x"])
        assert wrong.exit_code != 0 and "unknown_rule" in wrong.output
        with app.extensions["kiosk_db"].reader() as db:
            own = db.scalar(select(Rule).where(Rule.district_rule_id == rule_id))
            assert (own.name, own.name_en, own.is_active) == ("乱扔垃圾", "Littering", True)
            assert own.category.name == "美丽庭院"
    finally:
        app.extensions["kiosk_db"].engine.dispose()
