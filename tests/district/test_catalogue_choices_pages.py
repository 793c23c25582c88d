"""A village's say on the district's items and the district's renames and restores, through
the pages on SQLite and PostgreSQL: 调整分值 to the district's own value keeps it the village's,
跟随区县 gives it back; the district renames an item and a category and brings a retired item
back, and each village's 积分项目 shows it; only the district's admin may."""

from __future__ import annotations

from shop import regions
from shop.db import unit_of_work
from tests.district.test_catalogue_pages import _in, _publish, _village_rule, world

__all__ = ["world"]  # the fixture


def test_a_village_keeps_the_districts_value_as_its_own_then_follows_again(world):
    app, _w = world
    rule_id = _publish(app)
    mine = _village_rule(app, "VA", rule_id)
    admin = _in(app, "a-admin")
    page = admin.get("/backoffice/rules").text
    assert "跟随区县" in page and "本村定分" not in page
    admin.post(f"/backoffice/rules/{mine.id}/points", {"points": 3})
    page = admin.get("/backoffice/rules").text
    assert "本村定分，区县 +3 分" in page and f"/backoffice/rules/{mine.id}/follow" in page
    district = _in(app, "nk-admin")
    district.post(f"/backoffice/region/rules/{rule_id}", {"points": 4, "points_min": 1,
                                                          "points_max": 5})  # fmt: skip
    assert _village_rule(app, "VA", rule_id).points == 3
    assert _village_rule(app, "VB", rule_id).points == 4
    done = admin.post(f"/backoffice/rules/{mine.id}/follow")
    assert "本项目的分值跟随区县" in admin.get(done.location).text
    assert _village_rule(app, "VA", rule_id).points == 4
    assert f"/backoffice/rules/{mine.id}/follow" not in admin.get("/backoffice/rules").text


def test_the_district_renames_and_brings_back_an_item_on_its_page(world):
    app, _w = world
    rule_id = _publish(app)
    district = _in(app, "nk-admin")
    page = district.get("/backoffice/region/rules").text
    category_id = int(page.split("/backoffice/region/rules/categories/")[1].split("/")[0])
    for username in ("a-admin", "nk-view", "tj-admin"):
        client = _in(app, username)
        for path in (f"/region/rules/{rule_id}/rename", f"/region/rules/{rule_id}/restore",
                     f"/region/rules/categories/{category_id}/rename"):  # fmt: skip
            assert client.post("/backoffice" + path, {"name": "乱改"}).status_code == 403
    outsider = _in(app, "sy-admin")
    outsider.post(f"/backoffice/region/rules/{rule_id}/rename", {"name": "乱改"})
    assert _village_rule(app, "VA", rule_id).name == "照顾老人"
    done = district.post(f"/backoffice/region/rules/{rule_id}/rename",
                         {"name": "照料老人", "name_en": "Elder care"})  # fmt: skip
    assert "已发到本区县每个村" in district.get(done.location).text
    district.post(f"/backoffice/region/rules/categories/{category_id}/rename",
                  {"name": "孝亲", "name_en": "Filial piety"})  # fmt: skip
    village = _in(app, "a-admin")
    page = village.get("/backoffice/rules").text
    assert "照料老人" in page and "照顾老人" not in page and "孝亲" in page
    mine = _village_rule(app, "VB", rule_id)
    assert (mine.name, mine.name_en) == ("照料老人", "Elder care")
    district.post(f"/backoffice/region/rules/{rule_id}/retire")
    page = district.get("/backoffice/region/rules").text
    assert f"/backoffice/region/rules/{rule_id}/restore" in page
    back = district.post(f"/backoffice/region/rules/{rule_id}/restore")
    assert "已恢复" in district.get(back.location).text
    assert _village_rule(app, "VA", rule_id).is_active
    assert "区县已停用" not in village.get("/backoffice/rules").text


def test_a_village_moved_to_another_district_shows_its_kept_items_as_its_own(world):
    app, _w = world
    rule_id = _publish(app)
    with unit_of_work(app.extensions["kiosk_db"].writer) as db:
        village = regions.get_village(db, "VA")
        regions.move_village(db, village, regions.get_township(db, "SY-DS"), actor="cli")
    page = _in(app, "a-admin").get("/backoffice/rules").text
    assert "照顾老人" in page and "原区县：南康区" in page and "区县统一" not in page
    assert _village_rule(app, "VA", rule_id) is None
