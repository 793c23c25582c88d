"""The district's catalogue of rules (区县统一积分项目) on SQLite and PostgreSQL: items the district
publishes arrive in every village of the district and none beyond; a village switches them off,
adjusts their points only within the district's range and keeps its own items; the district's
new points are followed or clamped, its retirement reaches every village; only the district's
members change the district's rows, everyone of the district reads them."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from kiosk.app import create_app
from kiosk.cli import register
from shop import regions, schema, scope, staff
from shop.errors import DomainError
from shop.ledger import sentences
from shop.models import DistrictRule, Journal, Rule, RuleCategory
from shop.points import catalog
from shop.points import district_catalog as dc
from shop.regions import setup as village_setup
from shop.scope import for_staff

ACTOR = "staff:nk-admin"


def _code(stem: str) -> str:
    return f"{stem}{uuid.uuid4().hex[:8]}"


@pytest.fixture
def tree(session):
    district = regions.create_district(session, _code("D"), "南康区")
    north = regions.create_township(session, district, _code("T"), "唐江镇")
    south = regions.create_township(session, district, _code("T"), "龙岭镇")
    other = regions.create_district(session, _code("D"), "上犹县")
    far = regions.create_township(session, other, _code("T"), "东山镇")
    made = {"district": district, "other": other, "north": north, "south": south, "far": far}
    for key, town in (("n1", north), ("s1", south), ("f1", far)):
        made[key] = regions.create_village(session, _code("V"), f"{key}村", region=town)
    return made


@pytest.fixture
def published(session, tree):
    """The district publishes one category with one item (+3, a village may set 1..5)."""
    cat = dc.add_district_category(session, tree["district"], "filial", "积孝", actor=ACTOR)
    rule = dc.add_district_rule(session, cat, "照顾老人", 3, 1, 5, actor=ACTOR)
    return cat, rule


def _own(session, village, district_rule) -> Rule | None:
    return session.scalar(
        select(Rule)
        .join(RuleCategory, RuleCategory.id == Rule.category_id)
        .where(RuleCategory.village_id == village.id, Rule.district_rule_id == district_rule.id)
    )


def _memos(session, village) -> list[str]:
    return list(session.scalars(select(Journal.memo).where(Journal.village_id == village.id)))


def test_a_published_item_arrives_in_every_village_of_the_district_and_none_beyond(
    session, tree, published
):
    _cat, rule = published
    for key in ("n1", "s1"):
        own = _own(session, tree[key], rule)
        assert own is not None and own.is_active and own.points == 3
        assert own.category.name == "积孝" and own.category.district_category_id is not None
        assert "district rule +3 range +1..+5: 照顾老人" in _memos(session, tree[key])
    assert _own(session, tree["f1"], rule) is None
    assert not any("照顾老人" in m for m in _memos(session, tree["f1"]))
    merged = [r.name for _c, rules in catalog.rules_catalog(session, tree["n1"].id) for r in rules]
    assert merged == ["照顾老人"]


def test_a_village_that_had_its_own_rules_keeps_them_and_receives_new_items(session, tree):
    village = tree["n1"]
    own_cat = catalog.add_category(session, village, "filial", "孝老", actor="staff:a")
    own = catalog.add_rule(session, own_cat, "看望父母", 2, actor="staff:a")
    cat = dc.add_district_category(session, tree["district"], "filial", "积孝", actor=ACTOR)
    rule = dc.add_district_rule(session, cat, "照顾老人", 3, 1, 5, actor=ACTOR)
    arrived = _own(session, village, rule)
    # Same code: one heading at the kiosk, the village's own item still its own.
    assert arrived.category_id == own_cat.id and own.district_rule_id is None and own.is_active
    names = {r.name for _c, rules in catalog.rules_catalog(session, village.id) for r in rules}
    assert names == {"看望父母", "照顾老人"}


def test_a_village_switches_an_inherited_item_off_and_on_alone(session, tree, published):
    _cat, rule = published
    mine = _own(session, tree["n1"], rule)
    catalog.set_rule_active(session, mine, False, actor="staff:a")
    assert not mine.is_active and _own(session, tree["s1"], rule).is_active
    assert [r for _c, rs in catalog.rules_catalog(session, tree["n1"].id) for r in rs] == []
    catalog.set_rule_active(session, mine, True, actor="staff:a")
    assert mine.is_active


def test_a_village_adjusts_points_only_within_the_districts_range(session, tree, published):
    _cat, rule = published
    mine = _own(session, tree["n1"], rule)
    for wrong in (0, 6, -2, 100):
        with pytest.raises(DomainError) as refused:
            dc.adjust_rule_points(session, mine, wrong, actor="staff:a")
        assert refused.value.code == "points_outside_range"
    assert mine.points == 3
    dc.adjust_rule_points(session, mine, 5, actor="staff:a")
    assert mine.points == 5 and _own(session, tree["s1"], rule).points == 3
    assert "adjust points +3 -> +5: 照顾老人" in _memos(session, tree["n1"])
    own_cat = catalog.add_category(session, tree["n1"], "local", "本村", actor="staff:a")
    local = catalog.add_rule(session, own_cat, "防溺水宣传", 2, actor="staff:a")
    with pytest.raises(DomainError) as refused:
        dc.adjust_rule_points(session, local, 3, actor="staff:a")
    assert refused.value.code == "not_district_rule"


def test_the_districts_new_points_are_followed_or_clamped(session, tree, published):
    _cat, rule = published
    village = regions.create_village(session, _code("V"), "n2村", region=tree["north"])
    taken = dc.take_district_rules(session, village, actor=ACTOR)
    assert taken == 1
    kept, adjusted, low = (_own(session, tree["n1"], rule), _own(session, tree["s1"], rule),
                           _own(session, village, rule))  # fmt: skip
    dc.adjust_rule_points(session, adjusted, 4, actor="staff:b")
    dc.adjust_rule_points(session, low, 1, actor="staff:c")
    dc.change_district_rule(session, rule, 6, 2, 8, actor=ACTOR)
    assert (kept.points, adjusted.points, low.points) == (6, 4, 2)
    assert "district points +1 -> +2 range +2..+8: 照顾老人" in _memos(session, village)
    with pytest.raises(DomainError) as refused:
        dc.change_district_rule(session, rule, 6, -1, 8, actor=ACTOR)
    assert refused.value.code == "invalid_points_range"
    with pytest.raises(DomainError) as refused:
        dc.change_district_rule(session, rule, 9, 2, 8, actor=ACTOR)
    assert refused.value.code == "invalid_points_range"
    assert rule.points == 6


def test_a_retired_item_is_retired_everywhere_and_stays_off(session, tree, published):
    _cat, rule = published
    dc.retire_district_rule(session, rule, actor=ACTOR)
    for key in ("n1", "s1"):
        mine = _own(session, tree[key], rule)
        assert not mine.is_active
        assert "district retire: 照顾老人" in _memos(session, tree[key])
        with pytest.raises(DomainError) as refused:
            catalog.set_rule_active(session, mine, True, actor="staff:a")
        assert refused.value.code == "district_rule_retired"
        with pytest.raises(DomainError) as refused:
            dc.adjust_rule_points(session, mine, 4, actor="staff:a")
        assert refused.value.code == "district_rule_retired"


def test_opening_a_village_takes_the_items_chosen_the_rest_switched_off(session, tree, published):
    cat, rule = published
    second = dc.add_district_rule(session, cat, "邻里互助", 2, 1, 3, actor=ACTOR)
    plan = village_setup.FirstRun(
        village_code=_code("V"),
        village_name="新开村",
        admin_username=_code("adm"),
        admin_password="new-village-1",
        kiosks=(village_setup.KioskPlan(_code("K")[:12]),),
        district_rules_off=frozenset({second.id}),
    )
    village = village_setup.open_village(session, plan, tree["north"], actor=ACTOR)
    assert _own(session, village, rule).is_active
    assert not _own(session, village, second).is_active
    assert "district catalogue taken: 2 items, 1 off" in _memos(session, village)


def _confine(session, member):
    reach = for_staff(session, member)
    session.flush()
    session.expunge_all()
    scope.bind(session, reach)


def test_a_village_admin_reads_the_districts_items_but_cannot_change_them(session, tree, published):
    _cat, rule = published
    admin = staff.create_staff(session, _code("u"), "admin", "secret-pass-1", village=tree["n1"])
    _confine(session, admin)
    try:
        seen = session.get(DistrictRule, rule.id)
        assert seen is not None and seen.points_max == 5
        seen.points_max = 50
        with pytest.raises(DomainError) as refused:
            session.flush()
        assert refused.value.code == "not_found"
    finally:
        session.rollback()
        scope.bind(session, None)


def test_the_districts_items_are_read_by_its_townships_only(session, tree, published):
    _cat, rule = published
    near = staff.create_staff(
        session, _code("u"), "township_admin", "secret-pass-1", township=tree["south"]
    )
    far = staff.create_staff(
        session, _code("u"), "township_admin", "secret-pass-1", township=tree["far"]
    )
    far_village = staff.create_staff(
        session, _code("u"), "admin", "secret-pass-1", village=tree["f1"]
    )
    rule_id = rule.id
    try:
        for outsider in (far, far_village):
            scope.bind(session, None)
            _confine(session, session.merge(outsider))
            assert session.get(DistrictRule, rule_id) is None
            assert session.scalars(select(DistrictRule.id)).all() == []
        scope.bind(session, None)
        _confine(session, session.merge(near))
        assert session.get(DistrictRule, rule_id) is not None
        with pytest.raises(DomainError) as refused:
            dc.retire_district_rule(session, session.get(DistrictRule, rule_id), actor="x")
        assert refused.value.code == "not_found"
    finally:
        session.expunge_all()
        scope.bind(session, None)


def test_only_the_districts_admin_changes_it(session, tree, published):
    _cat, rule = published
    boss = staff.create_staff(
        session, _code("u"), "district_admin", "secret-pass-1", district=tree["district"]
    )
    rule_id = rule.id
    _confine(session, boss)
    try:
        dc.change_district_rule(session, session.get(DistrictRule, rule_id), 4, 1, 5, actor="x")
        session.flush()
    finally:
        scope.bind(session, None)
    assert session.get(DistrictRule, rule_id).points == 4
    assert _own(session, tree["n1"], rule).points == 4


def test_what_the_catalogue_writes_reads_as_a_sentence(session, tree, published):
    village = regions.create_village(session, _code("V"), "n3村", region=tree["north"])
    dc.take_district_rules(session, village, off=[published[1].id], actor=ACTOR)
    dc.adjust_rule_points(session, _own(session, tree["n1"], published[1]), 4, actor="staff:a")
    dc.change_district_rule(session, published[1], 2, 1, 3, actor=ACTOR)
    dc.retire_district_rule(session, published[1], actor=ACTOR)
    rows = session.execute(
        select(Journal.kind, Journal.ref, Journal.memo).where(
            Journal.village_id.in_([village.id, tree["n1"].id]), Journal.kind == "staff_change"
        )
    ).all()
    memos = [memo for _k, _r, memo in rows]
    assert any(m.startswith("district catalogue taken: 1 items, 1 off") for m in memos)
    for kind, ref, memo in rows:
        assert sentences.say(kind, ref, memo) is not None, memo


def test_the_command_line_publishes_changes_and_retires(tmp_path):
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
        ):
            done = runner.invoke(args=args)
            assert done.exit_code == 0, done.output
        added = runner.invoke(args=["region", "rules", "add", "NK", "clean", "乱倒垃圾", "--",
                                    "-5", "-8", "-3"])  # fmt: skip
        assert "sent to 1 villages" in added.output, added.output
        rule_id = int(added.output.split("#")[1].split()[0])
        wrong = runner.invoke(args=["region", "rules", "set", "NK", str(rule_id), "--", "-5",
                                    "-3", "-4"])  # fmt: skip
        assert wrong.exit_code != 0 and "invalid_points_range" in wrong.output
        later = runner.invoke(args=["village", "create", "XK", "新开村", "--in", "NK-TJ"])
        assert "with the district's 1 points items" in later.output, later.output
        assert runner.invoke(args=["region", "rules", "retire", "NK", str(rule_id)]).exit_code == 0
        listed = runner.invoke(args=["region", "rules", "list", "NK"]).output
        assert f"#{rule_id}\t-5\t-8..-3\t乱倒垃圾\tretired" in listed
        with app.extensions["kiosk_db"].reader() as db:
            owns = db.scalars(select(Rule).where(Rule.district_rule_id == rule_id)).all()
            assert [(r.points, r.is_active) for r in owns] == [(-5, False), (-5, False)]
    finally:
        app.extensions["kiosk_db"].engine.dispose()
