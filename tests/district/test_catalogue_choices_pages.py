"""A village's say on the district's items and the district's renames and restores, through
the pages on SQLite and PostgreSQL: 调整分值 to the district's own value keeps it the village's,
跟随区县 gives it back; the district renames an item and a category and brings a retired item
back, and each village's 积分项目 shows it; only the district's admin may."""

from __future__ import annotations

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
