"""The region tree (district -> township -> village) and the scopes it gives staff, on SQLite and
PostgreSQL: a township's member sees every village of the township and nothing of another; a
village's member sees no region rows; a village is opened only in a township one holds."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from shop import regions, scope, staff
from shop.errors import DomainError
from shop.models import District, Household, StaffUser, Township, Village
from shop.scope import Scope, for_staff


def _code(stem: str) -> str:
    return f"{stem}{uuid.uuid4().hex[:8]}"


@pytest.fixture
def tree(session):
    district = regions.create_district(session, _code("D"), "南康区")
    north = regions.create_township(session, district, _code("T"), "唐江镇")
    south = regions.create_township(session, district, _code("T"), "龙岭镇")
    other_district = regions.create_district(session, _code("D"), "上犹县")
    far = regions.create_township(session, other_district, _code("T"), "东山镇")
    made = {"district": district, "north": north, "south": south, "far": far}
    for key, town in (("n1", north), ("n2", north), ("s1", south), ("f1", far)):
        made[key] = regions.create_village(session, _code("V"), f"{key}村", region=town)
    return made


def _confine(session, reach):
    """Bind a scope, with nothing already in the identity map (get() would answer from it)."""
    session.flush()
    session.expunge_all()
    scope.bind(session, reach)


def _member(session, role, **place):
    return staff.create_staff(session, _code("u"), role, "secret-pass-1", **place)


def test_a_village_opened_by_names_lands_in_that_township(session):
    village = regions.create_village(
        session, _code("V"), "高尖沟村", county=_code("县"), township="大城子镇"
    )
    town = session.get(Township, village.township_id)
    assert town.name == "大城子镇"
    again = regions.create_village(
        session,
        _code("V"),
        "二村",
        county=session.get(District, town.district_id).name,
        township="大城子镇",
    )
    assert again.township_id == village.township_id


def test_a_village_without_names_goes_to_the_default_township(session):
    village = regions.create_village(session, _code("V"), "无名村")
    town = session.get(Township, village.township_id)
    assert town.name == regions.operations.DEFAULT_TOWNSHIP


def test_township_staff_see_their_townships_villages_only(session, tree):
    member = _member(session, "township_admin", township=tree["north"])
    reach = for_staff(session, member)
    assert reach.villages == {tree["n1"].id, tree["n2"].id}
    assert reach.townships == {tree["north"].id}
    _confine(session, reach)
    try:
        seen = set(session.scalars(select(Village.id)))
        assert seen == {tree["n1"].id, tree["n2"].id}
        assert set(session.scalars(select(Township.id))) == {tree["north"].id}
        assert session.scalars(select(District.id)).all() == []
        assert session.get(Village, tree["s1"].id) is None
    finally:
        scope.bind(session, None)


def test_district_staff_see_every_village_of_the_district_and_none_beyond(session, tree):
    member = _member(session, "district_viewer", district=tree["district"])
    reach = for_staff(session, member)
    assert reach.villages == {tree[k].id for k in ("n1", "n2", "s1")}
    _confine(session, reach)
    try:
        assert set(session.scalars(select(Township.id))) == {tree["north"].id, tree["south"].id}
        assert session.get(Village, tree["f1"].id) is None
        assert session.get(Township, tree["far"].id) is None
    finally:
        scope.bind(session, None)


def test_village_staff_see_no_region_rows_nor_the_region_staff(session, tree):
    boss = _member(session, "township_admin", township=tree["north"])
    clerk = _member(session, "clerk", village=tree["n1"])
    _confine(session, for_staff(session, clerk))
    try:
        assert session.scalars(select(Township.id)).all() == []
        assert session.get(StaffUser, boss.id) is None
        assert session.get(StaffUser, clerk.id) is not None
    finally:
        scope.bind(session, None)


def test_a_township_admin_opens_a_village_in_their_township_but_not_in_another(session, tree):
    member = _member(session, "township_admin", township=tree["north"])
    _confine(session, for_staff(session, member))
    try:
        opened = regions.create_village(session, _code("V"), "新村", region=tree["north"])
        assert session.get(Village, opened.id) is not None  # holds the new village at once
        with pytest.raises(DomainError) as refused:
            south = session.get(Township, tree["south"].id)
            assert south is None  # cannot even see it
            regions.create_village(session, _code("V"), "越界村", region=tree["south"])
        assert refused.value.code == "not_found"
    finally:
        scope.bind(session, None)


def test_narrowed_to_a_picked_village_reads_only_that_village(session, tree, create_household):
    create_household(target=tree["n1"])
    create_household(target=tree["n2"])
    member = _member(session, "township_admin", township=tree["north"])
    reach = for_staff(session, member)
    _confine(session, reach.narrowed(tree["n2"].id))
    try:
        villages = set(session.scalars(select(Household.village_id)))
        assert villages == {tree["n2"].id}
    finally:
        scope.bind(session, None)
    assert reach.narrowed(tree["s1"].id) == Scope.of([])


def test_a_region_role_must_name_its_region(session, tree):
    with pytest.raises(DomainError):
        _member(session, "township_admin", village=tree["n1"])
    with pytest.raises(DomainError):
        _member(session, "district_admin", township=tree["north"])
    with pytest.raises(DomainError):
        _member(session, "clerk", township=tree["north"])
