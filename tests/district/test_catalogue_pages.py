"""区县积分项目 through the pages, on SQLite and PostgreSQL: the district's admin publishes an item
and it shows on each village's 积分项目 page (区县统一, its range), at the kiosk's apply screen and
in the monthly notice once awarded, and nowhere in another district; a village switches it off
and sets its points only within the range; a village's admin, a viewer and townships read the
district's catalogue but cannot change it; another district's admin cannot reach it by id."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kiosk.app import create_app
from shop import clock, households, points, regions, schema, staff
from shop.db import unit_of_work
from shop.models import DistrictRule, Household, Rule, RuleCategory, Village
from tests.backoffice.conftest import PASSWORD, StaffClient
from tests.conftest import new_backend
from tests.kiosk.conftest import KioskClient, screen_of


@pytest.fixture
def world(backend_name, tmp_path):
    backend = new_backend(backend_name, tmp_path, create=False)
    folder = tmp_path / "instance"
    folder.mkdir()
    app = create_app(
        {
            "INSTANCE_PATH": str(folder),
            "SECRET_KEY": "catalogue",
            "TESTING": True,
            "PRINTER": "preview",
            "DEVICE": "VA-K1",
            "DATABASE_URL": backend.url,
        }
    )
    db = app.extensions["kiosk_db"]
    schema.upgrade(db.engine)
    with unit_of_work(db.writer) as s:
        nk = regions.create_district(s, "NK", "南康区")
        tj = regions.create_township(s, nk, "NK-TJ", "唐江镇")
        ll = regions.create_township(s, nk, "NK-LL", "龙岭镇")
        sy = regions.create_district(s, "SY", "上犹县")
        ds = regions.create_township(s, sy, "SY-DS", "东山镇")
        a = regions.create_village(s, "VA", "甲村", region=tj)
        regions.create_village(s, "VB", "乙村", region=ll)
        c = regions.create_village(s, "VC", "丙村", region=ds)
        regions.create_kiosk(s, a, "VA-K1", "甲村1号机")
        own = points.add_category(s, a, "local", "本村特色", actor="test")
        points.add_rule(s, own, "防溺水宣传", 2, actor="test")
        home = households.create_household(s, a, "01-001", "甲户主", actor="test")
        _, code = households.issue_passbook(s, home, actor="test")
        for name, role, place in (
            ("nk-admin", "district_admin", {"district": nk}),
            ("nk-view", "district_viewer", {"district": nk}),
            ("tj-admin", "township_admin", {"township": tj}),
            ("ds-admin", "township_admin", {"township": ds}),
            ("sy-admin", "district_admin", {"district": sy}),
            ("a-admin", "admin", {"village": a}),
            ("c-admin", "admin", {"village": c}),
        ):
            staff.create_staff(s, name, role, PASSWORD, **place)
    yield app, {"code": code}
    db.engine.dispose()
    backend.dispose()


def _in(app, username: str) -> StaffClient:
    client = StaffClient(app)
    assert client.login(username).status_code == 303
    return client


def _publish(app) -> int:
    """The district's admin adds 积孝 and 照顾老人 (+3, villages 1..5) through the page."""
    admin = _in(app, "nk-admin")
    page = admin.get("/backoffice/region/rules")
    assert page.status_code == 200 and "区县还没有统一的积分项目" in page.text
    added = admin.post("/backoffice/region/rules/categories", {"code": "filial", "name": "积孝"})
    assert added.status_code == 303
    page = admin.get("/backoffice/region/rules").text
    category_id = int(page.split('name="category_id"><option value="')[1].split('"')[0])
    form = {"category_id": category_id, "name": "照顾老人", "points": 3}
    refused = admin.post("/backoffice/region/rules", {**form, "points_min": 4, "points_max": 5})
    assert "可调范围不对" in admin.get(refused.location).text
    sent = admin.post("/backoffice/region/rules", {**form, "points_min": 1, "points_max": 5})
    assert "已发到本区县每个村" in admin.get(sent.location).text
    with app.extensions["kiosk_db"].reader() as db:
        return db.scalar(select(DistrictRule.id).where(DistrictRule.name == "照顾老人"))


def _village_rule(app, village_code: str, district_rule_id: int) -> Rule | None:
    with app.extensions["kiosk_db"].reader() as db:
        return db.scalar(
            select(Rule)
            .join(RuleCategory, RuleCategory.id == Rule.category_id)
            .join(Village, Village.id == RuleCategory.village_id)
            .where(Village.code == village_code, Rule.district_rule_id == district_rule_id)
        )


def test_a_published_item_shows_in_the_districts_villages_only(world):
    app, _w = world
    rule_id = _publish(app)
    page = _in(app, "a-admin").get("/backoffice/rules").text
    assert "照顾老人" in page and "区县统一" in page and "可调范围 +1 ～ +5 分" in page
    assert "防溺水宣传" in page and "本村" in page
    assert _village_rule(app, "VB", rule_id).is_active
    assert _village_rule(app, "VC", rule_id) is None
    assert "照顾老人" not in _in(app, "c-admin").get("/backoffice/rules").text
    assert "照顾老人" not in _in(app, "ds-admin").get("/backoffice/region/rules").text
    assert "照顾老人" in _in(app, "tj-admin").get("/backoffice/region/rules").text


def test_a_village_sets_points_within_the_range_and_switches_the_item_off(world):
    app, _w = world
    rule_id = _publish(app)
    mine = _village_rule(app, "VA", rule_id)
    admin = _in(app, "a-admin")
    refused = admin.post(f"/backoffice/rules/{mine.id}/points", {"points": 9})
    assert "这个项目的分值要在区县规定的范围之内" in admin.get(refused.location).text
    assert _village_rule(app, "VA", rule_id).points == 3
    admin.post(f"/backoffice/rules/{mine.id}/points", {"points": 5})
    assert _village_rule(app, "VA", rule_id).points == 5
    assert _village_rule(app, "VB", rule_id).points == 3
    admin.post(f"/backoffice/rules/{mine.id}/active", {"active": "0"})
    assert not _village_rule(app, "VA", rule_id).is_active
    assert _village_rule(app, "VB", rule_id).is_active
    # The district's new points: VB (kept 3) follows; VA (set 5) is clamped into 2..4.
    district = _in(app, "nk-admin")
    district.post(f"/backoffice/region/rules/{rule_id}", {"points": 4, "points_min": 2,
                                                          "points_max": 4})  # fmt: skip
    assert _village_rule(app, "VB", rule_id).points == 4
    assert _village_rule(app, "VA", rule_id).points == 4
    district.post(f"/backoffice/region/rules/{rule_id}/retire")
    assert not _village_rule(app, "VB", rule_id).is_active
    switched = admin.post(f"/backoffice/rules/{mine.id}/active", {"active": "1"})
    assert "区县已经停用" in admin.get(switched.location).text
    assert not _village_rule(app, "VA", rule_id).is_active


def test_no_one_but_the_districts_admin_changes_the_districts_items(world):
    app, _w = world
    rule_id = _publish(app)
    change = {"points": 5, "points_min": 5, "points_max": 9}
    for username in ("a-admin", "nk-view", "tj-admin", "ds-admin"):
        client = _in(app, username)
        assert client.post(f"/backoffice/region/rules/{rule_id}", change).status_code == 403
        assert client.post(f"/backoffice/region/rules/{rule_id}/retire").status_code == 403
    outsider = _in(app, "sy-admin")
    answer = outsider.post(f"/backoffice/region/rules/{rule_id}", change)
    assert "照顾老人" not in outsider.get(answer.location).text
    outsider.post(f"/backoffice/region/rules/{rule_id}/retire")
    with app.extensions["kiosk_db"].reader() as db:
        rule = db.get(DistrictRule, rule_id)
        assert (rule.points, rule.points_min, rule.is_active) == (3, 1, True)
    assert _village_rule(app, "VA", rule_id).points == 3


def test_the_kiosk_and_the_notice_show_the_merged_catalogue(world):
    app, w = world
    rule_id = _publish(app)
    kiosk = KioskClient(app)
    visit = kiosk.nonce(kiosk.scan(w["code"]))
    catalog = kiosk.post("/apply", {"visit": visit})
    assert screen_of(catalog) == ("apply", None)
    assert "照顾老人" in catalog.text and "防溺水宣传" in catalog.text and "积孝" in catalog.text
    assert "categories/filial.svg" in catalog.text
    mine = _village_rule(app, "VA", rule_id)
    with unit_of_work(app.extensions["kiosk_db"].writer) as db:
        home = db.scalar(select(Household).where(Household.number == "01-001"))
        points.award_points(db, home, rule=db.get(Rule, mine.id), actor="staff:a-admin")
    month = clock.today().strftime("%Y-%m")
    notice = _in(app, "a-admin").get(f"/backoffice/reports/notice?month={month}").text
    assert "照顾老人" in notice and "积孝" in notice
    _in(app, "a-admin").post(f"/backoffice/rules/{mine.id}/active", {"active": "0"})
    visit = kiosk.nonce(kiosk.scan(w["code"]))
    catalog = kiosk.post("/apply", {"visit": visit})
    assert "照顾老人" not in catalog.text and "防溺水宣传" in catalog.text


def test_opening_a_village_takes_the_ticked_items(world):
    app, _w = world
    rule_id = _publish(app)
    admin = _in(app, "tj-admin")
    form = admin.get("/backoffice/region/open").text
    assert "区县统一积分项目" in form and f'name="rule_taken" value="{rule_id}" checked' in form
    with app.extensions["kiosk_db"].reader() as db:
        township_id = db.scalar(select(Village.township_id).where(Village.code == "VA"))
    opened = admin.post(
        "/backoffice/region/open",
        {
            "village_name": "新开村",
            "village_code": "VN",
            "township_id": township_id,
            "kiosk_code_0": "VN-K1",
            "admin_username": "vn-admin",
            "admin_password": "new-village-1",
            "admin_password2": "new-village-1",
            "rule_offered": str(rule_id),
        },
    )
    assert opened.status_code == 303, opened.text[:2000]
    assert not _village_rule(app, "VN", rule_id).is_active
